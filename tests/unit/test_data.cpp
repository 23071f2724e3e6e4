// Data in: the IDX, CIFAR-10 and .npy readers on valid and broken files, the loader's order,
// coverage and scaling, the Swiss-roll sampler, and the real data sets.
#define BOOST_TEST_MODULE data
#include <boost/test/unit_test.hpp>

#include <ctnn/data/cifar.hpp>
#include <ctnn/data/datasets.hpp>
#include <ctnn/data/idx.hpp>
#include <ctnn/data/loader.hpp>
#include <ctnn/data/npy.hpp>
#include <ctnn/data/swissroll.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <numbers>
#include <set>

#include <unistd.h>

#include "support/data_files.hpp"

using namespace ctnn;
using namespace ctnn::data;
using ctnn::test::Bytes;
namespace fs = std::filesystem;

namespace {

/// A fresh directory for the files one test writes, removed afterwards.
struct TempDir {
    fs::path dir = fs::temp_directory_path() / ("ctnn_data_" + std::to_string(::getpid()));
    TempDir() {
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    ~TempDir() { fs::remove_all(dir); }
    fs::path file(const std::string& name, const Bytes& bytes) const {
        ctnn::test::write_file(dir / name, bytes);
        return dir / name;
    }
};

/// Runs f, which must throw a DataError whose message starts with the file's name and contains
/// every one of `parts`.
void expect_error(const std::function<void()>& f, const fs::path& file, const std::vector<std::string>& parts) {
    try {
        f();
        BOOST_ERROR("no DataError for " << file);
    } catch (const DataError& e) {
        const std::string msg = e.what();
        BOOST_TEST_CONTEXT("message: " << msg) {
            BOOST_TEST(msg.rfind(file.string() + ": ", 0) == 0);
            for (const auto& p : parts) {
                BOOST_TEST_INFO("expected part: " << p);
                BOOST_TEST(msg.find(p) != std::string::npos);
            }
        }
    }
}

std::string message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const DataError& e) {
        return e.what();
    }
    return "no DataError";
}

void expect_message(const std::function<void()>& f, const std::string& want) { BOOST_TEST(message_of(f) == want); }

Bytes cut(Bytes b, std::size_t n) {
    b.resize(n);
    return b;
}
Bytes cat(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

}  // namespace

// ---- IDX ---------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(idx_raw_and_gzip_read_the_same_values) {
    TempDir t;
    const Bytes images = test::idx_images(5, 4, 3), labels = test::idx_labels(5);
    const auto raw = read_idx<Shape<1, 4, 3>>(t.file("i", images), t.file("l", labels));
    const auto gz = read_idx<Shape<1, 4, 3>>(t.file("i.gz", test::gzip(images)), t.file("l.gz", test::gzip(labels)));
    BOOST_TEST(raw.size() == 5u);
    BOOST_TEST(raw.samples == Bytes(images.begin() + 16, images.end()), boost::test_tools::per_element());
    BOOST_TEST(raw.labels == (std::vector<std::int32_t>{0, 1, 2, 3, 4}), boost::test_tools::per_element());
    BOOST_TEST(gz.samples == raw.samples, boost::test_tools::per_element());
    BOOST_TEST(gz.labels == raw.labels, boost::test_tools::per_element());
    // The same file fits a [4, 3] sample and the flat 12-vector of an MLP.
    BOOST_TEST((read_idx_images<Shape<4, 3>>(t.dir / "i").samples == raw.samples));
    BOOST_TEST(read_idx_images<Shape<12>>(t.dir / "i.gz").samples == raw.samples);
    // Concatenated gzip members are one stream, as gunzip reads them.
    const Bytes whole = test::gzip(images);
    const Bytes two = cat(test::gzip(Bytes(images.begin(), images.begin() + 10)), test::gzip(Bytes(images.begin() + 10, images.end())));
    BOOST_TEST((read_idx_images<Shape<1, 4, 3>>(t.file("two.gz", two)).samples == raw.samples));
}

BOOST_AUTO_TEST_CASE(idx_truncated_and_trailing_bytes) {
    TempDir t;
    const Bytes mnist_header = test::idx_file({60000, 28, 28}, {});
    const fs::path p = t.file("train-images-idx3-ubyte.gz", cat(mnist_header, Bytes(1000 - 16, 0)));
    expect_message([&] { read_idx_images<Shape<1, 28, 28>>(p); },
                   p.string() + ": truncated: header says 60000 images of 28x28 (47040016 bytes) but the file has 1000 bytes");
    const fs::path gz = t.file("short.gz", test::gzip(cut(test::idx_images(5, 4, 3), 40)));
    expect_message([&] { read_idx_images<Shape<1, 4, 3>>(gz); },
                   gz.string() + ": truncated: header says 5 images of 4x3 (76 bytes) but the decompressed file has 40 bytes");
    const fs::path longer = t.file("long", cat(test::idx_images(5, 4, 3), Bytes(7, 0)));
    expect_message([&] { read_idx_images<Shape<1, 4, 3>>(longer); },
                   longer.string() + ": trailing garbage: header says 5 images of 4x3 (76 bytes) but the file has 83 bytes");
    expect_error([&] { read_idx_labels(t.file("l", cat(test::idx_labels(3), {1}))); }, t.dir / "l",
                 {"trailing garbage: header says 3 labels (11 bytes) but the file has 12 bytes"});
    expect_error([&] { read_idx_labels(t.file("h", {0, 0, 8, 1, 0, 0})); }, t.dir / "h",
                 {"truncated header: 1 dimension needs 8 header bytes but the file has 6"});
    expect_error([&] { read_idx_labels(t.file("m", {0, 0, 8})); }, t.dir / "m", {"truncated", "has 3 bytes"});
}

BOOST_AUTO_TEST_CASE(idx_bad_headers) {
    TempDir t;
    expect_error([&] { read_idx_images<Shape<1, 4, 3>>(t.file("magic", {'P', 'K', 3, 4, 0, 0, 0, 0})); },
                 t.dir / "magic", {"not an IDX file: magic number 0x504B0304", "0x00000803"});
    Bytes f32 = test::idx_images(1, 4, 3);
    f32[2] = 0x0D;
    expect_error([&] { read_idx_images<Shape<1, 4, 3>>(t.file("f32", f32)); }, t.dir / "f32",
                 {"unsupported IDX dtype float32 (magic number 0x00000D03)"});
    f32[2] = 0x42;
    expect_error([&] { read_idx_images<Shape<1, 4, 3>>(t.file("dtype", f32)); }, t.dir / "dtype",
                 {"invalid dtype byte 0x42"});
    const fs::path labels = t.file("labels", test::idx_labels(4));
    expect_error([&] { read_idx_images<Shape<1, 4, 3>>(labels); }, labels,
                 {"an IDX image file has at least 2 dimensions (magic number 0x00000803) but this one has 1"});
    const fs::path images = t.file("images", test::idx_images(4, 4, 3));
    expect_error([&] { read_idx_labels(images); }, images,
                 {"an IDX label file has 1 dimension (magic number 0x00000801) but this one has 3"});
    expect_error([&] { read_idx_images<Shape<1, 4, 3>>(t.file("zero", test::idx_file({10, 0, 3}, {}))); },
                 t.dir / "zero", {"impossible dimensions [10, 0, 3]: dimension 1 is zero"});
    expect_error([&] { read_idx_labels(t.file("zero_n", test::idx_file({0}, {}))); }, t.dir / "zero_n",
                 {"dimension 0 is zero"});
    const std::uint32_t huge = 0xFFFFFFFF;
    expect_error([&] { read_idx_images<Shape<1, 4, 3>>(t.file("huge", test::idx_file({huge, huge, huge}, {}))); },
                 t.dir / "huge", {"impossible dimensions [4294967295, 4294967295, 4294967295]: more than 2^62 bytes"});
    // A header claiming 4 billion 4x3 images of a tiny file: refused without allocating for them.
    expect_error([&] { read_idx_images<Shape<1, 4, 3>>(t.file("many", test::idx_file({huge, 4, 3}, {1, 2}))); },
                 t.dir / "many", {"truncated: header says 4294967295 images of 4x3 (51539607556 bytes) but the file has 18 bytes"});
    Bytes bad_label = test::idx_labels(12);
    bad_label.back() = 10;
    expect_error([&] { read_idx_labels(t.file("label", bad_label)); }, t.dir / "label",
                 {"label 10 at index 11 is outside [0, 10)"});
}

BOOST_AUTO_TEST_CASE(idx_wrong_sample_shape_names_both_shapes) {
    TempDir t;
    const fs::path p = t.file("mnist", test::idx_images(2, 28, 28));
    expect_message([&] { read_idx_images<Shape<1, 32, 32>>(p); },
                   p.string() + ": sample shape [28, 28] does not match the network's input shape [1, 32, 32]");
    expect_error([&] { read_idx_images<Shape<3, 28, 28>>(p); }, p, {"[28, 28]", "[3, 28, 28]"});
    expect_error([&] { read_idx_images<Shape<28, 28, 1>>(p); }, p, {"[28, 28, 1]"});
    expect_error([&] { read_idx_images<Shape<785>>(p); }, p, {"[785]"});
    BOOST_TEST(read_idx_images<Shape<784>>(p).size() == 2u);
    BOOST_TEST((read_idx_images<Shape<1, 1, 28, 28>>(p).size() == 2u));
}

BOOST_AUTO_TEST_CASE(idx_corrupt_gzip) {
    TempDir t;
    const Bytes good = test::gzip(test::idx_images(20, 8, 8));
    Bytes block = good;
    block[10] = 0xFF;  // the first deflate block (after the 10-byte gzip header): type 3 is reserved
    expect_error([&] { read_idx_images<Shape<1, 8, 8>>(t.file("block.gz", block)); }, t.dir / "block.gz",
                 {"corrupt gzip data: invalid block type"});
    Bytes crc = good;
    crc[crc.size() - 6] ^= 1;  // the CRC-32 in the trailer
    expect_error([&] { read_idx_images<Shape<1, 8, 8>>(t.file("crc.gz", crc)); }, t.dir / "crc.gz",
                 {"corrupt gzip data: incorrect data check"});
    expect_error([&] { read_idx_images<Shape<1, 8, 8>>(t.file("cut.gz", cut(good, good.size() / 2))); },
                 t.dir / "cut.gz", {"corrupt gzip: the compressed data ends before the end of the stream"});
    expect_error([&] { read_idx_images<Shape<1, 8, 8>>(t.file("tail.gz", cat(good, {0, 0, 0}))); },
                 t.dir / "tail.gz", {"trailing garbage after the gzip stream"});
    expect_error([&] { read_idx_images<Shape<1, 8, 8>>(t.file("tail1.gz", cat(good, {'x'}))); },
                 t.dir / "tail1.gz", {"trailing garbage after the gzip stream"});
    expect_error([&] { read_idx_images<Shape<1, 8, 8>>(t.file("magic.gz", {0x1f, 0x8b})); }, t.dir / "magic.gz",
                 {"corrupt gzip"});
}

BOOST_AUTO_TEST_CASE(missing_empty_and_directory_each_have_their_message) {
    TempDir t;
    const fs::path missing = t.dir / "nope-idx3-ubyte.gz";
    expect_message([&] { read_idx_images<Shape<1, 28, 28>>(missing); },
                   missing.string() + ": no such file");
    const fs::path empty = t.file("empty", {});
    expect_message([&] { read_idx_labels(empty); }, empty.string() + ": empty file");
    expect_message([&] { read_cifar10(empty); }, empty.string() + ": empty file");
    expect_message([&] { read_npy<Shape<2>>(empty); }, empty.string() + ": empty file");
    expect_message([&] { read_npy<Shape<2>>(t.dir); }, t.dir.string() + ": is a directory, not a file");
    expect_message([&] { read_cifar10(t.dir); }, t.dir.string() + ": is a directory, not a file");
    expect_message([&] { read_idx_labels("/dev/null"); }, "/dev/null: is not a regular file");
}

// ---- CIFAR-10 ----------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(cifar_records) {
    TempDir t;
    const Bytes three = test::cifar_file(3);
    const auto d = read_cifar10(t.file("data_batch_1.bin", three));
    static_assert(std::is_same_v<decltype(d), const Dataset<Shape<3, 32, 32>>>);
    BOOST_TEST(d.size() == 3u);
    BOOST_TEST(d.labels == (std::vector<std::int32_t>{0, 1, 2}), boost::test_tools::per_element());
    BOOST_TEST(d.sample(2)[0] == 2);      // red (0, 0) of record 2
    BOOST_TEST(d.sample(2)[1024] == 2);   // green (0, 0): (2 + 1024) % 256
    BOOST_TEST(d.sample(1)[3071] == 0);   // blue (31, 31): (1 + 3071) % 256
    const auto both = read_cifar10<Shape<3072>>({t.dir / "data_batch_1.bin", t.file("b2.gz", test::gzip(three))});
    BOOST_TEST(both.size() == 6u);
    BOOST_TEST(both.labels[5] == 2);

    expect_error([&] { read_cifar10(t.file("odd", cut(three, 3073 * 2 + 5))); }, t.dir / "odd",
                 {"size 6151 bytes is not a whole number of records of shape [3, 32, 32] (1 label byte + 3072 pixel bytes = "
                  "3073 bytes each): 2 records and 5 bytes left over"});
    expect_error([&] { read_cifar10(t.file("odd.gz", test::gzip(cut(three, 100)))); }, t.dir / "odd.gz",
                 {"size 100 bytes (decompressed) is not a whole number"});
    expect_error([&] { read_cifar10(t.file("c100", Bytes(3074 * 2, 1))); }, t.dir / "c100", {"a CIFAR-100 file?"});
    Bytes bad = three;
    bad[3073] = 200;
    expect_error([&] { read_cifar10(t.file("label", bad)); }, t.dir / "label",
                 {"record 1: label 200 is not a class 0-9"});
    expect_error([&] { read_cifar10(t.dir / "data_batch_9.bin"); }, t.dir / "data_batch_9.bin", {"no such file"});
}

// ---- .npy --------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(npy_round_trip_float32_nchw) {
    TempDir t;
    using S = Shape<3, 4, 5>;
    Dataset<S, float> d;
    for (int i = 0; i < 2 * 60; ++i) d.samples.push_back(0.25f * static_cast<float>(i) - 7.0f);
    write_npy(t.dir / "x.npy", d);
    const auto back = read_npy<S>(t.dir / "x.npy");
    BOOST_TEST(back.samples == d.samples, boost::test_tools::per_element());
    BOOST_TEST(read_npy<Shape<60>>(t.dir / "x.npy").size() == 2u);
    // numpy's header, as np.load expects it.
    std::ifstream f(t.dir / "x.npy", std::ios::binary);
    std::string head(128, '\0');
    f.read(head.data(), 128);
    BOOST_TEST(head.find("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4, 5), }") != std::string::npos);

    // A tensor on a device; and uint8 data.
    const auto x = Tensor<Shape<2>, Cpu>::from_host({1, 2, 3, 4, 5, 6});
    write_npy(t.dir / "t.npy", x);
    BOOST_TEST(read_npy<Shape<2>>(t.dir / "t.npy").samples == x.to_host(), boost::test_tools::per_element());
    Dataset<Shape<2, 2>, std::uint8_t> bytes{{1, 2, 3, 255}, {}};
    write_npy(t.dir / "u.npy", bytes);
    BOOST_TEST((read_npy<Shape<2, 2>, std::uint8_t>(t.dir / "u.npy").samples == bytes.samples));

    // A header of 182 bytes, which xtensor 0.24's own reader misreads.
    using Long = Shape<1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2>;
    write_npy<Long>(t.dir / "long.npy", std::span<const float>(d.samples.data(), 4));
    BOOST_TEST(fs::file_size(t.dir / "long.npy") == 10u + 182u + 16u);
    BOOST_TEST(read_npy<Long>(t.dir / "long.npy").samples == std::vector<float>(d.samples.begin(), d.samples.begin() + 4));
}

BOOST_AUTO_TEST_CASE(npy_invalid_files) {
    TempDir t;
    const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    const Bytes payload(24, 0);
    BOOST_TEST(read_npy<Shape<3>>(t.file("ok.npy", test::npy_file(dict, payload))).size() == 2u);
    expect_error([&] { read_npy<Shape<3>>(t.file("a.npy", {'P', 'K', 3, 4, 5, 6, 7, 8, 9})); }, t.dir / "a.npy",
                 {"not a .npy file"});
    Bytes v3 = test::npy_file(dict, payload);
    v3[6] = 3;
    expect_error([&] { read_npy<Shape<3>>(t.file("v3.npy", v3)); }, t.dir / "v3.npy",
                 {"unsupported .npy format version 3.0"});
    expect_error([&] { read_npy<Shape<3>>(t.file("short.npy", test::npy_file(dict, Bytes(23, 0)))); },
                 t.dir / "short.npy", {"truncated: header says shape [2, 3] of <f4 (152 bytes) but the file has 151 bytes"});
    expect_error([&] { read_npy<Shape<3>>(t.file("long.npy", test::npy_file(dict, Bytes(25, 0)))); },
                 t.dir / "long.npy", {"trailing garbage"});
    expect_error([&] { read_npy<Shape<3>>(t.file("f8.npy", test::npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", Bytes(48, 0)))); },
                 t.dir / "f8.npy", {"dtype '<f8' (float64) where '<f4' (float32) was asked for"});
    // Images are read as either float32 or uint8 (found from the header, not by trying); the
    // message for anything else says both.
    const fs::path f8 = t.dir / "f8.npy";
    expect_error([&] { read_npy_images<Shape<3>>(f8); }, f8,
                 {"dtype '<f8' (float64): images are read as float32 ('<f4', values in [0, 1]) or uint8 ('|u1', 0-255)"});
    const Bytes u8{0, 51, 255, 102, 0, 204};
    const auto images = read_npy_images<Shape<3>>(t.file("u8.npy", test::npy_file("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }", u8)));
    BOOST_TEST(images.samples == (std::vector<float>{0.0f, 0.2f, 1.0f, 0.4f, 0.0f, 0.8f}), boost::test_tools::per_element());
    BOOST_TEST(read_npy_images<Shape<3>>(t.dir / "ok.npy").samples == std::vector<float>(6, 0.0f), boost::test_tools::per_element());
    expect_error([&] { read_npy<Shape<3>>(t.file("fo.npy", test::npy_file("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", payload))); },
                 t.dir / "fo.npy", {"fortran_order is True"});
    expect_error([&] { read_npy<Shape<2>>(t.dir / "ok.npy"); }, t.dir / "ok.npy",
                 {"sample shape [3] does not match the network's input shape [2]"});
    expect_error([&] { read_npy<Shape<3>>(t.file("z.npy", test::npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }", {}))); },
                 t.dir / "z.npy", {"impossible shape [0, 3]: dimension 0 is zero"});
    expect_error([&] { read_npy<Shape<3>>(t.file("big.npy", test::npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (4000000000, 4000000000, 3), }", {}))); },
                 t.dir / "big.npy", {"more than 2^62 bytes"});
    for (const std::string bad : {"{'descr': '<f4', 'shape': (2, 3), }", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }",
                                  "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 1}", "[]", "",
                                  "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}"}) {
        BOOST_TEST_INFO("header: " << bad);
        expect_error([&] { read_npy<Shape<3>>(t.file("bad.npy", test::npy_file(bad, payload))); }, t.dir / "bad.npy",
                     {"malformed .npy header"});
    }
    Bytes hlen = test::npy_file(dict, payload);
    hlen[8] = 0xFF;
    hlen[9] = 0x7F;
    expect_error([&] { read_npy<Shape<3>>(t.file("hlen.npy", hlen)); }, t.dir / "hlen.npy",
                 {"truncated: the header says it is 32767 bytes long but the file has"});
    const std::vector<float> six(6);
    BOOST_CHECK_THROW(write_npy<Shape<4>>(t.dir / "w.npy", std::span<const float>(six)), DataError);
}

// ---- loader ------------------------------------------------------------------------------------

namespace {

/// n one-value samples whose value and label are their index (so a batch says which it holds).
Dataset<Shape<1>, std::uint8_t> numbered(int n) {
    Dataset<Shape<1>, std::uint8_t> d;
    for (int i = 0; i < n; ++i) {
        d.samples.push_back(static_cast<std::uint8_t>(i));
        d.labels.push_back(i);
    }
    return d;
}

/// The labels of each batch of a new epoch.
std::vector<std::vector<std::int32_t>> epoch_labels(DataLoader<Shape<1>>& l) {
    std::vector<std::vector<std::int32_t>> out;
    for (const auto& b : l.epoch()) out.emplace_back(b.labels.data(), b.labels.data() + b.labels.batch);
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(loader_every_sample_once_per_epoch) {
    for (bool drop_last : {false, true}) {
        DataLoader loader(numbered(103), {.batch_size = 10, .drop_last = drop_last, .scaling = Scaling::none, .seed = 7});
        BOOST_TEST(loader.batches_per_epoch() == (drop_last ? 10u : 11u));
        for (int epoch = 0; epoch < 3; ++epoch) {
            std::multiset<std::int32_t> seen;
            std::size_t batches = 0;
            for (const auto& b : loader.epoch()) {
                BOOST_TEST(b.index == batches);
                BOOST_TEST(b.x.batch == (batches < 10 ? 10u : 3u));
                const std::vector<float> x(b.x.data(), b.x.data() + b.x.batch);
                for (std::size_t k = 0; k < b.x.batch; ++k) {
                    BOOST_TEST(x[k] == static_cast<float>(b.labels.data()[k]));  // labels follow their samples
                    seen.insert(b.labels.data()[k]);
                }
                ++batches;
            }
            BOOST_TEST(batches == loader.batches_per_epoch());
            BOOST_TEST(seen.size() == (drop_last ? 100u : 103u));
            BOOST_TEST(std::set<std::int32_t>(seen.begin(), seen.end()).size() == seen.size());  // none twice
            BOOST_TEST(loader.epochs() == std::size_t(epoch + 1));
        }
    }
}

BOOST_AUTO_TEST_CASE(loader_order_is_seeded) {
    DataLoader a(numbered(50), {.batch_size = 8, .seed = 1}), b(numbered(50), {.batch_size = 8, .seed = 1}),
        c(numbered(50), {.batch_size = 8, .seed = 2});
    const auto a1 = epoch_labels(a), b1 = epoch_labels(b), c1 = epoch_labels(c);
    BOOST_TEST(a1 == b1);
    BOOST_TEST(a1 != c1);
    const auto a2 = epoch_labels(a);
    BOOST_TEST(a2 != a1);  // a fresh order each epoch
    BOOST_TEST(a2 == epoch_labels(b));
    std::vector<std::int32_t> flat;
    for (const auto& batch : a1) flat.insert(flat.end(), batch.begin(), batch.end());
    std::vector<std::int32_t> sorted = flat;
    std::sort(sorted.begin(), sorted.end());
    BOOST_TEST(flat != sorted);
    // Without shuffling: the stored order, as DataLoader(shuffle=False) in seed 001.
    DataLoader plain(numbered(5), {.batch_size = 2, .shuffle = false});
    BOOST_TEST(epoch_labels(plain) == (std::vector<std::vector<std::int32_t>>{{0, 1}, {2, 3}, {4}}));
}

// A position saved after any batch (mid-epoch, at an epoch's end, between epochs) and restored
// into a fresh loader gives the batches the first loader goes on to give.
BOOST_AUTO_TEST_CASE(loader_position_restores_exactly) {
    const auto take = [](auto& loader, int n) {
        std::vector<std::vector<std::int32_t>> out;
        for (int i = 0; i < n; ++i) {
            auto b = loader.next();
            if (!b) b = loader.next();
            out.emplace_back(b->labels.data(), b->labels.data() + b->labels.batch);
        }
        return out;
    };
    for (int cut : {0, 1, 3, 7, 8, 12}) {  // 7 batches per epoch
        BOOST_TEST_CONTEXT("cut after batch " << cut) {
            DataLoader a(numbered(50), {.batch_size = 8, .seed = 3});
            take(a, cut);
            const std::string state = a.state();
            DataLoader b(numbered(50), {.batch_size = 8, .seed = 3});
            b.restore(state);
            BOOST_TEST(take(a, 16) == take(b, 16));
            BOOST_TEST(a.epochs() == b.epochs());
        }
    }
    DataLoader a(numbered(50), {.batch_size = 8, .seed = 3});
    a.next();
    DataLoader other_batch(numbered(50), {.batch_size = 4, .seed = 3}), other_data(numbered(49), {.batch_size = 8, .seed = 3});
    for (auto* l : {&other_batch, &other_data}) {
        try {
            l->restore(a.state());
            BOOST_ERROR("a position of another loader was restored");
        } catch (const std::invalid_argument& e) {
            BOOST_TEST(std::string(e.what()).find("another data set or batch size") != std::string::npos, e.what());
        }
    }
    BOOST_CHECK_THROW(other_batch.check_state("loader-1 50 4 1 1 99 x"), std::invalid_argument);
    BOOST_CHECK_THROW(other_batch.check_state("garbage"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(loader_next_ends_each_epoch_and_reuses_buffers) {
    DataLoader loader(numbered(7), {.batch_size = 3});
    const float* first = nullptr;
    for (int epoch = 0; epoch < 2; ++epoch) {
        int n = 0;
        while (auto b = loader.next()) {
            if (!first) first = b->x.data();
            BOOST_TEST(b->x.data() == first);  // one buffer, reused by every batch
            ++n;
        }
        BOOST_TEST(n == 3);
    }
    BOOST_TEST(loader.epochs() == 2u);
}

BOOST_AUTO_TEST_CASE(loader_scaling) {
    Dataset<Shape<2, 2>, std::uint8_t> bytes{{0, 1, 128, 255, 255, 0, 7, 9}, {}};
    const auto values = [](auto& loader) {
        const auto b = loader.next();
        return std::vector<float>(b->x.data(), b->x.data() + b->x.size());
    };
    DataLoader unit(bytes, {.batch_size = 2, .shuffle = false});
    DataLoader sym(bytes, {.batch_size = 2, .shuffle = false, .scaling = Scaling::symmetric});
    DataLoader none(bytes, {.batch_size = 2, .shuffle = false, .scaling = Scaling::none});
    const auto u = values(unit), s = values(sym), n = values(none);
    for (std::size_t i = 0; i < u.size(); ++i) {
        const float b = static_cast<float>(bytes.samples[i]);
        BOOST_TEST(n[i] == b);
        BOOST_TEST(u[i] == b / 255.0f);                    // ToTensor, bit for bit
        BOOST_TEST(s[i] == (b / 255.0f - 0.5f) / 0.5f);     // then Normalize(0.5, 0.5)
        BOOST_TEST(u[i] >= 0.0f);
        BOOST_TEST(u[i] <= 1.0f);
        BOOST_TEST(s[i] >= -1.0f);
        BOOST_TEST(s[i] <= 1.0f);
    }
    BOOST_TEST(s[0] == -1.0f);
    BOOST_TEST(s[3] == 1.0f);
    BOOST_TEST(u[3] == 1.0f);
    // Float samples are taken as [0, 1] already.
    Dataset<Shape<2>, float> floats{{0.0f, 0.25f, 1.0f, 0.5f}, {}};
    DataLoader<Shape<2>, Cpu, float, float> fsym(floats, {.batch_size = 4, .shuffle = false, .scaling = Scaling::symmetric});
    BOOST_TEST(values(fsym) == (std::vector<float>{-1.0f, -0.5f, 1.0f, 0.0f}), boost::test_tools::per_element());
    // Doubles, for gradient checks.
    DataLoader<Shape<2, 2>, Cpu, double> dbl(bytes, {.batch_size = 1, .shuffle = false});
    BOOST_TEST(dbl.next()->x.data()[2] == 128.0 / 255.0);
}

BOOST_AUTO_TEST_CASE(loader_refuses_bad_options) {
    const auto make = [](Dataset<Shape<1>, std::uint8_t> d, LoaderOptions o) { DataLoader l(std::move(d), o); };
    BOOST_CHECK_THROW(make(numbered(5), {.batch_size = 0}), std::invalid_argument);
    BOOST_CHECK_THROW(make(numbered(5), {.batch_size = 6, .drop_last = true}), std::invalid_argument);
    BOOST_CHECK_THROW(make(numbered(0), {.batch_size = 1}), std::invalid_argument);
    auto d = numbered(5);
    d.labels.pop_back();
    BOOST_CHECK_THROW(make(d, {.batch_size = 1}), std::invalid_argument);
    // Unlabelled data: empty label views.
    d.labels.clear();
    DataLoader l(d, {.batch_size = 2});
    BOOST_TEST(l.next()->labels.batch == 0u);
}

// ---- Swiss roll (seed 000) ---------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(swiss_roll_is_seed_000s) {
    Rng rng(42), again(42);
    const index_t n = 200'000;
    const std::vector<float> p = swiss_roll(rng, n);
    BOOST_TEST(p.size() == 2 * n);
    BOOST_TEST(p == swiss_roll(again, n));
    const double a = 1.5 * std::numbers::pi, b = 4.5 * std::numbers::pi;
    double mx = 0, my = 0, mt = 0;
    for (index_t i = 0; i < n; ++i) {
        const double x = p[2 * i], y = p[2 * i + 1];
        const double t = 15.0 * std::hypot(x, y);  // the radius is t / 15
        BOOST_TEST_REQUIRE(t >= a - 1e-5);
        BOOST_TEST_REQUIRE(t < b + 1e-5);
        // No noise: the angle is t itself (mod 2 pi).
        const double turn = std::remainder(std::atan2(y, x) - t, 2 * std::numbers::pi);
        BOOST_TEST_REQUIRE(std::abs(turn) < 1e-4);
        mx += x;
        my += y;
        mt += t;
    }
    mx /= n, my /= n, mt /= n;
    // E over t ~ U[a, b) of t cos t / 15 and t sin t / 15, from the antiderivatives.
    const auto ex = [](double t) { return t * std::sin(t) + std::cos(t); };
    const auto ey = [](double t) { return -t * std::cos(t) + std::sin(t); };
    const double want_x = (ex(b) - ex(a)) / (b - a) / 15, want_y = (ey(b) - ey(a)) / (b - a) / 15;
    // Standard errors are below 0.0015 at n = 200,000; 4 of them is 0.006.
    BOOST_TEST(std::abs(mx - want_x) < 0.006);
    BOOST_TEST(std::abs(my - want_y) < 0.006);
    BOOST_TEST(std::abs(mt - 3 * std::numbers::pi) < 0.05);  // 4 standard errors

    // Batches on the device, as the GAN step takes them.
    Rng r1(5), r2(5);
    SwissRoll<> sampler(r1);
    const auto& batch = sampler.sample(128);
    BOOST_TEST(batch.batch() == 128u);
    BOOST_TEST(batch.to_host() == swiss_roll(r2, 128));
    SwissRoll<Cpu, double> dsampler(r1);
    BOOST_TEST(dsampler.sample(3).batch() == 3u);
}

// ---- real data sets ----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(datasets_say_how_to_install_them) {
    TempDir t;
    ::setenv("CTNN_DATA_DIR", t.dir.c_str(), 1);
    const std::string msg = message_of([] { mnist_digits(Split::train); });
    BOOST_TEST(msg.find("MNIST digits (train) not found") == 0u);
    BOOST_TEST(msg.find(t.dir.string() + "/mnist") != std::string::npos);
    BOOST_TEST(msg.find("run: bash scripts/prepare-data.sh") != std::string::npos);
    fs::create_directories(t.dir / "mnist");
    t.file("mnist/t10k-images-idx3-ubyte", test::idx_images(3, 28, 28));
    t.file("mnist/t10k-labels-idx1-ubyte", test::idx_labels(3));
    BOOST_TEST(mnist_digits<Shape<784>>(Split::test).size() == 3u);
    ::unsetenv("CTNN_DATA_DIR");
    ::setenv("CTNN_FASHION_MNIST_DIR", t.dir.c_str(), 1);
    BOOST_TEST(message_of([] { fashion_mnist(Split::test); }).find("run: bash scripts/prepare-data.sh") != std::string::npos);
    ::unsetenv("CTNN_FASHION_MNIST_DIR");
}

namespace {
bool have_fashion() { return fs::exists("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"); }
bool have_mnist() {
    try {
        mnist_digits(Split::test);
        return true;
    } catch (const DataError&) {
        return false;
    }
}
void check_classes(const std::vector<std::int32_t>& labels, std::size_t min_per_class) {
    std::map<std::int32_t, std::size_t> count;
    for (auto l : labels) ++count[l];
    BOOST_TEST(count.size() == 10u);
    for (auto [l, c] : count) BOOST_TEST(c >= min_per_class);
}
}  // namespace

BOOST_AUTO_TEST_CASE(fashion_mnist_from_debian, *boost::unit_test::precondition([](auto) { return have_fashion(); })) {
    const auto train = fashion_mnist(Split::train);
    const auto test = fashion_mnist<Shape<784>>(Split::test);
    BOOST_TEST(train.size() == 60000u);
    BOOST_TEST(test.size() == 10000u);
    check_classes(train.labels, 6000);
    check_classes(test.labels, 1000);
}

BOOST_AUTO_TEST_CASE(mnist_digits_full, *boost::unit_test::precondition([](auto) { return have_mnist(); })) {
    const auto train = mnist_digits(Split::train), test = mnist_digits(Split::test);
    BOOST_TEST(train.size() == 60000u);
    BOOST_TEST(test.size() == 10000u);
    check_classes(train.labels, 5421);  // the rarest class, 5: 5,421 training and 892 test digits
    check_classes(test.labels, 892);
    // The original files' order.
    const std::vector<std::int32_t> first{5, 0, 4, 1, 9, 2, 1, 3, 1, 4}, first_test{7, 2, 1, 0, 4, 1, 4, 9, 5, 9};
    BOOST_TEST(std::vector<std::int32_t>(train.labels.begin(), train.labels.begin() + 10) == first, boost::test_tools::per_element());
    BOOST_TEST(std::vector<std::int32_t>(test.labels.begin(), test.labels.begin() + 10) == first_test, boost::test_tools::per_element());
    // Real digits: mostly dark background, some bright strokes.
    std::size_t dark = 0, bright = 0;
    for (auto v : train.samples) {
        dark += v == 0;
        bright += v > 128;
    }
    BOOST_TEST(dark > train.samples.size() / 2);
    BOOST_TEST(bright > train.samples.size() / 20);
}

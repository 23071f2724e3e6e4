#include <ctnn/ctnn.hpp>
// expect: composition_mismatch<ctnn::Shape<3, 64, 64>, ctnn::Shape<3, 62, 62>, ctnn::error::generator_output_vs_discriminator_input<ctnn::Sequential<ctnn::Input<100, 1, 1>
// A DCGAN generator whose last layer has padding 2 where 1 was meant: 3x62x62 images for a
// discriminator of 3x64x64.
#include <ctnn/train/gan.hpp>
using namespace ctnn;
using G = Sequential<Input<100, 1, 1>, ConvTranspose2d<100, 64, 4, 1, 0>, ReLU, ConvTranspose2d<64, 32, 4, 2, 1>,
                     ReLU, ConvTranspose2d<32, 16, 4, 2, 1>, ReLU, ConvTranspose2d<16, 8, 4, 2, 1>, ReLU,
                     ConvTranspose2d<8, 3, 4, 2, 2>, Tanh>;
using D = Sequential<Input<3, 64, 64>, Conv2d<3, 16, 4, 2, 1>, LeakyReLU<0.2>, Flatten, Linear<16 * 32 * 32, 1>>;
using Bad = Gan<G, D, Adam<Cpu, float>, Adam<Cpu, float>>;
// Training it too: the steps add no error of their own.
void train(Rng& rng, ConstView<Shape<3, 64, 64>, Cpu, float> real, ConstView<Shape<100, 1, 1>, Cpu, float> z) {
    Bad gan(rng, {}, {}, {});
    gan.step([&] { return real; });
    gan.d_step(real, z);
    gan.g_step(z);
}

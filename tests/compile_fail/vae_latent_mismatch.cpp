#include <ctnn/ctnn.hpp>
// expect: composition_mismatch<ctnn::Shape<40>, ctnn::Shape<20>, ctnn::error::encoder_output_vs_twice_decoder_input<ctnn::Sequential<ctnn::Input<1, 28, 28>
// An encoder that outputs Z = 20 values where mu and log-variance need 2 * 20.
#include <ctnn/train/vae.hpp>
using namespace ctnn;
using E = Sequential<Input<1, 28, 28>, Flatten, Linear<784, 128>, ReLU, Linear<128, 20>>;
using D = Sequential<Input<20>, Linear<20, 784>, Reshape<1, 28, 28>>;
using Bad = Vae<E, D, Adam<Cpu, float>>;
// Training it too: the step adds no error of its own.
void train(Rng& rng, ConstView<Shape<1, 28, 28>, Cpu, float> x) {
    Bad vae(rng, {}, {});
    vae.step(x, x);
}

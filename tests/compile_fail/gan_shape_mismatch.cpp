// expect: composition_mismatch<ctnn::error::generator_output_vs_discriminator_input, ctnn::Shape<1, 28, 28>, ctnn::Shape<784>
// A generator of 784 features against a discriminator of 1x28x28 images (seed 003 flattens
// inside D's forward; ctnn wants the shapes to say so).
#include <ctnn/ctnn.hpp>
#include <ctnn/train/gan.hpp>
using namespace ctnn;
using G = Sequential<Input<10>, Linear<10, 784>, Tanh>;
using D = Sequential<Input<1, 28, 28>, Flatten, Linear<784, 1>>;
using Bad = Gan<G, D, Adam<Cpu, float>, Adam<Cpu, float>>;
void make(Rng& rng) { Bad gan(rng, {}, {}, {}); }

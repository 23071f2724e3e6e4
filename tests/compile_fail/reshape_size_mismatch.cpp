#include <ctnn/ctnn.hpp>
// expect: reshape_size_mismatch<3, ctnn::Reshape<128, 7, 7>
// expect: ctnn::Shape<128, 7, 7>, ctnn::Shape<3136>
// The InfoGAN generator with a slip: 7*7*64 features reshaped to 128 x 7 x 7.
using namespace ctnn;
using Bad = Sequential<Input<10>, Linear<10, 1024>, ReLU, Linear<1024, 7 * 7 * 64>, Reshape<128, 7, 7>,
                       ConvTranspose2d<128, 1, 4, 2, 1>, Tanh>;
void run(Rng& rng) {
    Network<Bad> net(rng);
    Tensor<Shape<10>, Cpu> z(2);
    net.backward(net.forward(z));
}

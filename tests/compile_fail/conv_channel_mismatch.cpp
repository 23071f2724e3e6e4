#include <ctnn/ctnn.hpp>
// expect: channel_mismatch<0, ctnn::Conv2d<3, 64, 4, 2, 1
// expect: ctnn::Shape<3>, ctnn::Shape<1, 64, 64>
// An RGB discriminator fed single-channel images.
using namespace ctnn;
using Bad = Sequential<Input<1, 64, 64>, Conv2d<3, 64, 4, 2, 1>, LeakyReLU<0.2>, Conv2d<64, 1, 32>, Flatten>;
void run(Rng& rng) {
    Network<Bad> net(rng);
    Tensor<Shape<1, 64, 64>, Cpu> x(2);
    net.backward(net.forward(x));
}

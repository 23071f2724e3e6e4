#include <ctnn/ctnn.hpp>
// expect: kernel_larger_than_input<2, ctnn::Conv2d<32, 64, 5
// expect: ctnn::Shape<5, 5>, ctnn::Shape<3, 3>
// The cs231n discriminator on 10x10 images: after a 5x5 convolution and a 2x2 pool only 3x3 is
// left, too small for its second 5x5 convolution.
using namespace ctnn;
using Bad = Sequential<Input<1, 10, 10>, Conv2d<1, 32, 5>, MaxPool2d<2>, Conv2d<32, 64, 5>, LeakyReLU<0.01>,
                       MaxPool2d<2>, Flatten, Linear<64, 1>>;
void run(Rng& rng) {
    Network<Bad> net(rng);
    Tensor<Shape<1, 10, 10>, Cpu> x(2);
    net.backward(net.forward(x));
}

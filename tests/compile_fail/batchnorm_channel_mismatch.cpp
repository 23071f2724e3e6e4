#include <ctnn/ctnn.hpp>
// expect: channel_mismatch<3, ctnn::BatchNorm2d<64
// expect: ctnn::Shape<64>, ctnn::Shape<128, 16, 16>
// The DCGAN discriminator with BatchNorm2d<64> after its 128-channel convolution: one error, not
// one more for every layer after it.
using namespace ctnn;
using Bad = Sequential<Input<3, 64, 64>, Conv2d<3, 64, 4, 2, 1, false>, LeakyReLU<0.2>,
                       Conv2d<64, 128, 4, 2, 1, false>, BatchNorm2d<64>, LeakyReLU<0.2>,
                       Conv2d<128, 256, 4, 2, 1, false>, BatchNorm2d<256>, LeakyReLU<0.2>,
                       Conv2d<256, 512, 4, 2, 1, false>, BatchNorm2d<512>, LeakyReLU<0.2>,
                       Conv2d<512, 1, 4, 1, 0, false>, Sigmoid>;
std::string table() { return summary<Bad>(); }  // the summary stays quiet too
void run(Rng& rng) {
    Network<Bad> net(rng);
    Tensor<Shape<3, 64, 64>, Cpu> x(2);
    net.backward(net.forward(x));
}

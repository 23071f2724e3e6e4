#include <ctnn/ctnn.hpp>
// expect: spectral_norm_needs_weight<2, ctnn::MaxPool2d<2
// A spectral-normalised discriminator whose wrapper landed on the pooling layer, which has no weight.
using namespace ctnn;
using Bad = Sequential<Input<1, 28, 28>, SpectralNorm<Conv2d<1, 32, 5>>, LeakyReLU<0.01>, SpectralNorm<MaxPool2d<2>>,
                       Flatten, SpectralNorm<Linear<32 * 12 * 12, 1>>>;
void run(Rng& rng) {
    Network<Bad> net(rng);
    Tensor<Shape<1, 28, 28>, Cpu> x(2);
    net.backward(net.forward(x));
}

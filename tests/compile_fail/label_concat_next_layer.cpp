#include <ctnn/ctnn.hpp>
// expect: input_shape_mismatch<2, ctnn::Linear<784, 512
// expect: ctnn::Shape<784>, ctnn::Shape<794>
// PyTorch-GAN's cgan discriminator with the label's 10 embedded values forgotten in the first
// Linear: it takes 784 features where image and label give 794.
using namespace ctnn;
using Bad = Sequential<Input<1, 28, 28>, Flatten, ConcatLabel<Embedding<10, 10>>, Linear<784, 512>, LeakyReLU<0.2>,
                       Linear<512, 1>>;
void run(Rng& rng) {
    Network<Bad> net(rng);
    Tensor<Shape<1, 28, 28>, Cpu> x(2);
    Tensor<Shape<1>, Cpu, std::int32_t> labels(2);
    net.backward(net.forward(x, labels));
}

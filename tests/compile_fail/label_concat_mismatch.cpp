#include <ctnn/ctnn.hpp>
// expect: label_concat_mismatch<1, ctnn::ConcatLabel<ctnn::Embedding<10, 100>, ctnn::Along::channels>
// expect: ctnn::Shape<16, 28, 28>, ctnn::Shape<100>
// A conditional discriminator that joins its label as extra channels of a 28x28 image, from an
// embedding of 100 values where 28 * 28 = 784 (one channel) was meant; the convolution after it
// and the passes stay quiet.
using namespace ctnn;
using Bad = Sequential<Input<1, 28, 28>, Conv2d<1, 16, 3, 1, 1>, ConcatLabel<Embedding<10, 100>, Along::channels>,
                       Conv2d<17, 8, 3>, Flatten, Linear<8 * 26 * 26, 1>>;
void run(Rng& rng) {
    Network<Bad> net(rng);
    Tensor<Shape<1, 28, 28>, Cpu> x(2);
    Tensor<Shape<1>, Cpu, std::int32_t> labels(2);
    net.backward(net.forward(x, labels));
}

#include <ctnn/ctnn.hpp>
// expect: input_shape_mismatch<2, ctnn::Linear<512, 1024
// expect: ctnn::Shape<512>, ctnn::Shape<256>
// Layer 2 declares 512 inputs but layer 0 produces 256; the layers after it stay quiet, and so do
// the forward and backward passes.
using namespace ctnn;
using Bad = Sequential<Input<784>, Linear<784, 256>, ReLU, Linear<512, 1024>, ReLU, Linear<1024, 10>>;
void run(Rng& rng) {
    Network<Bad> net(rng);
    Tensor<Shape<784>, Cpu> x(2);
    net.backward(net.forward(x));
}

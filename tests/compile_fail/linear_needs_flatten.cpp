#include <ctnn/ctnn.hpp>
// expect: linear_needs_flat_input<0, ctnn::Linear<784, 256
// expect: ctnn::Shape<784>, ctnn::Shape<1, 28, 28>
// Linear on a 1x28x28 image without Flatten (seed 003 flattens with x.view(x.size(0), -1)).
using namespace ctnn;
using Bad = Sequential<Input<1, 28, 28>, Linear<784, 256>, LeakyReLU<0.01>, Linear<256, 1>>;
void run(Rng& rng) {
    Network<Bad> net(rng);
    Tensor<Shape<1, 28, 28>, Cpu> x(2);
    net.backward(net.forward(x));
}

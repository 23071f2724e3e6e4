#include <ctnn/ctnn.hpp>
// expect: tensor_shape_mismatch<ctnn::Shape<1, 28, 28>, ctnn::Shape<784>
// A batch of flat 784-vectors passed to a network whose input is 1x28x28.
using namespace ctnn;
using Net = Sequential<Input<1, 28, 28>, Flatten, Linear<784, 10>>;
void run(Rng& rng) {
    Network<Net> net(rng);
    Tensor<Shape<784>, Cpu> x(2);
    net.forward(x);
}

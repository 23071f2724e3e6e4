#include <ctnn/ctnn.hpp>
// expect: backward_leading needs a network whose every layer computes each sample alone
// Back-propagating part of a batch through BatchNorm would use statistics of samples it leaves out.
using namespace ctnn;
using Net = Sequential<Input<4>, Linear<4, 8>, BatchNorm1d<8>, ReLU>;
void run(Rng& rng) {
    Network<Net> net(rng);
    Tensor<Shape<4>, Cpu> x(8);
    net.forward(x);
    Tensor<Shape<8>, Cpu> dy(4);
    net.backward_leading(dy);
}

#include <ctnn/ctnn.hpp>
// expect: no_double_backward<1, ctnn::Sigmoid, ctnn::error::layer_has_no_double_backward>
// A double backward (a gradient penalty's parameter gradient) through a layer that has none: the
// Sigmoid inside the nested Sequential, at its position there.
using namespace ctnn;
using Net = Sequential<Input<4>, Linear<4, 8>, LeakyReLU<0.2>, Sequential<Linear<8, 1>, Sigmoid>>;
void run(Rng& rng) {
    Network<Net> net(rng);
    Tensor<Shape<4>, Cpu> x(2);
    const auto& y = net.forward(x);
    const auto& dx = net.backward(y, {ParamGrads::frozen, true});
    net.double_backward(dx);
}

#include <ctnn/ctnn.hpp>
// expect: input_shape_mismatch<1, ctnn::Sequential<ctnn::Input<100>
// expect: ctnn::Shape<100>, ctnn::Shape<128>
// A classifier head (a Sequential with its own Input) nested after features of the wrong size.
using namespace ctnn;
using Head = Sequential<Input<100>, Linear<100, 10>>;
using Bad = Sequential<Input<784>, Linear<784, 128>, Head>;
std::string table() { return summary<Bad>(); }  // the summary stays quiet too
void run(Rng& rng) {
    Network<Bad> net(rng);
    Tensor<Shape<784>, Cpu> x(2);
    net.backward(net.forward(x));
}

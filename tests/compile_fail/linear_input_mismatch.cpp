// expect: input_shape_mismatch<1, ctnn::Linear<512, 1024>
// Layer 1 declares 512 inputs but layer 0 produces 256.
#include <ctnn/ctnn.hpp>
using namespace ctnn;
using Bad = Sequential<Input<784>, Linear<784, 256>, Linear<512, 1024>>;
Network<Bad>* p = nullptr;
constexpr auto n = Bad::infer<0, Shape<784>>();

// expect: linear_needs_flat_input<0, ctnn::Linear<784, 256>
// Linear on a 1x28x28 image without Flatten (seed 003 flattens with x.view(x.size(0), -1)).
#include <ctnn/ctnn.hpp>
using namespace ctnn;
using Bad = Sequential<Input<1, 28, 28>, Linear<784, 256>, LeakyReLU<0.01>, Linear<256, 1>>;
constexpr auto out = Bad::infer<0, Shape<1, 28, 28>>();

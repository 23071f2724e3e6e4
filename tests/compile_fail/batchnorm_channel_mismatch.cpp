// expect: channel_mismatch<1, ctnn::BatchNorm2d<64
// Layer 1 normalises 64 channels but receives 3-channel images.
#include <ctnn/ctnn.hpp>
using namespace ctnn;
using Bad = Sequential<Input<3, 32, 32>, LeakyReLU<0.2>, BatchNorm2d<64>, Flatten>;
constexpr auto out = Bad::infer<0, Shape<3, 32, 32>>();

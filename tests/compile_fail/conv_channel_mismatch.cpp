// expect: channel_mismatch<0, ctnn::Conv2d<3, 64, 4, 2, 1
// An RGB discriminator fed single-channel MNIST images.
#include <ctnn/ctnn.hpp>
using namespace ctnn;
using Bad = Sequential<Input<1, 64, 64>, Conv2d<3, 64, 4, 2, 1>, LeakyReLU<0.2>>;
constexpr auto out = Bad::infer<0, Shape<1, 64, 64>>();

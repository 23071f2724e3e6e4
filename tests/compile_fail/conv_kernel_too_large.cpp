// expect: kernel_larger_than_input<2, ctnn::Conv2d<32, 64, 5
// The cs231n discriminator on 10x10 images: after a 5x5 convolution and a 2x2 pool only 3x3 is
// left, too small for its second 5x5 convolution.
#include <ctnn/ctnn.hpp>
using namespace ctnn;
using Bad = Sequential<Input<1, 10, 10>, Conv2d<1, 32, 5>, MaxPool2d<2>, Conv2d<32, 64, 5>>;
constexpr auto out = Bad::infer<0, Shape<1, 10, 10>>();

// expect: kernel_larger_than_input<2, ctnn::Conv2d<32, 64, 5
// The cs231n discriminator on 14x14 images: after two 5x5 convolutions and a 2x2 pool only 5x5
// is left; a third 5x5 fits, a 7x7 does not.
#include <ctnn/ctnn.hpp>
using namespace ctnn;
using Bad = Sequential<Input<1, 10, 10>, Conv2d<1, 32, 5>, MaxPool2d<2>, Conv2d<32, 64, 5>>;
constexpr auto out = Bad::infer<0, Shape<1, 10, 10>>();

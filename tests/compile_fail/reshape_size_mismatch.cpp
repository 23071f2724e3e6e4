// expect: reshape_size_mismatch<3, ctnn::Reshape<128, 7, 7>
// The InfoGAN generator with a slip: 7*7*64 features reshaped to 128 x 7 x 7.
#include <ctnn/ctnn.hpp>
using namespace ctnn;
using Bad = Sequential<Input<10>, Linear<10, 1024>, ReLU, Linear<1024, 7 * 7 * 64>,
                       Reshape<128, 7, 7>, Tanh>;
constexpr auto out = Bad::infer<0, Shape<10>>();

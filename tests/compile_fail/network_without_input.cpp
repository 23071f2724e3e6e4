#include <ctnn/ctnn.hpp>
// expect: network_without_input<ctnn::Sequential<ctnn::Linear<784, 256
// A network whose Sequential does not start with Input<...>.
using namespace ctnn;
using Net = Sequential<Linear<784, 256>, ReLU, Linear<256, 10>>;
void run(Rng& rng) { Network<Net> net(rng); }

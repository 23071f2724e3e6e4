// expect: Device<Dev>
// A device that has the Cpu's memory, loops and GEMMs but none of the kernels layers ask for
// (device/kernels.hpp): the network refuses it, naming the Device concept, not a layer's body.
#include <ctnn/ctnn.hpp>
using namespace ctnn;
struct HalfDevice : detail::CpuLoops {};
using Net = Sequential<Input<4>, Linear<4, 8>, ReLU>;
void run(Rng& rng) { Network<Net, HalfDevice> net(rng); }

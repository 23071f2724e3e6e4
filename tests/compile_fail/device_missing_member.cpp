// expect-gnu: requires  Device<Dev> class ctnn::Network
// expect-clang: constraints not satisfied for class template 'Network'
// expect-clang: Dev = HalfDevice
// A device that has the Cpu's memory, loops and GEMMs but none of the kernels layers ask for
// (device/kernels.hpp): the network refuses it with one error, naming the Device concept (g++) or
// the device (clang; its next note names the concept), not a layer's body.
#include <ctnn/ctnn.hpp>
using namespace ctnn;
struct HalfDevice : detail::CpuLoops {};
using Net = Sequential<Input<4>, Linear<4, 8>, ReLU>;
Network<Net, HalfDevice>* net = nullptr;

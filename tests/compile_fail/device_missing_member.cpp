// expect: Network
// A device that has the Cpu's memory, loops and GEMMs but none of the kernels layers ask for
// (device/kernels.hpp): Network refuses it by its Device constraint (g++'s first error line says
// `requires Device<Dev>`, clang's next line "does not satisfy 'Device'"), not deep in a layer.
#include <ctnn/ctnn.hpp>
using namespace ctnn;
struct HalfDevice : detail::CpuLoops {};
using Net = Sequential<Input<4>, Linear<4, 8>, ReLU>;
[[maybe_unused]] Network<Net, HalfDevice>* net = nullptr;

// expect: no_view_of_device_memory_copy_with_to_xarray<OnGpu>
// An xtensor view of a tensor whose device keeps it in GPU memory (as Cuda does: host_memory is
// false) is refused with one error naming the device; the message says to copy it instead
// (ctnn::to_xarray). The stand-in device is the Cpu with its memory declared not the host's, so
// the test compiles without nvcc.
#include <ctnn/ctnn.hpp>
#include <ctnn/io/xtensor.hpp>
using namespace ctnn;
struct OnGpu : Cpu {
    static constexpr bool host_memory = false;
};
void f(Tensor<Shape<1, 4, 4>, OnGpu>& t) {
    auto v = xview(t);
    v(0, 0, 0, 0) = 1;
}

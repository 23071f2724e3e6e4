// expect: tensor_shape_mismatch<ctnn::Shape<1, 28, 28>, ctnn::Shape<28, 27>
// A tensor filled from an xtensor expression whose shape is static (xt::xtensor_fixed) has the
// expression's sample shape checked by the compiler: one error naming both sample shapes.
#include <ctnn/ctnn.hpp>
#include <ctnn/io/xtensor.hpp>
#include <xtensor/xfixed.hpp>
using namespace ctnn;
Tensor<Shape<1, 28, 28>, Cpu> f(const xt::xtensor_fixed<float, xt::xshape<16, 28, 27>>& images) {
    return from_xtensor<Shape<1, 28, 28>>(images);
}

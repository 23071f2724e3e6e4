// The layer protocol. Every layer is a small descriptor type (e.g. Linear<784, 256>) that knows
// its sizes at compile time, plus a nested `impl` that holds its state on a device:
//
//   struct SomeLayer {
//       static constexpr std::string_view type_name;      // as PyTorch and torchsummary name it
//       static constexpr index_t parameter_count;          // as PyTorch counts them
//       template <index_t Position, AnyShape In>
//       static consteval auto infer();                     // the output shape, checked (see below)
//       template <AnyShape In, class Dev, class T>
//       class impl;                                        // the layer on device Dev, scalar T
//       static constexpr bool per_sample;                  // optional, see per_sample_v
//   };
//
// `infer` returns a value of the output Shape type. When In does not fit, it instantiates one of
// the ctnn::error templates with Position, the layer and both shapes, so that the compiler's first
// lines name them, and returns the layer's declared output so that later layers are still checked.
//
// `impl<In, Dev, T>` provides:
//   forward(ConstView<In> x, View<Out> y, const ForwardContext&)   y = layer(x); may cache state
//   backward(x, y, dy, dx, ParamGrads)  given x and y of the last forward and dy = dL/dy:
//       writes dx = dL/dx unless dx is empty (nobody needs it), and adds dL/dparameters to the
//       parameters' gradients unless ParamGrads::frozen (then touches neither).
//   reset_parameters(Rng&, Init)                        PyTorch's default or the DCGAN init
//   visit_parameters(prefix, f)   f(name, param, grad) with PyTorch's state_dict names
//   visit_buffers(prefix, f)      f(name, tensor or std::int64_t&): BatchNorm's running stats
// Nothing in forward or backward allocates once a batch size has been seen.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "ctnn/core/config.hpp"
#include "ctnn/core/errors.hpp"
#include "ctnn/core/mode.hpp"
#include "ctnn/core/shape.hpp"
#include "ctnn/core/tensor.hpp"
#include "ctnn/device/device.hpp"

namespace ctnn {

/// Parameter initialisation schemes.
enum class Init {
    pytorch,  ///< each layer's reset_parameters() in torch.nn (kaiming-uniform, a = sqrt(5))
    dcgan,    ///< Radford et al.: conv weights N(0, 0.02), BatchNorm weight N(1, 0.02), bias 0
};

/// The output shape of layer L at Position when it receives shape In.
template <class L, index_t Position, AnyShape In>
using output_shape_t = decltype(L::template infer<Position, In>());

/// Whether layer L, in training, computes each sample's output from that sample alone (it
/// declares `static constexpr bool per_sample = true`). Two sets of samples run as one batch then
/// get what each would get alone, which lets a GAN put real and generated samples through its
/// discriminator in one pass. BatchNorm's batch statistics do not; a layer that does not say is
/// taken not to.
template <class L>
inline constexpr bool per_sample_v = requires { requires L::per_sample; };

/// One row of a network summary: what torchsummary prints for a leaf layer.
struct SummaryRow {
    std::string_view type;
    std::array<index_t, 4> dims{};
    index_t rank = 0;
    index_t params = 0;
};

/// Rows of the summary for layer L with input In and output Out (its enclosing Sequential's
/// shapes, not infer asked again: clang rejects a second call of an infer that reported an error):
/// one row for a leaf layer, the rows of its layers for a container.
template <class L, AnyShape In, AnyShape Out>
consteval auto summary_rows() {
    if constexpr (requires { L::template rows<In>(); }) {
        return L::template rows<In>();
    } else {
        SummaryRow r{L::type_name, {}, Out::rank, L::parameter_count};
        for (index_t i = 0; i < Out::rank && i < 4; ++i) r.dims[i] = Out::dims[i];
        return std::array<SummaryRow, 1>{r};
    }
}

/// The state every layer implementation shares: its shapes and device.
template <AnyShape In, AnyShape Out, class Dev, class T>
struct LayerBase {
    using in_shape = In;
    using out_shape = Out;
    using device = Dev;
    using scalar = T;
    using in_view = ConstView<In, Dev, T>;
    using out_view = TensorView<Out, Dev, T>;
    using out_cview = ConstView<Out, Dev, T>;
    using in_grad_view = TensorView<In, Dev, T>;

    void reset_parameters(Rng&, Init) {}
    template <class F>
    void visit_parameters(const std::string&, F&&) {}
    template <class F>
    void visit_buffers(const std::string&, F&&) {}
};

}  // namespace ctnn

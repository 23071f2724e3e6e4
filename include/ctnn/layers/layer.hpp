// The layer protocol: the Layer and LayerImpl concepts, and LayerBase, which every layer's
// implementation derives from. The contract is documented on the concepts below.
#pragma once

#include <array>
#include <concepts>
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

/// Whether layer L has a double backward (it declares `static constexpr bool double_backward =
/// true`): its impl's `double_backward(x, y, dy, ddx, ddy, ParamGrads)` back-propagates through
/// its own backward. Given the x, y and dy of the last backward, whose input gradient dx was
/// dL/dx, and ddx = dP/d(dx) for a function P of that input gradient (a gradient penalty), it
/// writes ddy = dP/d(dy) unless ddy is empty, and adds dP/dparameters, through dx's dependence on
/// the parameters, to the parameter gradients as backward does. Only layers whose input gradient
/// is linear in dy and, almost everywhere, independent of x declare it (Linear, Conv2d, ReLU,
/// LeakyReLU, MaxPool2d, Flatten, Reshape): for them P reaches the parameters through the
/// backward pass alone, which is what double_backward follows; per_sample layers only, since a
/// penalty treats each sample's input gradient apart.
template <class L>
inline constexpr bool double_backward_v = requires { requires L::double_backward; };

/// The number of classes whose indices L takes as its input (Embedding<Classes, Dim>, or a
/// Sequential that starts with one); 0 for other layers.
template <class L>
inline constexpr index_t input_classes_v = 0;
/// input_classes_v of a layer that declares input_classes.
template <class L>
    requires requires { L::input_classes; }
inline constexpr index_t input_classes_v<L> = L::input_classes;

/// The number of classes of the labels L is conditioned on (a ConcatLabel, or a Sequential that
/// holds one: it then takes labels besides its input); 0 for an unconditional layer.
template <class L>
inline constexpr index_t label_classes_v = 0;
/// label_classes_v of a layer that declares label_classes.
template <class L>
    requires requires { L::label_classes; }
inline constexpr index_t label_classes_v<L> = L::label_classes;

namespace detail::probe {
/// Stands in for the visitors callers pass to visit_parameters and visit_buffers.
struct Visitor {
    template <class... Args>
    void operator()(Args&&...) const {}
};
}  // namespace detail::probe

/// A layer implementation (a layer's `impl<In, Dev, T>`): the members Sequential calls.
/// LayerBase gives the types and empty visitors; a layer adds what it needs of:
///
/// - `in_shape`, `out_shape`: the per-sample shapes; `in_view`, `out_view`, `out_cview`,
///   `in_grad_view`: the batch views the calls below take (LayerBase defines them).
/// - `forward(x, y, const ForwardContext&)`: y = layer(x); may cache state for backward.
/// - `backward(x, y, dy, dx, ParamGrads)`: given x and y of the last forward and dy = dL/dy,
///   writes dx = dL/dx unless dx is empty (nobody needs it), and adds dL/dparameters to the
///   parameters' gradients (ParamGrads::accumulate), stores them (overwrite), or touches neither
///   (frozen).
/// - `reset_parameters(Rng&, Init)`: PyTorch's default or the DCGAN initialisation.
/// - `visit_parameters(prefix, f)`: calls f(name, param, grad) for each parameter, with PyTorch's
///   state_dict names; param and grad are Parameter views that Network binds into its flat
///   buffers (core/parameters.hpp).
/// - `visit_buffers(prefix, f)`: calls f(name, tensor or std::int64_t&) for each buffer
///   (BatchNorm's running statistics).
///
/// Nothing in forward or backward allocates once a batch size has been seen. Layers name no
/// device type: what depends on the device (element-wise maps, channel sums, im2col) they ask of
/// Dev.
///
/// Cached state is sample-major from the first sample: backward may get only the first samples
/// of the last forward's batch (x, y and dy then have that smaller batch;
/// Network::backward_leading, which Gan::step uses for per-sample generators), so whatever
/// forward cached for backward must be read sample-major from the first sample (Dropout's masks,
/// MaxPool's indices), or laid out again from x (ConvTranspose2d's channel-major input). A
/// concept cannot check this; test_gan checks a Gan::step of a ConvTranspose2d generator against
/// PyTorch.
template <class I>
concept LayerImpl = requires(I& layer, typename I::in_view x, typename I::out_view y, typename I::out_cview yc,
                             typename I::in_grad_view dx, const ForwardContext& ctx, Rng& rng, const std::string& prefix) {
    typename I::in_shape;
    typename I::out_shape;
    layer.forward(x, y, ctx);
    layer.backward(x, yc, yc, dx, ParamGrads::accumulate);
    layer.reset_parameters(rng, Init::pytorch);
    layer.visit_parameters(prefix, detail::probe::Visitor{});
    layer.visit_buffers(prefix, detail::probe::Visitor{});
};

/// Layer descriptor L, given samples of shape In, with its implementation on device Dev in
/// scalar T; checked where a Sequential takes its layers. A layer is a small descriptor type
/// (e.g. Linear<784, 256>) that knows its sizes at compile time, plus a nested `impl` that holds
/// its state on a device. Every layer descriptor has these members (each layer lists them under
/// "Layer protocol"):
///
/// - `static constexpr std::string_view type_name`: the class name PyTorch and torchsummary print.
/// - `static constexpr index_t parameter_count`: trainable values, counted as PyTorch counts them.
/// - `template <index_t Position, AnyShape In> static consteval auto infer()`: the output shape
///   (a Shape value) for samples of shape In. When In does not fit, it instantiates one of the
///   ctnn::error templates with Position, the layer and both shapes, so that the compiler's
///   first lines name them, and returns the layer's declared output so that later layers are
///   still checked. (The concept does not call infer: the Sequential that holds the layer knows
///   its position.) output_shape_t names its result.
/// - `template <AnyShape In, class Dev, class T> class impl`: the layer on device Dev in scalar
///   T, a LayerImpl. Sequential and Network create and call it; users reach its parameters
///   through Network::visit_parameters and the state_dict names.
/// - optionally `static constexpr bool per_sample`: see per_sample_v.
template <class L, class In, class Dev = Cpu, class T = float>
concept Layer = AnyShape<In> && requires {
    { L::type_name } -> std::convertible_to<std::string_view>;
    { L::parameter_count } -> std::convertible_to<index_t>;
    typename L::template impl<In, Dev, T>;
} && LayerImpl<typename L::template impl<In, Dev, T>>;

/// Layer L's implementation for input shape In on Dev in T, checked against the Layer concept.
template <class L, class In, class Dev, class T>
    requires Layer<L, In, Dev, T>
using layer_impl_t = typename L::template impl<In, Dev, T>;

/// One row of a network summary: what torchsummary prints for a leaf layer.
struct SummaryRow {
    std::string_view type;          ///< the layer's type_name
    std::array<index_t, 4> dims{};  ///< the output's per-sample dimensions; the first `rank` count
    index_t rank = 0;               ///< how many dimensions the output sample has
    index_t params = 0;             ///< the layer's parameter_count
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

/// The state every layer implementation shares: its shapes and device, the view types of the
/// LayerImpl calls, and the calls a layer without parameters or buffers leaves empty.
template <AnyShape In, AnyShape Out, class Dev, class T>
struct LayerBase {
    using in_shape = In;                         ///< shape of one input sample
    using out_shape = Out;                       ///< shape of one output sample
    using device = Dev;                          ///< the Device the layer's tensors live on
    using scalar = T;                            ///< element type (float or double)
    using in_view = ConstView<In, Dev, T>;       ///< forward's input x, read-only
    using out_view = TensorView<Out, Dev, T>;    ///< forward's output y, written
    using out_cview = ConstView<Out, Dev, T>;    ///< backward's y and dy = dL/dy, read-only
    using in_grad_view = TensorView<In, Dev, T>; ///< backward's dx = dL/dx, written; may be empty

    /// A layer without parameters has nothing to initialise.
    void reset_parameters(Rng&, Init) {}
    /// A layer without parameters visits none.
    template <class F>
    void visit_parameters(const std::string&, F&&) {}
    /// A layer without buffers visits none.
    template <class F>
    void visit_buffers(const std::string&, F&&) {}
};

}  // namespace ctnn

// Sequential<Input<...>, Layers...>: a flat list of layers whose shapes the compiler infers and
// checks. A Sequential is itself a layer, so Sequentials nest (the nested one may omit Input).
#pragma once

#include <algorithm>
#include <array>
#include <string>
#include <tuple>
#include <utility>

#include "ctnn/layers/layer.hpp"

namespace ctnn {

template <class... Ts>
struct type_list {};

namespace detail {

template <class... Items>
struct sequential_parts {
    using input = void;  // no Input: the shape comes from the enclosing network
    using layers = type_list<Items...>;
};
template <index_t... D, class... Layers>
struct sequential_parts<Input<D...>, Layers...> {
    using input = Shape<D...>;
    using layers = type_list<Layers...>;
};

template <class T, class List>
struct prepend;
template <class T, class... Ts>
struct prepend<T, type_list<Ts...>> {
    using type = type_list<T, Ts...>;
};

/// The shapes between the layers: S0 = In, S(i+1) = output of layer i at position Position + i
/// (at error::unreported throughout when Position is unreported).
template <index_t Position, AnyShape In, class... Layers>
struct shape_chain {
    using type = type_list<In>;
};
template <index_t Position, AnyShape In, class L, class... Rest>
struct shape_chain<Position, In, L, Rest...> {
    static constexpr index_t next = Position == error::unreported ? Position : Position + 1;
    using type = typename prepend<
        In, typename shape_chain<next, output_shape_t<L, Position, In>, Rest...>::type>::type;
};

template <std::size_t I, class List>
struct at;
template <std::size_t I, class T, class... Ts>
struct at<I, type_list<T, Ts...>> : at<I - 1, type_list<Ts...>> {};
template <class T, class... Ts>
struct at<0, type_list<T, Ts...>> {
    using type = T;
};

template <std::size_t N>
constexpr std::string position_prefix(const std::string& prefix) {
    return prefix + std::to_string(N) + ".";
}

}  // namespace detail

/// Layers in order, as torch.nn.Sequential; it is itself a layer, so Sequentials nest. One that
/// starts with Input<...> is a complete network type for Network. Shapes are checked at compile
/// time: a layer that does not fit the output before it is one error naming its position and
/// both shapes.
template <class... Items>
struct Sequential {
private:
    using parts = detail::sequential_parts<Items...>;
    template <class>
    struct unpack;
    template <class... Ls>
    struct unpack<type_list<Ls...>> {
        static constexpr index_t count = sizeof...(Ls);
        static constexpr index_t params = (index_t{0} + ... + Ls::parameter_count);
        static constexpr bool per_sample = (per_sample_v<Ls> && ...);
        static constexpr bool double_backward = ((double_backward_v<Ls> && per_sample_v<Ls>) && ...);
        /// Reports the first layer from I on that has no double backward (inside it, when it is
        /// a Sequential).
        template <std::size_t I>
        static void report_no_double_backward() {
            if constexpr (I < sizeof...(Ls)) {
                using L = typename detail::at<I, type_list<Ls...>>::type;
                if constexpr (double_backward_v<L>)
                    report_no_double_backward<I + 1>();
                else if constexpr (requires { L::report_no_double_backward(); })
                    L::report_no_double_backward();
                else if constexpr (!per_sample_v<L>)
                    (void)sizeof(error::no_double_backward<I, L, error::batch_statistics_couple_the_samples>);
                else
                    (void)sizeof(error::no_double_backward<I, L, error::layer_has_no_double_backward>);
            }
        }
        static constexpr index_t label_classes = std::max({index_t{0}, label_classes_v<Ls>...});
        static constexpr index_t input_classes = input_classes_v<typename detail::at<0, type_list<Ls...>>::type>;
        template <AnyShape In, index_t Start = 0>
        using shapes = typename detail::shape_chain<Start, In, Ls...>::type;
        template <AnyShape In, class Dev, class T, class Idx>
        struct impls;
        template <AnyShape In, class Dev, class T, std::size_t... I>
        struct impls<In, Dev, T, std::index_sequence<I...>> {
            using type = std::tuple<layer_impl_t<Ls, typename detail::at<I, shapes<In, error::unreported>>::type, Dev, T>...>;
        };
        template <AnyShape In>
        static consteval auto rows() {
            return rows_from<In>(std::index_sequence_for<Ls...>{});
        }
        template <AnyShape In, std::size_t... I>
        static consteval auto rows_from(std::index_sequence<I...>) {
            constexpr auto parts_rows = std::tuple{
                summary_rows<Ls, typename detail::at<I, shapes<In>>::type,
                             typename detail::at<I + 1, shapes<In>>::type>()...};
            constexpr std::size_t total = (std::size_t{0} + ... + std::tuple_size_v<std::tuple_element_t<I, decltype(parts_rows)>>);
            std::array<SummaryRow, total> out{};
            std::size_t k = 0;
            ((void)[&] {
                for (const auto& r : std::get<I>(parts_rows)) out[k++] = r;
            }(), ...);
            return out;
        }
    };
    using info = unpack<typename parts::layers>;

public:
    static_assert(info::count > 0, "ctnn: a Sequential needs at least one layer");

    /// As the Layer concept defines it.
    static constexpr std::string_view type_name = "Sequential";
    /// How many layers it holds (a nested Sequential counts as one).
    static constexpr index_t layer_count = info::count;
    /// Trainable parameters, counted as PyTorch's sum(p.numel() for p in net.parameters()).
    static constexpr index_t parameter_count = info::params;
    /// Whether every layer computes each sample alone (per_sample_v).
    static constexpr bool per_sample = info::per_sample;
    /// Whether every layer has a double backward (double_backward_v).
    static constexpr bool double_backward = info::double_backward;
    /// Reports error::no_double_backward for its first layer that has none: its position, the
    /// layer and why (for a nested Sequential, the first such layer inside it).
    static void report_no_double_backward() { info::template report_no_double_backward<0>(); }
    /// The classes of the labels a ConcatLabel in it is conditioned on (0: it takes no labels;
    /// label_classes_v).
    static constexpr index_t label_classes = info::label_classes;
    /// The classes its first layer indexes, when that is an Embedding (input_classes_v).
    static constexpr index_t input_classes = info::input_classes;
    /// Whether this Sequential starts with Input<...> (a complete network) or takes its input
    /// shape from the Sequential it is nested in.
    static constexpr bool has_input = !std::is_void_v<typename parts::input>;
    /// The sample shape of Input<...> (void for a nested Sequential without one).
    using input_shape = typename parts::input;

    /// The sample shape the layers take when this Sequential receives In: its Input's (a
    /// mismatch is reported by infer, once), or In.
    template <AnyShape In>
    using layers_input = std::conditional_t<has_input, typename parts::input, In>;

    /// As the Layer concept defines it. With Input, an In other than its shape is reported
    /// as input_shape_mismatch.
    template <index_t Position, AnyShape In>
    static consteval auto infer() {
        if constexpr (has_input && !std::is_same_v<In, typename parts::input>)
            (void)sizeof(error::input_shape_mismatch<Position, Sequential, typename parts::input, In>);
        using S = typename info::template shapes<layers_input<In>, Position == error::unreported ? Position : 0>;
        return typename detail::at<info::count, S>::type{};
    }

    /// The summary rows of its layers when it receives In (see summary_rows).
    template <AnyShape In>
    static consteval auto rows() {
        return info::template rows<layers_input<In>>();
    }

    template <AnyShape In, class Dev, class T>
    class impl;
};

template <class... Items>
template <AnyShape In, class Dev, class T>
class Sequential<Items...>::impl
    : public LayerBase<In, decltype(Sequential::infer<error::unreported, In>()), Dev, T> {
    using Base = LayerBase<In, decltype(Sequential::infer<error::unreported, In>()), Dev, T>;
    using shapes = typename info::template shapes<layers_input<In>, error::unreported>;
    static constexpr std::size_t N = info::count;
    template <std::size_t I>
    using shape_at = typename detail::at<I, shapes>::type;

    template <class Idx>
    struct buffers;
    template <std::size_t... I>
    struct buffers<std::index_sequence<I...>> {
        // Outputs of layers 0..N-2 (the last one writes into the caller's tensor).
        using type = std::tuple<Tensor<shape_at<I + 1>, Dev, T>...>;
    };
    using buffer_tuple = typename buffers<std::make_index_sequence<N - 1>>::type;

public:
    using layers_tuple = typename info::template impls<layers_input<In>, Dev, T, std::make_index_sequence<N>>::type;

    /// Layer I's implementation (its parameters, for example).
    template <std::size_t I>
    auto& layer() {
        return std::get<I>(layers_);
    }
    template <std::size_t I>
    const auto& layer() const {
        return std::get<I>(layers_);
    }

    static constexpr std::size_t layer_count = N;

    /// Layer I's output from the last forward pass, for I < layer_count - 1 (the last layer writes
    /// into the caller's tensor): a hidden layer's features, such as the penultimate layer a
    /// Frechet distance is measured in.
    template <std::size_t I>
    const auto& output() const {
        static_assert(I + 1 < N, "ctnn: Sequential::output<I>() is for hidden layers; the last layer's output is the network's");
        return std::get<I>(acts_);
    }

    void reset_parameters(Rng& rng, Init init) {
        each([&]<std::size_t I>() { std::get<I>(layers_).reset_parameters(rng, init); });
    }

    template <class F>
    void visit_parameters(const std::string& prefix, F&& f) {
        each([&]<std::size_t I>() {
            std::get<I>(layers_).visit_parameters(detail::position_prefix<I>(prefix), f);
        });
    }
    template <class F>
    void visit_buffers(const std::string& prefix, F&& f) {
        each([&]<std::size_t I>() {
            std::get<I>(layers_).visit_buffers(detail::position_prefix<I>(prefix), f);
        });
    }

    void forward(typename Base::in_view x, typename Base::out_view y, const ForwardContext& ctx) {
        each([&]<std::size_t I>() {
            if constexpr (I + 1 < N) std::get<I>(acts_).resize(x.batch);
            using L = std::tuple_element_t<I, layers_tuple>;
            std::get<I>(layers_).forward(as<typename L::in_view>(input_of<I>(x)),
                                         as<typename L::out_view>(output_of<I>(y)), ctx);
        });
    }

    /// x may be the first samples of the last forward's batch (Network::backward_leading): the
    /// hidden outputs are then read for those samples alone.
    void backward(typename Base::in_view x, typename Base::out_cview y, typename Base::out_cview dy,
                  typename Base::in_grad_view dx, ParamGrads pg) {
        backward(x, y, dy, dx, pg, [](std::size_t) {});
    }

    /// backward(), calling layer_done(I) as soon as layer I has gone backward (from the last
    /// layer to the first): layer I's parameter gradients are then final for this pass, and a
    /// network can start reducing them across ranks while the layers before it still run.
    template <class LayerDone>
    void backward(typename Base::in_view x, typename Base::out_cview y, typename Base::out_cview dy,
                  typename Base::in_grad_view dx, ParamGrads pg, LayerDone&& layer_done) {
        // Nothing to do when parameters are frozen and nobody wants the input gradient.
        if (pg == ParamGrads::frozen && dx.empty()) return;
        each_reverse([&]<std::size_t I>() {
            if constexpr (I > 0) std::get<I - 1>(grads_).resize(x.batch);
            TensorView<shape_at<I>, Dev, T> din;
            if constexpr (I == 0)
                din = {dx.data(), dx.batch};  // the same samples, as layers_input after a reported mismatch
            else
                din = std::get<I - 1>(grads_).view();
            ConstView<shape_at<I + 1>, Dev, T> dout;
            if constexpr (I + 1 == N)
                dout = dy;
            else
                dout = std::get<I>(grads_).cview();
            ConstView<shape_at<I + 1>, Dev, T> out;
            if constexpr (I + 1 == N)
                out = y;
            else
                out = std::get<I>(acts_).cview().slice(0, x.batch);
            using L = std::tuple_element_t<I, layers_tuple>;
            std::get<I>(layers_).backward(as<typename L::in_view>(input_of<I>(x)), as<typename L::out_cview>(out),
                                          as<typename L::out_cview>(dout), as<typename L::in_grad_view>(din), pg);
            layer_done(I);
        });
    }

    /// The backward of the last backward (double_backward_v): x, y and dy are that backward's,
    /// ddx = dP/d(its dx); writes ddy = dP/d(dy) unless ddy is empty and adds (or stores, or,
    /// frozen, leaves) dP/dparameters. Goes from the first layer to the last, each layer's ddy
    /// being the next one's ddx, reading the activations of the last forward and the input
    /// gradients of the last backward.
    void double_backward(typename Base::in_view x, typename Base::out_cview y, typename Base::out_cview dy,
                         typename Base::in_view ddx, typename Base::out_view ddy, ParamGrads pg) {
        each([&]<std::size_t I>() {
            using L = std::tuple_element_t<I, layers_tuple>;
            ConstView<shape_at<I>, Dev, T> in_tangent;
            if constexpr (I == 0)
                in_tangent = {ddx.data(), ddx.batch};
            else
                in_tangent = std::get<I - 1>(tangents_).cview();
            TensorView<shape_at<I + 1>, Dev, T> out_tangent;
            if constexpr (I + 1 == N) {
                out_tangent = ddy;
            } else {
                std::get<I>(tangents_).resize(x.batch);
                out_tangent = std::get<I>(tangents_).view();
            }
            ConstView<shape_at<I + 1>, Dev, T> out, dout;
            if constexpr (I + 1 == N) {
                out = y;
                dout = dy;
            } else {
                out = std::get<I>(acts_).cview().slice(0, x.batch);
                dout = std::get<I>(grads_).cview();
            }
            std::get<I>(layers_).double_backward(as<typename L::in_view>(input_of<I>(x)), as<typename L::out_cview>(out),
                                                 as<typename L::out_cview>(dout), as<typename L::in_view>(in_tangent),
                                                 as<typename L::out_view>(out_tangent), pg);
        });
    }

private:
    /// v as the view type layer impls declare: the same type unless that layer reported a shape
    /// error (then it received what it was not meant to, and this keeps that error the only one).
    template <class View, class V>
    static View as(V v) {
        return View(v.data(), v.batch);
    }

    template <class F>
    static void each(F&& f) {
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (f.template operator()<I>(), ...);
        }(std::make_index_sequence<N>{});
    }
    template <class F>
    static void each_reverse(F&& f) {
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (f.template operator()<N - 1 - I>(), ...);
        }(std::make_index_sequence<N>{});
    }

    template <std::size_t I>
    ConstView<shape_at<I>, Dev, T> input_of(typename Base::in_view x) const {
        if constexpr (I == 0)
            return {x.data(), x.batch};  // as for din in backward
        else
            return std::get<I - 1>(acts_).cview().slice(0, x.batch);
    }
    template <std::size_t I>
    TensorView<shape_at<I + 1>, Dev, T> output_of(typename Base::out_view y) {
        if constexpr (I + 1 == N)
            return y;
        else
            return std::get<I>(acts_).view();
    }

    layers_tuple layers_;
    buffer_tuple acts_;
    buffer_tuple grads_;
    buffer_tuple tangents_;  // the ddy of layers 0..N-2 in double_backward (allocated there alone)
};

/// The sample shapes Network<Net> takes and gives: Net's Input and its output. A Sequential
/// without Input reports network_without_input, once; Shape<1> then stands in, checked no further.
template <class Net>
struct network_shapes {
    /// Net's Input shape.
    using input = typename Net::input_shape;
    /// What Net gives for it.
    using output = decltype(Net::template infer<0, input>());
};
/// For a Sequential without Input: reports it, and stands in a shape so that nothing else fails.
template <class Net>
    requires(!Net::has_input)
struct network_shapes<Net> {
    static_assert(sizeof(error::network_without_input<Net>) > 0);
    /// The stand-in input shape.
    using input = Shape<1>;
    /// What Net gives for it, unchecked.
    using output = decltype(Net::template infer<error::unreported, input>());
};

}  // namespace ctnn

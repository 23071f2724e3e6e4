// Flatten and Reshape<Dims...>: the same elements seen with another sample shape.
#pragma once

#include "ctnn/layers/layer.hpp"

namespace ctnn {

/// A layer whose output holds the input's elements in the same order under shape Out(In).
template <class Derived>
struct SameElements {
    static constexpr index_t parameter_count = 0;  ///< reshaping has no parameters
    static constexpr bool per_sample = true;       ///< each sample is reshaped alone
    static constexpr bool double_backward = true;  ///< a copy both ways (double_backward_v)

    template <AnyShape In, class Dev, class T>
    class impl : public LayerBase<In, decltype(Derived::template infer<error::unreported, In>()), Dev, T> {
        using Base = LayerBase<In, decltype(Derived::template infer<error::unreported, In>()), Dev, T>;

    public:
        void forward(typename Base::in_view x, typename Base::out_view y, const ForwardContext&) {
            Dev::copy(x.data(), x.size(), y.data());
        }
        void backward(typename Base::in_view, typename Base::out_cview, typename Base::out_cview dy,
                      typename Base::in_grad_view dx, ParamGrads) {
            if (!dx.empty()) Dev::copy(dy.data(), dy.size(), dx.data());
        }
        /// dx is dy's elements: ddy is ddx's.
        void double_backward(typename Base::in_view, typename Base::out_cview, typename Base::out_cview,
                             typename Base::in_view ddx, typename Base::out_view ddy, ParamGrads) {
            if (!ddy.empty()) Dev::copy(ddx.data(), ddx.size(), ddy.data());
        }
    };
};

/// Flattens each sample to one dimension, as torch.nn.Flatten (start_dim 1).
struct Flatten : SameElements<Flatten> {
    /// @name Layer protocol
    ///@{

    /// As the Layer concept defines it.
    static constexpr std::string_view type_name = "Flatten";
    template <index_t, AnyShape In>
    static consteval auto infer() {
        return Shape<In::size>{};
    }
    ///@}
};

/// Views each sample as Shape<Dims...> (torch's x.view(-1, Dims...) or nn.Unflatten); the element
/// count must match, which is checked at compile time.
template <index_t... Dims>
struct Reshape : SameElements<Reshape<Dims...>> {
    /// @name Layer protocol
    ///@{

    /// As the Layer concept defines it.
    static constexpr std::string_view type_name = "Reshape";
    template <index_t Position, AnyShape In>
    static consteval auto infer() {
        if constexpr (In::size != Shape<Dims...>::size)
            (void)sizeof(error::reshape_size_mismatch<Position, Reshape, Shape<Dims...>, In>);
        return Shape<Dims...>{};
    }
    ///@}
};

}  // namespace ctnn

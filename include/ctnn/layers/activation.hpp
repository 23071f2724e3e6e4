// Element-wise activations: ReLU, LeakyReLU<slope>, Tanh, Sigmoid. Each names its function and
// derivative once; Elementwise runs them on any device.
#pragma once

#include <cmath>

#include "ctnn/core/real.hpp"
#include "ctnn/device/functions.hpp"
#include "ctnn/layers/layer.hpp"

namespace ctnn {

namespace detail {
/// Fn::f as a function object: what Elementwise asks the device to map, unless Fn names a
/// function of ctnn::fn (`using function = fn::...`) that devices may run in a form of their own.
template <class Fn>
struct ActivationForward {
    template <class T>
    CTNN_HD T operator()(T x) const {
        return Fn::f(x);
    }
};
template <class Fn>
struct activation_function {
    using type = ActivationForward<Fn>;
};
template <class Fn>
    requires requires { typename Fn::function; }
struct activation_function<Fn> {
    using type = typename Fn::function;
};
}  // namespace detail

/// A parameter-free layer y = Fn::f(x) with dL/dx = dy * Fn::df(x, y); shape-preserving. Fn, the
/// activation deriving from it, gives its type_name and, for every scalar T, `static T f(T x)` and
/// `static T df(T x, T y)` (the derivative at x, given y = f(x)), both CTNN_HD so that device
/// kernels can call them. An Fn that names a function of ctnn::fn (`using function = fn::...`)
/// lets each device run that function in a form of its own (vectorised, say).
template <class Fn>
struct Elementwise {
    static constexpr index_t parameter_count = 0;  ///< an activation has no parameters
    static constexpr bool per_sample = true;       ///< each output depends on its own input alone

    /// The output has the input's shape.
    template <index_t, AnyShape In>
    static consteval auto infer() {
        return In{};
    }

    template <AnyShape In, class Dev, class T>
    class impl : public LayerBase<In, In, Dev, T> {
        using Base = LayerBase<In, In, Dev, T>;

    public:
        void forward(typename Base::in_view x, typename Base::out_view y, const ForwardContext&) {
            Dev::map(x.size(), x.data(), y.data(), typename detail::activation_function<Fn>::type{});
        }
        void backward(typename Base::in_view x, typename Base::out_cview y,
                      typename Base::out_cview dy, typename Base::in_grad_view dx, ParamGrads) {
            if (!dx.empty()) times_derivative(x.data(), y.data(), dy.data(), dx.data(), x.size());
        }
        /// For an Fn that declares double_backward (ReLU, LeakyReLU: df is piecewise constant, so
        /// dx = dy df(x) is linear in dy and its derivative in x is zero almost everywhere, as
        /// torch's is): ddy = ddx df(x).
        void double_backward(typename Base::in_view x, typename Base::out_cview y, typename Base::out_cview,
                             typename Base::in_view ddx, typename Base::out_view ddy, ParamGrads) {
            if (!ddy.empty()) times_derivative(x.data(), y.data(), ddx.data(), ddy.data(), x.size());
        }

        /// d = g * Fn::df(in, out), element-wise over n values. (Public: nvcc refuses a device
        /// lambda in a private member function.)
        static void times_derivative(const T* in, const T* out, const T* g, T* d, index_t n) {
            Dev::for_each(n, [=] CTNN_HD(index_t i) { d[i] = g[i] * Fn::df(in[i], out[i]); });
        }
    };
};

/// max(0, x), as torch.nn.ReLU.
struct ReLU : Elementwise<ReLU> {
    /// @name Layer and activation protocol
    ///@{

    /// As the Layer concept (type_name) and Elementwise (f, df) define it.
    static constexpr std::string_view type_name = "ReLU";
    static constexpr bool double_backward = true;  ///< df is piecewise constant (double_backward_v)
    template <class T>
    CTNN_HD static T f(T x) {
        return x > T(0) ? x : T(0);
    }
    template <class T>
    CTNN_HD static T df(T, T y) {
        return y > T(0) ? T(1) : T(0);
    }
    ///@}
};

/// x for x > 0, Slope * x otherwise (LeakyReLU<0.2>); torch.nn.LeakyReLU's default slope is 0.01.
template <Real Slope = 0.01>
struct LeakyReLU : Elementwise<LeakyReLU<Slope>> {
    /// @name Layer and activation protocol
    ///@{

    /// As the Layer concept (type_name) and Elementwise (f, df) define it.
    static constexpr std::string_view type_name = "LeakyReLU";
    static constexpr bool double_backward = true;  ///< df is piecewise constant (double_backward_v)
    static constexpr double negative_slope = Slope.value();  ///< the slope for x < 0
    template <class T>
    CTNN_HD static T f(T x) {
        return x > T(0) ? x : static_cast<T>(negative_slope) * x;
    }
    template <class T>
    CTNN_HD static T df(T x, T) {
        return x > T(0) ? T(1) : static_cast<T>(negative_slope);
    }
    ///@}
};

/// tanh(x) (fn::Tanh, which the Cpu runs as Eigen's vectorised tanh, within a few ulp of
/// std::tanh as PyTorch's own vectorised CPU tanh is); the derivative 1 - y^2 uses the output.
struct Tanh : Elementwise<Tanh> {
    /// @name Layer and activation protocol
    ///@{

    /// As the Layer concept (type_name) and Elementwise (f, df) define it.
    static constexpr std::string_view type_name = "Tanh";
    using function = fn::Tanh;  ///< lets each device run tanh its own way (Elementwise)
    template <class T>
    CTNN_HD static T f(T x) {
        return function{}(x);
    }
    template <class T>
    CTNN_HD static T df(T, T y) {
        return T(1) - y * y;
    }
    ///@}
};

/// 1 / (1 + exp(-x)), computed without overflow for large |x|; derivative y (1 - y).
struct Sigmoid : Elementwise<Sigmoid> {
    /// @name Layer and activation protocol
    ///@{

    /// As the Layer concept (type_name) and Elementwise (f, df) define it.
    static constexpr std::string_view type_name = "Sigmoid";
    template <class T>
    CTNN_HD static T f(T x) {
        if (x >= T(0)) return T(1) / (T(1) + std::exp(-x));
        const T e = std::exp(x);
        return e / (T(1) + e);
    }
    template <class T>
    CTNN_HD static T df(T, T y) {
        return y * (T(1) - y);
    }
    ///@}
};

}  // namespace ctnn

// RMSprop, as torch.optim.RMSprop's single-tensor update (torch 1.13).
#pragma once

#include <cmath>

#include "ctnn/optim/optimizer.hpp"

namespace ctnn {

/// torch.optim.RMSprop's defaults.
struct RMSpropOptions {
    double lr = 1e-2;  ///< learning rate
    double alpha = 0.99;  ///< decay of the running mean of squared gradients
    double eps = 1e-8;        ///< added to the denominator for stability
    double weight_decay = 0;  ///< L2: weight_decay * parameter added to the gradient
    double momentum = 0;      ///< momentum factor; 0 keeps no momentum buffer
    bool centered = false;  ///< divide by the gradient's estimated variance, not its second moment
};

namespace detail {

template <class T>
struct RmspropCoefficients {
    T neg_lr, alpha, one_minus_alpha, eps, weight_decay, momentum;
};

/// One RMSprop step over n elements, its variant fixed at compile time: a test inside the loop
/// keeps the compiler from vectorising it.
template <bool Centered, bool Momentum, class Dev, class T>
void rmsprop_update_variant(T* p, const T* grad, T* square_avg, T* buf, T* grad_avg, index_t n,
                            RmspropCoefficients<T> c) {
    // Captured by name: nvcc rejects a device lambda's first capture inside `if constexpr`.
    Dev::for_each(n, [p, grad, square_avg, buf, grad_avg, c] CTNN_HD(index_t i) {
        const T g = c.weight_decay == T(0) ? grad[i] : grad[i] + c.weight_decay * p[i];
        square_avg[i] = square_avg[i] * c.alpha + c.one_minus_alpha * g * g;
        T avg;
        if constexpr (Centered) {
            grad_avg[i] = grad_avg[i] * c.alpha + c.one_minus_alpha * g;
            avg = std::sqrt(square_avg[i] + T(-1) * grad_avg[i] * grad_avg[i]) + c.eps;
        } else {
            avg = std::sqrt(square_avg[i]) + c.eps;
        }
        if constexpr (Momentum) {
            buf[i] = buf[i] * c.momentum + g / avg;
            p[i] = p[i] + c.neg_lr * buf[i];
        } else {
            p[i] = p[i] + c.neg_lr * g / avg;
        }
    });
}

/// buf is null without momentum, grad_avg null unless centered.
template <class Dev, class T>
void rmsprop_update(T* p, const T* grad, T* square_avg, T* buf, T* grad_avg, index_t n,
                    RmspropCoefficients<T> c) {
    if (grad_avg && buf)
        rmsprop_update_variant<true, true, Dev>(p, grad, square_avg, buf, grad_avg, n, c);
    else if (grad_avg)
        rmsprop_update_variant<true, false, Dev>(p, grad, square_avg, buf, grad_avg, n, c);
    else if (buf)
        rmsprop_update_variant<false, true, Dev>(p, grad, square_avg, buf, grad_avg, n, c);
    else
        rmsprop_update_variant<false, false, Dev>(p, grad, square_avg, buf, grad_avg, n, c);
}

}  // namespace detail

/// RMSprop on the parameters of one network (seed 003 trains its MNIST classifier with it).
/// State per parameter: "square_avg", then "momentum_buffer" when momentum > 0, then "grad_avg"
/// when centered, as torch creates them.
template <class Dev, class T>
class RMSprop : public Optimizer<RMSprop<Dev, T>, RMSpropOptions, Dev, T> {
    using Base = Optimizer<RMSprop<Dev, T>, RMSpropOptions, Dev, T>;
    friend Base;

public:
    static constexpr const char* name = "RMSprop";  ///< as error messages name it

    /// Binds to net's flat buffers (net must outlive the optimizer), with zeroed state. Throws
    /// std::invalid_argument naming the first option out of range, as torch.optim raises
    /// ValueError.
    template <class NetT>
    explicit RMSprop(NetT& net, RMSpropOptions o = {}) : Base(net, o, buffers_for(o)) {
        detail::check_option(o.eps >= 0, name, "eps");
        detail::check_option(o.momentum >= 0, name, "momentum");
        detail::check_option(o.weight_decay >= 0, name, "weight_decay");
        detail::check_option(o.alpha >= 0, name, "alpha");
    }

private:
    static std::vector<std::string> buffers_for(const RMSpropOptions& o) {
        std::vector<std::string> names{"square_avg"};
        if (o.momentum > 0) names.push_back("momentum_buffer");
        if (o.centered) names.push_back("grad_avg");
        return names;
    }

    void update(index_t begin, index_t end) {
        const RMSpropOptions& o = this->options_;
        const detail::RmspropCoefficients<T> c{T(-o.lr), T(o.alpha), T(1 - o.alpha), T(o.eps), T(o.weight_decay),
                                               T(o.momentum)};
        auto& state = this->state_;
        T* buf = o.momentum > 0 ? state[1].data() + begin : nullptr;
        T* grad_avg = o.centered ? state.back().data() + begin : nullptr;
        detail::rmsprop_update<Dev>(this->values_ + begin, this->grads_ + begin, state[0].data() + begin, buf, grad_avg,
                                    end - begin, c);
    }
};

}  // namespace ctnn

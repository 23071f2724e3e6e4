// Adam, as torch.optim.Adam's single-tensor update (torch 1.13, amsgrad off, maximize off).
#pragma once

#include <cmath>

#include "ctnn/optim/optimizer.hpp"

namespace ctnn {

/// torch.optim.Adam's defaults; beta1 and beta2 are its `betas`.
struct AdamOptions {
    double lr = 1e-3;      ///< learning rate
    double beta1 = 0.9;    ///< decay of the running mean of gradients (exp_avg)
    double beta2 = 0.999;  ///< decay of the running mean of squared gradients (exp_avg_sq)
    double eps = 1e-8;     ///< added to the denominator sqrt(exp_avg_sq) for stability
    double weight_decay = 0;  ///< L2: weight_decay * parameter added to the gradient
};

namespace detail {

template <class T>
struct AdamCoefficients {
    T beta1, one_minus_beta1, beta2, one_minus_beta2, neg_step_size, bias_correction2_sqrt, eps, weight_decay;
};

/// One Adam step over n elements, with torch's operations in torch's order.
template <class Dev, class T>
void adam_update(T* p, const T* grad, T* exp_avg, T* exp_avg_sq, index_t n, AdamCoefficients<T> c) {
    Dev::for_each(n, [=] CTNN_HD(index_t i) {
        const T g = c.weight_decay == T(0) ? grad[i] : grad[i] + c.weight_decay * p[i];
        exp_avg[i] = exp_avg[i] * c.beta1 + c.one_minus_beta1 * g;
        exp_avg_sq[i] = exp_avg_sq[i] * c.beta2 + c.one_minus_beta2 * g * g;
        const T denom = std::sqrt(exp_avg_sq[i]) / c.bias_correction2_sqrt + c.eps;
        p[i] = p[i] + c.neg_step_size * exp_avg[i] / denom;
    });
}

}  // namespace detail

/// Adam on the parameters of one network. State per parameter: "exp_avg", "exp_avg_sq".
///   Adam<Cpu, float> opt(net, {.lr = 2e-4, .beta1 = 0.5});
template <class Dev, class T>
class Adam : public Optimizer<Adam<Dev, T>, AdamOptions, Dev, T> {
    using Base = Optimizer<Adam<Dev, T>, AdamOptions, Dev, T>;
    friend Base;

public:
    static constexpr const char* name = "Adam";  ///< as error messages name it

    /// Binds to net's flat buffers (net must outlive the optimizer), with zeroed state. Throws
    /// std::invalid_argument naming the first option out of range, as torch.optim raises
    /// ValueError.
    template <class NetT>
    explicit Adam(NetT& net, AdamOptions o = {}) : Base(net, o, {"exp_avg", "exp_avg_sq"}) {
        detail::check_option(o.eps >= 0, name, "eps");
        detail::check_option(o.beta1 >= 0 && o.beta1 < 1, name, "beta1");
        detail::check_option(o.beta2 >= 0 && o.beta2 < 1, name, "beta2");
        detail::check_option(o.weight_decay >= 0, name, "weight_decay");
    }

private:
    void update(index_t begin, index_t end) {
        const AdamOptions& o = this->options_;
        // The bias corrections in double, as torch computes them in Python.
        const double step = static_cast<double>(this->steps());
        const double bias_correction1 = 1 - std::pow(o.beta1, step);
        const double bias_correction2 = 1 - std::pow(o.beta2, step);
        const detail::AdamCoefficients<T> c{T(o.beta1),
                                            T(1 - o.beta1),
                                            T(o.beta2),
                                            T(1 - o.beta2),
                                            T(-(o.lr / bias_correction1)),
                                            T(std::sqrt(bias_correction2)),
                                            T(o.eps),
                                            T(o.weight_decay)};
        detail::adam_update<Dev>(this->values_ + begin, this->grads_ + begin, this->state_[0].data() + begin,
                                 this->state_[1].data() + begin, end - begin, c);
    }
};

}  // namespace ctnn

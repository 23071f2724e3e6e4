// Stochastic gradient descent, as torch.optim.SGD's single-tensor update (torch 1.13).
#pragma once

#include <limits>

#include "ctnn/optim/optimizer.hpp"

namespace ctnn {

/// torch.optim.SGD's options. lr has no default there; here a missing lr (NaN) is an error.
/// momentum, dampening and nesterov are fixed at construction; set_lr changes lr.
struct SGDOptions {
    double lr = std::numeric_limits<double>::quiet_NaN();  ///< learning rate: must be given
    double momentum = 0;      ///< momentum factor; 0 keeps no momentum buffer
    double dampening = 0;     ///< the gradient enters the momentum buffer times 1 - dampening
    double weight_decay = 0;  ///< L2: weight_decay * parameter added to the gradient
    bool nesterov = false;    ///< Nesterov momentum; needs momentum > 0 and dampening 0
};

namespace detail {

template <class T>
struct SgdCoefficients {
    T neg_lr, momentum, one_minus_dampening, weight_decay;
    bool first, nesterov;
};

/// One SGD step over n elements; buf is null without momentum. The first step's buffer is the
/// gradient itself (torch's `buf = clone(d_p)`), later ones decay it.
template <class Dev, class T>
void sgd_update(T* p, const T* grad, T* buf, index_t n, SgdCoefficients<T> c) {
    Dev::for_each(n, [=] CTNN_HD(index_t i) {
        T d = c.weight_decay == T(0) ? grad[i] : grad[i] + c.weight_decay * p[i];
        if (buf) {
            buf[i] = c.first ? d : buf[i] * c.momentum + c.one_minus_dampening * d;
            d = c.nesterov ? d + c.momentum * buf[i] : buf[i];
        }
        p[i] = p[i] + c.neg_lr * d;
    });
}

}  // namespace detail

/// SGD on the parameters of one network. State per parameter: "momentum_buffer" when momentum
/// is not 0 (torch keeps none otherwise).
///   SGD<Cpu, float> opt(net, {.lr = 0.1, .momentum = 0.9, .nesterov = true});
template <class Dev, class T>
class SGD : public Optimizer<SGD<Dev, T>, SGDOptions, Dev, T> {
    using Base = Optimizer<SGD<Dev, T>, SGDOptions, Dev, T>;
    friend Base;

public:
    static constexpr const char* name = "SGD";  ///< as error messages name it

    /// Binds to net's flat buffers (net must outlive the optimizer), with zeroed state. Throws
    /// std::invalid_argument naming the first option out of range, as torch.optim raises
    /// ValueError.
    template <class NetT>
    SGD(NetT& net, SGDOptions o)
        : Base(net, o, o.momentum != 0 ? std::vector<std::string>{"momentum_buffer"} : std::vector<std::string>{}) {
        detail::check_option(o.momentum >= 0, name, "momentum");
        detail::check_option(o.weight_decay >= 0, name, "weight_decay");
        detail::check_option(!o.nesterov || (o.momentum > 0 && o.dampening == 0), name,
                             "nesterov: it requires a momentum and zero dampening");
    }

private:
    void update(index_t begin, index_t end) {
        const SGDOptions& o = this->options_;
        const detail::SgdCoefficients<T> c{T(-o.lr), T(o.momentum), T(1 - o.dampening), T(o.weight_decay),
                                           this->steps() == 1, o.nesterov};
        detail::sgd_update<Dev>(this->values_ + begin, this->grads_ + begin,
                                this->state_.empty() ? nullptr : this->state_[0].data() + begin, end - begin, c);
    }
};

}  // namespace ctnn

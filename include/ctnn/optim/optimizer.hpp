// What every optimizer shares: the network's flat parameter and gradient buffers, one flat state
// buffer per state name (allocated once), zero_grad(), the step count, and state save/restore for
// checkpoints. An update is one pass over the whole flat buffer (padding between parameters is
// zero and stays zero). An optimizer is bound to one network (a GAN has two optimizers) and keeps
// pointers into it, so the network must outlive it; neither can be copied or moved.
//
// State names follow torch.optim's state_dict: the k-th parameter in visit_parameters order is
// PyTorch's state[k] (model.parameters() order), and its part of the buffer `exp_avg` is named
// "<state_dict key>.exp_avg", e.g. "0.weight.exp_avg". PyTorch keeps a `step` per parameter; they
// all step together, so here there is one, "step".
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ctnn/core/parameters.hpp"
#include "ctnn/core/shape.hpp"
#include "ctnn/core/tensor.hpp"

namespace ctnn {

namespace detail {
/// Throws std::invalid_argument naming the optimizer and option unless ok, as torch.optim raises
/// ValueError.
inline void check_option(bool ok, const char* optimizer, const char* what) {
    if (!ok) throw std::invalid_argument(std::string("ctnn::") + optimizer + ": invalid " + what);
}
}  // namespace detail

/// One state value per element of the flat parameter buffer.
template <class Dev, class T>
using StateBuffer = Tensor<Shape<1>, Dev, T>;

/// The parameters, options and state of an optimizer Derived, which provides `name` (for error
/// messages) and `update(begin, end)`: one step of its rule over the flat elements [begin, end)
/// (of `values_`, `grads_`, `state_[k]` for k in state_names(); all `size_` of them in a plain
/// step()), called after the step count has advanced.
template <class Derived, class Opts, class Dev, class T>
class Optimizer {
public:
    using Options = Opts;  ///< Derived's options struct (AdamOptions, SGDOptions, ...)

    /// One parameter's place in the flat buffers, and views of its part of each state buffer.
    struct Param {
        std::string name;  ///< the network's state_dict key
        T* value;      ///< its first value in the network's flat parameter buffer
        T* grad;       ///< its first gradient element in the flat gradient buffer
        index_t size;  ///< its elements
        std::vector<BufferView<Shape<1>, Dev, T>> state;  ///< in the order of state_names()
    };

    Optimizer(const Optimizer&) = delete;
    Optimizer& operator=(const Optimizer&) = delete;

    /// One optimisation step from the gradients in the network.
    void step() {
        ++steps_;
        static_cast<Derived&>(*this).update(0, size_);
    }
    /// One optimisation step that updates only the flat elements [begin, end) of each range (a
    /// rank's shards in a sharded update; the other elements and their state are left as they
    /// are). The rules are element-wise, so each element gets step()'s bits.
    /// The state is then current only in those ranges (state_partial()).
    template <class Ranges>
    void step(const Ranges& ranges) {
        ++steps_;
        for (const auto& r : ranges) static_cast<Derived&>(*this).update(r.begin, r.end);
        partial_ = true;
    }

    /// Whether a step(ranges) left the state current only in part of the buffer (each rank of a
    /// sharded update holds its own part), so that it must not be saved until it is whole again.
    bool state_partial() const { return partial_; }
    /// Declares the state whole again: every rank's parts have been gathered, or it was loaded.
    void state_made_whole() { partial_ = false; }

    /// Sets the bound network's parameter gradients to zero.
    void zero_grad() { Dev::fill(grads_, size_, T(0)); }

    /// Steps taken (PyTorch's state["step"]).
    std::int64_t steps() const { return steps_; }

    /// f("step", std::int64_t&), then f(name, BufferView&) for every parameter's part of every
    /// state buffer, named as described at the top of this file. Restoring all of them continues
    /// the run bit for bit.
    template <class F>
    void visit_state(F&& f) {
        f(std::string("step"), steps_);
        for (auto& p : params_)
            for (index_t k = 0; k < p.state.size(); ++k) f(p.name + "." + state_names_[k], p.state[k]);
    }

    /// The options it was built with, with the learning rate set_lr gave last.
    const Options& options() const { return options_; }
    /// Changes the learning rate for the following steps (PyTorch: param_groups[0]["lr"] = lr).
    void set_lr(double lr) {
        detail::check_option(lr >= 0, Derived::name, "learning rate");
        options_.lr = lr;
    }

    /// Every parameter, in the network's visit_parameters order (PyTorch's state index).
    const std::vector<Param>& parameters() const { return params_; }
    /// State buffer k (of state_names()), flat as the parameter buffer.
    T* state_buffer(index_t k) { return state_[k].data(); }
    /// The state buffers' names, e.g. {"exp_avg", "exp_avg_sq"} for Adam.
    const std::vector<std::string>& state_names() const { return state_names_; }

protected:
    /// Binds to net's flat buffers and gives them a zeroed state buffer per state name.
    template <class NetT>
    Optimizer(NetT& net, const Options& options, std::vector<std::string> state_names)
        : options_(options),
          values_(net.parameters().values()),
          grads_(net.parameters().gradients()),
          size_(net.parameters().size()),
          state_names_(std::move(state_names)) {
        detail::check_option(options.lr >= 0, Derived::name, "learning rate");
        static_assert(std::is_same_v<typename NetT::device, Dev> && std::is_same_v<typename NetT::scalar, T>,
                      "ctnn: an optimizer's device and scalar type must be its network's");
        for (index_t k = 0; k < state_names_.size(); ++k) {
            state_.emplace_back(size_);
            state_.back().zero();
        }
        for (const auto& e : net.parameters().entries()) {
            Param p{e.name, values_ + e.offset, grads_ + e.offset, e.size, {}};
            for (auto& s : state_) p.state.emplace_back(s.data() + e.offset, e.size);
            params_.push_back(std::move(p));
        }
    }

    Options options_;  ///< the options update() applies
    T* values_;        ///< the network's flat parameter buffer
    T* grads_;         ///< the network's flat gradient buffer
    index_t size_;     ///< elements in each flat buffer, padding between parameters included
    std::vector<StateBuffer<Dev, T>> state_;  ///< one flat buffer per state name

private:
    std::vector<Param> params_;
    std::vector<std::string> state_names_;
    std::int64_t steps_ = 0;
    bool partial_ = false;
};

}  // namespace ctnn

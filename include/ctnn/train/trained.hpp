// A network with the optimizer that trains it: the unit Gan, Vae and the classifier trainer are
// made of. Between a step's backward pass and its update lies one place, `update()`, where the
// gradients in the network's flat buffer are final: the hook that runs there (a gradient
// reduction across processes, clipping, a penalty's extra term) sees the whole buffer, then the
// divergence guard checks it, then the optimizer steps.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "ctnn/io/checkpoint.hpp"
#include "ctnn/network/network.hpp"
#include "ctnn/train/divergence.hpp"

namespace ctnn {

/// Network<Net, Dev, T> trained by an optimizer of type Opt (e.g. Adam<Dev, T>) bound to it.
/// It is the network (forward, backward, visit_parameters...), plus `optimizer` and `update()`.
template <class Net, class Opt, class Dev = Cpu, class T = float>
class TrainedNetwork : public Network<Net, Dev, T> {
public:
    using network_type = Network<Net, Dev, T>;
    using optimizer_type = Opt;

    /// f(gradients): runs in update() on the step's final gradients, before the divergence guard.
    using GradientHook = std::function<void(FlatParameters<Dev, T>& parameters)>;

    Opt optimizer;
    GradientHook on_gradients;

    /// The network drawn from rng (see Network), and an optimizer with options `o` bound to it.
    TrainedNetwork(Rng& rng, typename Opt::Options o, Init init = Init::pytorch)
        : network_type(rng, init), optimizer(*this, o) {}

    /// The step's gradients are in the network: runs on_gradients, throws DivergenceError if a
    /// gradient is not finite (naming `what` and `step`), then takes one optimizer step.
    void update(const char* what, std::int64_t step) {
        if (on_gradients) on_gradients(this->parameters());
        check_finite_gradients(*this, what, step);
        optimizer.step();
    }
};

/// Binds `unit` (a TrainedNetwork) into c: the network under `name`, its optimizer under
/// "optimizer.<name>".
template <class Unit>
io::Checkpoint& bind_trained(io::Checkpoint& c, const std::string& name, Unit& unit) {
    return c.network(name, unit).optimizer("optimizer." + name, unit.optimizer);
}

namespace detail {
inline void bind_pairs(io::Checkpoint&) {}
template <class Unit, class... Rest>
void bind_pairs(io::Checkpoint& c, const char* name, Unit& unit, Rest&... rest) {
    bind_trained(c, name, unit);
    bind_pairs(c, rest...);
}
}  // namespace detail

/// The checkpoint of a run made of trained networks, given as name, unit, name, unit...: each
/// bound by bind_trained, then the step count under "step" and the run's Rng under "rng".
template <class... NamesAndUnits>
io::Checkpoint training_checkpoint(std::int64_t& step, Rng& rng, NamesAndUnits&... named) {
    io::Checkpoint c;
    detail::bind_pairs(c, named...);
    c.counter("step", step).rng("rng", rng);
    return c;
}

}  // namespace ctnn

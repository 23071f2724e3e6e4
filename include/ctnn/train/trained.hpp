// A network with the optimizer that trains it: the unit Gan, Vae and the classifier trainer are
// made of. Between a step's backward pass and its update lies one place, `update()`, where the
// gradients in the network's flat buffer become final: a communicator averages them over the
// ranks of a data-parallel run, the hook that runs next (clipping, a penalty's extra term, an EMA)
// sees the whole buffer, then the divergence guard checks it, then the optimizer steps.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "ctnn/distributed/communicator.hpp"
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

    /// Makes the network one rank of comm's data-parallel run: its forward passes see comm
    /// (BatchNorm's statistics per `stats`, Dropout's masks by global sample index). comm must
    /// outlive the network. update() then takes the same comm.
    template <distributed::Communicator Comm>
    void distribute(Comm& comm, BatchStats stats = BatchStats::global) {
        this->set_data_parallel(distributed::data_parallel(comm, stats));
    }

    /// This rank's gradients of the step are in the network: comm averages them over the ranks
    /// (every rank calls update() in the same order), on_gradients runs, DivergenceError is thrown
    /// if a gradient is not finite (naming `what` and `step`; on every rank alike, since they hold
    /// the same gradients), then the optimizer takes one step.
    template <distributed::Communicator Comm>
    void update(const char* what, std::int64_t step, Comm& comm) {
        auto& flat = this->parameters();
        comm.mean(flat.gradients(), flat.size());
        if (on_gradients) on_gradients(flat);
        check_finite_gradients(*this, what, step);
        optimizer.step();
    }
    /// update() in a single process.
    void update(const char* what, std::int64_t step) {
        distributed::SingleProcess one;
        update(what, step, one);
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

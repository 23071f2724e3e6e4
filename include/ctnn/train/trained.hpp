// A network with the optimizer that trains it: the unit Gan, Vae and the classifier trainer are
// made of. Between a step's backward pass and its update lies one place, `update()`, where the
// gradients in the network's flat buffer become final: a communicator averages them over the
// ranks of a data-parallel run, the hook that runs next (clipping, a penalty's extra term, an EMA)
// sees the whole buffer, then the divergence guard checks it, then the optimizer steps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>
#include <string>

#include "ctnn/device/bf16.hpp"
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
    /// The network it is.
    using network_type = Network<Net, Dev, T>;
    /// The optimizer type.
    using optimizer_type = Opt;

    /// f(gradients): runs in update() on the step's final gradients, before the divergence guard.
    using GradientHook = std::function<void(FlatParameters<Dev, T>& parameters)>;

    /// Bound to this network's flat buffers.
    Opt optimizer;
    /// Empty, or run by update() on the step's gradients.
    GradientHook on_gradients;
    /// Gradient buckets (docs/distributed.md): with a communicator that reduces asynchronously,
    /// backward_reducing() starts reducing the gradients of the layers that have gone backward
    /// as soon as they hold at least this many bytes (a bucket ends at a layer boundary), while
    /// the layers before them still run. 0: no overlap, update() reduces the whole buffer.
    std::size_t bucket_bytes = std::size_t{1} << 20;

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

    /// Whether update() shards the optimizer's work across the ranks when the communicator can
    /// (a ShardingCommunicator with shards(); docs/distributed.md, "Sharded updates"): each rank
    /// then adds up and steps only its shard of the buffers and the ranks exchange the updated
    /// parameters. The parameters are the same bits either way; false reduces and steps all of
    /// them on every rank.
    bool shard_updates = true;

    /// This rank's gradients of the step are in the network: comm averages them over the ranks
    /// (every rank calls update() in the same order), on_gradients runs, DivergenceError is thrown
    /// if a gradient is not finite (naming `what` and `step`; on every rank alike, since they hold
    /// the same gradients), then the optimizer takes one step. Sharded (shard_updates), the
    /// gradient buffer afterwards holds the mean only in this rank's shards (all of it when
    /// on_gradients is set or a gradient was not finite), and the optimizer's state is current
    /// only there until gather_optimizer_state().
    template <distributed::Communicator Comm>
    void update(const char* what, std::int64_t step, Comm& comm) {
        if constexpr (distributed::ShardingCommunicator<Comm>) {
            if (sharding(comm)) return update_sharded(what, step, comm);
        }
        auto& flat = this->parameters();
        if constexpr (distributed::AsyncCommunicator<Comm>) {
            // backward_reducing's buckets hold the means, or the whole buffer is one bucket
            // (the transport of buckets, e.g. Mpi's shared memory, serves it too)
            if (!buckets_started_) comm.start_mean(flat.gradients(), flat.size());
            buckets_started_ = false;
            comm.finish_means();
        } else {
            comm.mean(flat.gradients(), flat.size());
        }
        if (on_gradients) on_gradients(flat);
        check_finite_gradients(*this, what, step);
        optimizer.step();
        rounded_.invalidate();
    }
    /// update() in a single process.
    void update(const char* what, std::int64_t step) {
        distributed::SingleProcess one;
        update(what, step, one);
    }

    /// The step's last backward pass into this network, the one after which update(..., comm)
    /// follows: backward(dy, options), and with an AsyncCommunicator and bucket_bytes > 0 each
    /// bucket of final gradients starts its mean over the ranks while the layers before it
    /// still go backward. update() completes them. Element-wise means do not depend on where
    /// the buckets end: the result is the one-shot reduction's, bit for bit.
    template <distributed::Communicator Comm>
    const auto& backward_reducing(typename network_type::output_view dy, BackwardOptions options, Comm& comm) {
        if constexpr (distributed::AsyncCommunicator<Comm>) {
            if (overlaps(options)) return network_type::backward(dy, options, bucket_starter(comm));
        }
        return network_type::backward(dy, options);
    }
    /// Under Bf16Mixed<Cpu>, whether keep_rounded_parameters() keeps the parameters' bf16 copies
    /// (memory: 2 bytes a parameter with oneDNN's bf16 kernels, 4 on the fallback). Off, every
    /// product rounds them again: the same numbers, slower. No effect under other devices.
    bool keep_rounded = true;

    /// While the returned scope lives, a GEMM that reads these parameters on this thread rounds
    /// them once and reuses the copy until update() or parameters_written() (Bf16Mixed<Cpu>: a
    /// network's weights are read by its forward and its backward pass between two updates; a
    /// no-op under other devices and policies, or with keep_rounded off). Opening a scope drops
    /// the copies of the last one. Gan::step() and Vae::step() hold one for each network.
    [[nodiscard]] auto keep_rounded_parameters() {
        return rounded_.scope(this->parameters().values(), keep_rounded ? this->parameters().size() : 0);
    }
    /// The parameters were written other than by update() (e.g. clipped) while a
    /// keep_rounded_parameters() scope is open: the rounded copies are out of date.
    void parameters_written() { rounded_.invalidate(); }

    /// After sharded updates, each rank's optimizer state is current only in its own shards
    /// (optimizer.state_partial()): this copies every rank's shards to every rank, so that the
    /// state can be saved (a checkpoint refuses a partial one) or compared. A collective when the
    /// state is partial, which it is on every rank alike: call it on every rank at the same point.
    void gather_optimizer_state() {
        if (!optimizer.state_partial()) return;
        gather_state_();
        optimizer.state_made_whole();
    }

    /// backward_leading() as backward_reducing() is backward().
    template <distributed::Communicator Comm>
    const auto& backward_leading_reducing(typename network_type::output_view dy, BackwardOptions options, Comm& comm) {
        if constexpr (distributed::AsyncCommunicator<Comm>) {
            if (overlaps(options)) return network_type::backward_leading(dy, options, bucket_starter(comm));
        }
        return network_type::backward_leading(dy, options);
    }

private:
    bool overlaps(const BackwardOptions& options) const {
        return bucket_bytes > 0 && options.params != ParamGrads::frozen;
    }
    template <class Comm>
    bool sharding(const Comm& comm) const {
        return shard_updates && comm.shards();
    }

    /// The layer_done of a backward pass that starts a mean (a sharded one when sharding)
    /// whenever the final gradients not yet handed to comm, [gradient_begin(layer),
    /// unreduced_end_), reach bucket_bytes, and the last one with the first layer.
    template <class Comm>
    auto bucket_starter(Comm& comm) {
        buckets_started_ = true;
        unreduced_end_ = this->parameters().size();
        buckets_.clear();
        return [this, &comm](std::size_t layer) {
            const index_t begin = this->gradient_begin(layer);
            const auto bytes = static_cast<std::size_t>(unreduced_end_ - begin) * sizeof(T);
            if (bytes > 0 && (layer == 0 || bytes >= bucket_bytes)) {
                start_bucket(comm, begin, unreduced_end_);
                unreduced_end_ = begin;
            }
            comm.progress();
        };
    }

    /// Starts the mean of the gradients [begin, end): sharded when sharding (and remembered in
    /// buckets_, where update_sharded() finds the shards), whole otherwise.
    template <class Comm>
    void start_bucket(Comm& comm, index_t begin, index_t end) {
        T* g = this->parameters().gradients() + begin;
        if constexpr (distributed::ShardingCommunicator<Comm>) {
            if (sharding(comm)) {
                buckets_.push_back({begin, end});
                comm.start_reduce_scatter(g, end - begin);
                return;
            }
        }
        comm.start_mean(g, end - begin);
    }

    /// update() when sharding: each bucket's shard of the mean, a check that every rank's shards
    /// are finite (one value averaged), the optimizer's step on this rank's shards, and every
    /// rank's updated shards to every rank. on_gradients, or a gradient that is not finite,
    /// first brings all the mean gradients to every rank, so that the hook sees the whole
    /// buffer and every rank names the same first parameter.
    template <class Comm>
    void update_sharded(const char* what, std::int64_t step, Comm& comm) {
        auto& flat = this->parameters();
        if (!buckets_started_) {  // no overlapped backward: the whole buffer as one bucket
            buckets_.clear();
            start_bucket(comm, 0, flat.size());
        }
        buckets_started_ = false;
        comm.finish_means();
        shards_.clear();
        index_t nonfinite = 0;
        for (const auto& b : buckets_) {
            const distributed::Shard s = comm.shard(b.end - b.begin);
            shards_.push_back({b.begin + s.begin, b.begin + s.end});
            nonfinite += ops::count_nonfinite<Dev>(flat.gradients() + shards_.back().begin, s.size());
        }
        double any_nonfinite = nonfinite > 0 ? 1 : 0;
        comm.mean(&any_nonfinite, 1);
        if (on_gradients || any_nonfinite > 0) {
            gather(comm, flat.gradients());
            if (on_gradients) on_gradients(flat);
            check_finite_gradients(*this, what, step);
        }
        optimizer.step(shards_);
        gather(comm, flat.values());
        rounded_.invalidate();
        if (!gather_state_)  // bound once: comm is the same in every update
            gather_state_ = [this, &comm] {
                for (index_t k = 0; k < optimizer.state_names().size(); ++k) gather(comm, optimizer.state_buffer(k));
            };
    }

    /// Every rank's shards of each bucket of the flat buffer `values` to every rank.
    template <class Comm>
    void gather(Comm& comm, T* values) {
        for (const auto& b : buckets_) comm.all_gather(values + b.begin, b.end - b.begin);
    }

    ParameterOperands<Dev, T> rounded_;  // of keep_rounded_parameters()
    bool buckets_started_ = false;
    index_t unreduced_end_ = 0;
    std::vector<distributed::Shard> buckets_;  // of the step's sharded reduction, as [begin, end)
    std::vector<distributed::Shard> shards_;   // this rank's part of each
    std::function<void()> gather_state_;       // gathers the optimizer's state after sharded updates
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

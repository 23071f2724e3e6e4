// Communicators: how the ranks of a data-parallel run combine what each computed on its share of
// the global batch. Every rank holds the same parameters; each computes the gradients of its
// slice of the batch; a communicator replaces each rank's values by the mean over ranks, summed
// in rank order (x_0 + x_1 + ... + x_{R-1}, then times 1/R), so that the result does not depend
// on timing and every rank gets the same bits.
//
// - SingleProcess: rank 0 of 1; mean() does nothing. The default: no cost, today's results.
// - SimulatedWorld / SimulatedRank: R ranks as R threads of one process, meeting at a barrier:
//   the test oracle for the semantics, without MPI.
// Communicators that can reduce while a backward pass runs (Mpi) model AsyncCommunicator too, and
// those that can leave each rank a shard of the mean to optimize model ShardingCommunicator.
#pragma once

#include <barrier>
#include <concepts>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "ctnn/core/config.hpp"
#include "ctnn/core/mode.hpp"

/// Data-parallel training: communicators that average values over the ranks of a run.
namespace ctnn::distributed {

/// What a trainer needs of a communicator. `mean(p, n)` replaces the n host values at p on
/// every rank by their mean over the ranks, added in rank order; every rank calls it with the
/// same n in the same order (a collective).
template <class C>
concept Communicator = requires(C& c, float* f, double* d, index_t n) {
    { c.rank() } -> std::convertible_to<int>;
    { c.size() } -> std::convertible_to<int>;
    c.mean(f, n);
    c.mean(d, n);
};

/// A communicator that can also reduce asynchronously, so that a network's reduction overlaps
/// its backward pass (TrainedNetwork::backward_reducing): `start_mean(p, n)` begins what mean(p,
/// n) does, `progress()` lets started means advance (called between layers), and
/// `finish_means()` completes every started mean, in the order they were started. The values at
/// p must stay untouched from start_mean() until finish_means() returns; the result is mean()'s,
/// bit for bit. Started means are collectives as mean() is, in the same order on every rank.
template <class C>
concept AsyncCommunicator = Communicator<C> && requires(C& c, float* f, double* d, index_t n) {
    c.start_mean(f, n);
    c.start_mean(d, n);
    c.progress();
    c.finish_means();
};

/// A rank's part [begin, end) of n values, in a sharded reduction (ShardingCommunicator).
struct Shard {
    index_t begin = 0;  ///< its first value
    index_t end = 0;    ///< one past its last value
    /// How many values.
    index_t size() const { return end - begin; }
    /// Whether two shards are the same part.
    friend bool operator==(const Shard&, const Shard&) = default;
};

/// Rank r's shard of n values split across `ranks`: contiguous, in rank order, as even as
/// boundaries at multiples of 16 values (64 bytes of floats, whole SIMD registers) allow; a
/// shard may be empty when n is small. Every sharding communicator splits this way.
inline Shard shard_of(index_t n, int r, int ranks) {
    const auto boundary = [&](int k) -> index_t {
        if (k >= ranks) return n;
        const index_t even = n * static_cast<index_t>(k) / static_cast<index_t>(ranks);
        return even / 16 * 16;
    };
    return {boundary(r), boundary(r + 1)};
}

/// A communicator that can shard the optimizer's work (docs/distributed.md, "Sharded updates"):
/// instead of every rank averaging the whole gradient buffer and stepping the optimizer over
/// all of it, `start_reduce_scatter(p, n)` leaves on each rank only the mean of its shard,
/// p[shard(n)] (the rest of p is left as it was), the optimizer steps that shard, and
/// `all_gather(p, n)` copies every rank's shard of p to every rank. The means are mean()'s bit
/// for bit (the same additions in rank order), so a sharded update gives the unsharded one's
/// parameters exactly, with 1/R of the adding and optimizing per rank. `shards()` says whether
/// this communicator shards at all (false: start_reduce_scatter is a whole mean, shard(n) is all
/// of n, all_gather does nothing); it is the same on every rank. start_reduce_scatter is
/// completed by finish_means() as start_mean is; both are collectives.
template <class C>
concept ShardingCommunicator = AsyncCommunicator<C> && requires(C& c, const C& cc, float* f, double* d, index_t n) {
    { cc.shards() } -> std::convertible_to<bool>;
    { cc.shard(n) } -> std::same_as<Shard>;
    c.start_reduce_scatter(f, n);
    c.start_reduce_scatter(d, n);
    c.all_gather(f, n);
    c.all_gather(d, n);
};

namespace detail {
/// out[i] = (part(0)[i] + part(1)[i] + ... + part(ranks - 1)[i]) * (1 / ranks), added in rank
/// order: the arithmetic of every communicator's mean() (Nccl's kernel repeats it on the device).
template <class T, class Part>
void mean_in_rank_order(int ranks, index_t n, Part part, T* out) {
    const T scale = T(1) / static_cast<T>(ranks);
    for (index_t i = 0; i < n; ++i) {
        T sum = part(0)[i];
        for (int r = 1; r < ranks; ++r) sum += part(r)[i];
        out[i] = sum * scale;
    }
}
}  // namespace detail

/// One process: rank 0 of a world of 1.
struct SingleProcess {
    /// @name Communicator protocol
    ///@{

    /// As the Communicator concept defines it.
    static constexpr int rank() { return 0; }
    static constexpr int size() { return 1; }
    template <class T>
    static void mean(T*, index_t) {}
    ///@}
};

/// The error a rank sees when another rank of its world failed: it names that rank and its
/// message, so that every rank ends with the cause.
struct RankFailed : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class SimulatedWorld;

/// One rank of a SimulatedWorld: a cheap handle, valid while its world runs.
class SimulatedRank {
public:
    /// Rank `rank` of world (SimulatedWorld::run makes them).
    SimulatedRank(SimulatedWorld& world, int rank) : world_(&world), rank_(rank) {}
    /// @name Communicator protocol
    ///@{

    /// As the Communicator concept defines it.
    int rank() const { return rank_; }
    inline int size() const;
    template <class T>
    void mean(T* p, index_t n);
    ///@}
    /// @name AsyncCommunicator protocol
    ///@{

    /// The oracle of asynchronous means: each is the whole mean(), at once.
    template <class T>
    void start_mean(T* p, index_t n) {
        mean(p, n);
    }
    static void progress() {}
    static void finish_means() {}
    ///@}
    /// @name ShardingCommunicator protocol
    ///@{

    /// As the ShardingCommunicator concept defines them; start_reduce_scatter is done at once.
    bool shards() const { return size() > 1; }
    Shard shard(index_t n) const { return shard_of(n, rank_, size()); }
    template <class T>
    void start_reduce_scatter(T* p, index_t n);
    template <class T>
    void all_gather(T* p, index_t n);
    ///@}

private:
    SimulatedWorld* world_;
    int rank_;
};

/// R ranks in one process, one thread each, meeting at a barrier in every collective. A rank
/// that throws ends the others at their next collective with RankFailed naming it; run()
/// rethrows the failing rank's own exception.
class SimulatedWorld {
public:
    /// A world of `ranks` ranks; throws std::invalid_argument when ranks < 1.
    explicit SimulatedWorld(int ranks) : ranks_(ranks), published_(ranks), scratch_f_(ranks), scratch_d_(ranks) {
        if (ranks < 1) throw std::invalid_argument("ctnn::distributed::SimulatedWorld: needs at least 1 rank");
    }

    /// How many ranks.
    int size() const { return ranks_; }

    /// Runs f(SimulatedRank&) on every rank, each on its own thread, and waits for all.
    template <class F>
    void run(F&& f) {
        barrier_ = std::make_unique<std::barrier<>>(ranks_);
        failed_rank_ = -1;
        failure_ = nullptr;
        std::vector<std::thread> threads;
        for (int r = 0; r < ranks_; ++r)
            threads.emplace_back([this, r, &f] {
                SimulatedRank rank(*this, r);
                try {
                    f(rank);
                } catch (...) {
                    fail(r, std::current_exception());
                    barrier_->arrive_and_drop();
                    return;
                }
                barrier_->arrive_and_drop();
            });
        for (auto& t : threads) t.join();
        if (failure_) std::rethrow_exception(failure_);
    }

private:
    friend class SimulatedRank;

    void fail(int rank, std::exception_ptr e) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (failed_rank_ >= 0) return;  // the first failure is the cause; the others follow it
        failed_rank_ = rank;
        failure_ = e;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& x) {
            failure_message_ = x.what();
        } catch (...) {
            failure_message_ = "an exception that is not a std::exception";
        }
    }

    void wait() {
        barrier_->arrive_and_wait();
        std::lock_guard<std::mutex> lock(mutex_);
        if (failed_rank_ >= 0)
            throw RankFailed("rank " + std::to_string(failed_rank_) + " failed: " + failure_message_);
    }

    template <class T>
    std::vector<T>& scratch(int rank) {
        if constexpr (std::is_same_v<T, float>)
            return scratch_f_[rank];
        else
            return scratch_d_[rank];
    }

    /// Every rank publishes p, each sums all ranks' values in rank order into its own scratch,
    /// and, once nobody reads another rank's values any more, copies the mean back.
    template <class T>
    void mean(int rank, T* p, index_t n) {
        published_[rank] = p;
        wait();
        std::vector<T>& s = scratch<T>(rank);
        if (s.size() < n) s.resize(n);
        detail::mean_in_rank_order(ranks_, n, [&](int r) { return static_cast<const T*>(published_[r]); }, s.data());
        wait();
        for (index_t i = 0; i < n; ++i) p[i] = s[i];
    }

    /// As mean(), but each rank adds up and writes back only its own shard.
    template <class T>
    void reduce_scatter(int rank, T* p, index_t n) {
        published_[rank] = p;
        wait();
        const Shard mine = shard_of(n, rank, ranks_);
        std::vector<T>& s = scratch<T>(rank);
        if (s.size() < mine.size()) s.resize(mine.size());
        detail::mean_in_rank_order(
            ranks_, mine.size(), [&](int r) { return static_cast<const T*>(published_[r]) + mine.begin; }, s.data());
        wait();
        for (index_t i = 0; i < mine.size(); ++i) p[mine.begin + i] = s[i];
    }

    /// Every rank copies the other ranks' shards out of their p into its own. Each rank writes
    /// only where it reads nobody's values and nobody reads its, so one wait before and after
    /// suffices.
    template <class T>
    void all_gather(int rank, T* p, index_t n) {
        published_[rank] = p;
        wait();
        for (int r = 0; r < ranks_; ++r) {
            if (r == rank) continue;
            const Shard theirs = shard_of(n, r, ranks_);
            const T* src = static_cast<const T*>(published_[r]);
            for (index_t i = theirs.begin; i < theirs.end; ++i) p[i] = src[i];
        }
        wait();
    }

    int ranks_;
    std::unique_ptr<std::barrier<>> barrier_;
    std::vector<const void*> published_;
    std::vector<std::vector<float>> scratch_f_;
    std::vector<std::vector<double>> scratch_d_;
    std::mutex mutex_;
    int failed_rank_ = -1;
    std::exception_ptr failure_;
    std::string failure_message_;
};

inline int SimulatedRank::size() const { return world_->size(); }

template <class T>
void SimulatedRank::mean(T* p, index_t n) {
    world_->mean(rank_, p, n);
}

template <class T>
void SimulatedRank::start_reduce_scatter(T* p, index_t n) {
    world_->reduce_scatter(rank_, p, n);
}

template <class T>
void SimulatedRank::all_gather(T* p, index_t n) {
    world_->all_gather(rank_, p, n);
}

/// This rank's share of a global batch view: samples [rank * B/R, (rank + 1) * B/R). A batch
/// that the ranks do not divide is an error (naming `who`), the same on every rank.
template <Communicator C, class View>
View share_of(const C& comm, View global, const char* who) {
    const index_t ranks = comm.size();
    if (global.batch % ranks != 0)
        throw std::invalid_argument(std::string(who) + ": a global batch of " + std::to_string(global.batch) +
                                    " samples does not split evenly across " + std::to_string(ranks) + " ranks");
    const index_t batch = global.batch / ranks;
    return global.slice(comm.rank() * batch, batch);
}

/// Copies this rank's `batch` samples (of `sample_size` values each) out of values drawn on the
/// host for the whole global batch into Dev memory at dst.
template <class Dev, Communicator C, class T>
void copy_share(const C& comm, const T* global_host, index_t sample_size, index_t batch, T* dst) {
    Dev::from_host(global_host + comm.rank() * batch * sample_size, batch * sample_size, dst);
}

/// What the layers of a network trained by `comm` see of it (core/mode.hpp): its rank and size,
/// and its mean(), with which BatchNorm reduces its statistics (on the device's pointers). comm
/// must outlive the networks it is given to; one rank reduces nothing.
template <Communicator C>
DataParallel data_parallel(C& comm, BatchStats stats) {
    DataParallel p{comm.rank(), comm.size(), stats};
    if (p.ranks > 1) {
        p.comm = &comm;
        p.mean_float = [](void* c, float* v, index_t n) { static_cast<C*>(c)->mean(v, n); };
        p.mean_double = [](void* c, double* v, index_t n) { static_cast<C*>(c)->mean(v, n); };
    }
    return p;
}

static_assert(Communicator<SingleProcess>);
static_assert(ShardingCommunicator<SimulatedRank>);

}  // namespace ctnn::distributed

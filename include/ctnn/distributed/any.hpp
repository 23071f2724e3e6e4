// AnyCommunicator: a communicator chosen at run time behind one type. A program that may run as
// one process or as one rank of many (the example trainers: alone, or under mpirun) instantiates
// its Gan or Vae once, with AnyCommunicator, instead of once per communicator. In a world of one
// rank mean() returns at once, as SingleProcess's does, so such a run computes what it computed
// with SingleProcess, bit for bit. It also counts the time spent in mean() (communication_seconds).
#pragma once

#include <chrono>
#include <concepts>
#include <memory>
#include <type_traits>
#include <utility>

#include "ctnn/core/config.hpp"
#include "ctnn/distributed/communicator.hpp"

namespace ctnn::distributed {

/// Any Communicator, held by a shared handle: copies (a Gan's, the trainer's) share the wrapped
/// communicator and the time counter.
class AnyCommunicator {
public:
    /// One process (SingleProcess).
    AnyCommunicator() : AnyCommunicator(SingleProcess{}) {}

    /// Wraps `comm` (moved into a shared state).
    template <Communicator C>
        requires(!std::same_as<std::remove_cvref_t<C>, AnyCommunicator>)
    AnyCommunicator(C comm)  // implicit: any communicator is one
        : state_(std::make_shared<Model<C>>(std::move(comm))) {}

    /// This process's rank, as the wrapped communicator's rank().
    int rank() const { return state_->rank; }
    /// The number of ranks, as the wrapped communicator's size().
    int size() const { return state_->size; }

    /// The wrapped communicator's mean(); nothing at all in a world of one rank.
    template <class T>
        requires std::same_as<T, float> || std::same_as<T, double>
    void mean(T* p, index_t n) {
        timed([&] { state_->mean(p, n); });
    }

    /// AsyncCommunicator: the wrapped communicator's, where it has them; otherwise start_mean()
    /// is the whole mean() and the others do nothing. Nothing at all in a world of one rank.
    template <class T>
        requires std::same_as<T, float> || std::same_as<T, double>
    void start_mean(T* p, index_t n) {
        timed([&] { state_->start_mean(p, n); });
    }
    /// Lets started means advance (AsyncCommunicator).
    void progress() {
        timed([&] { state_->progress(); });
    }
    /// Completes every started mean (AsyncCommunicator).
    void finish_means() {
        timed([&] { state_->finish_means(); });
    }

    /// ShardingCommunicator: the wrapped communicator's, where it has them; otherwise it does not
    /// shard (a reduce-scatter is a whole mean, a shard is all of n, all_gather does nothing).
    bool shards() const { return state_->shards; }
    /// This rank's shard of n values.
    Shard shard(index_t n) const { return state_->shard(n); }
    /// Begins the mean of this rank's shard of the n values at p (ShardingCommunicator).
    template <class T>
        requires std::same_as<T, float> || std::same_as<T, double>
    void start_reduce_scatter(T* p, index_t n) {
        timed([&] { state_->start_reduce_scatter(p, n); });
    }
    /// Copies every rank's shard of the n values at p to every rank (ShardingCommunicator).
    template <class T>
        requires std::same_as<T, float> || std::same_as<T, double>
    void all_gather(T* p, index_t n) {
        timed([&] { state_->all_gather(p, n); });
    }

    /// Seconds spent in the calls above so far, by every copy of this communicator (0 in one
    /// process).
    double seconds() const { return state_->seconds; }

private:
    struct State {
        int rank = 0, size = 1;
        bool shards = false;
        double seconds = 0;
        virtual ~State() = default;
        virtual void mean(float* p, index_t n) = 0;
        virtual void mean(double* p, index_t n) = 0;
        virtual void start_mean(float* p, index_t n) = 0;
        virtual void start_mean(double* p, index_t n) = 0;
        virtual void progress() = 0;
        virtual void finish_means() = 0;
        virtual Shard shard(index_t n) const = 0;
        virtual void start_reduce_scatter(float* p, index_t n) = 0;
        virtual void start_reduce_scatter(double* p, index_t n) = 0;
        virtual void all_gather(float* p, index_t n) = 0;
        virtual void all_gather(double* p, index_t n) = 0;
    };
    template <class C>
    struct Model final : State {
        explicit Model(C c) : comm(std::move(c)) {
            rank = comm.rank();
            size = comm.size();
            if constexpr (ShardingCommunicator<C>) shards = comm.shards();
        }
        void mean(float* p, index_t n) override { comm.mean(p, n); }
        void mean(double* p, index_t n) override { comm.mean(p, n); }
        void start_mean(float* p, index_t n) override { start(p, n); }
        void start_mean(double* p, index_t n) override { start(p, n); }
        void progress() override {
            if constexpr (AsyncCommunicator<C>) comm.progress();
        }
        void finish_means() override {
            if constexpr (AsyncCommunicator<C>) comm.finish_means();
        }
        Shard shard(index_t n) const override {
            if constexpr (ShardingCommunicator<C>)
                return comm.shard(n);
            else
                return {0, n};
        }
        void start_reduce_scatter(float* p, index_t n) override { scatter(p, n); }
        void start_reduce_scatter(double* p, index_t n) override { scatter(p, n); }
        void all_gather(float* p, index_t n) override { gather(p, n); }
        void all_gather(double* p, index_t n) override { gather(p, n); }
        template <class T>
        void scatter(T* p, index_t n) {
            if constexpr (ShardingCommunicator<C>)
                comm.start_reduce_scatter(p, n);
            else
                start(p, n);
        }
        template <class T>
        void gather(T* p, index_t n) {
            if constexpr (ShardingCommunicator<C>) comm.all_gather(p, n);
        }
        template <class T>
        void start(T* p, index_t n) {
            if constexpr (AsyncCommunicator<C>)
                comm.start_mean(p, n);
            else
                comm.mean(p, n);
        }
        C comm;
    };

    template <class F>
    void timed(F&& f) {
        if (state_->size == 1) return;
        const auto start = std::chrono::steady_clock::now();
        f();
        state_->seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }

    std::shared_ptr<State> state_;
};

static_assert(ShardingCommunicator<AnyCommunicator>);

}  // namespace ctnn::distributed

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

    template <Communicator C>
        requires(!std::same_as<std::remove_cvref_t<C>, AnyCommunicator>)
    AnyCommunicator(C comm)  // implicit: any communicator is one
        : state_(std::make_shared<Model<C>>(std::move(comm))) {}

    int rank() const { return state_->rank; }
    int size() const { return state_->size; }

    /// The wrapped communicator's mean(); nothing at all in a world of one rank.
    template <class T>
        requires std::same_as<T, float> || std::same_as<T, double>
    void mean(T* p, index_t n) {
        if (state_->size == 1) return;
        const auto start = std::chrono::steady_clock::now();
        state_->mean(p, n);
        state_->seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }

    /// Seconds spent in mean() so far, by every copy of this communicator (0 in one process).
    double seconds() const { return state_->seconds; }

private:
    struct State {
        int rank = 0, size = 1;
        double seconds = 0;
        virtual ~State() = default;
        virtual void mean(float* p, index_t n) = 0;
        virtual void mean(double* p, index_t n) = 0;
    };
    template <class C>
    struct Model final : State {
        explicit Model(C c) : comm(std::move(c)) {
            rank = comm.rank();
            size = comm.size();
        }
        void mean(float* p, index_t n) override { comm.mean(p, n); }
        void mean(double* p, index_t n) override { comm.mean(p, n); }
        C comm;
    };

    std::shared_ptr<State> state_;
};

static_assert(Communicator<AnyCommunicator>);

}  // namespace ctnn::distributed

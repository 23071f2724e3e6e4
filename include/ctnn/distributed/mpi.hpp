// The Mpi communicator: ranks as processes over MPI (Open MPI from Debian: libopenmpi-dev,
// openmpi-bin). MPI_Allreduce promises no summation order, so mean() gathers every rank's values
// (MPI_Allgather) and each rank adds them in rank order itself: the same bits on every rank, and
// the same bits as a SimulatedWorld of as many ranks. start_mean() does the same with
// MPI_Iallgather, so that a network's gradient buckets are reduced while its backward pass goes
// on (AsyncCommunicator), and start_reduce_scatter() / all_gather() with MPI_Ialltoallv and
// MPI_Allgatherv, so that each rank adds up and optimizes only its shard (ShardingCommunicator).
// It needs <mpi.h>; link MPI::MPI_CXX.
#pragma once

// The C API is all ctnn uses; MPI's deprecated C++ bindings do not compile warning-free.
#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1
#endif
#ifndef MPICH_SKIP_MPICXX
#define MPICH_SKIP_MPICXX 1
#endif
#include <mpi.h>

#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "ctnn/core/config.hpp"
#include "ctnn/distributed/communicator.hpp"

namespace ctnn::distributed {

/// MPI_Init and MPI_Finalize around a program: construct one first thing in main().
class MpiSession {
public:
    /// Calls MPI_Init unless MPI runs already; the destructor calls MPI_Finalize unless it has
    /// been.
    MpiSession(int& argc, char**& argv) {
        int initialized = 0;
        MPI_Initialized(&initialized);
        if (!initialized) MPI_Init(&argc, &argv);
    }
    ~MpiSession() {
        int finalized = 0;
        MPI_Finalized(&finalized);
        if (!finalized) MPI_Finalize();
    }
    MpiSession(const MpiSession&) = delete;
    MpiSession& operator=(const MpiSession&) = delete;
};

/// A rank of MPI_COMM_WORLD (or of another communicator).
class Mpi {
public:
    /// This process's rank of comm.
    explicit Mpi(MPI_Comm comm = MPI_COMM_WORLD) : comm_(comm) {
        MPI_Comm_rank(comm_, &rank_);
        MPI_Comm_size(comm_, &size_);
    }
    /// @name Communicator protocol
    ///@{

    /// As the Communicator concept defines it.
    int rank() const { return rank_; }
    int size() const { return size_; }
    ///@}

    /// Every rank's n values gathered, added in rank order, times 1/size, on every rank. The
    /// gather buffer is grown once (size * n values) and reused.
    template <class T>
    void mean(T* p, index_t n) {
        if (size_ == 1) return;
        std::vector<T>& all = gathered_.get<T>();
        if (all.size() < n * size_) all.resize(n * size_);
        MPI_Allgather(p, static_cast<int>(n), type<T>(), all.data(), static_cast<int>(n), type<T>(), comm_);
        detail::mean_in_rank_order(size_, n, [&](int r) { return all.data() + r * n; }, p);
    }

    /// mean(p, n) begun: an MPI_Iallgather into a gather buffer of its own (kept from step to
    /// step, grown only when a larger bucket comes), completed by progress() or finish_means().
    template <class T>
    void start_mean(T* p, index_t n) {
        if (size_ == 1) return;
        if (pending_.size() == started_) pending_.emplace_back();
        Pending& b = pending_[started_++];
        auto& all = b.gathered.get<T>();
        if (all.size() < n * size_) all.resize(n * size_);
        b.values = p;
        b.n = n;
        b.is_double = std::is_same_v<T, double>;
        MPI_Iallgather(p, static_cast<int>(n), type<T>(), all.data(), static_cast<int>(n), type<T>(), comm_,
                       &b.request);
    }

    /// @name ShardingCommunicator protocol
    ///@{

    /// Whether it shards: with more than one rank.
    bool shards() const { return size_ > 1; }
    /// This rank's shard of n values (shard_of).
    Shard shard(index_t n) const { return shard_of(n, rank_, size_); }

    /// The mean of this rank's shard of the n values at p begun: an MPI_Ialltoallv sends every
    /// rank its shard of p and brings this rank's shard of every rank's p, side by side, into a
    /// gather buffer; completing it adds them in rank order into p[shard(n)], as mean() would.
    template <class T>
    void start_reduce_scatter(T* p, index_t n) {
        if (size_ == 1) return;
        if (pending_.size() == started_) pending_.emplace_back();
        Pending& b = pending_[started_++];
        const Shard mine = shard(n);
        auto& all = b.gathered.get<T>();
        if (all.size() < mine.size() * size_) all.resize(mine.size() * size_);
        // Counts and displacements stay alive in b until the collective completes, as MPI needs.
        b.counts.resize(4 * static_cast<std::size_t>(size_));
        int* send_counts = b.counts.data();
        int* send_displs = send_counts + size_;
        int* recv_counts = send_displs + size_;
        int* recv_displs = recv_counts + size_;
        for (int r = 0; r < size_; ++r) {
            const Shard theirs = shard_of(n, r, size_);
            send_counts[r] = static_cast<int>(theirs.size());
            send_displs[r] = static_cast<int>(theirs.begin);
            recv_counts[r] = static_cast<int>(mine.size());
            recv_displs[r] = static_cast<int>(mine.size()) * r;
        }
        b.values = p + mine.begin;
        b.n = mine.size();
        b.is_double = std::is_same_v<T, double>;
        MPI_Ialltoallv(p, send_counts, send_displs, type<T>(), all.data(), recv_counts, recv_displs, type<T>(), comm_,
                       &b.request);
    }

    /// Every rank's shard of the n values at p copied into every rank's p, in place
    /// (MPI_Allgatherv).
    template <class T>
    void all_gather(T* p, index_t n) {
        if (size_ == 1) return;
        gather_counts_.resize(2 * static_cast<std::size_t>(size_));
        int* counts = gather_counts_.data();
        int* displs = counts + size_;
        for (int r = 0; r < size_; ++r) {
            const Shard theirs = shard_of(n, r, size_);
            counts[r] = static_cast<int>(theirs.size());
            displs[r] = static_cast<int>(theirs.begin);
        }
        MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, p, counts, displs, type<T>(), comm_);
    }
    ///@}

    /// Lets started means advance: Open MPI moves a nonblocking collective on only inside MPI
    /// calls. Each one found complete is added up in rank order now.
    void progress() {
        for (std::size_t i = finished_; i < started_; ++i) {
            int complete = 0;
            MPI_Test(&pending_[i].request, &complete, MPI_STATUS_IGNORE);
            if (!complete) return;
            finish(pending_[i]);
            finished_ = i + 1;
        }
    }

    /// Completes every started mean, in the order they were started.
    void finish_means() {
        for (std::size_t i = finished_; i < started_; ++i) {
            MPI_Wait(&pending_[i].request, MPI_STATUS_IGNORE);
            finish(pending_[i]);
        }
        started_ = finished_ = 0;
    }

    /// Ends every rank of the run: prints "rank <r>: <what>" on stderr and calls MPI_Abort, which
    /// mpirun turns into the end of all ranks (no rank waits forever in a collective).
    [[noreturn]] void abort(const std::string& what) const {
        std::fprintf(stderr, "ctnn: rank %d of %d failed: %s\n", rank_, size_, what.c_str());
        std::fflush(stderr);
        MPI_Abort(comm_, 1);
        std::terminate();  // MPI_Abort does not return
    }

    /// Runs f(); an exception from it ends every rank through abort(), with its message.
    template <class F>
    void run_or_abort(F&& f) const {
        try {
            f();
        } catch (const std::exception& e) {
            abort(e.what());
        } catch (...) {
            abort("an exception that is not a std::exception");
        }
    }

private:
    template <class T>
    static MPI_Datatype type() {
        if constexpr (std::is_same_v<T, float>)
            return MPI_FLOAT;
        else
            return MPI_DOUBLE;
    }
    /// Every rank's values of one mean, side by side: a buffer per scalar type, grown as needed.
    struct Gathered {
        std::vector<float> f;
        std::vector<double> d;
        template <class T>
        std::vector<T>& get() {
            if constexpr (std::is_same_v<T, float>)
                return f;
            else
                return d;
        }
    };

    /// One started mean: where its values are, and its own gather buffer.
    struct Pending {
        void* values = nullptr;
        index_t n = 0;
        bool is_double = false;
        MPI_Request request = MPI_REQUEST_NULL;
        Gathered gathered;
        std::vector<int> counts;  // a reduce-scatter's counts and displacements
    };
    template <class T>
    void finish_as(Pending& b) {
        const T* all = b.gathered.get<T>().data();
        const index_t n = b.n;
        detail::mean_in_rank_order(size_, n, [&](int r) { return all + r * n; }, static_cast<T*>(b.values));
    }
    void finish(Pending& b) { b.is_double ? finish_as<double>(b) : finish_as<float>(b); }

    MPI_Comm comm_;
    int rank_ = 0, size_ = 1;
    // [finished_, started_) are in flight. Kept for the next step; growing it moves the gather
    // buffers' storage along, not their data, so MPI keeps writing where it was told.
    std::vector<Pending> pending_;
    std::size_t started_ = 0, finished_ = 0;
    Gathered gathered_;               // of mean()
    std::vector<int> gather_counts_;  // of all_gather()
};

static_assert(ShardingCommunicator<Mpi>);

}  // namespace ctnn::distributed

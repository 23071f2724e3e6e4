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

#include <cstddef>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
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

/// How Mpi moves the gradients of start_mean(), start_reduce_scatter() and all_gather().
enum class MpiTransport {
    /// Through a shared-memory window when every rank of the communicator is on one node
    /// (MPI_Comm_split_type finds them all), through MPI's collectives otherwise.
    automatic,
    /// Through MPI's nonblocking collectives (MPI_Iallgather, MPI_Ialltoallv) and MPI_Allgatherv.
    collectives,
};

namespace detail {

/// An MPI-3 shared-memory window (MPI_Win_allocate_shared): a segment per rank of a node's
/// communicator, every rank's segment mapped into every rank, grown on demand.
class SharedSegments {
public:
    explicit SharedSegments(MPI_Comm node) : node_(node) {
        int ranks = 0;
        MPI_Comm_size(node_, &ranks);
        base_.resize(static_cast<std::size_t>(ranks));
    }
    ~SharedSegments() { release(); }
    SharedSegments(const SharedSegments&) = delete;
    SharedSegments& operator=(const SharedSegments&) = delete;

    /// At least `bytes` per rank, this rank's first `keep` bytes kept. A collective when it
    /// grows: every rank asks for the same sizes in the same order, so all grow at the same call.
    void reserve(std::size_t bytes, std::size_t keep) {
        if (bytes <= capacity_) return;
        const std::size_t capacity = bytes + bytes / 4;  // a little room: G and D differ in size
        MPI_Info info;
        MPI_Info_create(&info);
        MPI_Info_set(info, "alloc_shared_noncontig", "true");  // each segment where its rank runs
        void* mine = nullptr;
        MPI_Win win;
        MPI_Win_allocate_shared(static_cast<MPI_Aint>(capacity), 1, info, node_, &mine, &win);
        MPI_Info_free(&info);
        if (keep > 0) std::memcpy(mine, base_[static_cast<std::size_t>(rank())], keep);
        release();
        win_ = win;
        capacity_ = capacity;
        for (std::size_t r = 0; r < base_.size(); ++r) {
            MPI_Aint size = 0;
            int unit = 0;
            void* base = nullptr;
            MPI_Win_shared_query(win_, static_cast<int>(r), &size, &unit, &base);
            base_[r] = static_cast<std::byte*>(base);
        }
        MPI_Win_lock_all(MPI_MODE_NOCHECK, win_);  // one passive epoch for the window's life
    }

    /// Rank r's segment.
    std::byte* segment(int r) const { return base_[static_cast<std::size_t>(r)]; }
    /// Makes this rank's stores visible to, and the other ranks' visible to, this rank
    /// (MPI_Win_sync; called around the barriers that order them).
    void sync() const {
        if (win_ != MPI_WIN_NULL) MPI_Win_sync(win_);
    }

private:
    int rank() const {
        int r = 0;
        MPI_Comm_rank(node_, &r);
        return r;
    }
    void release() {
        if (win_ == MPI_WIN_NULL) return;
        MPI_Win_unlock_all(win_);
        MPI_Win_free(&win_);
        capacity_ = 0;
    }

    MPI_Comm node_;
    MPI_Win win_ = MPI_WIN_NULL;
    std::size_t capacity_ = 0;
    std::vector<std::byte*> base_;
};

/// The shared memory of an Mpi whose ranks are all on one node: a window for the gradients of
/// an update's buckets, side by side, and one for the parameters of an all-gather. The windows
/// are freed before the node's communicator they live on (members go in reverse order).
struct SharedMemory {
    struct NodeComm {
        MPI_Comm comm;
        ~NodeComm() { MPI_Comm_free(&comm); }
    };
    explicit SharedMemory(MPI_Comm node_comm) : node{node_comm} {}
    NodeComm node;
    SharedSegments gradients{node.comm}, parameters{node.comm};
    /// Every rank's stores to either window before it, visible to every rank after it.
    void barrier() const {
        gradients.sync();
        parameters.sync();
        MPI_Barrier(node.comm);
        gradients.sync();
        parameters.sync();
    }
};

}  // namespace detail

/// A rank of MPI_COMM_WORLD (or of another communicator).
class Mpi {
public:
    /// This process's rank of comm; `transport` says how gradients travel (MpiTransport). Not a
    /// collective: whether the ranks share a node is found out at the first start_mean(),
    /// start_reduce_scatter() or all_gather(), which every rank calls at the same point. Copies
    /// share what it found and the shared-memory window, which lives until the last copy goes;
    /// freeing it is a collective, so every rank's last copy must go at the same point of the
    /// program (as a Gan's, a trainer's or main()'s do).
    explicit Mpi(MPI_Comm comm = MPI_COMM_WORLD, MpiTransport transport = MpiTransport::automatic)
        : comm_(comm), transport_(transport) {
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
    /// step, grown only when a larger bucket comes), completed by progress() or finish_means();
    /// on one node, p copied into this rank's segment of the shared window.
    template <class T>
    void start_mean(T* p, index_t n) {
        if (size_ == 1) return;
        if (detail::SharedMemory* shm = shared()) return start_shared(*shm, p, n, false);
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
    /// On one node, instead, the other ranks' shards of p are copied into this rank's segment of
    /// the shared window, and completing it adds every rank's values of this rank's shard
    /// straight from their segments.
    template <class T>
    void start_reduce_scatter(T* p, index_t n) {
        if (size_ == 1) return;
        if (detail::SharedMemory* shm = shared()) return start_shared(*shm, p, n, true);
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
    /// (MPI_Allgatherv; on one node, through the shared window's parameter segments).
    template <class T>
    void all_gather(T* p, index_t n) {
        if (size_ == 1) return;
        if (detail::SharedMemory* shm = shared()) return all_gather_shared(*shm, p, n);
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
        if (shared_started_ > 0) return finish_shared();
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

    /// One started mean: where its values are, and its own gather buffer (over MPI) or where
    /// they lie in every rank's gradient segment (shared memory).
    struct Pending {
        void* values = nullptr;
        index_t n = 0;
        bool is_double = false;
        bool sharded = false;     // shared memory: this rank's shard of n only
        std::size_t offset = 0;   // shared memory: the bytes before it in each segment
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

    /// The shared memory of a communicator whose ranks are all on one node, null otherwise
    /// (or with MpiTransport::collectives). Found out at the first call, a collective.
    detail::SharedMemory* shared() {
        Probe& probe = *probe_;
        if (!probe.done) {
            probe.done = true;
            if (transport_ == MpiTransport::automatic) {
                MPI_Comm node;
                MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node);
                int node_size = 0;
                MPI_Comm_size(node, &node_size);
                if (node_size == size_)  // ordered by rank_: node ranks are comm_'s
                    probe.memory = std::make_unique<detail::SharedMemory>(node);
                else
                    MPI_Comm_free(&node);
            }
        }
        return probe.memory.get();
    }

    static constexpr std::size_t segment_alignment = 64;  // each bucket on its own cache lines

    /// start_mean (sharded false) or start_reduce_scatter (true) through shared memory: the
    /// values other ranks will read, copied to where p's bucket lies in this rank's gradient
    /// segment, after the update's earlier buckets.
    template <class T>
    void start_shared(detail::SharedMemory& shm, T* p, index_t n, bool sharded) {
        if (pending_.size() == shared_started_) pending_.emplace_back();
        Pending& b = pending_[shared_started_++];
        b.values = p;
        b.n = n;
        b.is_double = std::is_same_v<T, double>;
        b.sharded = sharded;
        b.offset = gradient_bytes_;
        const std::size_t bytes = static_cast<std::size_t>(n) * sizeof(T);
        gradient_bytes_ += (bytes + segment_alignment - 1) / segment_alignment * segment_alignment;
        shm.gradients.reserve(gradient_bytes_, b.offset);
        T* slot = reinterpret_cast<T*>(shm.gradients.segment(rank_) + b.offset);
        const Shard mine = sharded ? shard(n) : Shard{0, 0};  // nobody else reads this rank's shard
        std::memcpy(slot, p, static_cast<std::size_t>(mine.begin) * sizeof(T));
        std::memcpy(slot + mine.end, p + mine.end, static_cast<std::size_t>(n - mine.end) * sizeof(T));
    }

    /// finish_means() through shared memory: once every rank has copied its buckets (a
    /// barrier), each adds up its shard of each (all of a start_mean's) in rank order, this
    /// rank's values from p itself, the others' from their segments; a second barrier keeps the
    /// segments until every rank has read them.
    void finish_shared() {
        detail::SharedMemory& shm = *shared();
        shm.barrier();
        for (std::size_t i = 0; i < shared_started_; ++i) {
            Pending& b = pending_[i];
            b.is_double ? finish_shared_as<double>(shm, b) : finish_shared_as<float>(shm, b);
        }
        shm.barrier();
        shared_started_ = 0;
        gradient_bytes_ = 0;
    }
    template <class T>
    void finish_shared_as(const detail::SharedMemory& shm, Pending& b) {
        T* p = static_cast<T*>(b.values);
        const Shard mine = b.sharded ? shard(b.n) : Shard{0, b.n};
        detail::mean_in_rank_order(
            size_, mine.size(),
            [&](int r) {
                return r == rank_ ? p + mine.begin
                                  : reinterpret_cast<const T*>(shm.gradients.segment(r) + b.offset) + mine.begin;
            },
            p + mine.begin);
    }

    /// all_gather() through shared memory: this rank's shard into its parameter segment, a
    /// barrier, the others' shards out of theirs, and a barrier before the segments are reused.
    template <class T>
    void all_gather_shared(detail::SharedMemory& shm, T* p, index_t n) {
        shm.parameters.reserve(static_cast<std::size_t>(n) * sizeof(T), 0);
        const Shard mine = shard(n);
        std::memcpy(reinterpret_cast<T*>(shm.parameters.segment(rank_)) + mine.begin, p + mine.begin,
                    static_cast<std::size_t>(mine.size()) * sizeof(T));
        shm.barrier();
        for (int r = 0; r < size_; ++r) {
            if (r == rank_) continue;
            const Shard theirs = shard_of(n, r, size_);
            std::memcpy(p + theirs.begin, reinterpret_cast<const T*>(shm.parameters.segment(r)) + theirs.begin,
                        static_cast<std::size_t>(theirs.size()) * sizeof(T));
        }
        shm.barrier();
    }

    MPI_Comm comm_;
    MpiTransport transport_;
    int rank_ = 0, size_ = 1;
    /// What the first shared() found: the shared memory, or none (over MPI).
    struct Probe {
        bool done = false;
        std::unique_ptr<detail::SharedMemory> memory;
    };
    std::shared_ptr<Probe> probe_ = std::make_shared<Probe>();  // shared by copies
    std::size_t shared_started_ = 0;  // started means in pending_ through shared memory
    std::size_t gradient_bytes_ = 0;  // of the gradient segment, used by them
    // [finished_, started_) are in flight. Kept for the next step; growing it moves the gather
    // buffers' storage along, not their data, so MPI keeps writing where it was told.
    std::vector<Pending> pending_;
    std::size_t started_ = 0, finished_ = 0;
    Gathered gathered_;               // of mean()
    std::vector<int> gather_counts_;  // of all_gather()
};

static_assert(ShardingCommunicator<Mpi>);

}  // namespace ctnn::distributed

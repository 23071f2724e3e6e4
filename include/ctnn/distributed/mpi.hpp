// The Mpi communicator: ranks as processes over MPI (Open MPI from Debian: libopenmpi-dev,
// openmpi-bin). MPI_Allreduce promises no summation order, so mean() gathers every rank's values
// (MPI_Allgather) and each rank adds them in rank order itself: the same bits on every rank, and
// the same bits as a SimulatedWorld of as many ranks. It needs <mpi.h>; link MPI::MPI_CXX.
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
        std::vector<T>& all = gathered<T>();
        if (all.size() < n * size_) all.resize(n * size_);
        MPI_Allgather(p, static_cast<int>(n), type<T>(), all.data(), static_cast<int>(n), type<T>(), comm_);
        detail::mean_in_rank_order(size_, n, [&](int r) { return all.data() + r * n; }, p);
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
    template <class T>
    std::vector<T>& gathered() {
        if constexpr (std::is_same_v<T, float>)
            return gathered_f_;
        else
            return gathered_d_;
    }

    MPI_Comm comm_;
    int rank_ = 0, size_ = 1;
    std::vector<float> gathered_f_;
    std::vector<double> gathered_d_;
};

static_assert(Communicator<Mpi>);

}  // namespace ctnn::distributed

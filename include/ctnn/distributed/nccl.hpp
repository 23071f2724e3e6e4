// The Nccl communicator: one GPU per rank (the Cuda device), over NCCL (2.28 ships inside the CUDA
// toolkit's tree: /usr/local/cuda/include/nccl.h, lib64/libnccl.so). NCCL's all-reduce promises no
// summation order, so mean() gathers every rank's values on the device (ncclAllGather) and adds
// them in rank order there: the same bits on every rank, and the arithmetic of Mpi and
// SimulatedWorld. Compile with nvcc (--extended-lambda) and link libnccl. The ranks share NCCL's
// unique id however they meet (over MPI: rank 0's ncclGetUniqueId, then MPI_Bcast).
#pragma once

#if !defined(__CUDACC__)
#error "ctnn/distributed/nccl.hpp needs nvcc (its rank-order sum is a CUDA kernel)"
#endif

#include <nccl.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "ctnn/device/cuda.hpp"
#include "ctnn/distributed/communicator.hpp"

namespace ctnn::distributed {

struct NcclError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// A rank of an NCCL communicator: a cheap handle (copies share the communicator, which the last
/// copy destroys). mean() works on Cuda device memory, on the default stream.
class Nccl {
public:
    /// Rank `rank` of `size`, on the current CUDA device; every rank passes the same id.
    Nccl(ncclUniqueId id, int rank, int size) : state_(std::make_shared<State>()) {
        check(ncclCommInitRank(&state_->comm, size, id, rank), "ncclCommInitRank");
        state_->rank = rank;
        state_->size = size;
    }
    /// A fresh id for a new communicator: one rank creates it and every rank passes it to its
    /// constructor.
    static ncclUniqueId unique_id() {
        ncclUniqueId id;
        check(ncclGetUniqueId(&id), "ncclGetUniqueId");
        return id;
    }

    /// @name Communicator protocol
    ///@{

    /// As the Communicator concept defines it.
    int rank() const { return state_->rank; }
    int size() const { return state_->size; }
    ///@}

    /// Every rank's n device values gathered, added in rank order, times 1/size, on every rank.
    template <class T>
    void mean(T* p, index_t n) {
        const int ranks = state_->size;
        if (ranks == 1) return;
        auto& all = state_->template gathered<T>();
        if (all.size() < n * ranks) all.resize(n * ranks);
        T* gathered = thrust::raw_pointer_cast(all.data());
        check(ncclAllGather(p, gathered, n, type<T>(), state_->comm, cudaStreamPerThread), "ncclAllGather");
        CudaSystem::check(cudaStreamSynchronize(cudaStreamPerThread), "cudaStreamSynchronize");
        const T scale = T(1) / static_cast<T>(ranks);
        Cuda::for_each(n, [=] CTNN_HD(index_t i) {
            T sum = gathered[i];
            for (int r = 1; r < ranks; ++r) sum += gathered[r * n + i];
            p[i] = sum * scale;
        });
    }

private:
    struct State {
        ncclComm_t comm = nullptr;
        int rank = 0, size = 1;
        thrust::device_vector<float> gathered_f;
        thrust::device_vector<double> gathered_d;
        template <class T>
        thrust::device_vector<T>& gathered() {
            if constexpr (std::is_same_v<T, float>)
                return gathered_f;
            else
                return gathered_d;
        }
        ~State() {
            if (comm) ncclCommDestroy(comm);
        }
    };

    static void check(ncclResult_t r, const char* what) {
        if (r != ncclSuccess) throw NcclError(std::string("ctnn::Nccl: ") + what + ": " + ncclGetErrorString(r));
    }
    template <class T>
    static ncclDataType_t type() {
        if constexpr (std::is_same_v<T, float>)
            return ncclFloat32;
        else
            return ncclFloat64;
    }

    std::shared_ptr<State> state_;
};

static_assert(Communicator<Nccl>);

}  // namespace ctnn::distributed

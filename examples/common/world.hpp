// The ranks a trainer runs as. Started alone, a trainer is one process (a world of one rank:
// SingleProcess's results, bit for bit). Started by mpirun with N processes, in a build that found
// MPI, every process is one rank of a data-parallel run (docs/training.md, "Several processes"):
// each reads the same data and draws the same shuffle, Gan and Vae train on its share of each
// global batch, and rank 0 alone writes the run folder. A build without MPI refuses an mpirun
// launch rather than train N copies into one folder.
#pragma once

#include <functional>
#include <memory>

#include <ctnn/distributed/any.hpp>

namespace examples {

/// How many processes mpirun (Open MPI's OMPI_COMM_WORLD_SIZE, MPICH's PMI_SIZE) started with
/// this one; 1 when it was not started by mpirun.
int launched_ranks();
/// This process's rank among those on its machine (OMPI_COMM_WORLD_LOCAL_RANK, MPI_LOCALRANKID);
/// 0 when unknown: the GPU a rank of --device cuda takes.
int launched_local_rank();

/// MPI_Init when started by mpirun (in a build with MPI), MPI_Finalize at the end; comm() is the
/// run's communicator: MPI_COMM_WORLD's ranks, or one process.
class World {
public:
    World(int& argc, char**& argv);
    World(const World&) = delete;
    World& operator=(const World&) = delete;

    /// body(); in a world of several ranks an exception on one rank (other than Interrupted,
    /// which every rank raises at the same step) ends every rank at once (MPI_Abort), printing
    /// "ctnn: rank r of N failed: <message>", so that no rank waits forever in a collective.
    int run(const std::function<int()>& body) const;

    /// Rank 0's n bytes at `bytes`, copied to every rank (NCCL's unique id).
    void broadcast(void* bytes, int n) const;

    const ctnn::distributed::AnyCommunicator& comm() const { return comm_; }

private:
    std::shared_ptr<void> session_;  // MPI_Finalize once comm_ and the trainer are gone
    ctnn::distributed::AnyCommunicator comm_;
    bool mpi_ = false;
};

}  // namespace examples

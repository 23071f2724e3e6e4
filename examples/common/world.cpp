#include "world.hpp"

#include <cstdlib>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>

#include "run.hpp"

#if defined(CTNN_EXAMPLES_MPI)
#include <ctnn/distributed/mpi.hpp>
#endif

namespace examples {

namespace {
int env_int(const char* name, int otherwise) {
    const char* v = std::getenv(name);
    return v && *v ? std::atoi(v) : otherwise;
}
}  // namespace

int launched_ranks() { return env_int("OMPI_COMM_WORLD_SIZE", env_int("PMI_SIZE", 1)); }

int launched_local_rank() { return env_int("OMPI_COMM_WORLD_LOCAL_RANK", env_int("MPI_LOCALRANKID", 0)); }

World::World(int& argc, char**& argv) {
    const int ranks = launched_ranks();
#if defined(CTNN_EXAMPLES_MPI)
    if (ranks > 1) {
        session_ = std::make_shared<ctnn::distributed::MpiSession>(argc, argv);
        comm_ = ctnn::distributed::Mpi{};
        mpi_ = true;
    }
#else
    (void)argc;
    (void)argv;
    if (ranks > 1)
        throw std::runtime_error("started by mpirun as one of " + std::to_string(ranks) +
                                 " processes, but this build of the examples has no MPI (CMake found none when it was "
                                 "configured): each would train alone and write the same folder. Install Open MPI "
                                 "(libopenmpi-dev openmpi-bin) and configure again, or run the trainer without mpirun");
#endif
}

int World::run(const std::function<int()>& body) const {
#if defined(CTNN_EXAMPLES_MPI)
    if (mpi_) {
        const ctnn::distributed::Mpi mpi;
        int code = 0;
        std::exception_ptr interrupted;
        mpi.run_or_abort([&] {
            try {
                code = body();
            } catch (const Interrupted&) {
                // Raised by every rank at the same step (run_epochs agrees on it): each saves
                // nothing more and exits with its code, as one process does.
                interrupted = std::current_exception();
            }
        });
        if (interrupted) std::rethrow_exception(interrupted);
        return code;
    }
#endif
    return body();
}

void World::broadcast([[maybe_unused]] void* bytes, [[maybe_unused]] int n) const {
#if defined(CTNN_EXAMPLES_MPI)
    if (mpi_) MPI_Bcast(bytes, n, MPI_BYTE, 0, MPI_COMM_WORLD);
#endif
}

}  // namespace examples

// Run under mpirun: trains the data-parallel Swiss-roll GAN with the Mpi communicator and checks
// that every rank holds the parameters that a simulated world of as many ranks computes, bit for
// bit. With --fail-rank r, rank r throws before its first step instead, and with --kill-rank r it
// is killed (SIGKILL) there: every rank must end, naming rank r (tests/mpi/expect_abort.cmake).
#include <ctnn/distributed/mpi.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "support/data_parallel.hpp"

using namespace ctnn;
using namespace ctnn::test::data_parallel;

int main(int argc, char** argv) {
    distributed::MpiSession session(argc, argv);
    distributed::Mpi comm;
    const std::string mode = argc == 3 ? argv[1] : "";
    const int planned = argc == 3 ? std::atoi(argv[2]) : -1;
    if (mode == "--kill-rank" && comm.rank() == planned) std::raise(SIGKILL);
    int status = 0;
    comm.run_or_abort([&] {
        constexpr int steps = 5;
        if (mode == "--fail-rank" && comm.rank() == planned) throw std::runtime_error("a planned failure before the first step");
        const std::vector<float> mine = train(steps, comm);
        // Every rank's parameters, gathered.
        std::vector<float> all(mine.size() * comm.size());
        MPI_Allgather(mine.data(), static_cast<int>(mine.size()), MPI_FLOAT, all.data(), static_cast<int>(mine.size()),
                      MPI_FLOAT, MPI_COMM_WORLD);
        if (comm.rank() != 0) return;
        const auto world = train_world(comm.size(), steps);
        for (int r = 0; r < comm.size(); ++r) {
            const std::vector<float> rank_r(all.begin() + r * mine.size(), all.begin() + (r + 1) * mine.size());
            if (rank_r != world[r]) {
                std::fprintf(stderr, "rank %d's parameters differ from the simulated world's\n", r);
                status = 1;
            }
        }
        if (status == 0)
            std::printf("%d ranks over MPI: parameters after %d steps equal the simulated world's, bit for bit\n",
                        comm.size(), steps);
    });
    return status;
}

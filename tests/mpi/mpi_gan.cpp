// Run under mpirun: trains the data-parallel Swiss-roll GAN with the Mpi communicator and checks
// that every rank holds the parameters that a simulated world of as many ranks computes, bit for
// bit. With --fail-rank r, rank r throws at its first step instead: every rank must end, with
// r's number and message (tests/mpi/expect_abort.cmake checks it).
#include <ctnn/distributed/mpi.hpp>

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
    const int fail_rank = argc == 3 && std::string(argv[1]) == "--fail-rank" ? std::atoi(argv[2]) : -1;
    int status = 0;
    comm.run_or_abort([&] {
        constexpr int steps = 5;
        if (comm.rank() == fail_rank) throw std::runtime_error("a planned failure before the first step");
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

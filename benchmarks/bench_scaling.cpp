// Data-parallel scaling of a GAN step: the median wall time of a step after a warm-up, and the
// median share of each step spent inside the communicator (copying, waiting, adding in rank
// order), through Mpi's shared-memory window (ranks on one node) and through MPI's collectives,
// each with one reduction of each network's whole buffer before its update or buckets reduced
// during backward, and with every rank updating all parameters or sharded updates (each rank adds
// up and steps its shard). Run it alone (one process, OMP_NUM_THREADS threads) and under mpirun
// (one rank per process) with the same global batch:
//
//   OMP_NUM_THREADS=2 bench_scaling --model mlp
//   OMP_NUM_THREADS=1 mpirun --allow-run-as-root --oversubscribe -np 2 bench_scaling --model mlp
//
// All layouts, from the same seed, must end with the same parameters bit for bit on every rank
// (the reduction and the optimizers are element-wise, so transports, bucket and shard boundaries
// change no bit): it checks this and exits 1 if not. Models: mlp (seed 003's MLP GAN, 2.1 M
// parameters: 8.5 MB of gradients per step) and dcgan (seed 003's DCGAN, 7.7 M parameters).
#include <ctnn/ctnn.hpp>
#include <ctnn/distributed/any.hpp>
#include <ctnn/distributed/mpi.hpp>
#include <ctnn/logging/step_times.hpp>
#include <ctnn/models/seeds.hpp>
#include <ctnn/train/gan.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

using namespace ctnn;

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
    std::string model = "mlp";
    int steps = 50, warmup = 5;
    index_t batch = 64;
    std::size_t bucket_bytes = std::size_t{1} << 20;
};

/// One way of reducing: the transport, buckets of bucket_bytes (0: none), sharded updates or not.
struct Layout {
    distributed::MpiTransport transport;
    std::size_t bucket_bytes;
    bool shard;
};

struct Result {
    double step_seconds = 0;  // rank 0's median wall time of a step after the warm-up
    double comm_share = 0;    // the mean over ranks of each rank's median share inside the communicator
    std::vector<float> parameters;
};

/// The mean over ranks of each rank's `value`.
double rank_mean(double value, int ranks) {
    MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    return value / ranks;
}

/// `o.warmup` + `o.steps` GAN steps on a fixed global batch, each timed, laid out as `layout`.
template <class G, class D>
Result run(const Options& o, const Layout& layout) {
    distributed::AnyCommunicator comm{distributed::Mpi(MPI_COMM_WORLD, layout.transport)};
    Rng rng(3), data(4);
    using GanT = Gan<G, D, Adam<Cpu, float>, Adam<Cpu, float>, Cpu, float, distributed::AnyCommunicator>;
    GanT gan(rng, {.loss = AdversarialLoss::bce_with_logits, .noise = NoiseKind::uniform}, {.lr = 1e-3, .beta1 = 0.5},
             {.lr = 1e-3, .beta1 = 0.5}, Init::pytorch, comm);
    gan.generator.bucket_bytes = gan.discriminator.bucket_bytes = layout.bucket_bytes;
    gan.generator.shard_updates = gan.discriminator.shard_updates = layout.shard;
    Tensor<typename GanT::sample_shape, Cpu> real(o.batch);
    std::vector<float> host(real.size());
    for (auto& v : host) v = data.uniform<float>(-1, 1);
    real.copy_from_host(host);
    const auto next_real = [&] { return real.cview(); };
    logging::StepTimes times(static_cast<std::size_t>(o.warmup + o.steps));
    MPI_Barrier(MPI_COMM_WORLD);
    for (int i = 0; i < o.warmup + o.steps; ++i) {
        const double communicated = comm.seconds();
        const auto start = Clock::now();
        gan.step(next_real);
        times.add(std::chrono::duration<double>(Clock::now() - start).count(), comm.seconds() - communicated);
    }
    Result r;
    r.step_seconds = times.median_seconds(static_cast<std::size_t>(o.warmup));
    r.comm_share = rank_mean(times.median_share(static_cast<std::size_t>(o.warmup)), comm.size());
    for (const auto* flat : {&gan.generator.parameters(), &gan.discriminator.parameters()})
        r.parameters.insert(r.parameters.end(), flat->values(), flat->values() + flat->size());
    return r;
}

/// Whether every rank's parameters equal rank 0's.
bool same_on_every_rank(const std::vector<float>& mine) {
    std::vector<float> first = mine;
    MPI_Bcast(first.data(), static_cast<int>(first.size()), MPI_FLOAT, 0, MPI_COMM_WORLD);
    int same = first == mine;
    MPI_Allreduce(MPI_IN_PLACE, &same, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
    return same;
}

template <class G, class D>
int bench(const Options& o, int rank, int ranks, const char* what) {
    const bool root = rank == 0;
    if (root)
        std::printf("%s, global batch %zu, %d rank%s x %d thread%s, median of %d steps after %d:\n", what,
                    static_cast<std::size_t>(o.batch), ranks, ranks > 1 ? "s" : "", Cpu::threads(),
                    Cpu::threads() > 1 ? "s" : "", o.steps, o.warmup);
    using distributed::MpiTransport;
    const Result one = run<G, D>(o, {MpiTransport::automatic, 0, false});
    if (ranks == 1) {  // nothing to reduce: the other layouts would time the same step again
        if (root) std::printf("  %7.1f steps/s (%7.2f ms)\n", 1 / one.step_seconds, one.step_seconds * 1e3);
        return 0;
    }
    bool equal = same_on_every_rank(one.parameters);
    const std::string buckets = "buckets of " + std::to_string(o.bucket_bytes) + " B";
    for (const MpiTransport transport : {MpiTransport::automatic, MpiTransport::collectives}) {
        if (root)
            std::printf("  %s:\n", transport == MpiTransport::automatic
                                       ? "shared-memory window where the ranks share a node (the default)"
                                       : "MPI collectives (MPI_Iallgather, MPI_Ialltoallv, MPI_Allgatherv)");
        for (const bool shard : {false, true})
            for (const std::size_t bytes : {std::size_t{0}, o.bucket_bytes}) {
                const Result r = transport == MpiTransport::automatic && bytes == 0 && !shard
                                     ? one
                                     : run<G, D>(o, {transport, bytes, shard});
                equal = equal && r.parameters == one.parameters;
                if (root)
                    std::printf("    %-46s %7.1f steps/s (%7.2f ms), communicator %4.1f%% of the step\n",
                                ((bytes ? buckets : std::string("one reduction")) +
                                 (shard ? ", sharded updates" : ", every rank updates all"))
                                    .c_str(),
                                1 / r.step_seconds, r.step_seconds * 1e3, r.comm_share * 100);
            }
    }
    if (root)
        std::printf("  parameters of every layout %s the first one's on every rank, bit for bit\n",
                    equal ? "equal" : "DIFFER FROM");
    return equal ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    distributed::MpiSession session(argc, argv);
    int rank = 0, ranks = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    Options o;
    for (int i = 1; i < argc; i += 2) {
        const std::string a = argv[i];
        const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
        if (v && a == "--model") o.model = v;
        else if (v && a == "--steps") o.steps = std::atoi(v);
        else if (v && a == "--warmup") o.warmup = std::atoi(v);
        else if (v && a == "--batch") o.batch = static_cast<index_t>(std::atol(v));
        else if (v && a == "--bucket-bytes") o.bucket_bytes = static_cast<std::size_t>(std::atol(v));
        else {
            if (rank == 0)
                std::fprintf(stderr, "usage: bench_scaling [--model mlp|dcgan] [--steps N] [--warmup N] "
                                     "[--batch B] [--bucket-bytes B]\n");
            return 2;
        }
    }
    if (o.steps < 1 || o.warmup < 0 || o.batch < 1 || o.bucket_bytes < 1) {
        if (rank == 0)
            std::fprintf(stderr, "bench_scaling: --steps, --batch and --bucket-bytes must be positive, --warmup not negative\n");
        return 2;
    }
    const FlushDenormals flush;  // as the example trainers train
    int status = 0;
    distributed::Mpi(MPI_COMM_WORLD).run_or_abort([&] {
        if (o.model == "mlp")
            status = bench<models::MlpGenerator<>, models::MlpDiscriminator>(o, rank, ranks, "MLP GAN (seed 003)");
        else if (o.model == "dcgan")
            status = bench<models::DcganGenerator<>, models::DcganDiscriminator>(o, rank, ranks, "DCGAN (seed 003)");
        else
            throw std::invalid_argument("bench_scaling: --model " + o.model + ": expected mlp or dcgan");
    });
    return status;
}

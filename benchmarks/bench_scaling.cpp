// Data-parallel scaling of a GAN step: steps per second and the share of each step spent inside
// the communicator, with the gradient reduction overlapped with backward (buckets) and without
// (one reduction of each network's whole buffer before its update), each with every rank
// updating all parameters or sharded updates (each rank adds up and steps its shard). Run it alone (one process,
// OMP_NUM_THREADS threads) and under mpirun (one rank per process) with the same global batch:
//
//   OMP_NUM_THREADS=2 bench_scaling --model mlp
//   OMP_NUM_THREADS=1 mpirun --allow-run-as-root --oversubscribe -np 2 bench_scaling --model mlp
//
// All layouts, from the same seed, must end with the same parameters bit for bit on every rank
// (the reduction and the optimizers are element-wise, so bucket and shard boundaries change no
// bit): it checks this and exits 1 if not. Models: mlp (seed 003's MLP GAN, 2.1 M parameters: 8.5 MB of gradients per step) and
// dcgan (seed 003's DCGAN, 7.7 M parameters).
#include <ctnn/ctnn.hpp>
#include <ctnn/distributed/mpi.hpp>
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

/// Comm, counting the seconds spent inside it (waiting, copying and adding in rank order), and
/// of those the seconds in finish_means(). With `tests` false, progress() does not reach Comm:
/// started means then advance only inside the next MPI call, which shows whether the
/// MPI_Test between layers moves them on (or a progress thread would be needed).
template <class Comm>
struct Timed {
    Comm comm;
    double* seconds;
    double* finishing;
    bool tests = true;

    int rank() const { return comm.rank(); }
    int size() const { return comm.size(); }
    template <class T>
    void mean(T* p, index_t n) {
        timed([&] { comm.mean(p, n); });
    }
    template <class T>
    void start_mean(T* p, index_t n) {
        timed([&] { comm.start_mean(p, n); });
    }
    void progress() {
        if (tests) timed([&] { comm.progress(); });
    }
    void finish_means() {
        *finishing += timed([&] { comm.finish_means(); });
    }

private:
    template <class F>
    double timed(F&& f) {
        const auto start = Clock::now();
        f();
        const double s = std::chrono::duration<double>(Clock::now() - start).count();
        *seconds += s;
        return s;
    }
};
static_assert(distributed::AsyncCommunicator<Timed<distributed::Mpi>>);

struct Options {
    std::string model = "mlp";
    int steps = 50, warmup = 5;
    index_t batch = 64;
    std::size_t bucket_bytes = std::size_t{1} << 20;
};

struct Result {
    double step_seconds = 0;  // this rank's wall time per step
    double comm_share = 0;    // mean over ranks of the share of the step inside the communicator
    double finish_share = 0;  // the same, inside finish_means()
    std::vector<float> parameters;
};

/// The mean over ranks of each rank's `value`.
double rank_mean(double value, const distributed::Mpi& mpi) {
    MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    return value / mpi.size();
}

/// `o.warmup` then `o.steps` timed GAN steps on fixed global batches, with buckets of
/// `bucket_bytes` (0: none), sharded updates or not, testing started means between layers or not.
template <class G, class D>
Result run(const Options& o, distributed::Mpi& mpi, std::size_t bucket_bytes, bool shard, bool tests = true) {
    double comm_seconds = 0, finish_seconds = 0;
    Rng rng(3), data(4);
    using GanT = Gan<G, D, Adam<Cpu, float>, Adam<Cpu, float>, Cpu, float, Timed<distributed::Mpi>>;
    GanT gan(rng, {.loss = AdversarialLoss::bce_with_logits, .noise = NoiseKind::uniform}, {.lr = 1e-3, .beta1 = 0.5},
             {.lr = 1e-3, .beta1 = 0.5}, Init::pytorch,
             Timed<distributed::Mpi>{mpi, &comm_seconds, &finish_seconds, tests});
    gan.generator.bucket_bytes = gan.discriminator.bucket_bytes = bucket_bytes;
    gan.generator.shard_updates = gan.discriminator.shard_updates = shard;
    Tensor<typename GanT::sample_shape, Cpu> real(o.batch);
    std::vector<float> host(real.size());
    for (auto& v : host) v = data.uniform<float>(-1, 1);
    real.copy_from_host(host);
    const auto next_real = [&] { return real.cview(); };
    for (int i = 0; i < o.warmup; ++i) gan.step(next_real);
    comm_seconds = finish_seconds = 0;
    MPI_Barrier(MPI_COMM_WORLD);
    const auto start = Clock::now();
    for (int i = 0; i < o.steps; ++i) gan.step(next_real);
    Result r;
    const double total = std::chrono::duration<double>(Clock::now() - start).count();
    r.step_seconds = total / o.steps;
    r.comm_share = rank_mean(comm_seconds / total, mpi);
    r.finish_share = rank_mean(finish_seconds / total, mpi);
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
int bench(const Options& o, distributed::Mpi& mpi, const char* what) {
    const bool root = mpi.rank() == 0;
    if (root)
        std::printf("%s, global batch %zu, %d rank%s x %d thread%s, %d steps after %d:\n", what,
                    static_cast<std::size_t>(o.batch), mpi.size(), mpi.size() > 1 ? "s" : "", Cpu::threads(),
                    Cpu::threads() > 1 ? "s" : "", o.steps, o.warmup);
    const Result one_shot = run<G, D>(o, mpi, 0, false);
    if (mpi.size() == 1) {  // nothing to reduce: the other layouts would time the same step again
        if (root) std::printf("  %7.1f steps/s (%7.2f ms)\n", 1 / one_shot.step_seconds, one_shot.step_seconds * 1e3);
        return 0;
    }
    const Result overlapped = run<G, D>(o, mpi, o.bucket_bytes, false);
    const Result sharded = run<G, D>(o, mpi, 0, true);
    const Result both = run<G, D>(o, mpi, o.bucket_bytes, true);
    const Result untested = run<G, D>(o, mpi, o.bucket_bytes, true, false);
    const bool equal = overlapped.parameters == one_shot.parameters && sharded.parameters == one_shot.parameters &&
                       both.parameters == one_shot.parameters && untested.parameters == one_shot.parameters &&
                       same_on_every_rank(both.parameters);
    if (root) {
        const auto row = [](const std::string& name, const Result& r) {
            std::printf("  %-46s %7.1f steps/s (%7.2f ms), communicator %4.1f%% of the step (finish_means %4.1f%%)\n",
                        name.c_str(), 1 / r.step_seconds, r.step_seconds * 1e3, r.comm_share * 100,
                        r.finish_share * 100);
        };
        const std::string buckets = "buckets of " + std::to_string(o.bucket_bytes) + " B";
        row("one reduction, every rank updates all", one_shot);
        row(buckets + ", every rank updates all", overlapped);
        row("one reduction, sharded updates", sharded);
        row(buckets + ", sharded updates", both);
        row(buckets + ", sharded, no MPI_Test", untested);
        std::printf("  parameters of every layout %s the first one's on every rank, bit for bit\n",
                    equal ? "equal" : "DIFFER FROM");
    }
    return equal ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    distributed::MpiSession session(argc, argv);
    distributed::Mpi mpi;
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
            if (mpi.rank() == 0)
                std::fprintf(stderr, "usage: bench_scaling [--model mlp|dcgan] [--steps N] [--warmup N] "
                                     "[--batch B] [--bucket-bytes B]\n");
            return 2;
        }
    }
    if (o.steps < 1 || o.batch < 1 || o.bucket_bytes < 1) {
        if (mpi.rank() == 0) std::fprintf(stderr, "bench_scaling: --steps, --batch and --bucket-bytes must be positive\n");
        return 2;
    }
    const FlushDenormals flush;  // as the example trainers train
    int status = 0;
    mpi.run_or_abort([&] {
        if (o.model == "mlp")
            status = bench<models::MlpGenerator<>, models::MlpDiscriminator>(o, mpi, "MLP GAN (seed 003)");
        else if (o.model == "dcgan")
            status = bench<models::DcganGenerator<>, models::DcganDiscriminator>(o, mpi, "DCGAN (seed 003)");
        else
            throw std::invalid_argument("bench_scaling: --model " + o.model + ": expected mlp or dcgan");
    });
    return status;
}

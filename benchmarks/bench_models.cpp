// Times one full training iteration of each seed model, made exactly as the example trainers make
// it (Gan::step, Vae::step, the classifier's RMSprop step), on random inputs of the right shape:
// loading data is not part of a step. benchmarks/compare.sh drives it beside the PyTorch twins in
// benchmarks/torch_twins.py; see benchmarks/README.md.
//
//   bench_models --list                  the models
//   bench_models --smoke                 one iteration of every fp32 model and of mlp_gan_bf16 (the CTest smoke test)
//   bench_models --serve MODEL [--threads N]
//       a worker for compare.sh: builds MODEL, prints a JSON "hello" line, then answers commands
//       on stdin, one JSON line each:
//         warmup SECONDS   iterations until SECONDS have passed (at least two): seconds per iteration
//         window N         N timed iterations, with the CPU ticks of the machine and of this process
//                          (and, under compare.sh's BLAS timer, the thread-seconds inside GEMM calls)
//         quit             peak resident memory, then exit
#include <ctnn/ctnn.hpp>
#include <ctnn/models/seeds.hpp>
#include <ctnn/train/gan.hpp>
#include <ctnn/train/vae.hpp>

#include <dlfcn.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

using namespace ctnn;

namespace {

// ---- FLOPs, counted from the layer types -------------------------------------------------------
// Only GEMMs count: 2 m n k for each product. A layer's forward product per sample is below; its
// weight gradient and its input gradient are products of the same size.

template <class L, AnyShape In>
struct ForwardFlops {
    static constexpr double value = 0;  // element-wise layers, pooling, reshapes: no GEMM
};
template <index_t I, index_t O, bool B, AnyShape In>
struct ForwardFlops<Linear<I, O, B>, In> {
    static constexpr double value = 2.0 * I * O;
};
template <index_t Ci, index_t Co, index_t K, index_t S, index_t P, bool B, AnyShape In>
struct ForwardFlops<Conv2d<Ci, Co, K, S, P, B>, In> {
    using Out = decltype(Conv2d<Ci, Co, K, S, P, B>::template infer<0, In>());
    static constexpr double value = 2.0 * Ci * K * K * Co * Out::dims[1] * Out::dims[2];
};
template <index_t Ci, index_t Co, index_t K, index_t S, index_t P, index_t OP, bool B, AnyShape In>
struct ForwardFlops<ConvTranspose2d<Ci, Co, K, S, P, OP, B>, In> {
    static constexpr double value = 2.0 * Ci * Co * K * K * In::dims[1] * In::dims[2];
};

/// Per sample: `forward`, the sum over the chain, and `first`, the first GEMM layer's product,
/// whose input gradient a network needs only when something upstream wants it.
template <AnyShape In, class... Ls>
struct ChainFlops {
    static constexpr double forward = 0, first = 0;
};
template <AnyShape In, class L, class... Rest>
struct ChainFlops<In, L, Rest...> {
    using Next = ChainFlops<decltype(L::template infer<0, In>()), Rest...>;
    static constexpr double own = ForwardFlops<L, In>::value;
    static constexpr double forward = own + Next::forward;
    static constexpr double first = own > 0 ? own : Next::first;
};
template <class Net>
struct NetworkFlops;
template <index_t... D, class... Ls>
struct NetworkFlops<Sequential<Input<D...>, Ls...>> : ChainFlops<Shape<D...>, Ls...> {};

/// Trained with its input gradient unwanted: forward, weight gradients, input gradients but the first.
template <class Net>
constexpr double trained_flops() {
    return 3 * NetworkFlops<Net>::forward - NetworkFlops<Net>::first;
}

/// One GAN iteration (one D step, then one G step), per sample: D's step runs G forward and D
/// forward and backward on the real and on the generated batch; G's step runs G forward, D
/// forward, D's input gradients (frozen: no weight gradients) and G's backward.
template <class G, class D>
constexpr double gan_flops() {
    constexpr double fg = NetworkFlops<G>::forward, fd = NetworkFlops<D>::forward;
    return fg + 2 * trained_flops<D>() + fg + fd + fd + (trained_flops<G>() - fg);
}

/// One VAE step per sample: the encoder trained (no input gradient), the decoder trained with its
/// input gradient (it flows into z).
template <class E, class D>
constexpr double vae_flops() {
    return trained_flops<E>() + 3 * NetworkFlops<D>::forward;
}

// ---- the workloads -----------------------------------------------------------------------------

/// One model's training iteration on fixed random inputs.
class Workload {
public:
    virtual ~Workload() = default;
    virtual void iterate() = 0;
    virtual index_t batch() const = 0;
    virtual double flops_per_iteration() const = 0;
};

/// Random values in [lo, hi) as a batch of shape S.
template <AnyShape S, class Dev = Cpu>
Tensor<S, Dev, float> random_batch(Rng& rng, index_t batch, float lo, float hi) {
    std::vector<float> host(batch * S::size);
    for (float& v : host) v = rng.uniform<float>(lo, hi);
    Tensor<S, Dev, float> t(batch);
    t.copy_from_host(host);
    return t;
}

/// Gan::step as the trainers call it, on one fixed "real" batch in G's output range; on Cpu, or
/// on Bf16Mixed<Cpu> (the models named *_bf16).
template <class G, class D, class Dev = Cpu>
class GanWorkload final : public Workload {
public:
    using GanT = Gan<G, D, Adam<Dev, float>, Adam<Dev, float>, Dev>;
    GanWorkload(index_t batch, GanOptions options, AdamOptions adam, Init init)
        : rng_(1), gan_(rng_, options, adam, adam, init), batch_(batch),
          real_(random_batch<typename GanT::sample_shape, Dev>(rng_, batch, -1, 1)) {}
    void iterate() override {
        gan_.step([&] { return real_.cview(); });
    }
    index_t batch() const override { return batch_; }
    double flops_per_iteration() const override { return gan_flops<G, D>() * static_cast<double>(batch_); }

private:
    Rng rng_;
    GanT gan_;
    index_t batch_;
    Tensor<typename GanT::sample_shape, Dev, float> real_;
};

/// mnist_vae's step: the encoder sees images in [-1, 1], the reconstruction targets are in [0, 1];
/// on Cpu, or on Bf16Mixed<Cpu> (vae_bf16).
template <class Dev = Cpu>
class VaeWorkload final : public Workload {
public:
    using VaeT = Vae<models::VaeEncoder<20>, models::VaeDecoder<20>, Adam<Dev, float>, Dev>;
    explicit VaeWorkload(index_t batch)
        : rng_(1), vae_(rng_, {}, AdamOptions{.lr = 1e-3}), batch_(batch),
          target_(random_batch<typename VaeT::input_shape, Dev>(rng_, batch, 0, 1)), input_(batch) {
        for (index_t i = 0; i < batch * VaeT::input_shape::size; ++i) input_.data()[i] = 2 * target_.data()[i] - 1;
    }
    void iterate() override { vae_.step(input_.cview(), target_.cview()); }
    index_t batch() const override { return batch_; }
    double flops_per_iteration() const override {
        return vae_flops<models::VaeEncoder<20>, models::VaeDecoder<20>>() * static_cast<double>(batch_);
    }

private:
    Rng rng_;
    VaeT vae_;
    index_t batch_;
    Tensor<typename VaeT::input_shape, Dev, float> target_, input_;
};

/// train_classifier's step (examples/common/classifier.hpp): RMSprop lr 1e-3 alpha 0.9,
/// cross-entropy on logits, Dropout in train mode, the backward overwriting the gradients.
class ClassifierWorkload final : public Workload {
public:
    using Net = Network<models::MnistClassifier, Cpu, float>;
    explicit ClassifierWorkload(index_t batch)
        : rng_(1), net_(rng_), optimizer_(net_, {.lr = 1e-3, .alpha = 0.9}), batch_(batch),
          x_(random_batch<Net::input_shape>(rng_, batch, 0, 1)), labels_(batch) {
        std::vector<std::int32_t> y(batch);
        for (auto& v : y) v = static_cast<std::int32_t>(rng_.bits() % Net::output_shape::size);
        labels_.copy_from_host(y);
    }
    void iterate() override {
        net_.train();
        const auto& logits = net_.forward(x_.cview());
        grad_.resize(batch_);
        cross_entropy(logits.cview(), labels_.cview(), grad_.view());
        net_.backward(grad_.cview(), {ParamGrads::overwrite});
        optimizer_.step();
    }
    index_t batch() const override { return batch_; }
    double flops_per_iteration() const override {
        return trained_flops<models::MnistClassifier>() * static_cast<double>(batch_);
    }

private:
    Rng rng_;
    Net net_;
    RMSprop<Cpu, float> optimizer_;
    index_t batch_;
    Tensor<Net::input_shape, Cpu, float> x_;
    Tensor<Shape<1>, Cpu, std::int32_t> labels_;
    Tensor<Net::output_shape, Cpu, float> grad_;
};

/// The reference rate: one 1024^3 single-precision product through Cpu::gemm ("batch" 1).
class GemmWorkload final : public Workload {
public:
    static constexpr index_t n = 1024;
    GemmWorkload() : rng_(1), a_(random_batch<Shape<n>>(rng_, n, -1, 1)), b_(random_batch<Shape<n>>(rng_, n, -1, 1)), c_(n) {}
    void iterate() override {
        Cpu::gemm(Trans::no, Trans::no, n, n, n, 1.0f, a_.data(), n, b_.data(), n, 0.0f, c_.data(), n);
    }
    index_t batch() const override { return 1; }
    double flops_per_iteration() const override { return 2.0 * n * n * n; }

private:
    Rng rng_;
    Tensor<Shape<n>, Cpu, float> a_, b_, c_;
};

const std::map<std::string, std::function<std::unique_ptr<Workload>()>>& registry() {
    using namespace models;
    static const std::map<std::string, std::function<std::unique_ptr<Workload>()>> r{
        {"swissroll_gan", [] {
             return std::make_unique<GanWorkload<SwissRollGenerator<2>, SwissRollDiscriminator<>>>(
                 128, GanOptions{.loss = AdversarialLoss::bce, .noise = NoiseKind::normal},
                 AdamOptions{.lr = 2e-4, .beta1 = 0.5}, Init::pytorch);
         }},
        {"mlp_gan", [] {
             return std::make_unique<GanWorkload<MlpGenerator<10>, MlpDiscriminator>>(
                 128, GanOptions{.loss = AdversarialLoss::bce_with_logits, .noise = NoiseKind::uniform},
                 AdamOptions{.lr = 1e-3, .beta1 = 0.5}, Init::pytorch);
         }},
        {"lsgan", [] {
             return std::make_unique<GanWorkload<MlpGenerator<10>, MlpDiscriminator>>(
                 128, GanOptions{.loss = AdversarialLoss::least_squares, .noise = NoiseKind::uniform},
                 AdamOptions{.lr = 1e-3, .beta1 = 0.5}, Init::pytorch);
         }},
        {"mlp_gan_bf16", [] {
             return std::make_unique<GanWorkload<MlpGenerator<10>, MlpDiscriminator, Bf16Mixed<Cpu>>>(
                 128, GanOptions{.loss = AdversarialLoss::bce_with_logits, .noise = NoiseKind::uniform},
                 AdamOptions{.lr = 1e-3, .beta1 = 0.5}, Init::pytorch);
         }},
        {"lsgan_bf16", [] {
             return std::make_unique<GanWorkload<MlpGenerator<10>, MlpDiscriminator, Bf16Mixed<Cpu>>>(
                 128, GanOptions{.loss = AdversarialLoss::least_squares, .noise = NoiseKind::uniform},
                 AdamOptions{.lr = 1e-3, .beta1 = 0.5}, Init::pytorch);
         }},
        {"dcgan", [] {
             return std::make_unique<GanWorkload<DcganGenerator<10>, DcganDiscriminator>>(
                 128, GanOptions{.loss = AdversarialLoss::bce_with_logits, .noise = NoiseKind::uniform},
                 AdamOptions{.lr = 1e-3, .beta1 = 0.5}, Init::pytorch);
         }},
        {"dcgan_bf16", [] {
             return std::make_unique<GanWorkload<DcganGenerator<10>, DcganDiscriminator, Bf16Mixed<Cpu>>>(
                 128, GanOptions{.loss = AdversarialLoss::bce_with_logits, .noise = NoiseKind::uniform},
                 AdamOptions{.lr = 1e-3, .beta1 = 0.5}, Init::pytorch);
         }},
        {"vae", [] { return std::make_unique<VaeWorkload<>>(128); }},
        {"vae_bf16", [] { return std::make_unique<VaeWorkload<Bf16Mixed<Cpu>>>(128); }},
        {"classifier", [] { return std::make_unique<ClassifierWorkload>(128); }},
        {"dcgan64", [] {
             return std::make_unique<GanWorkload<Dcgan64Generator, Dcgan64Discriminator>>(
                 64, GanOptions{.loss = AdversarialLoss::bce, .noise = NoiseKind::normal},
                 AdamOptions{.lr = 2e-4, .beta1 = 0.5}, Init::dcgan);
         }},
        {"dcgan64_bf16", [] {
             return std::make_unique<GanWorkload<Dcgan64Generator, Dcgan64Discriminator, Bf16Mixed<Cpu>>>(
                 64, GanOptions{.loss = AdversarialLoss::bce, .noise = NoiseKind::normal},
                 AdamOptions{.lr = 2e-4, .beta1 = 0.5}, Init::dcgan);
         }},
        {"gemm1024", [] { return std::make_unique<GemmWorkload>(); }},
    };
    return r;
}

std::unique_ptr<Workload> make_workload(const std::string& name) {
    const auto it = registry().find(name);
    if (it == registry().end()) {
        std::string known;
        for (const auto& [k, _] : registry()) known += " " + k;
        throw std::invalid_argument("unknown model '" + name + "'; the models are:" + known);
    }
    return it->second();
}

// ---- measuring ----------------------------------------------------------------------------------

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// CPU ticks since boot: `busy` and `total` over every core (/proc/stat), `own` this process's
/// user + system time (/proc/self/stat, all its threads). The driver subtracts own from busy to
/// see other processes' load during a window.
struct Ticks {
    long long busy = 0, total = 0, own = 0;
};

Ticks read_ticks() {
    Ticks t;
    std::ifstream stat("/proc/stat");
    std::string cpu;
    long long user, nice, system, idle, iowait, irq, softirq, steal;
    if (!(stat >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal) || cpu != "cpu")
        throw std::runtime_error("cannot read the cpu line of /proc/stat");
    // Steal counts as busy: a hypervisor running another guest slows us as much as a local process.
    t.busy = user + nice + system + irq + softirq + steal;
    t.total = t.busy + idle + iowait;
    std::ifstream self("/proc/self/stat");
    std::string line;
    std::getline(self, line);
    // Fields after the command name, which may hold spaces, start after its closing parenthesis:
    // state is field 3, utime and stime are fields 14 and 15.
    std::istringstream rest(line.substr(line.rfind(')') + 2));
    std::string field;
    long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i == 14) utime = std::stoll(field);
        if (i == 15) stime = std::stoll(field);
    }
    if (!rest) throw std::runtime_error("cannot read utime and stime from /proc/self/stat");
    t.own = utime + stime;
    return t;
}

/// This process's peak resident memory: VmHWM, not getrusage's ru_maxrss, which keeps the peak of
/// the process that forked us (compare.sh's driver, with PyTorch loaded) across exec.
double peak_rss_mb() {
    std::ifstream status("/proc/self/status");
    std::string key;
    double kib = 0;
    while (status >> key) {
        if (key == "VmHWM:" && status >> kib) return kib / 1024.0;
        status.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
    }
    throw std::runtime_error("no VmHWM line in /proc/self/status");
}

/// What runs the products, for the report beside PyTorch's BLAS.
std::string kernels() {
    return "ctnn::Cpu::gemm: " + detail::host_gemm_kernels() +
           "; convolutions as im2col/col2im + that GEMM; *_bf16 models: " + detail::bf16_gemm_kernels();
}

void reply(const nlohmann::ordered_json& j) { std::cout << j.dump() << std::endl; }

/// Seconds inside BLAS GEMM calls, summed over the threads that made them, when compare.sh preloads
/// its timer (benchmarks/blas_timer.cpp); a negative value without it.
double blas_seconds() {
    using Seconds = double (*)();
    static const auto timer = reinterpret_cast<Seconds>(dlsym(RTLD_DEFAULT, "ctnn_blas_timer_seconds"));
    return timer ? timer() : -1;
}

int serve(const std::string& model) {
    const FlushDenormals flush;  // as the example trainers train (examples/common/program.hpp)
    const std::unique_ptr<Workload> w = make_workload(model);
    reply({{"event", "hello"}, {"side", "ctnn"}, {"model", model}, {"batch", w->batch()}, {"threads", Cpu::threads()},
           {"flops_per_iteration", w->flops_per_iteration()}, {"kernels", kernels()},
           {"flush_denormals", FlushDenormals::active()}});
    std::string line;
    while (std::getline(std::cin, line)) {
        std::istringstream in(line);
        std::string command;
        in >> command;
        if (command == "warmup") {
            double seconds = 0;
            if (!(in >> seconds)) throw std::invalid_argument("warmup needs a number of seconds, got: " + line);
            const auto start = std::chrono::steady_clock::now();
            int n = 0;
            // The first iteration allocates every buffer: time only the ones after it.
            w->iterate();
            auto timed = std::chrono::steady_clock::now();
            for (; n < 2 || seconds_since(start) < seconds; ++n) w->iterate();
            reply({{"event", "warmup"}, {"iterations", n + 1}, {"seconds_per_iteration", seconds_since(timed) / n}});
        } else if (command == "window") {
            long long n = 0;
            if (!(in >> n) || n < 1) throw std::invalid_argument("window needs a positive iteration count, got: " + line);
            const Ticks before = read_ticks();
            const double blas_before = blas_seconds();
            const auto start = std::chrono::steady_clock::now();
            for (long long i = 0; i < n; ++i) w->iterate();
            const double seconds = seconds_since(start);
            const Ticks after = read_ticks();
            nlohmann::ordered_json window{{"event", "window"}, {"iterations", n}, {"seconds", seconds},
                                          {"busy_ticks", after.busy - before.busy},
                                          {"total_ticks", after.total - before.total},
                                          {"own_ticks", after.own - before.own}};
            if (blas_before >= 0) window["blas_seconds"] = blas_seconds() - blas_before;
            reply(window);
        } else if (command == "quit") {
            reply({{"event", "bye"}, {"peak_rss_mb", peak_rss_mb()}});
            return 0;
        } else {
            throw std::invalid_argument("unknown command '" + line + "' (warmup SECONDS, window N, quit)");
        }
    }
    throw std::runtime_error("stdin closed before quit");
}

int smoke() {
    std::printf("%s\nthreads: %d\n", kernels().c_str(), Cpu::threads());
    for (const auto& [name, make] : registry()) {
        // The bf16 twins are the same workload classes on Bf16Mixed<Cpu> (test_bf16 checks its
        // layers): one of them runs here; the DCGANs' would add 10-20 s at the suite's -O1.
        if (name.ends_with("_bf16") && name != "mlp_gan_bf16") continue;
        const auto start = std::chrono::steady_clock::now();
        const std::unique_ptr<Workload> w = make();
        w->iterate();
        std::printf("%-14s batch %4zu  %8.2f GFLOP/iteration  one iteration (with set-up) in %.2f s\n", name.c_str(),
                    static_cast<std::size_t>(w->batch()), w->flops_per_iteration() * 1e-9, seconds_since(start));
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string usage = "usage: bench_models --list | --smoke | --serve MODEL [--threads N]\n";
    try {
        std::string mode, model;
        for (int i = 1; i < argc; ++i) {
            const std::string a = argv[i];
            if (a == "--list" || a == "--smoke") {
                mode = a;
            } else if (a == "--serve" && i + 1 < argc) {
                mode = a;
                model = argv[++i];
            } else if (a == "--threads" && i + 1 < argc) {
                Cpu::set_threads(std::stoi(argv[++i]));
            } else {
                std::fprintf(stderr, "bench_models: unexpected argument '%s'\n%s", a.c_str(), usage.c_str());
                return 2;
            }
        }
        if (mode == "--list") {
            for (const auto& [name, _] : registry()) std::printf("%s\n", name.c_str());
            return 0;
        }
        if (mode == "--smoke") return smoke();
        if (mode == "--serve") return serve(model);
        std::fprintf(stderr, "%s", usage.c_str());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_models: %s\n", e.what());
        return 1;
    }
}

// After the first step at a batch size, forward and backward allocate nothing: this executable
// interposes malloc and friends and counts calls while a counting window is open. In a CTNN_DNNL
// build, oneDNN's own packing buffers (allocated inside every dnnl_sgemm, docs/design.md) are
// left out of the count: ctnn's code still may not allocate.
// Also where the bf16 Gan is built on both kernel paths: its kept rounded parameters change no bit.
#define BOOST_TEST_MODULE no_allocation
#include <boost/test/unit_test.hpp>

#include <ctnn/ctnn.hpp>
#include <ctnn/distributed/communicator.hpp>
#include <ctnn/models/seeds.hpp>
#include <ctnn/train/gan.hpp>
#include <ctnn/train/vae.hpp>

#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>
#if defined(CTNN_DNNL)
#include <dlfcn.h>
#endif

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
}

namespace {
std::atomic<long> allocations{0};
std::atomic<bool> counting{false};
thread_local bool inside_dnnl = false;  // this thread is inside a dnnl_sgemm call
void count() {
    if (counting.load(std::memory_order_relaxed) && !inside_dnnl) allocations.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

extern "C" {
void* malloc(std::size_t n) {
    count();
    return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t s) {
    count();
    return __libc_calloc(n, s);
}
void* realloc(void* p, std::size_t n) {
    count();
    return __libc_realloc(p, n);
}
void* aligned_alloc(std::size_t a, std::size_t n) {
    count();
    return __libc_memalign(a, n);
}
int posix_memalign(void** p, std::size_t a, std::size_t n) {
    count();
    *p = __libc_memalign(a, n);
    return *p ? 0 : 12;  // ENOMEM
}
}
#if defined(CTNN_DNNL)
namespace {
/// oneDNN's GEMM `name` called with args, its allocations left out of the count.
template <class In>
dnnl_status_t call_dnnl(const char* name, char ta, char tb, dnnl_dim_t m, dnnl_dim_t n, dnnl_dim_t k, float alpha,
                        const In* a, dnnl_dim_t lda, const In* b, dnnl_dim_t ldb, float beta, float* c, dnnl_dim_t ldc) {
    using Gemm = dnnl_status_t (*)(char, char, dnnl_dim_t, dnnl_dim_t, dnnl_dim_t, float, const In*, dnnl_dim_t,
                                   const In*, dnnl_dim_t, float, float*, dnnl_dim_t);
    // The linker drops libdnnl when these definitions are all the executable uses of it: load it.
    static const auto real = reinterpret_cast<Gemm>(dlsym(dlopen("libdnnl.so.2", RTLD_NOW), name));
    inside_dnnl = true;
    const dnnl_status_t status = real(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    inside_dnnl = false;
    return status;
}
}  // namespace
extern "C" {
// ctnn's calls reach these definitions first; they forward them to oneDNN's (each runs on the
// calling thread: ctnn calls them inside its own parallel region).
dnnl_status_t dnnl_sgemm(char ta, char tb, dnnl_dim_t m, dnnl_dim_t n, dnnl_dim_t k, float alpha, const float* a,
                         dnnl_dim_t lda, const float* b, dnnl_dim_t ldb, float beta, float* c, dnnl_dim_t ldc) {
    return call_dnnl("dnnl_sgemm", ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
dnnl_status_t dnnl_gemm_bf16bf16f32(char ta, char tb, dnnl_dim_t m, dnnl_dim_t n, dnnl_dim_t k, float alpha,
                                    const std::uint16_t* a, dnnl_dim_t lda, const std::uint16_t* b, dnnl_dim_t ldb,
                                    float beta, float* c, dnnl_dim_t ldc) {
    return call_dnnl("dnnl_gemm_bf16bf16f32", ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
}
#endif

using namespace ctnn;

namespace {
/// Allocations during one training-like step (forward, backward into parameters and input) after
/// `warm` steps at the same batch size.
template <class Net>
long allocations_in_step(index_t batch, bool frozen = false) {
    Rng rng(1);
    Network<Net> net(rng);
    using In = typename Network<Net>::input_shape;
    using Out = typename Network<Net>::output_shape;
    Tensor<In, Cpu> x(batch);
    Tensor<Out, Cpu> dy(batch);
    x.fill(0.25f);
    dy.fill(0.5f);
    const BackwardOptions opts{frozen ? ParamGrads::frozen : ParamGrads::accumulate, true};
    for (int warm = 0; warm < 2; ++warm) {
        net.forward(x);
        net.backward(dy, opts);
    }
    allocations = 0;
    counting = true;
    net.zero_grad();
    net.forward(x);
    net.backward(dy, opts);
    net.eval();
    net.forward(x);  // eval mode at the same batch size
    counting = false;
    return allocations.load();
}

/// Allocations during one whole iteration (`step()` of a Gan or Vae: noise, losses, the divergence
/// guard's checks, optimizer updates) after two at the same batch size.
template <class Step>
long allocations_in_iteration(Step&& step) {
    step();
    step();
    allocations = 0;
    counting = true;
    step();
    counting = false;
    return allocations.load();
}
}  // namespace

BOOST_AUTO_TEST_CASE(whole_training_iterations) {
    Rng rng(2);
    Gan<models::MlpGenerator<10>, models::MlpDiscriminator, Adam<Cpu, float>, Adam<Cpu, float>> gan(
        rng, {.loss = AdversarialLoss::bce_with_logits, .noise = NoiseKind::uniform}, {}, {});
    Tensor<Shape<1, 28, 28>, Cpu> real(128);
    real.fill(0.25f);
    BOOST_TEST(allocations_in_iteration([&] { gan.step([&] { return real.cview(); }); }) == 0);

    Vae<models::VaeEncoder<20>, models::VaeDecoder<20>, Adam<Cpu, float>> vae(rng, {}, {});
    BOOST_TEST(allocations_in_iteration([&] { vae.step(real.cview(), real.cview()); }) == 0);
}

// The bf16 policy's GEMMs keep their rounded operands in scratch grown once (and oneDNN's bf16
// kernels, like its sgemm, allocate inside their calls only).
BOOST_AUTO_TEST_CASE(whole_training_iterations_in_bf16) {
    using Bf16 = Bf16Mixed<Cpu>;
    Rng rng(2);
    Gan<models::MlpGenerator<10>, models::MlpDiscriminator, Adam<Bf16, float>, Adam<Bf16, float>, Bf16> gan(
        rng, {.loss = AdversarialLoss::bce_with_logits, .noise = NoiseKind::uniform}, {}, {});
    Tensor<Shape<1, 28, 28>, Bf16> real(128);
    real.fill(0.25f);
    BOOST_TEST(allocations_in_iteration([&] { gan.step([&] { return real.cview(); }); }) == 0);
}

// Gan::step keeps each network's rounded parameters between its updates (TrainedNetwork::
// keep_rounded_parameters): the same bits as rounding them in every product (keep_rounded off),
// with D's update between the D step's products and the G step's. Here, where the bf16 Gan is
// built twice: on oneDNN's bf16 kernels (test_no_allocation_dnnl) and on the fallback.
BOOST_AUTO_TEST_CASE(kept_rounded_parameters_change_no_bit_of_bf16_training) {
    using Bf16 = Bf16Mixed<Cpu>;
    const auto parameters_after_steps = [](bool keep) {
        Rng rng(7);
        Gan<models::MlpGenerator<10>, models::MlpDiscriminator, Adam<Bf16, float>, Adam<Bf16, float>, Bf16> gan(
            rng, {.loss = AdversarialLoss::bce_with_logits, .noise = NoiseKind::uniform}, {.lr = 1e-2, .beta1 = 0.5},
            {.lr = 1e-2, .beta1 = 0.5});
        gan.generator.keep_rounded = gan.discriminator.keep_rounded = keep;
        std::vector<float> host(16 * 28 * 28);
        for (std::size_t i = 0; i < host.size(); ++i) host[i] = std::sin(0.01f * static_cast<float>(i));
        const auto real = Tensor<Shape<1, 28, 28>, Bf16>::from_host(host);
        for (int i = 0; i < 3; ++i) gan.step([&] { return real.cview(); });
        std::vector<float> out;
        for (const auto* p : {&gan.generator.parameters(), &gan.discriminator.parameters()})
            out.insert(out.end(), p->values(), p->values() + p->size());
        return out;
    };
    BOOST_TEST((parameters_after_steps(true) == parameters_after_steps(false)));
}

// With a communicator in place (a simulated world of two ranks), a training iteration still
// allocates nothing after the first: the reductions' buffers are grown once. Seed 002's GAN:
// BatchNorm's statistics reduced over the ranks, Dropout's masks drawn by global index.
BOOST_AUTO_TEST_CASE(whole_training_iterations_in_a_world_of_two_ranks) {
    using distributed::SimulatedRank;
    distributed::SimulatedWorld world(2);
    long counted = -1;
    world.run([&](SimulatedRank& comm) {
        Rng rng(2);
        Gan<models::BnGenerator<>, models::DropoutDiscriminator, Adam<Cpu, float>, Adam<Cpu, float>, Cpu, float,
            SimulatedRank>
            gan(rng, {.loss = AdversarialLoss::bce}, {}, {}, Init::pytorch, comm);
        Tensor<Shape<1, 28, 28>, Cpu> real(128);
        real.fill(0.25f);
        const auto step = [&] { gan.step([&] { return real.cview(); }); };
        double barrier = 0;  // a mean over the ranks is also a barrier
        step();
        comm.mean(&barrier, 1);  // both ranks are past their first iteration
        if (comm.rank() == 0) {
            allocations = 0;
            counting = true;
        }
        comm.mean(&barrier, 1);  // counting is on before either rank goes on
        step();
        comm.mean(&barrier, 1);
        if (comm.rank() == 0) {
            counting = false;
            counted = allocations.load();
        }
    });
    BOOST_TEST(counted == 0);
}

BOOST_AUTO_TEST_CASE(counter_sees_allocations) {
    // The interposition works: a vector's allocation is counted.
    allocations = 0;
    counting = true;
    std::vector<float> v(1000);
    counting = false;
    BOOST_TEST(allocations.load() >= 1);
    BOOST_TEST(v.size() == 1000u);
}

BOOST_AUTO_TEST_CASE(mlp_gan) {
    BOOST_TEST(allocations_in_step<models::MlpDiscriminator>(128) == 0);
    BOOST_TEST(allocations_in_step<models::MlpGenerator<>>(128) == 0);
    BOOST_TEST(allocations_in_step<models::MlpDiscriminator>(128, true) == 0);
}

BOOST_AUTO_TEST_CASE(dcgan) {
    BOOST_TEST(allocations_in_step<models::DcganDiscriminator>(32) == 0);
    BOOST_TEST(allocations_in_step<models::DcganGenerator<>>(32) == 0);
}

BOOST_AUTO_TEST_CASE(dropout_and_batchnorm) {
    BOOST_TEST(allocations_in_step<models::DropoutDiscriminator>(64) == 0);
    BOOST_TEST(allocations_in_step<models::BnGenerator<>>(64) == 0);
}

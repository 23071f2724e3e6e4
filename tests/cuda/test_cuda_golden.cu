// The Cuda device against PyTorch's golden values: the seed networks that use every layer kind,
// in double and float; and, where NCCL is found, the Nccl communicator in a Cuda Gan (a one-rank
// NCCL world trains as one process, bit for bit; several ranks need a GPU each). One nvcc unit
// for both: most of an nvcc compile is the headers both include.
// Built by nvcc whenever CUDA is found; on a machine without a GPU it reports itself skipped.
#include <ctnn/device/cuda.hpp>
#include <ctnn/device/bf16.hpp>

#define BOOST_TEST_MODULE cuda_golden
#include <boost/test/unit_test.hpp>

#include <ctnn/io/xtensor.hpp>
#include <ctnn/models/seeds.hpp>
#ifdef CTNN_HAVE_NCCL
#include <ctnn/distributed/nccl.hpp>
#include <ctnn/optim/adam.hpp>
#include <ctnn/train/gan.hpp>
#endif

#include <cstdlib>
#include <vector>

#include "support/golden.hpp"
#include "support/train_golden.hpp"

using namespace ctnn;
using namespace ctnn::models;
using ctnn::test::check_against_golden;

namespace {
/// CTest's SKIP_RETURN_CODE: no GPU here, so nothing this test checks can run.
struct RequireGpu {
    RequireGpu() {
        int count = 0;
        if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) std::exit(77);
    }
};
}  // namespace
BOOST_TEST_GLOBAL_FIXTURE(RequireGpu);

constexpr double rel_tol = 1e-9, abs_tol = 1e-11;

BOOST_AUTO_TEST_CASE(layers) {
    check_against_golden<Sequential<Input<7>, Linear<7, 5>>, Cuda>("linear", 1e-12, 1e-12);
    check_against_golden<Sequential<Input<2, 6, 5>, MaxPool2d<2>>, Cuda>("maxpool2d", 1e-12, 1e-12);
    check_against_golden<Sequential<Input<3, 4, 3>, ConvTranspose2d<3, 2, 4, 2, 1>>, Cuda>("conv_transpose2d", 1e-11, 1e-12);
}
BOOST_AUTO_TEST_CASE(seed_networks) {
    check_against_golden<MlpDiscriminator, Cuda>("net_mlp_d", rel_tol, abs_tol);
    check_against_golden<DcganGenerator<>, Cuda>("net_dcgan_g", rel_tol, abs_tol);
    check_against_golden<DcganDiscriminator, Cuda>("net_dcgan_d", rel_tol, abs_tol);
    check_against_golden<Dcgan64Generator, Cuda>("net_dcgan64_g", rel_tol, abs_tol);
    check_against_golden<Dcgan64Discriminator, Cuda>("net_dcgan64_d", rel_tol, abs_tol);
    check_against_golden<BnGenerator<>, Cuda>("net_bn_g", rel_tol, abs_tol);
    check_against_golden<DropoutDiscriminator, Cuda>("net_dropout_d", rel_tol, abs_tol);
}
BOOST_AUTO_TEST_CASE(float_networks) {
    check_against_golden<DcganDiscriminator, Cuda, float>("net_dcgan_d", 2e-4, 2e-5);
    check_against_golden<DcganGenerator<>, Cuda, float>("net_dcgan_g_eval", 2e-4, 2e-5);
}
// The bf16 policy on cuBLAS's bf16 tensor-core GEMMs, against PyTorch on bf16-rounded operands
// (tests/reference/golden_bf16.py; test_bf16 holds the Cpu's bounds).
BOOST_AUTO_TEST_CASE(bf16_layers) {
    check_against_golden<Sequential<Input<40>, Linear<40, 24>>, Bf16Mixed<Cuda>, float>("bf16_linear", 1e-5, 1e-5);
    check_against_golden<Sequential<Input<4, 5, 4>, ConvTranspose2d<4, 3, 4, 2, 1>>, Bf16Mixed<Cuda>, float>(
        "bf16_conv_transpose2d", 1e-5, 1e-5);
}

BOOST_AUTO_TEST_CASE(training_steps) {
    // Whole Gan and Vae steps (losses, optimizers, the frozen D, the WGAN clip) on the GPU.
    ctnn::test::golden_steps::check_gan_iterations<Cuda>();
    ctnn::test::golden_steps::check_vae_steps<Cuda>();
    ctnn::test::golden_steps::check_gradient_penalties<Cuda>();
}
BOOST_AUTO_TEST_CASE(xtensor_round_trips) {
    // A Cuda tensor filled from xtensor arrays of either layout and copied back to both (through
    // the device's from_host / to_host; a view of it would not compile).
    xt::xarray<float> a = xt::arange<float>(24);
    a.reshape({4, 2, 3});
    const xt::xarray<float, xt::layout_type::column_major> col = a;
    const auto t = from_xtensor<Shape<2, 3>, Cuda>(col);
    BOOST_TEST((to_xarray(t) == a));
    BOOST_TEST((to_xtensor<xt::layout_type::column_major>(from_xtensor<Shape<2, 3>, Cuda>(a)) == a));
}

#ifdef CTNN_HAVE_NCCL
namespace {
template <class Comm>
using RollGan = Gan<models::SwissRollGenerator<2, 32>, models::SwissRollDiscriminator<32>, Adam<Cuda, float>,
                    Adam<Cuda, float>, Cuda, float, Comm>;

template <class Comm>
std::vector<float> train(Comm comm) {
    Rng rng(5), data(6);
    RollGan<Comm> gan(rng, {.loss = AdversarialLoss::bce}, {.lr = 2e-4, .beta1 = 0.5}, {.lr = 2e-4, .beta1 = 0.5},
                      Init::pytorch, comm);
    Tensor<Shape<2>, Cuda> real(16);
    std::vector<float> host(real.size());
    for (int i = 0; i < 3; ++i)
        gan.step([&] {
            for (auto& v : host) v = data.uniform<float>(-1, 1);
            real.copy_from_host(host);
            return real.cview();
        });
    const auto& g = gan.generator.parameters();
    std::vector<float> out(g.size());
    Cuda::to_host(g.values(), g.size(), out.data());
    return out;
}
}  // namespace

BOOST_AUTO_TEST_CASE(one_rank_over_nccl_trains_as_one_process) {
    const distributed::Nccl one(distributed::Nccl::unique_id(), 0, 1);
    BOOST_TEST((train(one) == train(distributed::SingleProcess{})));
}
#endif

// The Nccl communicator compiles with nvcc into a Cuda Gan (what CI checks without a GPU). Where a
// GPU is: a one-rank NCCL world trains as the single-process Gan does, bit for bit, and mean()
// over one rank leaves values as they are. (Several ranks need several GPUs: one per rank.)
#include <ctnn/device/cuda.hpp>

#define BOOST_TEST_MODULE nccl
#include <boost/test/unit_test.hpp>

#include <ctnn/distributed/nccl.hpp>
#include <ctnn/models/seeds.hpp>
#include <ctnn/optim/adam.hpp>
#include <ctnn/train/gan.hpp>

#include <cstdlib>
#include <vector>

using namespace ctnn;

namespace {
struct RequireGpu {
    RequireGpu() {
        int count = 0;
        if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) std::exit(77);  // CTest: skipped
    }
};

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
BOOST_TEST_GLOBAL_FIXTURE(RequireGpu);

BOOST_AUTO_TEST_CASE(one_rank_over_nccl_trains_as_one_process) {
    const distributed::Nccl one(distributed::Nccl::unique_id(), 0, 1);
    BOOST_TEST((train(one) == train(distributed::SingleProcess{})));
}

// Includes every public header except device/cuda.hpp (nvcc only) and distributed/mpi.hpp
// (<mpi.h>; tests/mpi/mpi_gan.cpp compiles it) and instantiates the seed
// networks with a training step on both CPU devices: the clang_warnings test compiles this.
#include <ctnn/device/thrust_omp.hpp>

#include <ctnn/core/config.hpp>
#include <ctnn/core/errors.hpp>
#include <ctnn/core/mode.hpp>
#include <ctnn/core/parameters.hpp>
#include <ctnn/core/random.hpp>
#include <ctnn/core/real.hpp>
#include <ctnn/core/shape.hpp>
#include <ctnn/core/tensor.hpp>
#include <ctnn/data/cifar.hpp>
#include <ctnn/data/dataset.hpp>
#include <ctnn/data/datasets.hpp>
#include <ctnn/data/file.hpp>
#include <ctnn/data/idx.hpp>
#include <ctnn/data/loader.hpp>
#include <ctnn/data/npy.hpp>
#include <ctnn/data/swissroll.hpp>
#include <ctnn/device/cpu.hpp>
#include <ctnn/device/cpu_math.hpp>
#include <ctnn/device/device.hpp>
#include <ctnn/device/functions.hpp>
#include <ctnn/device/gemm.hpp>
#include <ctnn/device/host_kernels.hpp>
#include <ctnn/device/kernels.hpp>
#include <ctnn/device/ops.hpp>
#include <ctnn/device/thrust.hpp>
#include <ctnn/distributed/communicator.hpp>
#include <ctnn/io/atomic_file.hpp>
#include <ctnn/io/checkpoint.hpp>
#include <ctnn/io/safetensors.hpp>
#include <ctnn/io/state_dict.hpp>
#include <ctnn/io/xtensor.hpp>
#include <ctnn/layers/activation.hpp>
#include <ctnn/layers/batchnorm.hpp>
#include <ctnn/layers/bias.hpp>
#include <ctnn/layers/conv2d.hpp>
#include <ctnn/layers/conv_transpose2d.hpp>
#include <ctnn/layers/dropout.hpp>
#include <ctnn/layers/im2col.hpp>
#include <ctnn/layers/init.hpp>
#include <ctnn/layers/layer.hpp>
#include <ctnn/layers/linear.hpp>
#include <ctnn/layers/maxpool2d.hpp>
#include <ctnn/layers/reshape.hpp>
#include <ctnn/layers/weight_bias.hpp>
#include <ctnn/logging/csv.hpp>
#include <ctnn/logging/metrics.hpp>
#include <ctnn/logging/progress.hpp>
#include <ctnn/losses/adversarial.hpp>
#include <ctnn/losses/binary.hpp>
#include <ctnn/losses/classification.hpp>
#include <ctnn/losses/loss.hpp>
#include <ctnn/losses/squared.hpp>
#include <ctnn/losses/vae.hpp>
#include <ctnn/metrics/xtensor.hpp>
#include <ctnn/models/seeds.hpp>
#include <ctnn/network/network.hpp>
#include <ctnn/network/sequential.hpp>
#include <ctnn/network/summary.hpp>
#include <ctnn/optim/adam.hpp>
#include <ctnn/optim/optimizer.hpp>
#include <ctnn/optim/rmsprop.hpp>
#include <ctnn/optim/sgd.hpp>
#include <ctnn/train/divergence.hpp>
#include <ctnn/train/gan.hpp>
#include <ctnn/train/trained.hpp>
#include <ctnn/train/vae.hpp>
#include <ctnn/viz/image_grid.hpp>
#include <ctnn/viz/plot.hpp>
#include <ctnn/ctnn.hpp>

namespace {
using namespace ctnn;

template <class G, class D, class Dev>
void gan_step(Rng& rng) {
    Gan<G, D, Adam<Dev, float>, Adam<Dev, float>, Dev> gan(rng, {}, {}, {});
    Tensor<typename Network<D, Dev>::input_shape, Dev> real(4);
    real.zero();
    gan.step([&] { return real.cview(); });
}
}  // namespace

int main() {
    Rng rng(1);
    gan_step<models::DcganGenerator<>, models::DcganDiscriminator, Cpu>(rng);
    gan_step<models::Dcgan64Generator, models::Dcgan64Discriminator, ThrustOmp>(rng);
    gan_step<models::BnGenerator<>, models::DropoutDiscriminator, Cpu>(rng);
    Vae<models::VaeEncoder<>, models::VaeDecoder<>, RMSprop<Cpu, float>> vae(rng, {}, {});
    return 0;
}

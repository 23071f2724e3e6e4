// The program docs/concepts.md walks through: the DCGAN of seed 003 as types, one generator
// step through a frozen discriminator, done by hand (the training issue adds losses and
// optimizers on top of exactly these calls).
#include <ctnn/ctnn.hpp>

#include <cstdio>
#include <iostream>

using namespace ctnn;

// 1. Networks are types. Every size is a compile-time constant and every adjacent pair is checked.
using Discriminator = Sequential<Input<1, 28, 28>,
    Conv2d<1, 32, 5>, LeakyReLU<0.01>, MaxPool2d<2>,
    Conv2d<32, 64, 5>, LeakyReLU<0.01>, MaxPool2d<2>,
    Flatten, Linear<4 * 4 * 64, 1024>, LeakyReLU<0.01>, Linear<1024, 1>>;

using Generator = Sequential<Input<10>,
    Linear<10, 1024>, ReLU, BatchNorm1d<1024>,
    Linear<1024, 7 * 7 * 128>, ReLU, BatchNorm1d<7 * 7 * 128>,
    Reshape<128, 7, 7>,
    ConvTranspose2d<128, 64, 4, 2, 1>, ReLU, BatchNorm2d<64>,
    ConvTranspose2d<64, 1, 4, 2, 1>, Tanh>;

// 2. Facts about them are constants: PyTorch's parameter counts, the shapes between them.
static_assert(Discriminator::parameter_count == 1'102'721);
static_assert(Generator::parameter_count == 6'586'945);
static_assert(std::is_same_v<Network<Generator>::output_shape, Discriminator::input_shape>);

int main() {
    // 3. The layer table, from the types alone.
    std::cout << summary<Discriminator>() << summary<Generator>();

    // 4. Bind the types to a device and scalar; parameters are drawn as PyTorch draws them.
    Rng rng(2026);
    Network<Generator, Cpu, float> g(rng);
    Network<Discriminator, Cpu, float> d(rng);

    // 5. A batch of noise of any size: the batch is the only run-time dimension.
    constexpr index_t batch = 16;
    Tensor<Shape<10>, Cpu> z(batch);
    std::vector<float> noise(batch * 10);
    for (auto& v : noise) v = rng.uniform<float>(-1, 1);
    z.copy_from_host(noise);

    // 6. The generator step: D scores G's samples; the gradient of the non-saturating loss
    //    -mean(log sigmoid(score)) flows back through a frozen D into G.
    const auto& fake = g.forward(z);
    const auto scores = d.forward(fake).to_host();
    std::vector<float> dscores(batch);
    double loss = 0;
    for (index_t i = 0; i < batch; ++i) {
        const double s = scores[i], p = 1 / (1 + std::exp(-s));
        loss += -std::log(p) / batch;
        dscores[i] = static_cast<float>((p - 1) / batch);  // d loss / d score
    }
    const auto dy = Tensor<Shape<1>, Cpu>::from_host(dscores);
    const auto& dfake = d.backward_frozen(dy);  // D's parameters and gradients stay untouched
    g.zero_grad();
    g.backward(dfake);                          // G's parameter gradients are now filled in

    double gnorm = 0;
    g.visit_parameters([&](const std::string&, auto&, auto& grad) {
        for (float v : grad.to_host()) gnorm += double(v) * v;
    });
    std::printf("generator loss %.4f, |dL/dG| %.4f\n", loss, std::sqrt(gnorm));
    return std::isfinite(gnorm) && gnorm > 0 ? 0 : 1;
}

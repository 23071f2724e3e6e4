// A first ctnn program: the seeds' networks as types, their layer tables from the types alone,
// and a small MLP trained by plain gradient descent to fit sin(x) on [-pi, pi].
//
//   demo [--steps N] [--seed S] [--out DIR]
// writes DIR/loss.csv (step, mse) and DIR/fit.csv (x, sin x, prediction).
#include <ctnn/ctnn.hpp>
#include <ctnn/models/seeds.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <numbers>
#include <string>

using namespace ctnn;

namespace {
// The regression network: 1 -> 64 -> 64 -> 1 with Tanh.
using Mlp = Sequential<Input<1>, Linear<1, 64>, Tanh, Linear<64, 64>, Tanh, Linear<64, 1>>;

constexpr index_t batch = 256;
constexpr float learning_rate = 0.05f;
}  // namespace

int main(int argc, char** argv) {
    int steps = 3000;
    std::uint64_t seed = 1;
    std::string out = ".";
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--steps" && i + 1 < argc) steps = std::stoi(argv[++i]);
        else if (a == "--seed" && i + 1 < argc) seed = std::stoull(argv[++i]);
        else if (a == "--out" && i + 1 < argc) out = argv[++i];
        else {
            std::cerr << "usage: demo [--steps N] [--seed S] [--out DIR]\n";
            return 2;
        }
    }

    std::cout << "The cs231n DCGAN discriminator (seed 003), from its type alone:\n"
              << summary<models::DcganDiscriminator>() << "\n"
              << "The lab's 3x64x64 DCGAN generator (seed 001):\n"
              << summary<models::Dcgan64Generator>() << "\n";

    Rng rng(seed);
    Network<Mlp> net(rng);
    std::cout << "Fitting sin(x) with\n" << summary<Mlp>();

    std::vector<float> xs(batch), ys(batch);
    for (index_t i = 0; i < batch; ++i) {
        xs[i] = -std::numbers::pi_v<float> + 2 * std::numbers::pi_v<float> * static_cast<float>(i) / (batch - 1);
        ys[i] = std::sin(xs[i]);
    }
    const auto x = Tensor<Shape<1>, Cpu>::from_host(xs);
    Tensor<Shape<1>, Cpu> dy(batch);
    std::vector<float> g(batch);
    std::ofstream loss_csv(out + "/loss.csv");
    loss_csv << "step,mse\n";
    float mse = 0;
    for (int step = 1; step <= steps; ++step) {
        const auto y = net.forward(x).to_host();
        mse = 0;
        for (index_t i = 0; i < batch; ++i) {
            const float d = y[i] - ys[i];
            mse += d * d / batch;
            g[i] = 2 * d / batch;  // d(mse)/dy
        }
        dy.copy_from_host(g);
        net.zero_grad();
        net.backward(dy);
        // Plain gradient descent over every parameter (Cpu tensors live in host memory).
        net.visit_parameters([](const std::string&, auto& p, auto& grad) {
            for (index_t k = 0; k < p.size(); ++k) p.data()[k] -= learning_rate * grad.data()[k];
        });
        loss_csv << step << ',' << mse << '\n';
        if (step == 1 || step % 500 == 0) std::printf("step %5d  mse %.6f\n", step, mse);
    }
    net.eval();
    const auto fit = net.forward(x).to_host();
    std::ofstream fit_csv(out + "/fit.csv");
    fit_csv << "x,sin,prediction\n";
    for (index_t i = 0; i < batch; ++i) fit_csv << xs[i] << ',' << ys[i] << ',' << fit[i] << '\n';
    std::printf("final mse %.6f; wrote %s/loss.csv and %s/fit.csv\n", mse, out.c_str(), out.c_str());
    return mse < 0.01f ? 0 : 1;
}

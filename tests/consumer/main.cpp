// Defines a network with the installed ctnn and runs it: on the Cpu device, or (CONSUMER_THRUST)
// on both the Cpu and the ThrustOmp devices, which must agree.
#ifdef CONSUMER_THRUST
#include <ctnn/device/thrust_omp.hpp>
#endif
#include <ctnn/ctnn.hpp>

#include <cmath>
#include <cstdio>
#include <vector>

using namespace ctnn;
using Net = Sequential<Input<2>, Linear<2, 16>, ReLU, Linear<16, 1>, Sigmoid>;
static_assert(Net::parameter_count == 2 * 16 + 16 + 16 + 1);

template <class Dev>
std::vector<float> outputs() {
    Rng rng(42);
    Network<Net, Dev> net(rng);
    const auto x = Tensor<Shape<2>, Dev>::from_host({0.5f, -1.0f, 2.0f, 0.25f});
    return net.forward(x).to_host();
}

int main() {
    const auto y = outputs<Cpu>();
    for (float v : y)
        if (!(v > 0.0f && v < 1.0f)) return 1;
#ifdef CONSUMER_THRUST
    const auto t = outputs<ThrustOmp>();
    for (std::size_t i = 0; i < y.size(); ++i)
        if (std::abs(t[i] - y[i]) > 1e-6f) return 2;
    std::printf("consumer ok (Cpu and ThrustOmp): %.6f %.6f\n", t[0], t[1]);
#else
    std::printf("consumer ok: %.6f %.6f\n", y[0], y[1]);
#endif
    return 0;
}

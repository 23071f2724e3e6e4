// Defines a network with the installed ctnn and runs it.
#include <ctnn/ctnn.hpp>

#include <cmath>
#include <cstdio>

using namespace ctnn;
using Net = Sequential<Input<2>, Linear<2, 16>, ReLU, Linear<16, 1>, Sigmoid>;
static_assert(Net::parameter_count == 2 * 16 + 16 + 16 + 1);

int main() {
    Rng rng(42);
    Network<Net> net(rng);
    const auto x = Tensor<Shape<2>, Cpu>::from_host({0.5f, -1.0f, 2.0f, 0.25f});
    const auto y = net.forward(x).to_host();
    for (float v : y)
        if (!(v > 0.0f && v < 1.0f)) return 1;
    std::printf("consumer ok: %.6f %.6f\n", y[0], y[1]);
    return 0;
}

// Writes a ctnn checkpoint of models::DcganGenerator<10> (after a few train-mode passes, so the
// BatchNorm statistics are not trivial) and a probe file with an input and ctnn's eval-mode output
// for it; tests/reference/check_checkpoint_in_torch.py loads both into PyTorch and compares.
//   export_probe CHECKPOINT PROBE
#include <ctnn/ctnn.hpp>
#include <ctnn/io/checkpoint.hpp>
#include <ctnn/models/seeds.hpp>

#include <cstdio>

using namespace ctnn;

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: export_probe CHECKPOINT PROBE\n");
        return 2;
    }
    Rng rng(31);
    Network<models::DcganGenerator<10>> g(rng);
    Tensor<Shape<10>, Cpu> z(16);
    std::vector<float> zs(160);
    for (int pass = 0; pass < 3; ++pass) {
        for (auto& v : zs) v = rng.normal<float>();
        z.copy_from_host(zs);
        g.forward(z);
    }
    io::Checkpoint().network("generator", g).save(argv[1]);
    g.eval();
    const auto y = g.forward(z).to_host();
    io::SafeTensors probe;
    probe.put("input", {16, 10}, zs.data(), zs.size());
    probe.put("output", {16, 1, 28, 28}, y.data(), y.size());
    probe.save(argv[2]);
    std::printf("wrote %s and %s\n", argv[1], argv[2]);
    return 0;
}

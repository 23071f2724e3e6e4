// The seeds' MNIST classifier (seed 003): 784-512-512-10 with ReLU and Dropout(0.2), cross-entropy,
// RMSprop lr 1e-3 alpha 0.9, batch 128, 20 epochs. The other trainers score their samples with it
// (Inception Score, Frechet distance); they train it themselves when runs/mnist_classifier/ has
// none. Evaluated in eval mode (seed 003 keeps Dropout on when scoring, a slip not to copy).
#include "common/classifier.hpp"
#include "common/program.hpp"

namespace examples::mnist_classifier {

struct Program {
    static constexpr const char* summary = "The seeds' MLP digit classifier (RMSprop), used by the metrics.";
    static constexpr bool generative = false;
    RunOptions opt{.name = "mnist_classifier", .epochs = 20};
    ClassifierOptions copt;

    void add_flags(Cli& cli) {
        cli.flag("lr", copt.lr, "RMSprop learning rate", above(0))
            .flag("alpha", copt.alpha, "RMSprop smoothing constant", unit_interval())
            .flag("batch", copt.batch, "batch size", at_least(1));
    }
    template <class Dev>
    int run() {
        opt.finish();
        train_classifier<Dev>(opt, copt);
        return 0;
    }
};

}  // namespace examples::mnist_classifier

CTNN_EXAMPLE_PROGRAM(examples::mnist_classifier::Program)

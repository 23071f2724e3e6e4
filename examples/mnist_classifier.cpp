// The seeds' MNIST classifier (seed 003): 784-512-512-10 with ReLU and Dropout(0.2), cross-entropy,
// RMSprop lr 1e-3 alpha 0.9, batch 128, 20 epochs. The other trainers score their samples with it
// (Inception Score, Frechet distance); they train it themselves when runs/mnist_classifier/ has
// none. Evaluated in eval mode (seed 003 keeps Dropout on when scoring, a slip not to copy).
#include "common/digit_metrics.hpp"

int main(int argc, char** argv) {
    return examples::guarded_main("mnist_classifier", [&] {
        examples::RunOptions opt{.name = "mnist_classifier", .epochs = 20};
        examples::ClassifierOptions copt;
        examples::Cli cli("mnist_classifier", "The seeds' MLP digit classifier (RMSprop), used by the metrics.");
        opt.add_flags(cli, false);
        cli.flag("lr", copt.lr, "RMSprop learning rate")
            .flag("alpha", copt.alpha, "RMSprop smoothing constant")
            .flag("batch", copt.batch, "batch size");
        if (int code = 0; !cli.parse(argc, argv, code)) return code;
        opt.finish();
        examples::train_classifier(opt, copt);
        return 0;
    });
}

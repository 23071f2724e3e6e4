// The epoch loop every trainer runs: steps with a progress bar and the loss log, pictures at the
// end of each epoch, then a checkpoint (so --resume continues from the last finished epoch).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <ctnn/io/checkpoint.hpp>
#include <ctnn/logging/progress.hpp>

#include "loss_log.hpp"
#include "run.hpp"

namespace examples {

/// Runs epochs epoch+1 .. opt.epochs (stopping early once `steps` reports opt.steps, when that
/// is set). step(epoch) trains one step and returns its losses in log.names() order; end_epoch(epoch)
/// writes the epoch's pictures; checkpoint() binds what a resumed run needs. `epoch` counts
/// finished epochs and is saved in the checkpoint.
template <class Steps, class Step, class EndEpoch, class MakeCheckpoint>
void run_epochs(const RunOptions& opt, const std::string& title, ctnn::index_t steps_per_epoch,
                std::int64_t& epoch, Steps&& steps, LossLog& log, Step&& step, EndEpoch&& end_epoch,
                MakeCheckpoint&& checkpoint) {
    const auto all = static_cast<std::int64_t>(opt.epochs) * static_cast<std::int64_t>(steps_per_epoch);
    const std::int64_t total = opt.steps > 0 ? std::min(opt.steps, all) : all;
    const auto done = [&] { return steps() >= total; };
    if (done()) return;
    ctnn::logging::Progress bar(static_cast<ctnn::index_t>(total - steps()), title);
    while (epoch < opt.epochs && !done()) {
        const std::int64_t e = epoch + 1;
        ctnn::index_t ran = 0;
        for (; ran < steps_per_epoch && !done(); ++ran) {
            const std::vector<double> losses = step(e);
            log.add(steps(), e, losses);
            bar.set_postfix(log.last());
            bar.update();
        }
        // A partial epoch (--steps) is not counted: a resumed run repeats it.
        if (ran == steps_per_epoch) epoch = e;
        end_epoch(e);
        checkpoint().counter("epoch", epoch).save(opt.checkpoint_path());
    }
    bar.close();
}

}  // namespace examples

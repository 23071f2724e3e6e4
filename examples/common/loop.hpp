// The epoch loop every trainer runs: steps with a progress bar and the loss log, pictures at the
// end of each epoch, then a checkpoint. The checkpoint holds everything the run's future depends
// on (weights, optimizer states, random states, the step count, the data loader's position), and
// losses.csv is on disk up to its step before it is written: a run cut anywhere (kill -9, --steps,
// Ctrl-C) and resumed continues exactly as if it had not stopped.
#pragma once

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include <ctnn/io/checkpoint.hpp>
#include <ctnn/logging/metrics.hpp>
#include <ctnn/logging/progress.hpp>
#include <ctnn/logging/step_times.hpp>

#include "loss_log.hpp"
#include "run.hpp"

namespace examples {

/// The metadata entry of a DataLoader's position in the checkpoint.
inline constexpr const char* loader_key = "loader";

/// --resume: loads the checkpoint into c (the trainer's, binding `loader` under loader_key as an
/// optional state) and `epoch`. A checkpoint of an older ctnn has no loader position: its data
/// then continues at the start of the epoch after its last finished one, as those versions did
/// (so that run is not the uninterrupted one's), which a note says.
template <class Loader>
void resume(const RunOptions& opt, ctnn::io::Checkpoint c, std::int64_t& epoch, Loader& loader) {
    c.counter("epoch", epoch);
    load_checkpoint(opt, c);
    if (c.missing(loader_key)) {
        loader.skip_epochs(static_cast<ctnn::index_t>(epoch));
        std::cerr << "note: " << opt.checkpoint_path().string()
                  << " holds no data loader position (an older checkpoint): the data continues at the start of epoch "
                  << epoch + 1 << "\n";
    }
}

/// The signal (SIGINT, SIGTERM) that stops the run after this step, or 0. With several ranks,
/// they agree (a collective): every rank stops at the step after which any one received one, so
/// that none waits for the others in a collective of a step they will not take.
inline int agreed_stop_signal(const RunOptions& opt) {
    const int signal = StopSignals::received();
    if (opt.comm.size() == 1) return signal;
    double any = signal;
    ctnn::distributed::AnyCommunicator comm = opt.comm;
    comm.mean(&any, 1);
    return signal ? signal : any > 0 ? SIGTERM : 0;
}

/// The first steps of a run that its step timing leaves out (StepTimes::skipped): they grow
/// buffers and warm caches.
inline constexpr std::size_t timing_warmup = 5;

/// metrics.json's account of how the run computed: its precision (fp32 or bf16), how many
/// processes trained, the seconds rank 0 spent in the communicator (gradients, losses, the
/// agreement to stop; 0 in one process), and from `times` (run_epochs') the median wall time of a
/// step after the warm-up and the median share of it spent communicating.
inline void add_communication(nlohmann::ordered_json& m, const RunOptions& opt, const ctnn::logging::StepTimes& times) {
    m["precision"] = opt.precision;
    m["processes"] = opt.comm.size();
    m["communication_seconds"] = opt.comm.seconds();
    m["timed_steps"] = times.size() - times.skipped(timing_warmup);
    m["step_seconds_median"] = times.median_seconds(timing_warmup);
    m["communication_share_median"] = times.median_share(timing_warmup);
}

/// Trains until opt.epochs epochs of steps_per_epoch steps, or opt.steps steps, are done in all
/// (steps() counts them, restored by --resume). step(epoch) trains one step and returns its losses
/// in log.names() order; end_epoch(epoch) writes the epoch's pictures; checkpoint() binds what a
/// resumed run needs. `epoch` counts finished epochs and is saved in the checkpoint. A checkpoint
/// is written at each epoch's end and where the run stops (--steps, SIGINT, SIGTERM); after a
/// signal the run then throws Interrupted. Returns each step's wall time (the step and the
/// agreement to stop, not the pictures and checkpoints) and its time in the communicator.
template <class Steps, class Step, class EndEpoch, class MakeCheckpoint>
ctnn::logging::StepTimes run_epochs(const RunOptions& opt, const std::string& title, ctnn::index_t steps_per_epoch,
                std::int64_t& epoch, Steps&& steps, LossLog& log, Step&& step, EndEpoch&& end_epoch,
                MakeCheckpoint&& checkpoint) {
    const auto per_epoch = static_cast<std::int64_t>(steps_per_epoch);
    const std::int64_t all = static_cast<std::int64_t>(opt.epochs) * per_epoch;
    const std::int64_t total = opt.steps > 0 ? std::min(opt.steps, all) : all;
    epoch = steps() / per_epoch;
    if (steps() >= total) return ctnn::logging::StepTimes{};
    const auto save = [&](std::int64_t finished_epoch) {
        log.sync();  // every row up to the checkpoint's step is on disk before the checkpoint says so
        ctnn::io::Checkpoint c = checkpoint();
        save_checkpoint(opt, c.counter("epoch", epoch), finished_epoch);
    };
    const StopSignals stop;
    static std::ostream nowhere(nullptr);  // the other ranks' progress: rank 0 shows it
    ctnn::logging::Progress bar(static_cast<ctnn::index_t>(total - steps()),
                                {.desc = title, .out = opt.writes() ? &std::cerr : &nowhere});
    ctnn::logging::StepTimes times(static_cast<std::size_t>(total - steps()));
    while (steps() < total) {
        const std::int64_t e = steps() / per_epoch + 1;  // the epoch this step belongs to
        const double communicated = opt.comm.seconds();
        const auto started = std::chrono::steady_clock::now();
        const std::vector<double> losses = step(e);
        log.add(steps(), e, losses);
        bar.set_postfix(log.last());
        bar.update();
        const int signal = agreed_stop_signal(opt);
        times.add(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
                  opt.comm.seconds() - communicated);
        const bool epoch_end = steps() % per_epoch == 0;
        if (epoch_end) epoch = e;
        if (epoch_end || steps() >= total) {
            end_epoch(e);
            save(epoch_end ? e : 0);
        } else if (signal) {
            save(0);
        }
        if (signal) {
            bar.close();
            throw Interrupted(std::string(signal == SIGINT ? "SIGINT" : "SIGTERM") + " after step " +
                                  std::to_string(steps()) + ": saved " + opt.checkpoint_path().string() +
                                  " and losses.csv; --resume continues from there",
                              signal);
        }
    }
    bar.close();
    return times;
}

}  // namespace examples

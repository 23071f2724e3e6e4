// The wall time of each training step and the share of it spent inside the communicator, kept
// through one run: what a scaling measurement reports (benchmarks/scaling.sh, bench_scaling),
// as medians over the steps after a warm-up, so that neither the first steps (which grow
// buffers) nor a stall of a shared machine moves the figure.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace ctnn::logging {

/// Per-step wall seconds and communicating seconds of a run.
class StepTimes {
public:
    /// Room for `steps` steps, so that add() allocates nothing until then.
    explicit StepTimes(std::size_t steps = 0) {
        seconds_.reserve(steps);
        shares_.reserve(steps);
    }

    /// One more step, of `seconds` wall time, `communicating` of them inside the communicator.
    void add(double seconds, double communicating) {
        seconds_.push_back(seconds);
        shares_.push_back(seconds > 0 ? communicating / seconds : 0.0);
    }

    /// The steps added so far.
    std::size_t size() const { return seconds_.size(); }

    /// How many of the first steps a median skips: `warmup`, or half the steps when there are
    /// no more than 2 * warmup (so that a short run still reports its later steps).
    std::size_t skipped(std::size_t warmup) const { return std::min(warmup, size() / 2); }

    /// The median wall time of a step after the first skipped(warmup) ones; 0 without steps.
    double median_seconds(std::size_t warmup) const { return median(seconds_, skipped(warmup)); }
    /// The median, over the same steps, of each step's share spent communicating.
    double median_share(std::size_t warmup) const { return median(shares_, skipped(warmup)); }

private:
    static double median(const std::vector<double>& values, std::size_t skip) {
        std::vector<double> v(values.begin() + static_cast<std::ptrdiff_t>(skip), values.end());
        if (v.empty()) return 0;
        const auto middle = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
        std::nth_element(v.begin(), middle, v.end());
        if (v.size() % 2 == 1) return *middle;
        return (*middle + *std::max_element(v.begin(), middle)) / 2;
    }

    std::vector<double> seconds_, shares_;
};

}  // namespace ctnn::logging

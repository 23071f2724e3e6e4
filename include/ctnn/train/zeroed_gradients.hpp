// Keeps a trainer's network gradients zero between its steps without a pass of their own: the
// optimizer clears them as its update reads them (Optimizer::step_and_zero_grad), and the next
// step clears them first only if a backward pass has added to them since (a step stopped by the
// divergence guard, or the caller's own backward).
#pragma once

#include <cstdint>
#include <limits>

namespace ctnn::detail {

class ZeroedGradients {
public:
    /// Before the step's backward passes: net's gradients are zero afterwards.
    template <class NetT, class Opt>
    void begin(NetT& net, Opt& optimizer) const {
        if (net.gradient_passes() != zero_at_) optimizer.zero_grad();
    }

    /// The step's update, leaving net's gradients zero.
    template <class NetT, class Opt>
    void step(NetT& net, Opt& optimizer) {
        optimizer.step_and_zero_grad();
        zero_at_ = net.gradient_passes();
    }

private:
    std::uint64_t zero_at_ = std::numeric_limits<std::uint64_t>::max();  ///< not yet: clear first
};

}  // namespace ctnn::detail

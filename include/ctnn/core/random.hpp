// The seeded random engine behind initialisation, noise and dropout.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <numbers>
#include <random>
#include <sstream>
#include <string>

#include "ctnn/core/config.hpp"

namespace ctnn {

/// SplitMix64's output for counter `x` (Steele, Lea and Flood 2014): the i-th number of the
/// stream seeded with s is splitmix64(s + (i + 1) 0x9E3779B97F4A7C15). A pure function of the
/// counter, so a stream can be drawn in parallel, on any device, in any order.
CTNN_HD constexpr std::uint64_t splitmix64(std::uint64_t x) {
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

/// One engine per run. std::mt19937_64's sequence is fixed by the C++ standard and the
/// distributions below are our own (the standard library's are implementation-defined), so the
/// same seed gives the same numbers with every compiler and standard library.
class Rng {
public:
    /// An engine seeded with seed (the same seed, the same sequence).
    explicit Rng(std::uint64_t seed = 0) : engine_(seed) {}

    /// 64 uniformly random bits: the engine's next output.
    std::uint64_t bits() { return engine_(); }

    /// Uniform in [0, 1) with the full mantissa of T.
    template <class T = float>
    T uniform() {
        if constexpr (sizeof(T) <= 4)
            return static_cast<T>(engine_() >> 40) * static_cast<T>(0x1.0p-24);
        else
            return static_cast<T>(engine_() >> 11) * static_cast<T>(0x1.0p-53);
    }

    /// Uniform in [lo, hi).
    template <class T = float>
    T uniform(T lo, T hi) {
        return lo + (hi - lo) * uniform<T>();
    }

    /// Standard normal by Box-Muller, computed in double so that float and double runs see the
    /// same underlying draws.
    template <class T = float>
    T normal(T mean = T(0), T stddev = T(1)) {
        if (has_spare_) {
            has_spare_ = false;
            return mean + stddev * static_cast<T>(spare_);
        }
        double u1 = 0.0;
        while (u1 <= 0.0) u1 = uniform<double>();
        const double u2 = uniform<double>();
        const double r = std::sqrt(-2.0 * std::log(u1));
        spare_ = r * std::sin(2.0 * std::numbers::pi * u2);
        has_spare_ = true;
        return mean + stddev * static_cast<T>(r * std::cos(2.0 * std::numbers::pi * u2));
    }

    /// The full state as text, for checkpoints; restore() gives back the exact sequence.
    std::string state() const {
        std::ostringstream os;
        os << engine_ << ' ' << has_spare_ << ' ' << std::hexfloat << spare_;
        return os.str();
    }
    /// Returns to a state() string; throws std::invalid_argument if s is malformed.
    void restore(const std::string& s) {
        std::istringstream is(s);
        std::mt19937_64 e;
        bool has = false;
        double spare = 0.0;
        is >> e >> has;
        std::string sp;
        is >> sp;
        if (!is && !is.eof()) throw std::invalid_argument("ctnn::Rng::restore: malformed state");
        spare = std::strtod(sp.c_str(), nullptr);
        engine_ = e;
        has_spare_ = has;
        spare_ = spare;
    }

private:
    std::mt19937_64 engine_;
    bool has_spare_ = false;
    double spare_ = 0.0;
};

}  // namespace ctnn

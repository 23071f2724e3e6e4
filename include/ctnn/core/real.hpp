// Real: a real number as a template argument. clang 14 does not accept floating-point template
// parameters, so constants such as LeakyReLU's slope travel as a reduced fraction in a structural
// class type: LeakyReLU<0.2> converts implicitly, and compilers print it as Real{1, 5}.
#pragma once

#include <cstdint>
#include <numeric>

namespace ctnn {

/// A real number as a reduced fraction num / den, usable as a template argument (see above).
struct Real {
    // Public members: a structural type, so it can be a template argument.
    std::int64_t num;  ///< numerator, sign included
    std::int64_t den;  ///< denominator

    /// The fraction num / den, reduced. (nvcc's host pass re-creates template arguments through
    /// this constructor, so it must exist with exactly these parameters.)
    constexpr Real(std::int64_t n, std::int64_t d) : num(n / std::gcd(n, d)), den(d / std::gcd(n, d)) {}
    /// v to 12 decimal places (any slope, rate or probability a layer takes), reduced.
    constexpr Real(double v) : Real(decimal(v, 12)) {}
    /// A float literal (0.01f) means the decimal it was written as, to float's 7 significant
    /// digits, as PyTorch (which keeps such constants in double) reads it.
    constexpr Real(float v) : Real(decimal(static_cast<double>(v), float_decimals(v))) {}

    /// num / den as a double.
    constexpr double value() const { return static_cast<double>(num) / static_cast<double>(den); }

private:
    static constexpr Real decimal(double v, int decimals) {
        std::int64_t d = 1;
        for (int i = 0; i < decimals; ++i) d *= 10;
        return Real(static_cast<std::int64_t>(v * static_cast<double>(d) + (v < 0 ? -0.5 : 0.5)), d);
    }
    static constexpr int float_decimals(float v) {
        double a = v < 0 ? -static_cast<double>(v) : static_cast<double>(v);
        int decimals = 6;  // 7 significant digits for 1 <= a < 10
        for (; a < 1 && a > 0 && decimals < 12; a *= 10) ++decimals;
        for (; a >= 10 && decimals > 0; a /= 10) --decimals;
        return decimals;
    }
};

}  // namespace ctnn

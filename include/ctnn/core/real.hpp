// Real: a real number as a template argument. clang 14 does not accept floating-point template
// parameters, so constants such as LeakyReLU's slope travel as a reduced fraction in a structural
// class type: LeakyReLU<0.2> converts implicitly, and compilers print it as Real{1, 5}.
#pragma once

#include <cstdint>
#include <numeric>

namespace ctnn {

struct Real {
    // Public members: a structural type, so it can be a template argument.
    std::int64_t num;
    std::int64_t den;

    /// v to 12 decimal places (any slope, rate or probability a layer takes), reduced.
    constexpr Real(double v) : Real(v, 12) {}
    /// A float literal (0.01f) means the decimal it was written as, to float's 7 significant
    /// digits, as PyTorch (which keeps such constants in double) reads it.
    constexpr Real(float v) : Real(static_cast<double>(v), float_decimals(v)) {}

    constexpr double value() const { return static_cast<double>(num) / static_cast<double>(den); }

private:
    constexpr Real(double v, int decimals) : num(0), den(1) {
        for (int i = 0; i < decimals; ++i) den *= 10;
        num = static_cast<std::int64_t>(v * static_cast<double>(den) + (v < 0 ? -0.5 : 0.5));
        const std::int64_t g = std::gcd(num, den);
        num /= g;
        den /= g;
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

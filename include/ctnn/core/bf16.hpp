// bfloat16: the upper half of an IEEE float (sign, 8 exponent bits, 7 mantissa bits), the format
// of the bf16 mixed-precision policy's GEMM operands (device/bf16.hpp). Conversion from float
// rounds to nearest, ties to even, as PyTorch's c10::BFloat16 does (tests/reference/golden_bf16.py
// checks it on ties, denormals, infinities and NaN): denormals are rounded, not flushed, and a
// float too large for bf16 becomes infinity.
#pragma once

#include <bit>
#include <cstdint>

#include "ctnn/core/config.hpp"

namespace ctnn {

/// The bits of the bf16 nearest to x (ties to even). Every NaN becomes the quiet NaN 0x7FC0, as
/// in c10::BFloat16 (PyTorch's vectorised conversion of an array writes 0xFFFF, another NaN).
constexpr std::uint16_t to_bf16(float x) {
    const std::uint32_t u = std::bit_cast<std::uint32_t>(x);
    // Adding 0x7FFF carries into bit 16 above half an ulp; the kept bit 16 turns an exact half
    // into a carry only when that bit is odd: round half to even. Branch-free, so that the loops
    // below vectorise.
    const auto rounded = static_cast<std::uint16_t>((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
    return (u & 0x7FFFFFFFu) > 0x7F800000u ? std::uint16_t{0x7FC0u} : rounded;
}

/// The float of bf16 bits b (exact: every bf16 is a float).
constexpr float from_bf16(std::uint16_t b) { return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16); }

/// x rounded to the nearest bf16, as a float.
constexpr float round_to_bf16(float x) { return from_bf16(to_bf16(x)); }

namespace detail {
/// out[i] = to_bf16(x[i]) for i in [0, n).
inline void to_bf16_n(const float* x, index_t n, std::uint16_t* out) {
    for (index_t i = 0; i < n; ++i) out[i] = to_bf16(x[i]);
}
/// out[i] = round_to_bf16(x[i]) for i in [0, n).
inline void round_to_bf16_n(const float* x, index_t n, float* out) {
    for (index_t i = 0; i < n; ++i) out[i] = round_to_bf16(x[i]);
}
}  // namespace detail

}  // namespace ctnn

// The bf16 mixed-precision policy: Bf16Mixed<Dev> is the device Dev with its float GEMMs on bf16
// operands (Dev::gemm_bf16), everything else Dev's own.
//
//   ctnn::Network<Net, ctnn::Bf16Mixed<ctnn::Cpu>> net(rng);
//   ctnn::Gan<G, D, ctnn::Adam, ctnn::Adam, ctnn::Bf16Mixed<ctnn::Cpu>> gan(...);
//
// Only Linear, Conv2d and ConvTranspose2d call GEMMs, so the policy is all in this one member:
// parameters, gradients, optimizer state (the master weights), activations, BatchNorm's statistics,
// losses and the divergence guard stay float, and a checkpoint is the same float file under either
// policy (it loads into both). Each GEMM rounds its two operands to bf16 (round to nearest even,
// core/bf16.hpp) and sums their products in float: the input and the weight in forward, the
// upstream gradient and the weight for the input gradient, the upstream gradient and the input
// for the weight gradient; biases and their gradients are float sums. Unlike PyTorch's autocast,
// a GEMM's result stays float (autocast rounds it to bf16 too). docs/precision.md has the figures.
#pragma once

#include <type_traits>

#include "ctnn/device/device.hpp"

namespace ctnn {

/// A device with a bf16 GEMM: row-major C = alpha op(A) op(B) + beta C over float matrices whose
/// entries are rounded to bf16, products summed in float.
template <class Dev>
concept Bf16Device = Device<Dev> && requires(const float* a, float* c, index_t n) {
    Dev::gemm_bf16(Trans::no, Trans::yes, n, n, n, 1.0f, a, n, a, n, 0.0f, c, n);
};

/// The bf16 mixed-precision policy on Dev: Dev itself but for float GEMMs, which go to
/// Dev::gemm_bf16 (double GEMMs stay Dev's: the policy is float training's).
template <Bf16Device Dev>
struct Bf16Mixed : Dev {
    /// Row-major C = alpha op(A) op(B) + beta C: on bf16 operands for float, Dev's for double.
    template <class T>
    static void gemm(Trans ta, Trans tb, index_t m, index_t n, index_t k, T alpha, const T* a, index_t lda,
                     const T* b, index_t ldb, T beta, T* c, index_t ldc) {
        if constexpr (std::is_same_v<T, float>)
            Dev::gemm_bf16(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        else
            Dev::gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
};

/// What a TrainedNetwork keeps of its parameters as GEMM operands between two writes of them
/// (TrainedNetwork::keep_rounded_parameters()): nothing, but under Bf16Mixed<Dev> where Dev has a
/// bf16_parameter_cache (the Cpu: detail::RoundedParameters), their bf16 copies.
template <class Dev, class T>
struct ParameterOperands {
    /// Keeps nothing.
    struct Scope {};
    /// A scope over parameters [begin, begin + n): nothing to keep.
    [[nodiscard]] Scope scope(const T*, index_t) { return {}; }
    /// The parameters were written: nothing kept to drop.
    void invalidate() {}
};
template <Bf16Device Dev>
    requires requires { typename Dev::bf16_parameter_cache; }
struct ParameterOperands<Bf16Mixed<Dev>, float> : Dev::bf16_parameter_cache {};

}  // namespace ctnn

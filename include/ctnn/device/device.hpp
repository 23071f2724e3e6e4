// What a device provides, as the Device concept: everything layers, losses, optimizers and
// networks call on one. Layers are written once against it; a network type runs on any device
// that satisfies it (Cpu, ThrustOmp, and the Thrust-based Cuda device). Networks check it where
// they take a device, so a device that lacks a member fails with the concept's name.
//
// Loop bodies are written `[=] CTNN_HD (index_t i) { ... }` over raw pointers: CTNN_HD becomes
// __host__ __device__ under nvcc, so the same lambda runs on the CPU and the GPU.
#pragma once

#include <concepts>
#include <cstdint>

#include "ctnn/core/config.hpp"

namespace ctnn {

/// Whether a GEMM operand is used as stored or transposed.
enum class Trans { no, yes };

/// The default device (device/cpu.hpp), declared here so that network types can name it as their
/// default without pulling Eigen into translation units for other devices (nvcc's).
struct Cpu;

namespace detail {
/// The geometry of a 2-D convolution from a C x H x W image to OH x OW positions (and of a
/// pooling window, whose K x K taps stay in their channel).
struct ConvGeometry {
    index_t C, H, W, K, S, P, OH, OW;
    CTNN_HD constexpr index_t image_size() const { return C * H * W; }
    CTNN_HD constexpr index_t rows() const { return C * K * K; }  ///< rows of one sample's column matrix
    CTNN_HD constexpr index_t cols() const { return OH * OW; }
    CTNN_HD constexpr index_t column_size() const { return rows() * cols(); }
    /// Whether the taps of every output position lie inside the padded image.
    constexpr bool fits() const { return (OH - 1) * S + K <= H + 2 * P && (OW - 1) * S + K <= W + 2 * P; }
};

/// Stand-ins for the function objects callers pass, to check the Device concept's calls.
namespace probe {
struct Body {
    void operator()(index_t) const {}
};
struct Term {
    float operator()(index_t) const { return 0; }
};
struct Unary {
    float operator()(float x) const { return x; }
};
struct LossTerm {
    float value(float, float) const { return 0; }
    float grad(float, float) const { return 0; }
};
struct ChannelValue {
    void operator()(index_t, index_t, float*) const {}
};
struct ChannelResult {
    void operator()(index_t, const float*) const {}
};
struct ChannelMap {
    void operator()(index_t, index_t) const {}
};
}  // namespace probe
}  // namespace detail

/// A device: a type with static members only. Memory, loops, sums, GEMMs and copies:
///
///   storage<T>, data(storage<T>&)      an owning buffer in the device's memory, a raw pointer into it
///   for_each(n, f[, work])             f(i) for i in [0, n), independent; work: elements per f(i), a threading hint
///   sum<T>(n, f)                       the sum of f(i) over [0, n), in an order fixed by n alone
///   gemm(Trans, Trans, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc)   row-major C = alpha op(A) op(B) + beta C
///   fill(p, n, v), copy(src, n, dst), to_host(src, n, host), from_host(host, n, dst)   ranges do not overlap
///   column_budget                      convolution columns built at a time (layers/im2col.hpp)
///
/// and the kernels layers and losses ask for (device/kernels.hpp has their per-item forms, which
/// a device inherits from detail::GenericKernels<Dev> or replaces with faster ones that give the
/// same floats):
///
///   map(n, x, y, f)                                 y[i] = f(x[i])
///   loss_sum(term, n, x, y, y_value, div, g)        sum of term.value(x[i], y_i), g[i] = term.grad(...) / div
///   im2col<G>(x, cols, batch), col2im<G>(cols, x, batch)           a convolution's columns and their adjoint
///   max_pool2d<G>(x, out, argmax, batch)            torch.nn.MaxPool2d's forward
///   channel_sums<T, C, HW, Sums>(n, value, result)  per-channel sums in a fixed order
///   for_each_channel_value<C, HW>(n, f)             f(i, channel of i) over a batch of C x HW values
template <class Dev>
concept Device = requires(typename Dev::template storage<float>& s, float* p, const float* cp, double* dp,
                          const double* cdp, std::int32_t* ip, index_t n) {
    { Dev::data(s) } -> std::same_as<float*>;
    Dev::for_each(n, detail::probe::Body{});
    Dev::for_each(n, detail::probe::Body{}, n);
    { Dev::template sum<float>(n, detail::probe::Term{}) } -> std::same_as<float>;
    Dev::gemm(Trans::no, Trans::yes, n, n, n, 1.0f, cp, n, cp, n, 0.0f, p, n);
    Dev::gemm(Trans::no, Trans::yes, n, n, n, 1.0, cdp, n, cdp, n, 0.0, dp, n);
    Dev::fill(p, n, 0.0f);
    Dev::copy(cp, n, p);
    Dev::to_host(cp, n, p);
    Dev::from_host(cp, n, p);
    { Dev::column_budget } -> std::convertible_to<index_t>;
    Dev::map(n, cp, p, detail::probe::Unary{});
    { Dev::loss_sum(detail::probe::LossTerm{}, n, cp, cp, 0.0f, 1.0f, p) } -> std::same_as<float>;
    Dev::template im2col<detail::ConvGeometry{1, 1, 1, 1, 1, 0, 1, 1}>(cp, p, n);
    Dev::template col2im<detail::ConvGeometry{1, 1, 1, 1, 1, 0, 1, 1}>(cp, p, n);
    Dev::template max_pool2d<detail::ConvGeometry{1, 1, 1, 1, 1, 0, 1, 1}>(cp, p, ip, n);
    Dev::template channel_sums<float, 1, 1, 1>(n, detail::probe::ChannelValue{}, detail::probe::ChannelResult{});
    Dev::template for_each_channel_value<1, 1>(n, detail::probe::ChannelMap{});
};

}  // namespace ctnn

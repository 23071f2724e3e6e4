// MaxPool2d<Kernel, Stride, Padding>: torch.nn.MaxPool2d (floor mode, padding counts as -inf).
#pragma once

#include <cstdint>
#include <type_traits>

#include "ctnn/layers/conv2d.hpp"

namespace ctnn {

/// The maximum of each Kernel x Kernel window (stride defaults to the kernel, as in PyTorch).
/// Backward sends each output's gradient to the input that was its maximum; the first one wins
/// a tie and NaN propagates, as in PyTorch.
template <index_t Kernel, index_t Stride = Kernel, index_t Padding = 0>
struct MaxPool2d {
    static_assert(Kernel > 0 && Stride > 0, "ctnn: MaxPool2d needs positive sizes");
    static_assert(2 * Padding <= Kernel, "ctnn: MaxPool2d's padding must be at most half its kernel (as in PyTorch)");
    static constexpr std::string_view type_name = "MaxPool2d";
    static constexpr index_t parameter_count = 0;
    static constexpr bool per_sample = true;

    template <index_t Position, AnyShape In>
    static consteval auto infer() {
        using I = decltype(detail::checked_image<Position, MaxPool2d, 0, Kernel, Padding, In>());
        return Shape<I::dims[0], detail::window_out(I::dims[1], Kernel, Stride, Padding),
                     detail::window_out(I::dims[2], Kernel, Stride, Padding)>{};
    }

    template <AnyShape In, class Dev, class T>
    class impl : public LayerBase<In, decltype(infer<error::unreported, In>()), Dev, T> {
        using Base = LayerBase<In, decltype(infer<error::unreported, In>()), Dev, T>;
        using Out = typename Base::out_shape;
        using Img = decltype(detail::checked_image<error::unreported, MaxPool2d, 0, Kernel, Padding, In>());
        static constexpr index_t H = Img::dims[1], W = Img::dims[2], OH = Out::dims[1], OW = Out::dims[2];

    public:
        void forward(typename Base::in_view x, typename Base::out_view y, const ForwardContext&) {
            argmax_.resize(x.batch);
            const T* in = x.data();
            T* out = y.data();
            std::int32_t* arg = argmax_.data();
            if constexpr (std::is_same_v<Dev, Cpu> && Padding == 0) {
                // The Cpu, windows always inside the image: one item per plane, no bounds tests or
                // index arithmetic per element, and a branch-free maximum (8% of a DCGAN step as
                // the general loop below). The same visiting order and rule (replaces).
                Dev::for_each(x.batch * In::dims[0], [=](index_t plane) {
                    const T* p = in + plane * H * W;
                    for (index_t oh = 0; oh < OH; ++oh)
                        for (index_t ow = 0; ow < OW; ++ow) {
                            const index_t first = oh * Stride * W + ow * Stride;
                            T best = p[first];
                            index_t where = first;
                            for (index_t kh = 0; kh < Kernel; ++kh)
                                for (index_t kw = kh == 0 ? 1 : 0; kw < Kernel; ++kw) {
                                    const index_t at = first + kh * W + kw;
                                    const T v = p[at];
                                    const bool take = replaces(v, best);
                                    best = take ? v : best;
                                    where = take ? at : where;
                                }
                            const index_t o = plane * OH * OW + oh * OW + ow;
                            out[o] = best;
                            arg[o] = static_cast<std::int32_t>(where);
                        }
                }, H * W);
                return;
            }
            Dev::for_each(y.size(), [=] CTNN_HD(index_t i) {
                const index_t ow = i % OW, oh = (i / OW) % OH, plane = i / (OH * OW);
                const T* p = in + plane * H * W;
                T best = T(0);
                std::int32_t where = -1;
                // Signed: the window may start in the padding.
                const auto h0 = static_cast<std::int64_t>(oh * Stride) - static_cast<std::int64_t>(Padding);
                const auto w0 = static_cast<std::int64_t>(ow * Stride) - static_cast<std::int64_t>(Padding);
                for (index_t kh = 0; kh < Kernel; ++kh) {
                    const std::int64_t h = h0 + static_cast<std::int64_t>(kh);
                    if (h < 0 || h >= static_cast<std::int64_t>(H)) continue;
                    for (index_t kw = 0; kw < Kernel; ++kw) {
                        const std::int64_t w = w0 + static_cast<std::int64_t>(kw);
                        if (w < 0 || w >= static_cast<std::int64_t>(W)) continue;
                        const auto at = static_cast<index_t>(h * static_cast<std::int64_t>(W) + w);
                        const T v = p[at];
                        if (where < 0 || replaces(v, best)) {
                            best = v;
                            where = static_cast<std::int32_t>(at);
                        }
                    }
                }
                out[i] = best;
                arg[i] = where;
            });
        }

        void backward(typename Base::in_view, typename Base::out_cview, typename Base::out_cview dy,
                      typename Base::in_grad_view dx, ParamGrads) {
            if (dx.empty()) return;
            const T* g = dy.data();
            const std::int32_t* arg = argmax_.data();
            T* d = dx.data();
            // One item per plane: clear it, then send each output's gradient to its window's
            // maximum (windows may overlap; one item owns the plane, so no write conflicts).
            Dev::for_each(dx.batch * In::dims[0], [=] CTNN_HD(index_t plane) {
                T* d_plane = d + plane * H * W;
                for (index_t i = 0; i < H * W; ++i) d_plane[i] = T(0);
                for (index_t o = plane * OH * OW; o < (plane + 1) * OH * OW; ++o)
                    if (arg[o] >= 0) d_plane[arg[o]] += g[o];
            }, H * W);
        }

    private:
        /// Whether window value v takes the maximum from best, scanning in row-major order: a
        /// larger value (the first of equal ones stays, PyTorch's tie rule), or the first NaN,
        /// which then stays (NaN propagates).
        CTNN_HD static bool replaces(T v, T best) { return v > best || (v != v && best == best); }

        Tensor<Out, Dev, std::int32_t> argmax_;
    };
};

}  // namespace ctnn

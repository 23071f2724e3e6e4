// SpectralNorm<L>: torch.nn.utils.spectral_norm on a Linear, Conv2d or ConvTranspose2d (Miyato et
// al. 2018, SN-GAN): the layer runs with its weight divided by the weight's largest singular value,
// estimated by one power iteration per training forward.
#pragma once

#include <string>
#include <type_traits>

#include "ctnn/device/ops.hpp"
#include "ctnn/layers/conv_transpose2d.hpp"
#include "ctnn/layers/linear.hpp"

namespace ctnn {

namespace detail {
/// The weight dimension PyTorch's spectral_norm makes the rows of the matrix whose largest
/// singular value it estimates (its `dim`): 0 (output features or channels), but 1 for
/// ConvTranspose2d, whose weight is [InC, OutC, K, K]. Defined for the layers that have a weight.
template <class L>
struct spectral_norm_dim;
template <index_t In, index_t Out, bool B>
struct spectral_norm_dim<Linear<In, Out, B>> : std::integral_constant<int, 0> {};
template <index_t I, index_t O, index_t K, index_t S, index_t P, bool B>
struct spectral_norm_dim<Conv2d<I, O, K, S, P, B>> : std::integral_constant<int, 0> {};
template <index_t I, index_t O, index_t K, index_t S, index_t P, index_t OP, bool B>
struct spectral_norm_dim<ConvTranspose2d<I, O, K, S, P, OP, B>> : std::integral_constant<int, 1> {};
/// Whether SpectralNorm takes layer L.
template <class L>
inline constexpr bool has_spectral_norm = requires { spectral_norm_dim<L>::value; };

/// SpectralNorm<L>'s implementation (see SpectralNorm).
template <class L, AnyShape In, class Dev, class T>
class SpectralNormImpl : public LayerBase<In, typename L::template impl<In, Dev, T>::out_shape, Dev, T> {
    using Inner = typename L::template impl<In, Dev, T>;
    using Base = LayerBase<In, typename Inner::out_shape, Dev, T>;
    using WeightShape = typename decltype(Inner::weight)::shape;
    static constexpr int dim = spectral_norm_dim<L>::value;
    static constexpr index_t rows = WeightShape::dims[dim], cols = WeightShape::size / rows;
    static constexpr index_t size = WeightShape::size;
    // dim 1: W is lead x rows x rest, its matrix rows x (lead rest).
    static constexpr index_t lead = WeightShape::dims[0], rest = cols / lead;

public:
    /// @name Parameters and buffers
    ///@{

    /// W and its gradient: views into the network's flat buffers.
    Parameter<WeightShape, Dev, T> weight_orig, weight_orig_grad;
    /// The power iteration's left and right singular vector estimates.
    Tensor<Shape<rows>, Dev, T> weight_u{1};
    Tensor<Shape<cols>, Dev, T> weight_v{1};
    ///@}

    SpectralNormImpl() {
        inner_.weight.bind(weight_.data());
        inner_.weight_grad.bind(grad_.data());
    }

    /// sigma = u^T W v of the last forward, by which L's weight was divided.
    T sigma() const { return sigma_; }

    /// L's parameters drawn into W, then u and v.
    void reset_parameters(Rng& rng, Init scheme) {
        inner_.weight.bind(weight_orig.data());
        inner_.reset_parameters(rng, scheme);
        inner_.weight.bind(weight_.data());
        init::normal(weight_u, rng, 0.0, 1.0);
        ops::normalize<Dev>(weight_u.data(), rows, eps);
        init::normal(weight_v, rng, 0.0, 1.0);
        ops::normalize<Dev>(weight_v.data(), cols, eps);
    }

    /// PyTorch's names: `weight_orig`, then L's other parameters (its bias).
    template <class F>
    void visit_parameters(const std::string& prefix, F&& f) {
        f(prefix + "weight_orig", weight_orig, weight_orig_grad);
        inner_.visit_parameters(prefix, [&](const std::string& name, auto& p, auto& g) {
            if (name != prefix + "weight") f(name, p, g);
        });
    }

    /// `weight_u`, `weight_v`, then L's buffers.
    template <class F>
    void visit_buffers(const std::string& prefix, F&& f) {
        f(prefix + "weight_u", weight_u);
        f(prefix + "weight_v", weight_v);
        inner_.visit_buffers(prefix, f);
    }

    void forward(typename Base::in_view x, typename Base::out_view y, const ForwardContext& ctx) {
        normalise(ctx.mode == Mode::train);
        inner_.forward(x, y, ctx);
    }

    void backward(typename Base::in_view x, typename Base::out_cview y, typename Base::out_cview dy,
                  typename Base::in_grad_view dx, ParamGrads pg) {
        // L's weight gradient G goes to grad_, fresh in every mode; its bias gradient follows pg.
        if (pg == ParamGrads::accumulate) grad_.zero();
        inner_.backward(x, y, dy, dx, pg);
        if (pg == ParamGrads::frozen) return;
        const T c = ops::dot<Dev>(grad_.data(), weight_orig.data(), size) / (sigma_ * sigma_);
        ops::divide<Dev>(grad_.data(), size, sigma_, grad_.data());
        // - c u v^T, added to G / sigma in the matrix's layout.
        T* m = dim == 0 ? grad_.data() : mat_.data();
        if constexpr (dim != 0) to_channel_major<Dev>(grad_.data(), m, lead, rows, rest);
        Dev::gemm(Trans::no, Trans::no, rows, cols, 1, -c, weight_u.data(), 1, weight_v.data(), cols, T(1), m, cols);
        if constexpr (dim != 0) from_channel_major<Dev>(m, grad_.data(), lead, rows, rest, static_cast<const T*>(nullptr));
        if (pg == ParamGrads::overwrite)
            Dev::copy(grad_.data(), size, weight_orig_grad.data());
        else
            ops::add<Dev>(grad_.data(), size, weight_orig_grad.data());
    }

private:
    static constexpr T eps = T(1e-12);

    /// W as the rows x cols matrix of PyTorch's reshape_weight_to_matrix: W itself for dim 0,
    /// W's first two dimensions swapped (into mat_) for dim 1.
    const T* matrix() {
        if constexpr (dim == 0) {
            return weight_orig.data();
        } else {
            to_channel_major<Dev>(weight_orig.data(), mat_.data(), lead, rows, rest);
            return mat_.data();
        }
    }

    /// With `iterate`, one power iteration on u and v; then sigma and L's weight W / sigma.
    void normalise(bool iterate) {
        const T* w = matrix();
        T* u = weight_u.data();
        T* v = weight_v.data();
        if (iterate) {  // v = normalize(W^T u), as the row u^T W
            Dev::gemm(Trans::no, Trans::no, 1, cols, rows, T(1), u, rows, w, cols, T(0), v, cols);
            ops::normalize<Dev>(v, cols, eps);
        }
        // W v, as the row v^T W^T
        Dev::gemm(Trans::no, Trans::yes, 1, rows, cols, T(1), v, cols, w, cols, T(0), wv_.data(), rows);
        if (iterate) {  // u = normalize(W v)
            Dev::copy(wv_.data(), rows, u);
            ops::normalize<Dev>(u, rows, eps);
        }
        sigma_ = ops::dot<Dev>(u, wv_.data(), rows);
        ops::divide<Dev>(weight_orig.data(), size, sigma_, weight_.data());
    }

    Inner inner_;
    Tensor<WeightShape, Dev, T> weight_{1};  ///< W / sigma: L's weight
    Tensor<WeightShape, Dev, T> grad_{1};    ///< dL/d(W / sigma): L's weight gradient, then dL/dW
    Tensor<Shape<rows, cols>, Dev, T> mat_{dim == 0 ? 0 : 1};  ///< W, then a gradient, as a matrix (dim 1)
    Tensor<Shape<rows>, Dev, T> wv_{1};      ///< W v
    T sigma_ = 1;
};

}  // namespace detail

/// Layer L (Linear, Conv2d or ConvTranspose2d) with spectral normalisation, as
/// `torch.nn.utils.spectral_norm(module)` with n_power_iterations = 1, eps = 1e-12 and PyTorch's
/// dim (0; 1 for ConvTranspose2d). The trained parameter is `weight_orig` (W); the buffers
/// `weight_u` (u) and `weight_v` (v) are unit vectors drawn from N(0, 1) and normalised, after the
/// layer's own parameters, from the network's Rng. Each training forward first runs one power
/// iteration, v = normalize(W^T u), u = normalize(W v), then L runs with W / sigma, sigma = u^T W v;
/// an eval forward uses u and v as they are. The backward pass treats u and v as constants, as
/// PyTorch's autograd does (its power iteration runs under no_grad):
/// dL/dW = G / sigma - (<G, W> / sigma^2) u v^T, G being dL/d(W / sigma).
///
/// Not per_sample: every training forward moves u, so a batch run as two passes (as PyTorch's
/// loops run D on real and on generated samples) sees two iterations where one pass would see one.
template <class L>
struct SpectralNorm {
    /// @name Layer protocol
    ///@{

    /// As the Layer concept defines it: L's, whose shapes and errors it keeps.
    static constexpr std::string_view type_name = L::type_name;
    static constexpr index_t parameter_count = L::parameter_count;

    template <index_t Position, AnyShape In>
    static consteval auto infer() {
        if constexpr (!detail::has_spectral_norm<L>) (void)sizeof(error::spectral_norm_needs_weight<Position, L>);
        return L::template infer<Position, In>();
    }

    ///@}

    /// L's impl with spectral normalisation; L's own after a spectral_norm_needs_weight error.
    template <AnyShape In, class Dev, class T>
    using impl = std::conditional_t<detail::has_spectral_norm<L>, detail::SpectralNormImpl<L, In, Dev, T>,
                                    typename L::template impl<In, Dev, T>>;
};

}  // namespace ctnn

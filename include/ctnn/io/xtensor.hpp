// xtensor at the edges of a program that embeds ctnn: a tensor's batch seen as an xtensor
// expression (in place on host devices, copied from any), tensors and data sets filled from
// xtensor expressions. The batch is always the first dimension, the static sample shape the rest:
// a Tensor<Shape<1, 28, 28>> of 64 images is an xtensor of shape [64, 1, 28, 28].
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <xtensor/xadapt.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xtensor.hpp>

#include "ctnn/core/errors.hpp"
#include "ctnn/core/random.hpp"
#include "ctnn/core/tensor.hpp"
#include "ctnn/data/dataset.hpp"
#include "ctnn/device/device.hpp"  // Cpu, the default device

namespace ctnn {

namespace error {
/// An xtensor view is asked of a tensor on Device, whose memory the host cannot read in place.
template <class Device>
struct no_view_of_device_memory_copy_with_to_xarray {
    static_assert(always_false<no_view_of_device_memory_copy_with_to_xarray>,
                  "ctnn: xview of a tensor in device memory, which the host cannot read in place: "
                  "no_view_of_device_memory_copy_with_to_xarray<device>; copy it to the "
                  "host instead with ctnn::to_xarray(t) or ctnn::to_xtensor(t)");
};
}  // namespace error

namespace detail {
/// Whether Dev's tensors are in host memory (Dev::host_memory; a device that does not say is not).
template <class Dev>
inline constexpr bool host_memory = [] {
    if constexpr (requires { Dev::host_memory; })
        return bool(Dev::host_memory);
    else
        return false;
}();

/// [batch, S dims...].
template <AnyShape S>
std::array<std::size_t, S::rank + 1> batch_shape(index_t batch) {
    std::array<std::size_t, S::rank + 1> shape{batch};
    for (std::size_t i = 0; i < S::rank; ++i) shape[i + 1] = S::dims[i];
    return shape;
}

/// The sample dimensions of an xtensor shape known at compile time (xt::xtensor_fixed's), if any.
template <class XShape>
struct fixed_sample_dims : std::false_type {};
template <std::size_t N, std::size_t... D>
struct fixed_sample_dims<xt::fixed_shape<N, D...>> : std::true_type {
    using shape = Shape<D...>;
    static constexpr std::array<std::uint64_t, sizeof...(D)> dims{D...};
};

/// Checks that expression e is [N, sample dims] with sample dims fitting S (as a file's must:
/// data::sample_shape_fits): at compile time where e's shape is static, else at run time.
/// Returns e's shape.
template <AnyShape S, class E>
std::vector<std::size_t> checked_batch_shape(const E& e, const char* who) {
    using Fixed = fixed_sample_dims<std::decay_t<typename E::shape_type>>;
    if constexpr (Fixed::value) {
        if constexpr (!data::sample_shape_fits<S>(Fixed::dims))
            (void)sizeof(error::tensor_shape_mismatch<S, typename Fixed::shape>);
    }
    const auto& es = e.shape();
    std::vector<std::size_t> shape(es.begin(), es.end());
    if constexpr (!Fixed::value) {
        const std::vector<std::uint64_t> dims(shape.begin(), shape.end());
        const std::span<const std::uint64_t> sample =
            dims.empty() ? std::span<const std::uint64_t>() : std::span<const std::uint64_t>(dims).subspan(1);
        if (dims.empty() || !data::sample_shape_fits<S>(sample))
            throw std::invalid_argument(std::string(who) + ": an xtensor expression of shape " + data::dims_str(dims) +
                                        " where [N, " + S::str(false).substr(1) + " (a batch of samples of shape " +
                                        S::str(false) + ") is wanted");
    }
    return shape;
}
}  // namespace detail

/// t's batch as an xtensor expression of shape [batch, S dims...] over t's own memory (row-major):
/// no copy; writing through a view of a mutable tensor changes it. The view is valid while t
/// neither reallocates nor dies. Host devices only (Cpu, ThrustOmp): a Cuda tensor is copied with
/// to_xarray / to_xtensor instead, and asking for its view is a compile error saying so.
template <AnyShape S, class Dev, class T>
auto xview(TensorView<S, Dev, T> v) {
    if constexpr (!detail::host_memory<Dev>) (void)sizeof(error::no_view_of_device_memory_copy_with_to_xarray<Dev>);
    return xt::adapt(v.data(), v.size(), xt::no_ownership(), detail::batch_shape<S>(v.batch));
}
/// xview of t.view(): writable.
template <AnyShape S, class Dev, class T>
auto xview(Tensor<S, Dev, T>& t) {
    return xview(t.view());
}
/// xview of t.cview(): read-only.
template <AnyShape S, class Dev, class T>
auto xview(const Tensor<S, Dev, T>& t) {
    return xview(t.cview());
}

namespace detail {
/// A host copy of v in Container (an xt::xarray or xt::xtensor of either layout), through the
/// device's to_host, straight into Container's memory when it is row-major as the tensor is.
template <class Container, AnyShape S, class Dev, class T>
Container copy_to_host(TensorView<S, Dev, T> v) {
    using Value = std::remove_const_t<T>;
    const auto shape = batch_shape<S>(v.batch);
    if constexpr (Container::static_layout == xt::layout_type::row_major) {
        Container out = Container::from_shape(shape);
        Dev::to_host(v.data(), v.size(), out.data());
        return out;
    } else {
        return Container(copy_to_host<xt::xtensor<Value, S::rank + 1>>(v));
    }
}
}  // namespace detail

/// A host copy of t's batch as an xt::xarray of shape [batch, S dims...], in layout L; from any
/// device (a Cuda tensor through the device's to_host).
template <xt::layout_type L = xt::layout_type::row_major, AnyShape S, class Dev, class T>
xt::xarray<std::remove_const_t<T>, L> to_xarray(TensorView<S, Dev, T> v) {
    return detail::copy_to_host<xt::xarray<std::remove_const_t<T>, L>>(v);
}
/// to_xarray of t's batch.
template <xt::layout_type L = xt::layout_type::row_major, AnyShape S, class Dev, class T>
xt::xarray<T, L> to_xarray(const Tensor<S, Dev, T>& t) {
    return to_xarray<L>(t.cview());
}
/// The same as an xt::xtensor of rank 1 + S's rank.
template <xt::layout_type L = xt::layout_type::row_major, AnyShape S, class Dev, class T>
xt::xtensor<std::remove_const_t<T>, S::rank + 1, L> to_xtensor(TensorView<S, Dev, T> v) {
    return detail::copy_to_host<xt::xtensor<std::remove_const_t<T>, S::rank + 1, L>>(v);
}
/// to_xtensor of t's batch.
template <xt::layout_type L = xt::layout_type::row_major, AnyShape S, class Dev, class T>
xt::xtensor<T, S::rank + 1, L> to_xtensor(const Tensor<S, Dev, T>& t) {
    return to_xtensor<L>(t.cview());
}

/// Fills t (resized to N) from an xtensor expression of shape [N, sample dims...], evaluated in
/// whatever layout it has (row- or column-major) and converted to T. The sample dims must fit S
/// as a file's must (data::sample_shape_fits: equal once leading 1s are dropped, or S flat with
/// the same count): checked at compile time for a static shape (xt::xtensor_fixed), where a
/// mismatch is error::tensor_shape_mismatch, and otherwise at run time, naming both shapes.
template <AnyShape S, class Dev, class T, class E>
void assign_xtensor(Tensor<S, Dev, T>& t, const xt::xexpression<E>& expression) {
    const E& e = expression.derived_cast();
    const std::vector<std::size_t> shape = detail::checked_batch_shape<S>(e, "ctnn::assign_xtensor");
    t.resize(shape[0]);
    if constexpr (detail::host_memory<Dev>) {
        xt::adapt(t.data(), t.size(), xt::no_ownership(), shape) = e;
    } else {
        std::vector<T> host(t.size());
        xt::adapt(host.data(), host.size(), xt::no_ownership(), shape) = e;
        Dev::from_host(host.data(), host.size(), t.data());
    }
}

/// A new tensor holding expression's values (see assign_xtensor).
template <AnyShape S, class Dev = Cpu, class T = float, class E>
Tensor<S, Dev, T> from_xtensor(const xt::xexpression<E>& expression) {
    Tensor<S, Dev, T> t;
    assign_xtensor(t, expression);
    return t;
}

namespace data {

/// A data set of the samples in an xtensor expression of shape [N, sample dims...] (sample dims
/// fitting S, checked as assign_xtensor checks them), stored as its values are: uint8 images in
/// [0, 255] or floats in [0, 1], which the DataLoader scales as it scales a file's.
template <AnyShape S, class E>
Dataset<S, typename E::value_type> from_xtensor(const xt::xexpression<E>& samples) {
    using T = typename E::value_type;
    const E& e = samples.derived_cast();
    const std::vector<std::size_t> shape = ctnn::detail::checked_batch_shape<S>(e, "ctnn::data::from_xtensor");
    Dataset<S, T> out;
    out.samples.resize(xt::compute_size(shape));
    xt::adapt(out.samples.data(), out.samples.size(), xt::no_ownership(), shape) = e;
    return out;
}

/// The same, labelled: `labels` holds N class indices (a 1-D integer expression, each in
/// [0, 2^31)).
template <AnyShape S, class E, class L>
Dataset<S, typename E::value_type> from_xtensor(const xt::xexpression<E>& samples,
                                                const xt::xexpression<L>& labels) {
    static_assert(std::is_integral_v<typename L::value_type>, "ctnn: labels are integer class indices");
    Dataset<S, typename E::value_type> out = from_xtensor<S>(samples);
    const L& l = labels.derived_cast();
    const auto bad = [](const std::string& why) { throw std::invalid_argument("ctnn::data::from_xtensor: " + why); };
    if (l.dimension() != 1 || l.size() != out.size())
        bad("labels of shape " + dims_str(std::vector<std::uint64_t>(l.shape().begin(), l.shape().end())) + " for " +
            std::to_string(out.size()) + " samples (wanted [" + std::to_string(out.size()) + "])");
    out.labels.reserve(out.size());
    for (std::size_t i = 0; i < l.size(); ++i) {
        const auto y = l(i);
        if (std::cmp_less(y, 0) || std::cmp_greater(y, std::numeric_limits<std::int32_t>::max()))
            bad("label " + std::to_string(y) + " of sample " + std::to_string(i) + " is not a class index");
        out.labels.push_back(std::int32_t(y));
    }
    return out;
}

}  // namespace data

/// Outputs of a Network (or TrainedNetwork) for the batch in an xtensor expression, in eval mode
/// (BatchNorm's running statistics, no Dropout; the network's mode restored afterwards), as a host
/// xarray [N, output dims...]: a GAN's generator on latent codes, a VAE's encoder ([N, 2Z]: mu then
/// log-variance) or decoder, a classifier. A layer's output after it (a classifier's features) is
/// `to_xarray(net.layers().template output<K>())`.
template <class NetT, class E>
    requires requires(NetT& net) {
        typename NetT::input_shape;
        net.evaluating();
    }
auto infer(NetT& net, const xt::xexpression<E>& inputs) {
    const auto x = from_xtensor<typename NetT::input_shape, typename NetT::device, typename NetT::scalar>(inputs);
    const auto scope = net.evaluating();
    return to_xarray(net.forward(x.cview()));
}

/// G(z) for the latent codes in z (Gan::generate: eval mode), as a host xarray.
template <class GanT, class E>
    requires requires { typename GanT::noise_shape; }
auto generate(GanT& gan, const xt::xexpression<E>& z) {
    using G = decltype(gan.generator);
    return to_xarray(gan.generate(from_xtensor<typename GanT::noise_shape, typename G::device, typename G::scalar>(z).cview()));
}
/// n samples of G from noise drawn (as the GAN draws its own, Gan::sample_noise) from rng.
template <class GanT>
    requires requires { typename GanT::noise_shape; }
auto generate(GanT& gan, index_t n, Rng& rng) {
    using G = decltype(gan.generator);
    Tensor<typename GanT::noise_shape, typename G::device, typename G::scalar> z;
    gan.sample_noise(z, n, rng);
    return to_xarray(gan.generate(z.cview()));
}

}  // namespace ctnn

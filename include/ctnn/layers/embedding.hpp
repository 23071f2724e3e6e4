// Embedding<Classes, Dim> (torch.nn.Embedding) and ConcatLabel<Branch, Along>: what makes a
// network conditional. A conditional network takes two inputs, its samples and their class
// labels (Network::forward(x, labels)); a ConcatLabel layer at any position runs the labels
// through its branch (an Embedding, or a Sequential that starts with one) and concatenates the
// result to the sample, along the features or as extra channels. The compiler checks that the
// concatenation fits (one error naming the layer, its position and both shapes) and that the
// next layer takes the concatenated shape; Gan checks that G and D are conditioned on the same
// number of classes.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "ctnn/core/parameters.hpp"
#include "ctnn/layers/init.hpp"
#include "ctnn/layers/layer.hpp"

namespace ctnn {

namespace detail {

/// y[i][:] = w[index[i]][:] for i < n (index as T, already checked to lie in [0, classes)).
template <class Dev, class T>
void embedding_gather(const T* index, const T* w, T* y, index_t n, index_t dim) {
    Dev::for_each(n, [=] CTNN_HD(index_t i) {
        const T* row = w + static_cast<index_t>(index[i]) * dim;
        for (index_t d = 0; d < dim; ++d) y[i * dim + d] = row[d];
    }, dim);
}

/// dw[c][d] (+)= the sum over the samples i of class c of dy[i][d], in sample order: one item per
/// weight element, so no two threads add to one and the sum's order is fixed.
template <class Dev, class T>
void embedding_scatter(const T* index, const T* dy, T* dw, index_t n, index_t classes, index_t dim, bool overwrite) {
    Dev::for_each(classes * dim, [=] CTNN_HD(index_t k) {
        const index_t c = k / dim, d = k % dim;
        T s = overwrite ? T(0) : dw[k];
        for (index_t i = 0; i < n; ++i)
            if (static_cast<index_t>(index[i]) == c) s += dy[i * dim + d];
        dw[k] = s;
    }, n);
}

/// How many of index[0..n) are not a class in [0, classes) (not an integer, or out of range).
template <class Dev, class T>
index_t embedding_bad_indices(const T* index, index_t n, index_t classes) {
    return Dev::template sum<index_t>(n, [=] CTNN_HD(index_t i) {
        const T v = index[i];
        return (v >= T(0) && v < T(classes) && v == T(static_cast<index_t>(v))) ? index_t(0) : index_t(1);
    });
}

/// y = [a | b] per sample: a's `as` values of sample i, then b's `bs`.
template <class Dev, class T>
void concat_samples(const T* a, index_t as, const T* b, index_t bs, T* y, index_t n) {
    Dev::for_each(n, [=] CTNN_HD(index_t i) {
        T* row = y + i * (as + bs);
        for (index_t j = 0; j < as; ++j) row[j] = a[i * as + j];
        for (index_t j = 0; j < bs; ++j) row[as + j] = b[i * bs + j];
    }, as + bs);
}

/// concat_samples backwards: a (when not null) and b get their parts of each sample of y.
template <class Dev, class T>
void split_samples(const T* y, T* a, index_t as, T* b, index_t bs, index_t n) {
    Dev::for_each(n, [=] CTNN_HD(index_t i) {
        const T* row = y + i * (as + bs);
        if (a)
            for (index_t j = 0; j < as; ++j) a[i * as + j] = row[j];
        for (index_t j = 0; j < bs; ++j) b[i * bs + j] = row[as + j];
    }, as + bs);
}

/// labels as T, for the branch of a ConcatLabel.
template <class Dev, class T>
void labels_to_values(const std::int32_t* labels, T* out, index_t n) {
    Dev::for_each(n, [=] CTNN_HD(index_t i) { out[i] = static_cast<T>(labels[i]); });
}

}  // namespace detail

/// torch.nn.Embedding(Classes, Dim): each sample is one class index c (a Shape<1> sample holding
/// an integer in [0, Classes)), its output row c of a Classes x Dim weight, drawn from N(0, 1)
/// as PyTorch draws it (Init::dcgan leaves it so too, as the DCGAN weights_init does). The index
/// gets no gradient. An index outside [0, Classes), or not an integer, is a std::out_of_range
/// naming the layer.
template <index_t Classes, index_t Dim>
struct Embedding {
    static_assert(Classes > 0 && Dim > 0, "ctnn: Embedding needs positive sizes");

    /// As the Layer concept defines it.
    static constexpr std::string_view type_name = "Embedding";
    /// The number of classes its input indexes (torch's num_embeddings).
    static constexpr index_t input_classes = Classes;
    /// Values per class (torch's embedding_dim).
    static constexpr index_t embedding_dim = Dim;
    /// Its weight's elements.
    static constexpr index_t parameter_count = Classes * Dim;
    /// Each sample's row depends on that sample alone.
    static constexpr bool per_sample = true;

    /// Shape<Dim> from a Shape<1> of class indices; another input is input_shape_mismatch.
    template <index_t Position, AnyShape Got>
    static consteval auto infer() {
        if constexpr (!std::is_same_v<Got, Shape<1>>)
            (void)sizeof(error::input_shape_mismatch<Position, Embedding, Shape<1>, Got>);
        return Shape<Dim>{};
    }

    template <AnyShape, class Dev, class T>
    class impl : public LayerBase<Shape<1>, Shape<Dim>, Dev, T> {
        using Base = LayerBase<Shape<1>, Shape<Dim>, Dev, T>;

    public:
        /// The Classes x Dim table (torch's weight) and its gradient.
        Parameter<Shape<Classes, Dim>, Dev, T> weight, weight_grad;

        template <class F>
        void visit_parameters(const std::string& prefix, F&& f) {
            f(prefix + "weight", weight, weight_grad);
        }
        void reset_parameters(Rng& rng, Init) { init::normal(weight, rng, 0.0, 1.0); }

        void forward(typename Base::in_view x, typename Base::out_view y, const ForwardContext&) {
            if (const index_t bad = detail::embedding_bad_indices<Dev>(x.data(), x.batch, Classes); bad > 0)
                throw std::out_of_range("ctnn::Embedding<" + std::to_string(Classes) + ", " + std::to_string(Dim) +
                                        ">: " + std::to_string(bad) + " of " + std::to_string(x.batch) +
                                        " indices are not a class in [0, " + std::to_string(Classes) + ")");
            detail::embedding_gather<Dev>(x.data(), weight.data(), y.data(), x.batch, Dim);
        }
        void backward(typename Base::in_view x, typename Base::out_cview, typename Base::out_cview dy,
                      typename Base::in_grad_view dx, ParamGrads pg) {
            if (!dx.empty()) Dev::fill(dx.data(), dx.size(), T(0));  // indices are not differentiable
            if (pg == ParamGrads::frozen) return;
            detail::embedding_scatter<Dev>(x.data(), dy.data(), weight_grad.data(), x.batch, Classes, Dim,
                                           pg == ParamGrads::overwrite);
        }
    };
};

/// How a ConcatLabel joins its branch's output to the sample.
enum class Along {
    features,  ///< flat samples: Shape<N> and Shape<E> give Shape<N + E> (torch.cat(..., dim=1) of rows)
    /// images: Shape<C, H, W> and an output of K * H * W values, seen as K maps of H x W, give
    /// Shape<C + K, H, W> (torch.cat((x, e.view(-1, K, H, W)), dim=1))
    channels,
};

/// The label input of a conditional network: runs the labels given to Network::forward(x,
/// labels) through Branch (Embedding<Classes, Dim>, or a Sequential that starts with one, such as
/// Sequential<Embedding<10, 50>, Linear<50, 49>>) and concatenates its output after the sample
/// this layer receives. Its parameters are Branch's, under this layer's position (`1.weight` for
/// an Embedding at position 1). A network that holds one is conditioned on Branch's classes
/// (label_classes_v).
template <class Branch, Along A = Along::features>
struct ConcatLabel {
    static_assert(input_classes_v<Branch> > 0,
                  "ctnn: ConcatLabel's branch must start with Embedding<Classes, Dim> (it receives the class labels)");

    /// As the Layer concept defines it.
    static constexpr std::string_view type_name = "ConcatLabel";
    /// The number of classes of the labels the network is conditioned on.
    static constexpr index_t label_classes = input_classes_v<Branch>;
    /// Branch's parameters.
    static constexpr index_t parameter_count = Branch::parameter_count;
    /// Each sample is joined to its own label's values.
    static constexpr bool per_sample = per_sample_v<Branch>;
    /// What Branch gives for one label.
    using branch_shape = output_shape_t<Branch, error::unreported, Shape<1>>;

    /// The concatenated shape. A sample that cannot take Branch's output Along A (features: both
    /// flat; channels: an image whose H x W divides Branch's output) is label_concat_mismatch,
    /// after which the shape the layer was meant to give goes on.
    template <index_t Position, AnyShape In>
    static consteval auto infer() {
        // Branch's own layers are checked from position 0, as a nested Sequential's are.
        using B = output_shape_t<Branch, Position == error::unreported ? error::unreported : 0, Shape<1>>;
        constexpr index_t E = B::size;
        if constexpr (A == Along::features) {
            if constexpr (In::rank != 1 || B::rank != 1)
                (void)sizeof(error::label_concat_mismatch<Position, ConcatLabel, In, B>);
            return Shape<In::size + E>{};
        } else if constexpr (In::rank != 3) {
            (void)sizeof(error::label_concat_mismatch<Position, ConcatLabel, In, B>);
            return Shape<1 + E, 1, 1>{};
        } else {
            constexpr index_t plane = In::dims[1] * In::dims[2];
            if constexpr (E % plane != 0)
                (void)sizeof(error::label_concat_mismatch<Position, ConcatLabel, In, B>);
            return Shape<In::dims[0] + (E / plane > 0 ? E / plane : 1), In::dims[1], In::dims[2]>{};
        }
    }

    template <AnyShape In, class Dev, class T>
    class impl : public LayerBase<In, decltype(ConcatLabel::infer<error::unreported, In>()), Dev, T> {
        using Base = LayerBase<In, decltype(ConcatLabel::infer<error::unreported, In>()), Dev, T>;
        static constexpr index_t X = In::size, E = branch_shape::size;
        using branch_impl = layer_impl_t<Branch, Shape<1>, Dev, T>;

    public:
        /// Branch's implementation (its parameters).
        branch_impl branch;

        void reset_parameters(Rng& rng, Init init) { branch.reset_parameters(rng, init); }
        template <class F>
        void visit_parameters(const std::string& prefix, F&& f) {
            branch.visit_parameters(prefix, f);
        }
        template <class F>
        void visit_buffers(const std::string& prefix, F&& f) {
            branch.visit_buffers(prefix, f);
        }

        void forward(typename Base::in_view x, typename Base::out_view y, const ForwardContext& ctx) {
            if (!ctx.labels)
                throw std::logic_error("ctnn::ConcatLabel: no labels; a conditional network runs as "
                                       "Network::forward(x, labels)");
            const index_t n = x.batch;
            labels_.resize(n);
            values_.resize(n);
            detail::labels_to_values<Dev>(ctx.labels, labels_.data(), n);
            branch.forward(labels_.cview(), values_.view(), ctx);
            detail::concat_samples<Dev>(x.data(), X, values_.data(), E, y.data(), n);
        }
        void backward(typename Base::in_view x, typename Base::out_cview, typename Base::out_cview dy,
                      typename Base::in_grad_view dx, ParamGrads pg) {
            const index_t n = x.batch;
            grads_.resize(n);
            detail::split_samples<Dev>(dy.data(), dx.empty() ? nullptr : dx.data(), X, grads_.data(), E, n);
            branch.backward(labels_.cview().slice(0, n), values_.cview().slice(0, n), grads_.cview(),
                            typename branch_impl::in_grad_view{}, pg);
        }

    private:
        Tensor<Shape<1>, Dev, T> labels_;          // the forward's labels as T, Branch's input
        Tensor<branch_shape, Dev, T> values_;      // Branch's output
        Tensor<branch_shape, Dev, T> grads_;       // its part of dy
    };
};

}  // namespace ctnn

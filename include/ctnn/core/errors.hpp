// Compile-time shape errors. A C++20 static_assert message cannot print numbers, so each error is
// a class template whose arguments are the facts (the layer's position in its Sequential, the
// layer, and the two shapes), instantiated only when a check fails. Its static_assert tests
// `always_false<the error itself>`, so both compilers print the facts on their first lines:
//   clang 14: error: static_assert failed due to requirement 'always_false<ctnn::error::
//             input_shape_mismatch<1, ctnn::Linear<512, 1024, true>, ctnn::Shape<512>, ctnn::Shape<256>>>' "..."
//   g++ 12:   In instantiation of 'struct ctnn::error::input_shape_mismatch<1, ctnn::Linear<512,
//             1024>, ctnn::Shape<512>, ctnn::Shape<256> >': ... error: static assertion failed: ...
// Positions count as PyTorch's nn.Sequential does (0, 1, 2, ...). After reporting, a layer passes
// on the shape it was meant to produce, so that one mistake gives one error.
#pragma once

#include <type_traits>

#include "ctnn/core/config.hpp"

namespace ctnn::error {

template <class...>
inline constexpr bool always_false = false;

/// A position whose errors are not reported: a layer's impl asks its own infer for the output
/// shape at this position, the enclosing Sequential having checked (and reported) that shape.
inline constexpr index_t unreported = ~index_t{0};

// A check reports an error by naming its size, `(void)sizeof(error::channel_mismatch<...>)` in a
// failing `if constexpr` branch: that instantiates the template once. (Reporting through a
// consteval function or a variable instead makes clang add errors about what is then not a
// constant expression.)

// Each error at position `unreported` is an empty specialisation: nothing to say twice.
#define CTNN_DEFINE_LAYER_ERROR(name, message)                                \
    template <index_t Position, class Layer, class Expected, class Got>       \
    struct name {                                                             \
        static_assert(always_false<name>, message);                           \
    };                                                                        \
    template <class Layer, class Expected, class Got>                         \
    struct name<unreported, Layer, Expected, Got> {};

/// Layer at Position declares an input shape Expected but the previous layer produces Got.
CTNN_DEFINE_LAYER_ERROR(input_shape_mismatch,
                        "ctnn: layer input shape mismatch: input_shape_mismatch<position, layer, "
                        "expected shape, received shape>")

/// Linear at Position receives a multi-dimensional sample Got: insert Flatten before it.
CTNN_DEFINE_LAYER_ERROR(linear_needs_flat_input,
                        "ctnn: Linear receives a multi-dimensional input: insert Flatten before it "
                        "(linear_needs_flat_input<position, layer, expected shape, received shape>)")

/// Reshape at Position to Target (Expected) does not keep the element count of Got.
CTNN_DEFINE_LAYER_ERROR(reshape_size_mismatch,
                        "ctnn: Reshape changes the number of elements: reshape_size_mismatch<position, "
                        "layer, target shape, received shape>")

/// A convolution or pooling window Expected (Shape<K, K>) is larger than the padded input Got
/// (Shape<H + 2P, W + 2P>) the layer at Position receives.
CTNN_DEFINE_LAYER_ERROR(kernel_larger_than_input,
                        "ctnn: kernel larger than its padded input: kernel_larger_than_input<position, "
                        "layer, kernel, padded input>")

/// Layer at Position declares Expected (Shape<channels>; Shape<0> for a pooling layer, which
/// takes any) but receives a sample Got whose first dimension differs (or, for 2-D layers, that
/// is not a (C, H, W) image).
CTNN_DEFINE_LAYER_ERROR(channel_mismatch,
                        "ctnn: the input's channels (first dimension) do not match the layer's: "
                        "channel_mismatch<position, layer, expected channels, received shape>")

/// ConcatLabel at Position cannot join its branch's output Got to the sample Expected it
/// receives: along features both must be flat; as channels the sample must be an image (C, H, W)
/// whose H x W divides the branch's output.
CTNN_DEFINE_LAYER_ERROR(label_concat_mismatch,
                        "ctnn: ConcatLabel cannot join its label branch's output to the sample: "
                        "label_concat_mismatch<position, layer, received sample shape, label branch's output shape>")

#undef CTNN_DEFINE_LAYER_ERROR

/// SpectralNorm<Layer> at Position wraps a layer without a weight matrix: it takes Linear,
/// Conv2d and ConvTranspose2d.
template <index_t Position, class Layer>
struct spectral_norm_needs_weight {
    static_assert(always_false<spectral_norm_needs_weight>,
                  "ctnn: SpectralNorm wraps a layer with a weight (Linear, Conv2d, ConvTranspose2d): "
                  "spectral_norm_needs_weight<position, layer>");
};
template <class Layer>
struct spectral_norm_needs_weight<unreported, Layer> {};

/// Why a layer has no double backward (Network::double_backward, a gradient penalty): its
/// statistics couple the samples whose input gradients the penalty treats apart (BatchNorm, or any
/// layer that does not declare per_sample).
struct batch_statistics_couple_the_samples;
/// Why a layer has no double backward: it does not implement one (only Linear, Conv2d, ReLU,
/// LeakyReLU, MaxPool2d, Flatten, Reshape and Sequentials of them do; Tanh and Sigmoid would need
/// the second derivative's term, which is not written).
struct layer_has_no_double_backward;

/// Layer at Position cannot go through a double backward (the backward of its backward, which
/// the gradient penalty's parameter gradient needs), for the reason Why.
template <index_t Position, class Layer, class Why>
struct no_double_backward {
    static_assert(always_false<no_double_backward>,
                  "ctnn: a layer of the network has no double backward (the gradient penalty's parameter "
                  "gradient needs one): no_double_backward<position, layer, why>");
};

/// A tensor of samples Got is given where samples Expected are wanted (e.g. a batch of flat
/// 784-vectors passed to a network whose Input is 1x28x28): Reshape or view it explicitly.
template <class Expected, class Got>
struct tensor_shape_mismatch {
    static_assert(always_false<tensor_shape_mismatch>,
                  "ctnn: a tensor of another sample shape: tensor_shape_mismatch<expected sample "
                  "shape, received sample shape>; convert explicitly with .reshape<Shape<...>>()");
};

/// A Network needs a Sequential that starts with Input<...>, the sample shape it takes.
template <class Net>
struct network_without_input {
    static_assert(always_false<network_without_input>,
                  "ctnn: a Network needs a Sequential that starts with Input<...> (the sample "
                  "shape it takes): network_without_input<network>");
};

/// Two networks that must fit together do not: Expected is wanted but Got given, where What
/// (naming both networks) says, e.g. a generator's output vs a discriminator's input, or an encoder's outputs vs
/// twice a decoder's inputs.
template <class Expected, class Got, class What>
struct composition_mismatch {
    static_assert(always_false<composition_mismatch>,
                  "ctnn: networks do not fit together: composition_mismatch<expected shape, "
                  "received shape, what (naming the networks)>");
};

/// Two conditional networks that must take the same labels do not: one is conditioned on
/// Expected classes, the other on Got (0: not conditional), where What names both networks.
template <index_t Expected, index_t Got, class What>
struct label_classes_mismatch {
    static_assert(always_false<label_classes_mismatch>,
                  "ctnn: networks conditioned on different numbers of classes: label_classes_mismatch<"
                  "discriminator's classes, generator's classes, what (naming the networks)>");
};

/// What must fit in a composition_mismatch, with the two networks concerned.
template <class Generator, class Discriminator>
struct generator_output_vs_discriminator_input;
template <class Generator, class Discriminator>
struct generator_labels_vs_discriminator_labels;
template <class Encoder, class Decoder>
struct encoder_output_vs_twice_decoder_input;
template <class Decoder, class Encoder>
struct decoder_output_vs_encoder_input;

/// composition_mismatch<Expected, Got, What> where Expected and Got differ, an empty type where
/// they agree: `static_assert(sizeof(error::fit<What, Expected, Got>) > 0)` reports a mismatch once.
template <class What, class Expected, class Got>
using fit = std::conditional_t<std::is_same_v<Expected, Got>, std::true_type, composition_mismatch<Expected, Got, What>>;

/// label_classes_mismatch<Expected, Got, What> where they differ, an empty type where they agree.
template <class What, index_t Expected, index_t Got>
using same_classes = std::conditional_t<Expected == Got, std::true_type, label_classes_mismatch<Expected, Got, What>>;

}  // namespace ctnn::error

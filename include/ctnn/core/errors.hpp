// Compile-time shape errors. A C++20 static_assert message cannot print numbers, so each error is
// a class template whose arguments are the facts (the layer's position in its Sequential, the
// layer, and the two shapes); it is instantiated only when the check fails, and the compiler's
// first lines then read e.g.
//   In instantiation of 'struct ctnn::error::input_shape_mismatch<3, ctnn::Linear<512, 1024>,
//                        ctnn::Shape<512>, ctnn::Shape<1024> >'
// followed by the message. Positions count as PyTorch's nn.Sequential does (0, 1, 2, ...).
#pragma once

#include <type_traits>

#include "ctnn/core/config.hpp"

namespace ctnn::error {

template <class...>
inline constexpr bool always_false = false;

/// Layer at Position declares an input shape Expected but the previous layer produces Got.
template <index_t Position, class Layer, class Expected, class Got>
struct input_shape_mismatch {
    static_assert(always_false<Layer>,
                  "ctnn: layer input shape mismatch: input_shape_mismatch<position, layer, "
                  "expected shape, received shape> above names them");
};

/// Linear at Position receives a multi-dimensional sample Got: insert Flatten before it.
template <index_t Position, class Layer, class Expected, class Got>
struct linear_needs_flat_input {
    static_assert(always_false<Layer>,
                  "ctnn: Linear receives a multi-dimensional input: insert Flatten before it "
                  "(linear_needs_flat_input<position, layer, expected shape, received shape>)");
};

/// Reshape at Position to Target does not keep the element count of Got.
template <index_t Position, class Layer, class Target, class Got>
struct reshape_size_mismatch {
    static_assert(always_false<Layer>,
                  "ctnn: Reshape changes the number of elements: reshape_size_mismatch<position, "
                  "layer, target shape, received shape> above names them");
};

/// A convolution or pooling window Kernel (Shape<K, K>) is larger than the padded input
/// PaddedInput (Shape<H + 2P, W + 2P>) the layer at Position receives.
template <index_t Position, class Layer, class Kernel, class PaddedInput>
struct kernel_larger_than_input {
    static_assert(always_false<Layer>,
                  "ctnn: kernel larger than its padded input: kernel_larger_than_input<position, "
                  "layer, kernel, padded input> above names them");
};

/// Layer at Position declares Expected (Shape<channels>) but receives a sample Got whose first
/// dimension differs (or, for 2-D layers, that is not a (C, H, W) image).
template <index_t Position, class Layer, class Expected, class Got>
struct channel_mismatch {
    static_assert(always_false<Layer>,
                  "ctnn: the input's channels (first dimension) do not match the layer's: "
                  "channel_mismatch<position, layer, expected channels, received shape> above names them");
};

/// Two networks that must fit together do not: e.g. a generator's output vs a discriminator's
/// input, or an encoder's 2*Z outputs vs a decoder's Z inputs.
template <class What, class Expected, class Got>
struct composition_mismatch {
    static_assert(always_false<What>,
                  "ctnn: networks do not fit together: composition_mismatch<what, expected, got> "
                  "above names them");
};

/// Tags naming what must fit in a composition_mismatch.
struct generator_output_vs_discriminator_input;
struct encoder_output_vs_twice_decoder_input;
struct decoder_output_vs_encoder_input;

/// true if Expected and Got are the same shape; otherwise instantiates composition_mismatch, so
/// that `static_assert(fits<What, Expected, Got>())` reports the shapes first.
template <class What, class Expected, class Got>
consteval bool fits() {
    if constexpr (!std::is_same_v<Expected, Got>) {
        (void)composition_mismatch<What, Expected, Got>{};
        return false;
    } else {
        return true;
    }
}

}  // namespace ctnn::error

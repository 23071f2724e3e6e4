#include <ctnn/ctnn.hpp>
// expect: label_classes_mismatch<9, 10, ctnn::error::generator_labels_vs_discriminator_labels<ctnn::Sequential<ctnn::Input<100>, ctnn::ConcatLabel<ctnn::Embedding<10, 10>
// A conditional generator of 10 digit classes against a discriminator embedding 9: the labels G
// draws would index past D's table.
#include <ctnn/train/gan.hpp>
using namespace ctnn;
using G = Sequential<Input<100>, ConcatLabel<Embedding<10, 10>>, Linear<110, 784>, Tanh, Reshape<1, 28, 28>>;
using D = Sequential<Input<1, 28, 28>, Flatten, ConcatLabel<Embedding<9, 10>>, Linear<794, 1>>;
using Bad = Gan<G, D, Adam<Cpu, float>, Adam<Cpu, float>>;
// Training it too: the steps add no error of their own.
void train(Rng& rng, ConstView<Shape<1, 28, 28>, Cpu, float> real, ConstView<Shape<1>, Cpu, std::int32_t> labels,
           ConstView<Shape<100>, Cpu, float> z) {
    Bad gan(rng, {}, {}, {});
    gan.step([&] { return Bad::LabelledBatch{real, labels}; });
    gan.d_step(real, labels, z, labels);
    gan.g_step(z, labels);
}

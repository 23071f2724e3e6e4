#include <ctnn/ctnn.hpp>
#include <ctnn/train/gan.hpp>
// expect: no_double_backward<2, ctnn::BatchNorm1d<
// expect: batch_statistics_couple_the_samples
// A WGAN-GP critic with BatchNorm: its batch statistics couple the samples whose input gradients
// the penalty treats apart (Gulrajani et al. drop it from the critic for that reason).
using namespace ctnn;
using G = Sequential<Input<8>, Linear<8, 16>, ReLU, Linear<16, 4>>;
using Critic = Sequential<Input<4>, Linear<4, 16>, LeakyReLU<0.2>, BatchNorm1d<16>, Linear<16, 1>>;
void run(Rng& rng) {
    Gan<G, Critic, Adam<Cpu, float>, Adam<Cpu, float>> gan(rng, {.loss = AdversarialLoss::wasserstein}, {}, {});
    gan.penalise_gradients(10);
}

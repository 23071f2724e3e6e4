// The seeds' networks as types: PyTorch's parameter counts, and PyTorch's outputs and gradients
// for the same weights and inputs (tests/reference/golden_networks.py builds the twins).
#define BOOST_TEST_MODULE seed_networks
#include <boost/test/unit_test.hpp>

#include <ctnn/ctnn.hpp>
#include <ctnn/models/seeds.hpp>

#include "support/golden.hpp"

using namespace ctnn;
using namespace ctnn::models;
using ctnn::test::check_against_golden;

// Parameter counts as PyTorch reports them (sum of p.numel()); the two DCGAN figures are the ones
// the seed and the design card name.
static_assert(SwissRollGenerator<>::parameter_count == 132'866);
static_assert(SwissRollDiscriminator<>::parameter_count == 132'609);
static_assert(LabGenerator<>::parameter_count == 114'064);
static_assert(LabDiscriminator::parameter_count == 100'609);
static_assert(Dcgan64Generator::parameter_count == 3'576'704);
static_assert(Dcgan64Discriminator::parameter_count == 2'765'568);
static_assert(BnGenerator<>::parameter_count == 1'497'104);
static_assert(DropoutDiscriminator::parameter_count == 1'460'225);
static_assert(MlpDiscriminator::parameter_count == 267'009);
static_assert(MlpGenerator<>::parameter_count == 1'864'464);
static_assert(DcganDiscriminator::parameter_count == 1'102'721);
static_assert(DcganGenerator<>::parameter_count == 6'586'945);
static_assert(VaeEncoder<>::parameter_count == 571'304);
static_assert(VaeDecoder<>::parameter_count == 1'357'784);
static_assert(MnistClassifier::parameter_count == 669'706);
static_assert(CifarMlpDiscriminator<>::parameter_count == 3'803'137);
static_assert(CifarMlpGenerator<>::parameter_count == 3'831'552);

// Composition: each generator produces what its discriminator takes, and the VAE fits together.
static_assert(std::is_same_v<Network<DcganGenerator<>>::output_shape, DcganDiscriminator::input_shape>);
static_assert(std::is_same_v<Network<Dcgan64Generator>::output_shape, Dcgan64Discriminator::input_shape>);
static_assert(std::is_same_v<Network<MlpGenerator<>>::output_shape, MlpDiscriminator::input_shape>);
static_assert(std::is_same_v<Network<VaeEncoder<>>::output_shape, Shape<40>>);
static_assert(std::is_same_v<Network<VaeDecoder<>>::output_shape, VaeEncoder<>::input_shape>);

// Double precision: only summation order separates ctnn from PyTorch.
constexpr double rel_tol = 1e-9, abs_tol = 1e-11;

BOOST_AUTO_TEST_CASE(swissroll) {
    check_against_golden<SwissRollGenerator<>>("net_swissroll_g", rel_tol, abs_tol);
    check_against_golden<SwissRollDiscriminator<>>("net_swissroll_d", rel_tol, abs_tol);
}
BOOST_AUTO_TEST_CASE(lab_mlp_gan) {
    check_against_golden<LabGenerator<>>("net_lab_g", rel_tol, abs_tol);
    check_against_golden<LabDiscriminator>("net_lab_d", rel_tol, abs_tol);
}
BOOST_AUTO_TEST_CASE(lab_dcgan64) {
    check_against_golden<Dcgan64Generator>("net_dcgan64_g", rel_tol, abs_tol);
    check_against_golden<Dcgan64Discriminator>("net_dcgan64_d", rel_tol, abs_tol);
}
BOOST_AUTO_TEST_CASE(batchnorm_dropout_gan) {
    check_against_golden<BnGenerator<>>("net_bn_g", rel_tol, abs_tol);
    check_against_golden<DropoutDiscriminator>("net_dropout_d", rel_tol, abs_tol);
}
BOOST_AUTO_TEST_CASE(mlp_gan) {
    check_against_golden<MlpGenerator<>>("net_mlp_g", rel_tol, abs_tol);
    check_against_golden<MlpDiscriminator>("net_mlp_d", rel_tol, abs_tol);
}
BOOST_AUTO_TEST_CASE(dcgan) {
    check_against_golden<DcganGenerator<>>("net_dcgan_g", rel_tol, abs_tol);
    check_against_golden<DcganGenerator<>>("net_dcgan_g_eval", rel_tol, abs_tol);
    check_against_golden<DcganDiscriminator>("net_dcgan_d", rel_tol, abs_tol);
}
BOOST_AUTO_TEST_CASE(vae) {
    check_against_golden<VaeEncoder<>>("net_vae_encoder", rel_tol, abs_tol);
    check_against_golden<VaeDecoder<>>("net_vae_decoder", rel_tol, abs_tol);
}
BOOST_AUTO_TEST_CASE(classifier) { check_against_golden<MnistClassifier>("net_classifier", rel_tol, abs_tol); }
BOOST_AUTO_TEST_CASE(cifar_mlp_gan) {
    check_against_golden<CifarMlpGenerator<>>("net_cifar_g", rel_tol, abs_tol);
    check_against_golden<CifarMlpDiscriminator<>>("net_cifar_d", rel_tol, abs_tol);
}
// The float networks users train: same golden values within single-precision rounding. (The
// generator's train-mode case divides by batch-of-3 standard deviations that are nearly zero for
// some features, which magnifies float rounding past any useful tolerance; its eval-mode case is
// the float check.)
BOOST_AUTO_TEST_CASE(dcgan_float) {
    check_against_golden<DcganDiscriminator, Cpu, float>("net_dcgan_d", 2e-4, 2e-5);
    check_against_golden<DcganGenerator<>, Cpu, float>("net_dcgan_g_eval", 2e-4, 2e-5);
}

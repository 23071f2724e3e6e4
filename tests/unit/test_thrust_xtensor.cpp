// io/xtensor.hpp: tensors as xtensor expressions and back, on the Cpu and on the Thrust device
// (OpenMP system, the code path Cuda shares), in both layouts; data sets from xtensor arrays.
#include <ctnn/device/thrust_omp.hpp>

#define BOOST_TEST_MODULE thrust_xtensor
#include <boost/test/unit_test.hpp>
#include <boost/mpl/list.hpp>

#include <ctnn/ctnn.hpp>
#include <ctnn/data/idx.hpp>
#include <ctnn/data/loader.hpp>
#include <ctnn/io/xtensor.hpp>
#include <ctnn/metrics/xtensor.hpp>
#include <ctnn/train/gan.hpp>
#include <ctnn/train/vae.hpp>

#include <xtensor/xfixed.hpp>
#include <xtensor/xview.hpp>

#include "support/data_files.hpp"
#include "support/temp_dir.hpp"

using namespace ctnn;

namespace {
using Devices = boost::mpl::list<Cpu, ThrustOmp>;
using Img = Shape<2, 3, 4>;

/// A tensor of `batch` samples whose element k is k * 0.5 - 3 (distinct, exact in float).
template <class Dev>
Tensor<Img, Dev> counting(index_t batch) {
    std::vector<float> v(batch * Img::size);
    for (std::size_t k = 0; k < v.size(); ++k) v[k] = float(k) * 0.5f - 3;
    return Tensor<Img, Dev>::from_host(v);
}

/// Whether f throws std::invalid_argument whose message holds every one of `parts`.
template <class F>
bool throws_naming(F f, std::initializer_list<std::string> parts) {
    try {
        f();
    } catch (const std::invalid_argument& e) {
        const std::string what = e.what();
        for (const auto& p : parts)
            if (what.find(p) == std::string::npos) {
                BOOST_TEST_MESSAGE("message lacks '" << p << "': " << what);
                return false;
            }
        return true;
    }
    return false;
}
}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(view_is_the_tensors_memory_batch_first, Dev, Devices) {
    auto t = counting<Dev>(3);
    auto v = xview(t);
    BOOST_TEST((v.shape() == std::array<std::size_t, 4>{3, 2, 3, 4}));
    BOOST_TEST(v.data() == t.data());  // no copy
    BOOST_TEST(v(1, 0, 2, 3) == (1 * 24 + 0 * 12 + 2 * 4 + 3) * 0.5f - 3);
    // Writing through the view (an element, then an xtensor expression) changes the tensor.
    v(2, 1, 0, 1) = 100;
    xt::view(v, 0) *= 2.0f;
    const auto host = t.to_host();
    BOOST_TEST(host[2 * 24 + 12 + 1] == 100);
    BOOST_TEST(host[5] == (5 * 0.5f - 3) * 2);
    BOOST_TEST(host[30] == 30 * 0.5f - 3);
    // A const tensor's view reads the same memory and cannot be written.
    const auto& c = t;
    const auto cv = xview(c);
    static_assert(std::is_const_v<std::remove_reference_t<decltype(*cv.data())>>);
    BOOST_TEST(cv.data() == t.data());
    BOOST_TEST(cv(2, 1, 0, 1) == 100);
    // A slice's view is that slice.
    BOOST_TEST(xview(t.view().slice(1, 2))(0, 0, 0, 0) == t.to_host()[24]);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(round_trips_through_views_and_copies_in_both_layouts, Dev, Devices) {
    const auto t = counting<Dev>(4);
    const auto values = t.to_host();
    // tensor -> view -> tensor
    const auto viewed = from_xtensor<Img, Dev>(xview(t));
    BOOST_TEST(viewed.to_host() == values, boost::test_tools::per_element());
    // tensor -> xarray / xtensor (row- and column-major) -> tensor
    const auto row = to_xarray(t);
    const auto col = to_xarray<xt::layout_type::column_major>(t);
    const auto fixed_rank = to_xtensor<xt::layout_type::column_major>(t);
    static_assert(decltype(fixed_rank)::rank == 4);
    BOOST_TEST((row.shape() == std::vector<std::size_t>{4, 2, 3, 4}));
    BOOST_TEST(row == col);
    BOOST_TEST(row == fixed_rank);
    BOOST_TEST(col(3, 1, 2, 1) == values[3 * 24 + 12 + 8 + 1]);
    BOOST_TEST(col.data()[1] == values[24]);  // column-major: the batch index moves fastest
    for (const auto& x : {xt::xarray<float>(row), xt::xarray<float>(col), xt::xarray<float>(fixed_rank)})
        BOOST_TEST((from_xtensor<Img, Dev>(x).to_host() == values));
    const auto col_back = from_xtensor<Img, Dev>(col);
    BOOST_TEST((from_xtensor<Img, Dev>(to_xtensor(col_back)).to_host() == values));
    // An expression of doubles, evaluated and converted on the way in.
    Tensor<Img, Dev> twice;
    assign_xtensor(twice, xt::cast<double>(row) * 2.0);
    BOOST_TEST(twice.batch() == 4u);
    BOOST_TEST(twice.to_host()[37] == values[37] * 2);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(shapes_are_checked_naming_both, Dev, Devices) {
    // Static shapes are checked by the compiler (a mismatch is error::tensor_shape_mismatch).
    xt::xtensor_fixed<float, xt::xshape<2, 2, 3, 4>> fixed = xt::ones<float>({2, 2, 3, 4});
    BOOST_TEST((from_xtensor<Img, Dev>(fixed).batch() == 2u));
    // Leading 1s and flat samples fit as a file's shape does (data::sample_shape_fits).
    BOOST_TEST((from_xtensor<Shape<1, 3, 4>, Dev>(xt::zeros<float>({5, 3, 4})).batch() == 5u));
    BOOST_TEST((from_xtensor<Shape<24>, Dev>(xt::zeros<float>({5, 2, 3, 4})).batch() == 5u));
    // Dynamic ones at run time, naming both shapes.
    BOOST_TEST(throws_naming([] { from_xtensor<Img, Dev>(xt::zeros<float>({5, 3, 2, 4})); },
                             {"ctnn::assign_xtensor", "[5, 3, 2, 4]", "[N, 2, 3, 4]"}));
    BOOST_TEST(throws_naming([] { from_xtensor<Img, Dev>(xt::xarray<float>(1.0f)); }, {"shape []", "[N, 2, 3, 4]"}));
}

namespace {
using Pix = Shape<1, 4, 3>;
using TinyG = Sequential<Input<5>, Linear<5, 12>, Sigmoid, Reshape<1, 4, 3>>;
using TinyD = Sequential<Input<1, 4, 3>, Flatten, Linear<12, 1>>;
using TinyGan = Gan<TinyG, TinyD, Adam<Cpu, float>, Adam<Cpu, float>>;

/// One GAN step on the first batch of `data`: both losses and G's parameters after it.
std::vector<double> one_step(data::Dataset<Pix, std::uint8_t> data) {
    data::DataLoader loader(std::move(data), {.batch_size = 6, .scaling = data::Scaling::symmetric, .seed = 2});
    Rng rng(9);
    TinyGan gan(rng, {.loss = AdversarialLoss::bce_with_logits}, {.lr = 1e-2}, {.lr = 1e-2});
    const auto l = gan.step([&] { return loader.next()->x; });
    std::vector<double> out{l.d_loss, l.g_loss};
    gan.generator.visit_parameters([&](const std::string&, auto& p, auto&) {
        for (float v : p.to_host()) out.push_back(v);
    });
    return out;
}
}  // namespace

BOOST_AUTO_TEST_CASE(dataset_from_an_xarray_trains_as_the_same_idx_file) {
    test::TempDir dir;
    const test::Bytes images = test::idx_images(6, 4, 3), labels = test::idx_labels(6);
    test::write_file(dir.path / "images", images);
    test::write_file(dir.path / "labels", labels);
    const auto file = data::read_idx<Pix>(dir.path / "images", dir.path / "labels");

    // The same pixels and labels as a user holds them in memory: [6, 4, 3] bytes, 6 ints.
    xt::xarray<std::uint8_t> pixels = xt::adapt(images.data() + 16, 6 * 12, xt::no_ownership(),
                                                std::vector<std::size_t>{6, 4, 3});
    xt::xarray<int> classes = xt::adapt(labels.data() + 8, 6, xt::no_ownership(), std::vector<std::size_t>{6});
    const auto memory = data::from_xtensor<Pix>(pixels, classes);
    BOOST_TEST(memory.samples == file.samples, boost::test_tools::per_element());
    BOOST_TEST(memory.labels == file.labels, boost::test_tools::per_element());
    const auto a = one_step(file), b = one_step(memory);
    BOOST_TEST(a == b, boost::test_tools::per_element());
    // A different pixel gives a different step: the comparison sees the data.
    pixels(5, 3, 2) ^= 0xff;
    BOOST_TEST((one_step(data::from_xtensor<Pix>(pixels)) != a));

    BOOST_TEST(throws_naming([&] { data::from_xtensor<Pix>(pixels, xt::xarray<int>({1, 2})); },
                             {"labels of shape [2] for 6 samples"}));
    classes(4) = -1;
    BOOST_TEST(throws_naming([&] { data::from_xtensor<Pix>(pixels, classes); }, {"label -1 of sample 4"}));
    BOOST_TEST(throws_naming([&] { data::from_xtensor<Pix>(xt::xarray<float>::from_shape({6, 3, 4})); },
                             {"ctnn::data::from_xtensor", "[6, 3, 4]", "[N, 1, 4, 3]"}));
}

BOOST_AUTO_TEST_CASE(generation_and_metrics_take_and_give_arrays) {
    Rng rng(4);
    TinyGan gan(rng, {}, {}, {});
    // Latent codes as an xtensor expression: G(z) equals Gan::generate on the same codes.
    const xt::xarray<float> z = xt::linspace<float>(-1, 1, 3 * 5).reshape({3, 5});
    Tensor<Shape<5>, Cpu> zt = from_xtensor<Shape<5>>(z);
    const auto expected = gan.generate(zt.cview()).to_host();
    const xt::xarray<float> images = generate(gan, z);
    BOOST_TEST((images.shape() == std::vector<std::size_t>{3, 1, 4, 3}));
    BOOST_TEST((std::vector<float>(images.begin(), images.end()) == expected));
    // infer runs any network the same way, in eval mode, restoring its mode.
    BOOST_TEST((infer(gan.generator, xt::transpose(xt::transpose(z))) == images));
    BOOST_TEST((gan.generator.mode() == Mode::train));
    // N samples from noise drawn as the GAN draws it.
    Rng a(8), b(8);
    gan.sample_noise(zt, 6, a);
    BOOST_TEST((generate(gan, 6, b) == to_xarray(gan.generate(zt.cview()))));

    // Metrics on arrays equal the metrics on the same values in spans, in either layout.
    const xt::xarray<double> p = {{0.7, 0.2, 0.1}, {0.1, 0.8, 0.1}, {0.2, 0.2, 0.6}, {0.5, 0.25, 0.25}};
    const std::vector<double> pv(p.begin(), p.end());
    BOOST_TEST(metrics::inception_score(p) == metrics::inception_score(pv, 3));
    const xt::xarray<double, xt::layout_type::column_major> pc = p;
    BOOST_TEST(metrics::inception_score(pc) == metrics::inception_score(pv, 3));
    const xt::xarray<float> fa = xt::reshape_view(xt::linspace<float>(0, 1, 12), {4, 3});
    const xt::xarray<float> fb = xt::square(fa) + 0.5f;
    const std::vector<float> av(fa.begin(), fa.end()), bv(fb.begin(), fb.end());
    BOOST_TEST(metrics::frechet_distance(fa, fb) == metrics::frechet_distance(av, bv, 3));
    BOOST_TEST(metrics::frechet_distance(fa, fb) > 0);
    BOOST_TEST(throws_naming([&] { metrics::frechet_distance(fa, xt::xarray<float>::from_shape({4, 2})); },
                             {"features of 3 and of 2 columns"}));
    BOOST_TEST(throws_naming([&] { metrics::inception_score(xt::xarray<double>::from_shape({12})); },
                             {"probabilities of shape [12]"}));
}

BOOST_AUTO_TEST_CASE(vae_encode_decode_and_hidden_features_as_arrays) {
    using Encoder = Sequential<Input<1, 4, 3>, Flatten, Linear<12, 6>, ReLU, Linear<6, 4>>;  // [mu | log_var], Z = 2
    using Decoder = Sequential<Input<2>, Linear<2, 12>, Reshape<1, 4, 3>>;
    Rng rng(6);
    Vae<Encoder, Decoder, Adam<Cpu, float>> vae(rng, {}, {});
    const xt::xarray<float> x = xt::reshape_view(xt::linspace<float>(-1, 1, 5 * 12), {5, 4, 3});
    // Encode: [5, 4] stats, as the encoder computes them from the same tensor.
    const xt::xarray<float> stats = infer(vae.encoder, x);
    BOOST_TEST((stats.shape() == std::vector<std::size_t>{5, 4}));
    const auto xt_in = from_xtensor<Pix>(x);
    BOOST_TEST((std::vector<float>(stats.begin(), stats.end()) == vae.encoder.forward(xt_in.cview()).to_host()));
    // The hidden ReLU's output of that forward (a classifier's features are taken the same way).
    const auto features = to_xarray(vae.encoder.layers().template output<2>());
    BOOST_TEST((features.shape() == std::vector<std::size_t>{5, 6}));
    BOOST_TEST(xt::amin(features)() >= 0.0f);
    BOOST_TEST(xt::amax(features)() > 0.0f);
    // Decode mu, a view of the stats' first two columns.
    const xt::xarray<float> mu = xt::view(stats, xt::all(), xt::range(0, 2));
    const xt::xarray<float> decoded = infer(vae.decoder, xt::view(stats, xt::all(), xt::range(0, 2)));
    BOOST_TEST((decoded.shape() == std::vector<std::size_t>{5, 1, 4, 3}));
    const auto mu_t = from_xtensor<Shape<2>>(mu);
    BOOST_TEST((std::vector<float>(decoded.begin(), decoded.end()) == vae.decoder.forward(mu_t.cview()).to_host()));
}

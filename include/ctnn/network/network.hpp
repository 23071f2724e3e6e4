// Network<Net, Dev, T>: a complete network type (a Sequential that starts with Input) bound to a
// device and scalar type, with the buffers, mode and bookkeeping a training loop needs.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

#include "ctnn/device/device.hpp"
#include "ctnn/core/parameters.hpp"
#include "ctnn/network/sequential.hpp"

namespace ctnn {

/// What a backward pass computes.
struct BackwardOptions {
    /// accumulate: add dL/dparameters to the gradients (the step trains this network);
    /// overwrite: store them there, whatever the gradients held (a step's first backward);
    /// frozen: leave parameters and their gradients untouched (a GAN's G step through D).
    ParamGrads params = ParamGrads::accumulate;
    /// Whether dL/dinput is wanted (to continue into an upstream network).
    bool input_gradient = false;
};

/// Sets a network's mode for a scope and restores the previous one when it ends.
template <class NetT>
class ModeScope {
public:
    /// Puts net in `mode` until this guard is destroyed.
    ModeScope(NetT& net, Mode mode) : net_(net), previous_(net.mode()) { set(mode); }
    ~ModeScope() { set(previous_); }
    ModeScope(const ModeScope&) = delete;
    ModeScope& operator=(const ModeScope&) = delete;

private:
    void set(Mode m) { m == Mode::eval ? net_.eval() : net_.train(); }
    NetT& net_;
    Mode previous_;
};

/// A complete network type Net (a Sequential that starts with Input) on device Dev in scalar T:
/// its layers, one flat buffer of parameters and one of gradients, its train/eval mode, and
/// the forward and backward passes. It can be neither copied nor moved: its layers and
/// optimizers point into it.
template <class Net, Device Dev = Cpu, class T = float>
class Network {
public:
    /// The network type Net.
    using net_type = Net;
    /// The Device it runs on.
    using device = Dev;
    /// Its element type.
    using scalar = T;
    /// The shape of one input sample (Net's Input).
    using input_shape = typename network_shapes<Net>::input;    // a missing Input is reported there
    /// The shape of one output sample.
    using output_shape = typename network_shapes<Net>::output;
    /// Net's implementation on Dev in T: the layers (a LayerImpl).
    using impl_type = typename Net::template impl<input_shape, Dev, T>;
    /// What forward() takes: a batch of inputs, read-only.
    using input_view = ConstView<input_shape, Dev, T>;
    /// What backward() takes: dL/doutput for a batch, read-only.
    using output_view = ConstView<output_shape, Dev, T>;

    /// Trainable values, as PyTorch counts them.
    static constexpr index_t parameter_count = Net::parameter_count;
    /// The classes of the labels it is conditioned on; 0 for a network without ConcatLabel.
    static constexpr index_t label_classes = label_classes_v<Net>;
    /// What a conditional network's forward() takes besides x: one class label per sample.
    using label_view = ConstView<Shape<1>, Dev, std::int32_t>;

    /// Parameters drawn from rng as PyTorch (or the DCGAN paper, with Init::dcgan) draws them.
    /// rng stays referenced: Dropout draws its masks from it in train mode.
    explicit Network(Rng& rng, Init init = Init::pytorch) : params_(impl_), rng_(&rng) {
        impl_.reset_parameters(rng, init);
        find_layer_gradients();
    }
    // The layers' parameters point into params_, and optimizers point into both: a copy would
    // share them, a move would leave them dangling.
    Network(const Network&) = delete;
    Network& operator=(const Network&) = delete;

    /// Makes this network one rank of a data-parallel run (TrainedNetwork::data_parallel fills it
    /// from a communicator); one process by default.
    void set_data_parallel(const DataParallel& p) { parallel_ = p; }

    /// Training mode (PyTorch's net.train()): Dropout drops, BatchNorm normalises with the batch's
    /// statistics and updates its running ones.
    void train() { mode_ = Mode::train; }
    /// Evaluation mode (net.eval()): Dropout passes everything, BatchNorm uses its running
    /// statistics.
    void eval() { mode_ = Mode::eval; }
    /// The current mode.
    Mode mode() const { return mode_; }

    /// Puts the network in eval mode until the returned guard goes out of scope, which restores
    /// the mode it had, also when an exception leaves the scope:
    ///   const auto scope = net.evaluating();
    [[nodiscard]] ModeScope<Network> evaluating() { return ModeScope<Network>(*this, Mode::eval); }

    /// Runs the network on a batch of any size. x must stay unchanged until backward() (the
    /// layers read it again there). The result lives in this network until the next forward.
    /// In a data-parallel run (set_data_parallel) x is this rank's share of `pieces` global
    /// batches laid end to end (a GAN's real and generated samples: 2), each split alike.
    const Tensor<output_shape, Dev, T>& forward(input_view x, index_t pieces = 1)
        requires(label_classes == 0)
    {
        return run_forward(x, nullptr, pieces);
    }
    /// forward() of a conditional network (one with a ConcatLabel: label_classes > 0): x and
    /// one class label in [0, label_classes) per sample, which must stay unchanged until
    /// backward() as x must. A label outside that range is a std::out_of_range.
    const Tensor<output_shape, Dev, T>& forward(input_view x, label_view labels, index_t pieces = 1)
        requires(label_classes > 0)
    {
        if (labels.batch != x.batch)
            throw std::invalid_argument("ctnn::Network::forward: " + std::to_string(labels.batch) + " labels for " +
                                        std::to_string(x.batch) + " samples");
        return run_forward(x, labels.data(), pieces);
    }

    /// Back-propagates dy = dL/doutput through the last forward pass. Returns dL/dinput when
    /// options.input_gradient is set (an empty tensor otherwise). Each forward allows one
    /// backward: a second would reuse state the first has consumed (the seeds' "backward through
    /// the graph a second time"), so it is an error.
    const Tensor<input_shape, Dev, T>& backward(output_view dy, BackwardOptions options = {}) {
        return backward(dy, options, [](std::size_t) {});
    }
    /// backward(), calling layer_done(I) when layer I (of the top-level Sequential) has gone
    /// backward, from the last layer to the first: the gradients at [gradient_begin(I), size)
    /// of the flat buffer are then final for this pass.
    template <class LayerDone>
    const Tensor<input_shape, Dev, T>& backward(output_view dy, BackwardOptions options, LayerDone&& layer_done) {
        return backward_through(dy, options, "backward", dy.batch == input_.batch, " != forward batch ", layer_done);
    }

    /// backward() through the first dy.batch samples of the last forward alone, for networks
    /// that compute every sample alone (per_sample_v): a GAN runs its generator once on the noise
    /// of a D step and of the G step that follows, and back-propagates the G step's samples.
    const Tensor<input_shape, Dev, T>& backward_leading(output_view dy, BackwardOptions options = {}) {
        // Asserted here, where the error's first line names this function alone (not the
        // callback's long type), and the form below is not instantiated when it fails: one error.
        static_assert(per_sample_v<Net>,
                      "ctnn: backward_leading needs a network whose every layer computes each sample alone "
                      "(per_sample; BatchNorm's batch statistics do not)");
        if constexpr (per_sample_v<Net>) return backward_leading(dy, options, [](std::size_t) {});
        return input_grad_;
    }
    /// backward_leading() calling layer_done(I) as backward(dy, options, layer_done) does (for
    /// per_sample networks only, as above).
    template <class LayerDone>
        requires per_sample_v<Net>
    const Tensor<input_shape, Dev, T>& backward_leading(output_view dy, BackwardOptions options, LayerDone&& layer_done) {
        return backward_through(dy, options, "backward_leading", dy.batch > 0 && dy.batch <= input_.batch,
                                " exceeds forward batch ", layer_done);
    }

    /// The backward of the last backward() (PyTorch's double backward, autograd.grad with
    /// create_graph=True, then backward): that backward, of dy, gave dx = dL/dinput (it must have
    /// asked for the input gradient, with no forward since); for a function P of dx, given ddx =
    /// dP/d(dx), this adds dP/dparameters to the parameter gradients (accumulate), stores them
    /// (overwrite) or leaves them (frozen). A gradient penalty's parameter gradient, exactly: no
    /// finite differences. dy must still hold what that backward read. Every layer must have a
    /// double backward (double_backward_v); one that has none is a compile error,
    /// error::no_double_backward<position, layer, why>.
    void double_backward(input_view ddx, ParamGrads pg = ParamGrads::accumulate) {
        if constexpr (!double_backward_v<Net>) {
            Net::report_no_double_backward();
        } else {
            if (!double_backward_ready_)
                throw std::logic_error("ctnn::Network::double_backward: no backward with the input gradient to go back "
                                       "through (backward(dy, {..., true}) must come first, with no forward since)");
            if (ddx.batch != input_.batch)
                throw std::invalid_argument("ctnn::Network::double_backward: gradient batch " +
                                            std::to_string(ddx.batch) + " != backward batch " +
                                            std::to_string(input_.batch));
            double_backward_ready_ = false;
            impl_.double_backward(input_, output_.cview(), dy_, ddx, {}, pg);
        }
    }

    /// dL/dinput through this network with its parameters frozen.
    const Tensor<input_shape, Dev, T>& backward_frozen(output_view dy) {
        return backward(dy, {ParamGrads::frozen, true});
    }

    /// Sets every parameter gradient to zero (gradients accumulate, as in PyTorch).
    void zero_grad() { Dev::fill(params_.gradients(), params_.size(), T(0)); }

    /// Every parameter, and every gradient, in one flat buffer (layers view into them).
    FlatParameters<Dev, T>& parameters() { return params_; }
    /// The same, read-only.
    const FlatParameters<Dev, T>& parameters() const { return params_; }

    /// Layers of the top-level Sequential.
    static constexpr std::size_t layer_count = impl_type::layer_count;
    /// Where the gradients of layers I, I + 1, ... begin in the flat buffer: they fill
    /// [gradient_begin(I), parameters().size()) (parameters lie in layer order), so each layer
    /// that goes backward extends a suffix of final gradients. gradient_begin(layer_count) is
    /// the buffer's size.
    index_t gradient_begin(std::size_t layer) const { return gradient_begin_[layer]; }

    /// f(name, parameter, gradient) for every parameter, named as PyTorch's state_dict names it.
    template <class F>
    void visit_parameters(F&& f) {
        impl_.visit_parameters("", f);
    }
    /// f(name, buffer) for every non-trainable state (BatchNorm's running statistics and
    /// num_batches_tracked, the latter as std::int64_t&), named as in PyTorch's state_dict.
    template <class F>
    void visit_buffers(F&& f) {
        impl_.visit_buffers("", f);
    }

    /// The layers' implementations: `layers().template output<K>()` is hidden layer K's output of
    /// the last forward (a classifier's features); parameters are reached through visit_parameters.
    impl_type& layers() { return impl_; }
    /// The same, read-only.
    const impl_type& layers() const { return impl_; }
    /// The last forward()'s result.
    const Tensor<output_shape, Dev, T>& output() const { return output_; }
    /// The Rng given at construction, which Dropout draws from.
    Rng& rng() { return *rng_; }

private:
    const Tensor<output_shape, Dev, T>& run_forward(input_view x, const std::int32_t* labels, index_t pieces) {
        if (x.batch == 0) throw std::invalid_argument("ctnn::Network::forward: empty batch");
        output_.resize(x.batch);
        impl_.forward(x, output_.view(),
                      ForwardContext{mode_, rng_, parallel_, parallel_.ranks > 1 ? x.batch / pieces : 0, labels});
        input_ = x;
        pending_backward_ = true;
        double_backward_ready_ = false;
        return output_;
    }

    template <class LayerDone>
    const Tensor<input_shape, Dev, T>& backward_through(output_view dy, BackwardOptions options, const char* what,
                                                        bool batch_fits, const char* relation, LayerDone& layer_done) {
        if (!pending_backward_)
            throw std::logic_error(std::string("ctnn::Network::") + what +
                                   ": no forward pass to go back through (backward was "
                                   "already called for the last forward, or forward was never called)");
        if (!batch_fits)
            throw std::invalid_argument(std::string("ctnn::Network::") + what + ": gradient batch " +
                                        std::to_string(dy.batch) + relation + std::to_string(input_.batch));
        pending_backward_ = false;
        TensorView<input_shape, Dev, T> dx;
        if (options.input_gradient) {
            input_grad_.resize(dy.batch);
            dx = input_grad_.view();
        } else {
            input_grad_.resize(0);
        }
        impl_.backward(input_.slice(0, dy.batch), output_.cview().slice(0, dy.batch), dy, dx, options.params,
                       layer_done);
        double_backward_ready_ = options.input_gradient && dy.batch == input_.batch;
        dy_ = dy;
        return input_grad_;
    }

    void find_layer_gradients() {
        gradient_begin_[layer_count] = params_.size();
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            ((gradient_begin_[I] = first_gradient(impl_.template layer<I>())), ...);
        }(std::make_index_sequence<layer_count>{});
        for (std::size_t i = layer_count; i-- > 0;)  // a layer without parameters begins where the next does
            if (gradient_begin_[i] > gradient_begin_[i + 1]) gradient_begin_[i] = gradient_begin_[i + 1];
    }
    /// The offset of layer's first gradient in the flat buffer (the buffer's size without one).
    template <class Layer>
    index_t first_gradient(Layer& layer) {
        index_t first = params_.size();
        bool seen = false;
        layer.visit_parameters("", [&](const std::string&, auto&, auto& g) {
            if (!seen) first = static_cast<index_t>(g.data() - params_.gradients());
            seen = true;
        });
        return first;
    }

    impl_type impl_;
    FlatParameters<Dev, T> params_;  // after impl_: binds its parameters
    std::array<index_t, layer_count + 1> gradient_begin_{};
    Rng* rng_;
    Mode mode_ = Mode::train;
    DataParallel parallel_;
    Tensor<output_shape, Dev, T> output_;
    Tensor<input_shape, Dev, T> input_grad_;
    input_view input_;
    output_view dy_;  // the last backward's, which double_backward reads again
    bool pending_backward_ = false;
    bool double_backward_ready_ = false;
};

}  // namespace ctnn

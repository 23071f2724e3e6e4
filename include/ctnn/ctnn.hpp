// ctnn: compile-time, statically shaped neural networks. Include this one header.
#pragma once

#include "ctnn/core/config.hpp"
#include "ctnn/core/errors.hpp"
#include "ctnn/core/mode.hpp"
#include "ctnn/core/random.hpp"
#include "ctnn/core/real.hpp"
#include "ctnn/core/shape.hpp"
#include "ctnn/core/tensor.hpp"
#include "ctnn/device/cpu.hpp"
#include "ctnn/layers/activation.hpp"
#include "ctnn/layers/linear.hpp"
#include "ctnn/layers/reshape.hpp"
#include "ctnn/network/network.hpp"
#include "ctnn/network/sequential.hpp"
#include "ctnn/network/summary.hpp"

#!/usr/bin/env bash
# Prints ON where nvidia-smi sees a GPU, OFF elsewhere: whether the scripts build the example
# trainers' --device cuda (CTNN_CUDA_EXAMPLES), which only a GPU can run.
if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then echo ON; else echo OFF; fi

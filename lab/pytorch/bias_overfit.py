"""PyTorch twin of the lab experiment bias-overfit (lab/experiments/bias_overfit.go).

The trial of bias_depth.py (a ReLU MLP on the embedded digits, with and without bias,
Adam, batches of 64) with 2 hidden layers of 32, 400 steps, on the first 100, 300 or all
training examples: training and test accuracy and their gap.
Run: /usr/bin/python3 lab/pytorch/bias_overfit.py [--seeds N] [--quick] [--set name=value]."""

from bias_depth import mlp_params, mlp_trial, mlp_variants
from twin import Param, run

PARAMS = mlp_params([2], ["100", "300", "all"], 400, 60) + [Param("margin", 1.0)]

if __name__ == "__main__":
    run("bias-overfit", PARAMS, mlp_variants, mlp_trial)

"""PyTorch twin of the lab experiment bias-training-time (lab/experiments/bias_training_time.go).

The trial of bias_depth.py (a ReLU MLP on the embedded digits, with and without bias,
Adam, batches of 64) with 2 hidden layers of 32, 500 steps: the steps until the mean of the
last 10 batch losses reaches 0.1 (the budget, with reached = 0, when it never does).
Run: /usr/bin/python3 lab/pytorch/bias_training_time.py [--seeds N] [--quick] [--set name=value]."""

from bias_depth import mlp_params, mlp_trial, mlp_variants
from twin import Param, run

PARAMS = mlp_params([2], ["all"], 500, 80) + [Param("margin", 0.1)]

if __name__ == "__main__":
    run("bias-training-time", PARAMS, mlp_variants, mlp_trial)

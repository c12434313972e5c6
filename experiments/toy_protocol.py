#!/usr/bin/env python3
"""A training script with no dependencies at all (plain Python), speaking mo-train's protocol.

    python3 experiments/toy_protocol.py --alpha 0.1 --seed 0 --steps 1000

A linear model y = Σ w·x on three fixed inputs, trained by gradient descent on
loss1 − α·loss2 with loss1 = (5 − Σ y)² (minimized) and loss2 = Σ w (maximized): the seed
question in miniature, with its gradients written out by hand.

The protocol, all a script needs to add to its loop (five lines of Python):

    import json
    for step in range(steps):
        ...                                   # compute loss1 and loss2 at this step's parameters
        print(json.dumps({"step": step, "loss1": float(loss1), "loss2": float(loss2)}), flush=True)
        ...                                   # then update the parameters on loss1 − α·loss2

flush=True hands mo-train each step as it is printed: without it Python writes to a pipe in 8 KiB
blocks, and a diverging run is seen (and stopped) late. See "Your own training script" in the
README.
"""
import argparse
import json
import os
import random


def main():
    env = os.environ
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--alpha", type=float, default=float(env.get("MO_TRAIN_ALPHA", 0.1)))
    parser.add_argument("--seed", type=int, default=int(env.get("MO_TRAIN_SEED", 0)))
    parser.add_argument("--steps", type=int, default=int(env.get("MO_TRAIN_STEPS", 1000)))
    parser.add_argument("--lr", type=float, default=0.01)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    x = [0.2, 0.5, 0.9]
    w = [rng.uniform(-1, 1) for _ in x]
    for step in range(args.steps):
        out = sum(wi * xi for wi, xi in zip(w, x))
        loss1 = (5.0 - out) ** 2
        loss2 = sum(w)
        print(json.dumps({"step": step, "loss1": loss1, "loss2": loss2}), flush=True)
        # ∂loss1/∂w_i = −2(5 − out)·x_i, ∂loss2/∂w_i = 1
        w = [wi - args.lr * (-2.0 * (5.0 - out) * xi - args.alpha) for wi, xi in zip(w, x)]


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The question that started mo-train, as a PyTorch script done right, speaking mo-train's protocol.

    mo-train sweep --command 'python3 experiments/seed_torch.py --alpha {alpha} --seed {seed} --steps {steps}' \\
        --alpha 0,0.01,0.1,1 --seeds 0-2
    python3 experiments/seed_torch.py --alpha 0.01 --seed 0 --steps 10000    # alone

Linear(1,5) → ReLU → Linear(5,10) → ReLU → Linear(10,1), PyTorch's default init, features
torch.rand(3, 1); loss1 = (5 − Σ out)² minimized, loss2 = Σ of every weight and bias maximized:
total = loss1 − α·loss2, Adam lr 1e-3. mo-train's built-in `seed` experiment is the same problem,
and `--seed s` starts both from the same weights and features.

The protocol: one line per step on stdout, a JSON object with loss1 and loss2 (and the step). Any
other output is the script's own and is kept in the run's output.log.
"""
import argparse
import json
import os

import torch
from torch import nn


def main():
    env = os.environ
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--alpha", type=float, default=float(env.get("MO_TRAIN_ALPHA", 0.01)))
    parser.add_argument("--seed", type=int, default=int(env.get("MO_TRAIN_SEED", 0)))
    parser.add_argument("--steps", type=int, default=int(env.get("MO_TRAIN_STEPS", 10000)))
    parser.add_argument("--lr", type=float, default=1e-3)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    model = nn.Sequential(nn.Linear(1, 5), nn.ReLU(), nn.Linear(5, 10), nn.ReLU(), nn.Linear(10, 1))
    x = torch.rand(3, 1)
    params = list(model.parameters())
    opt = torch.optim.Adam(params, lr=args.lr)

    for step in range(args.steps):
        opt.zero_grad()
        loss1 = (5.0 - model(x).sum()) ** 2
        # The original question built this as torch.tensor([w.sum() for w in params]): a new
        # tensor made of plain numbers, cut off the graph, so loss2 had no gradient and α did
        # nothing. Summing the parameters themselves keeps the gradient (∂loss2/∂θ = 1).
        loss2 = sum(p.sum() for p in params)
        # The losses at the parameters before update `step`, as mo-train's own steps.csv has them.
        print(json.dumps({"step": step, "loss1": loss1.item(), "loss2": loss2.item()}), flush=False)
        (loss1 - args.alpha * loss2).backward()
        opt.step()


if __name__ == "__main__":
    main()

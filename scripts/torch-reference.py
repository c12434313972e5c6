#!/usr/bin/env python3
"""PyTorch reference trajectories of the seed problem: the test fixtures in test/fixtures/torch/.

Run by hand, from the repository's root, with PyTorch installed (Debian: `apt-get install
python3-torch`, PyTorch 1.13; the fixtures in the repository were made with it):

    python3 scripts/torch-reference.py            # rewrites test/fixtures/torch/*.json
    python3 scripts/torch-reference.py --check    # exit 1 if any fixture differs from a fresh run

The seed problem (README, "The built-in seed experiment"):

    torch.manual_seed(seed)
    model = Linear(1,5) → ReLU → Linear(5,10) → ReLU → Linear(10,1)   (PyTorch's default init)
    x = torch.rand(3, 1)
    loss1 = (target − Σ model(x))²          minimized
    loss2 = Σ of every weight and bias      maximized, with its gradient
    total = loss1 − α·loss2

The init and the features are drawn in float32, exactly as a script that calls
torch.manual_seed(seed) gets them; training then runs in float64 (model.double()), so the fixtures
hold the trajectory of the arithmetic itself and a float64 engine can be held to ~1e-12.

Each file: `init` (the state_dict as JSON, Linear weights [out][in]), `features`, `target`,
`alpha`, `seed`, `optimizer` (PyTorch defaults apart from what is named; `momentum` is SGD with
momentum 0.9), `steps`, and per-step `loss1`/`loss2`, where row i is the losses at the parameters
*before* update i. A loss past 1e300 or non-finite is written as PyTorch gives it (JSON Infinity
or NaN tokens are avoided: such a run's trajectory ends at its first non-finite loss).
"""
import argparse
import json
import math
import os
import sys

import torch
from torch import nn

TARGET = 5.0
SAMPLES = 3

# (file, seed, alpha, optimizer, lr, steps): every optimizer, α = 0, and a run that overflows.
CASES = [
    ("seed0-adam-a0.json", 0, 0.0, "adam", 1e-3, 300),
    ("seed0-adam-a0.01.json", 0, 0.01, "adam", 1e-3, 300),
    ("seed1-momentum-a0.01.json", 1, 0.01, "momentum", 1e-3, 300),
    ("seed1-sgd-a0.1.json", 1, 0.1, "sgd", 1e-3, 300),
    ("seed2-adamw-a0.1.json", 2, 0.1, "adamw", 1e-3, 300),
    ("seed2-rmsprop-a0.01.json", 2, 0.01, "rmsprop", 1e-3, 300),
    # SGD at lr 0.2 from seed 3: loss1 passes 1e10 within a few dozen steps, then overflows.
    ("seed3-sgd-diverges.json", 3, 0.0, "sgd", 0.2, 60),
]

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "torch")


def make_optimizer(name, params, lr):
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=0.9)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr)
    raise ValueError(name)


def trajectory(seed, alpha, optimizer, lr, steps):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(1, 5), nn.ReLU(), nn.Linear(5, 10), nn.ReLU(), nn.Linear(10, 1))
    x = torch.rand(SAMPLES, 1)
    # The names mo-train's declarative layout gives (fc1, fc2, fc3), in state_dict order.
    names = {"0": "fc1", "2": "fc2", "4": "fc3"}
    init = {}
    for key, value in model.state_dict().items():
        layer, kind = key.split(".")
        init[f"{names[layer]}.{kind}"] = value.double().tolist()
    features = x.double().tolist()
    model = model.double()
    x = x.double()
    params = list(model.parameters())
    opt = make_optimizer(optimizer, params, lr)
    loss1s, loss2s = [], []
    for _ in range(steps):
        opt.zero_grad()
        loss1 = (TARGET - model(x).sum()) ** 2
        loss2 = sum(p.sum() for p in params)
        l1, l2 = loss1.item(), loss2.item()
        loss1s.append(l1)
        loss2s.append(l2)
        if not (math.isfinite(l1) and math.isfinite(l2)):
            # JSON has no NaN or Infinity: the trajectory ends at its first non-finite loss.
            loss1s.pop()
            loss2s.pop()
            break
        (loss1 - alpha * loss2).backward()
        opt.step()
    return init, features, loss1s, loss2s


def build(case):
    file, seed, alpha, optimizer, lr, steps = case
    init, features, loss1, loss2 = trajectory(seed, alpha, optimizer, lr, steps)
    return {
        "problem": "seed: Linear(1,5)-ReLU-Linear(5,10)-ReLU-Linear(10,1); loss1=(target-sum(out))^2; loss2=sum(params); total=loss1-alpha*loss2",
        "generator": "scripts/torch-reference.py",
        "torch": torch.__version__,
        "dtype": "float64",
        "seed": seed,
        "alpha": alpha,
        "target": TARGET,
        "optimizer": {"name": optimizer, "lr": lr},
        "steps": steps,
        "init": init,
        "features": features,
        "loss1": loss1,
        "loss2": loss2,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the files instead of writing them")
    args = parser.parse_args()
    torch.set_num_threads(1)
    os.makedirs(OUT_DIR, exist_ok=True)
    differ = []
    for case in CASES:
        path = os.path.join(OUT_DIR, case[0])
        text = json.dumps(build(case), allow_nan=False) + "\n"
        if args.check:
            with open(path) as f:
                if f.read() != text:
                    differ.append(case[0])
        else:
            with open(path, "w") as f:
                f.write(text)
            print(f"wrote {os.path.relpath(path)}")
    if differ:
        print("differ from a fresh run: " + ", ".join(differ), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

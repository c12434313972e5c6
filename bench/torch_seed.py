"""The seed problem as a researcher would write it in PyTorch, timed for `npm run bench`.

    model = Linear(1,5) → ReLU → Linear(5,10) → ReLU → Linear(10,1), float32, Adam lr 1e-3
    loss1 = (5 − Σ model(x))²        minimized
    loss2 = Σ p.sum() over params    maximized with weight α (with its gradient)
    total = loss1 − α·loss2

Every step does zero_grad, forward, both losses, backward, Adam step, and records
loss1.item() and loss2.item() into lists — what a person logging their run would do.

Modes (each prints ONE JSON object on stdout, which bench/run-bench.ts reads):

    --mode steps --steps 10000 --repeats 3 --warmup 500 [--threads 1|default]
        A warm-up run, then `repeats` fresh runs of `steps` steps; the seconds of each run's
        training loop (model construction excluded).
    --mode sweep --steps 10000 --alphas 0,0.01,0.1,1 --seeds 0,1,2 [--threads 1|default]
        The sweep as a for loop: every (alpha, seed) run back to back, one after the other, timed
        as a whole (construction included: it is part of the loop a person runs).

`--threads 1` calls torch.set_num_threads(1); `default` leaves torch's own choice.
"""
import argparse
import json
import sys
import time

import torch
from torch import nn

# The seed problem's constants (DESIGN.md): 3 samples, target sum 5.
SAMPLES = 3
TARGET = 5.0
LR = 1e-3


def build(seed):
    """A fresh run: seeded model, features and optimizer, as the script would start."""
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(1, 5), nn.ReLU(), nn.Linear(5, 10), nn.ReLU(), nn.Linear(10, 1))
    x = torch.rand(SAMPLES, 1)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    return model, x, opt


def train(model, x, opt, alpha, steps):
    """The training loop; returns the logged losses (kept so the .item() calls are real work)."""
    params = list(model.parameters())
    losses1 = []
    losses2 = []
    for _ in range(steps):
        opt.zero_grad()
        out = model(x)
        loss1 = (TARGET - out.sum()) ** 2
        loss2 = sum(p.sum() for p in params)
        total = loss1 - alpha * loss2
        total.backward()
        opt.step()
        losses1.append(loss1.item())
        losses2.append(loss2.item())
    return losses1, losses2


def mode_steps(args):
    model, x, opt = build(0)
    train(model, x, opt, args.alpha, args.warmup)
    seconds = []
    last = None
    for _ in range(args.repeats):
        model, x, opt = build(0)
        t0 = time.perf_counter()
        l1, l2 = train(model, x, opt, args.alpha, args.steps)
        seconds.append(time.perf_counter() - t0)
        last = (l1[-1], l2[-1])
    return {"steps": args.steps, "repeats": args.repeats, "warmup": args.warmup, "alpha": args.alpha,
            "seconds": seconds, "final_loss1": last[0], "final_loss2": last[1]}


def mode_sweep(args):
    alphas = [float(a) for a in args.alphas.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]
    per_run = []
    t0 = time.perf_counter()
    for alpha in alphas:
        for seed in seeds:
            r0 = time.perf_counter()
            model, x, opt = build(seed)
            train(model, x, opt, alpha, args.steps)
            per_run.append(time.perf_counter() - r0)
    total = time.perf_counter() - t0
    return {"steps": args.steps, "runs": len(per_run), "alphas": alphas, "seeds": seeds,
            "loop_seconds": total, "run_seconds": per_run}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mode", choices=["steps", "sweep"], required=True)
    p.add_argument("--steps", type=int, default=10000)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--warmup", type=int, default=500)
    p.add_argument("--alpha", type=float, default=0.01)
    p.add_argument("--alphas", default="0,0.01,0.1,1")
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--threads", default="1", help="an integer, or 'default' for torch's own choice")
    args = p.parse_args()

    if args.threads != "default":
        torch.set_num_threads(int(args.threads))
    result = mode_steps(args) if args.mode == "steps" else mode_sweep(args)
    result.update({
        "mode": args.mode,
        "threads_requested": args.threads,
        "threads": torch.get_num_threads(),
        "torch_version": torch.__version__,
        "python_version": sys.version.split()[0],
        "dtype": str(torch.get_default_dtype()),
    })
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

"""The batched PyTorch peer for a sweep of small models, timed for `npm run bench` (issue 15).

What an expert writes for R runs of the seed problem instead of R one-run loops: every run's
parameters stacked into batched tensors, trained in ONE loop.

    W1 [R, 5, 1]  b1 [R, 5]      lane r = run r's nn.Linear(1, 5), exactly as
    W2 [R, 10, 5] b2 [R, 10]     torch_seed.build(seed_r) makes it (torch.manual_seed(seed_r),
    W3 [R, 1, 10] b3 [R, 1]      the same nn.Sequential, then x = torch.rand(3, 1)), stacked
    x  [R, 3, 1]

    h1 = relu(baddbmm(b1, x, W1ᵀ)); h2 = relu(baddbmm(b2, h1, W2ᵀ)); out = baddbmm(b3, h2, W3ᵀ)
    loss1_r = (5 − Σ out_r)²        loss2_r = Σ of run r's parameters
    total   = Σ_r (loss1_r − α_r·loss2_r)

d total / d (lane r) is run r's own gradient (the lanes do not mix), and Adam is elementwise, so
one torch.optim.Adam (lr 1e-3, as torch_seed.py) over the six stacked tensors is exactly R
independent Adams. float32, PyTorch's default dtype, as torch_seed.py (`--dtype float64`
optional). loss1, loss2 and total per run are kept in memory at the steps `mo-train
--log-every K` logs (step % K == 0 and the last step), as tensors (no .item(): one [R] slice per
kept step); after the loop every run's CSV (`step,loss1,loss2,total`, a file per run, as
mo-train writes steps.csv) is written into a temporary directory, deleted afterwards.

Runs: α from `--alphas` cycled, seed r for run r (seeds 0..R−1).

Modes (each prints ONE JSON object on stdout, which bench/lib/measure-torch.ts reads):

    --mode bench --runs R --steps N --log-every 10 --repeats 1 [--threads 1|default]
        Builds the R models (timed: `build_seconds`), then `repeats` times: fresh stacked tensors and
        Adam, the training loop (timed: `loop_seconds`), the CSV writing (timed: `csv_seconds`).
    --mode check --runs R --steps 200 [--alphas …] [--tolerance-eps 16]
        Lane r against torch_seed.py's one-run loop (build(r), train(…, α_r, steps)) for every run
        r: loss1 and loss2 at every step and the final parameters, to rounding (see mode_check);
        and lane r bit-identical to run r batched alone. Exits 1 when a run fails. By hand, not in
        npm test:  /usr/bin/python3 bench/torch_batched.py --mode check --runs 40 --steps 200
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time

import torch

sys.dont_write_bytecode = True  # no bench/__pycache__ from importing torch_seed
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_seed import LR, TARGET, build, train  # noqa: E402  (the one-run loop this stacks)


def build_stack(alphas, seeds, dtype):
    """The R one-run models (torch_seed.build) stacked: six parameter tensors, x, α per run."""
    layers = [[], [], [], [], [], []]
    xs = []
    for seed in seeds:
        model, x, _ = build(seed)
        linears = [model[0], model[2], model[4]]
        for i, lin in enumerate(linears):
            layers[2 * i].append(lin.weight.detach())
            layers[2 * i + 1].append(lin.bias.detach())
        xs.append(x)
    stacked = [torch.stack(ts).to(dtype) for ts in layers]
    x = torch.stack(xs).to(dtype)
    alpha = torch.tensor(alphas, dtype=dtype)
    return stacked, x, alpha


def fresh_params(stacked):
    """Leaf tensors to train (clones, so every repeat starts from the same initial parameters)."""
    return [t.clone().requires_grad_(True) for t in stacked]


def train_batched(params, x, alpha, steps, log_every):
    """The batched loop. Returns the kept steps and [K, R] tensors of loss1, loss2 and total."""
    w1, b1, w2, b2, w3, b3 = params
    opt = torch.optim.Adam(params, lr=LR)
    kept_steps = []
    kept1 = []
    kept2 = []
    kept_total = []
    for step in range(steps):
        opt.zero_grad()
        h1 = torch.relu(torch.baddbmm(b1.unsqueeze(1), x, w1.transpose(1, 2)))
        h2 = torch.relu(torch.baddbmm(b2.unsqueeze(1), h1, w2.transpose(1, 2)))
        out = torch.baddbmm(b3.unsqueeze(1), h2, w3.transpose(1, 2))
        loss1 = (TARGET - out.sum(dim=(1, 2))) ** 2
        loss2 = w1.sum(dim=(1, 2)) + b1.sum(dim=1) + w2.sum(dim=(1, 2)) + b2.sum(dim=1) + w3.sum(dim=(1, 2)) + b3.sum(dim=1)
        per_run = loss1 - alpha * loss2
        per_run.sum().backward()
        opt.step()
        if step % log_every == 0 or step == steps - 1:
            kept_steps.append(step)
            kept1.append(loss1.detach())
            kept2.append(loss2.detach())
            kept_total.append(per_run.detach())
    return kept_steps, torch.stack(kept1), torch.stack(kept2), torch.stack(kept_total)


def write_csvs(directory, kept_steps, l1, l2, tot):
    """A `step,loss1,loss2,total` file per run, run r in run-<r>.csv; %.9g round-trips float32."""
    # Columns per run: [R, K] lists of Python floats, then one string per file.
    c1 = l1.t().tolist()
    c2 = l2.t().tolist()
    ct = tot.t().tolist()
    for r in range(len(c1)):
        lines = [f"{s},{a:.9g},{b:.9g},{t:.9g}\n" for s, a, b, t in zip(kept_steps, c1[r], c2[r], ct[r])]
        with open(os.path.join(directory, f"run-{r}.csv"), "w") as f:
            f.write("step,loss1,loss2,total\n")
            f.write("".join(lines))


def runs_of(args):
    alphas_cycle = [float(a) for a in args.alphas.split(",")]
    seeds = list(range(args.runs))
    alphas = [alphas_cycle[r % len(alphas_cycle)] for r in range(args.runs)]
    return alphas, seeds


def mode_bench(args, dtype):
    alphas, seeds = runs_of(args)
    t0 = time.perf_counter()
    stacked, x, alpha = build_stack(alphas, seeds, dtype)
    build_s = time.perf_counter() - t0
    loop_s = []
    csv_s = []
    rows = 0
    final = None
    for _ in range(args.repeats):
        params = fresh_params(stacked)
        t1 = time.perf_counter()
        kept_steps, l1, l2, tot = train_batched(params, x, alpha, args.steps, args.log_every)
        loop_s.append(time.perf_counter() - t1)
        directory = tempfile.mkdtemp(prefix="mo-train-bench-torch-batched-")
        try:
            t2 = time.perf_counter()
            write_csvs(directory, kept_steps, l1, l2, tot)
            csv_s.append(time.perf_counter() - t2)
            files = len(os.listdir(directory))
            if files != args.runs:
                raise SystemExit(f"torch_batched.py: wrote {files} CSV files, expected {args.runs}")
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        rows = len(kept_steps)
        final = (l1[-1, 0].item(), l2[-1, 0].item())
    return {"runs": args.runs, "steps": args.steps, "log_every": args.log_every, "repeats": args.repeats,
            "rows_per_run": rows, "build_seconds": build_s, "loop_seconds": loop_s, "csv_seconds": csv_s,
            "run0_final_loss1": final[0], "run0_final_loss2": final[1]}


def one_run(seed, alpha, steps, dtype):
    """torch_seed.py's one-run loop for this seed and α: per-step loss1, loss2, final parameters."""
    model, x, _ = build(seed)
    model.to(dtype)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    l1, l2 = train(model, x.to(dtype), opt, alpha, steps)
    flat = torch.cat([p.detach().reshape(-1) for p in model.parameters()]).double()
    return torch.tensor(l1, dtype=torch.float64), torch.tensor(l2, dtype=torch.float64), flat


def distances(a, b, eps):
    """Largest differences between two trajectories, in eps × the quantity's scale: the residual
    |5 − Σ out| = √loss1 against the target 5 (loss1 is the square of a near-cancelling difference,
    so its relative error says nothing near the optimum), loss2 against Σ|params|, the final
    parameters against the largest |param|."""
    (a1, a2, ap), (b1, b2, bp) = a, b
    return {
        "residual": ((a1.sqrt() - b1.sqrt()).abs().max() / (TARGET * eps)).item(),
        "loss2": ((a2 - b2).abs().max() / (bp.abs().sum() * eps)).item(),
        "params": ((ap - bp).abs().max() / (bp.abs().max() * eps)).item(),
    }


def mode_check(args, dtype):
    """Lane r of the batched loop against the one-run loop of torch_seed.py for that seed and α.

    1. Lanes do not mix: lane r of the R-run batch is bit-identical to run r batched alone (R = 1).
    2. Lane r matches the one-run loop to rounding: the batched matmuls sum in another order than
       nn.Linear's addmm, so a lane may differ by a rounding step, which this problem amplifies
       (a ReLU unit crossing zero, Adam's oscillation around the optimum once loss1 ≈ 0: from
       ~500 steps the one-run loop in float32 and in float64 part ways completely). So a lane
       passes when, for each quantity, its largest difference from the one-run loop is at most
       `--tolerance-eps` (eps × scale) or at most the one-run loop's own float32 error (its
       distance from the same loop in float64), whichever is larger.
    """
    alphas, seeds = runs_of(args)
    stacked, x, alpha = build_stack(alphas, seeds, dtype)
    params = fresh_params(stacked)
    kept_steps, l1, l2, _ = train_batched(params, x, alpha, args.steps, 1)
    assert kept_steps == list(range(args.steps))
    eps = torch.finfo(dtype).eps
    failures = []
    worst = {"residual": 0.0, "loss2": 0.0, "params": 0.0}
    own_worst = {"residual": 0.0, "loss2": 0.0, "params": 0.0}
    within_tolerance = 0
    isolated = 0
    for r, (a, seed) in enumerate(zip(alphas, seeds)):
        lane = (l1[:, r].double(), l2[:, r].double(), torch.cat([p[r].detach().reshape(-1) for p in params]).double())
        s1, x1, a1 = build_stack([a], [seed], dtype)
        p1 = fresh_params(s1)
        _, m1, m2, _ = train_batched(p1, x1, a1, args.steps, 1)
        if torch.equal(m1[:, 0], l1[:, r]) and torch.equal(m2[:, 0], l2[:, r]) and all(torch.equal(p[0], q[r]) for p, q in zip(p1, params)):
            isolated += 1
        else:
            failures.append(f"run {r}: lane differs from the same run batched alone")
        one = one_run(seed, a, args.steps, dtype)
        d = distances(lane, one, eps)
        own = distances(one, one_run(seed, a, args.steps, torch.float64), eps) if dtype == torch.float32 else {k: 0.0 for k in d}
        if all(v <= args.tolerance_eps for v in d.values()):
            within_tolerance += 1
        for k, v in d.items():
            worst[k] = max(worst[k], v)
            own_worst[k] = max(own_worst[k], own[k])
            if v > max(args.tolerance_eps, own[k]):
                failures.append(f"run {r} (seed {seed}, alpha {a}): {k} differs by {v:.3g} eps, one-run float32 vs float64 {own[k]:.3g} eps")
    return {"runs": args.runs, "steps": args.steps, "alphas": sorted(set(alphas)), "lanes_isolated": isolated,
            "max_diff_eps": worst, "one_run_float32_error_eps": own_worst, "tolerance_eps": args.tolerance_eps,
            "runs_within_tolerance": within_tolerance, "failures": failures, "ok": not failures}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mode", choices=["bench", "check"], required=True)
    p.add_argument("--runs", type=int, default=12)
    p.add_argument("--steps", type=int, default=10000)
    p.add_argument("--log-every", type=int, default=10)
    p.add_argument("--repeats", type=int, default=1)
    p.add_argument("--alphas", default="0,0.01,0.1,1", help="cycled over the runs; run r has seed r")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    p.add_argument("--tolerance-eps", type=float, default=16, help="check: the largest difference allowed, in eps × scale")
    p.add_argument("--threads", default="1", help="an integer, or 'default' for torch's own choice")
    args = p.parse_args()

    if args.threads != "default":
        torch.set_num_threads(int(args.threads))
    dtype = torch.float32 if args.dtype == "float32" else torch.float64
    result = mode_bench(args, dtype) if args.mode == "bench" else mode_check(args, dtype)
    result.update({
        "mode": args.mode,
        "threads_requested": args.threads,
        "threads": torch.get_num_threads(),
        "torch_version": torch.__version__,
        "python_version": sys.version.split()[0],
        "dtype": str(dtype),
    })
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    if args.mode == "check" and not result["ok"]:
        sys.exit(1)


if __name__ == "__main__":
    main()

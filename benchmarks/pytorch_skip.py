"""The reference DIP skip net trained in PyTorch, timed the way `dip bench` times dip.

Same net (benchmarks/reference/dip_reference.py: 5 levels × 128 channels, 4 skip channels, input
depth 32, reflection padding, bilinear, LeakyReLU, sigmoid), same step (input jitter 1/30, MSE,
Adam lr 0.01), 2 threads, 2 warm-up iterations, then the median of --iterations.

Run: python3 benchmarks/pytorch_skip.py --size 256 --iterations 10 [--json]
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "reference"))
from dip_reference import SkipBuilder  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    net = SkipBuilder().skip(32, 3, [128] * 5, [128] * 5, [4] * 5, ["bilinear"] * 5)
    params = sum(p.numel() for p in net.parameters())
    n = args.size
    z = torch.rand(1, 32, n, n) * 0.1
    target = torch.rand(1, 3, n, n)
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    mse = torch.nn.MSELoss()

    def step():
        opt.zero_grad()
        out = net(z + torch.randn_like(z) / 30)
        loss = mse(out, target)
        loss.backward()
        opt.step()

    for _ in range(2):
        step()
    times = []
    for _ in range(args.iterations):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    median = statistics.median(times)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"pytorch {torch.__version__}: skip {n}x{n}, {params} parameters, {args.threads} threads")
    print(f"median {median:.4f} s/iteration (min {min(times):.4f}, max {max(times):.4f}); peak RSS {rss / 2**20:.1f} MiB")
    if args.json:
        print(json.dumps({"seconds_per_iteration": median, "parameters": params, "peak_rss_bytes": rss,
                          "size": n, "threads": args.threads, "torch": torch.__version__}))


if __name__ == "__main__":
    main()

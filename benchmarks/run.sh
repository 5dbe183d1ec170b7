#!/usr/bin/env bash
# `make bench`: dip and the reference PyTorch net, back to back on this machine, at 256² and
# 512², then the speed and memory ratios. Absolute times vary between machines; ratios travel.
set -euo pipefail
dip="${1:-.build/release/dip}"
here="$(cd "$(dirname "$0")" && pwd)"
sizes="${BENCH_SIZES:-256 512}"
iterations="${BENCH_ITERATIONS:-8}"
if ! python3 -c "import torch" 2>/dev/null; then
    echo "installing PyTorch (CPU) for the reference benchmark…"
    python3 -m pip install --quiet torch
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for n in $sizes; do
    echo "== ${n}×${n}"
    # Through files, not `tee /dev/stderr`: reopening a redirected stderr truncates its log.
    "$dip" bench --size "$n" --iterations "$iterations" --threads 2 --json >"$scratch/dip.txt"
    cat "$scratch/dip.txt"
    python3 "$here/pytorch_skip.py" --size "$n" --iterations "$iterations" --threads 2 --json >"$scratch/torch.txt"
    cat "$scratch/torch.txt"
    d=$(tail -n 1 "$scratch/dip.txt")
    p=$(tail -n 1 "$scratch/torch.txt")
    python3 - "$d" "$p" <<'PY'
import json, sys
d, p = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"ratio: dip is {p['seconds_per_iteration'] / d['seconds_per_iteration']:.2f}x faster "
      f"({d['seconds_per_iteration']:.3f} vs {p['seconds_per_iteration']:.3f} s/iter); "
      f"peak memory {d['peak_rss_bytes'] / p['peak_rss_bytes']:.2f}x of PyTorch's")
PY
done

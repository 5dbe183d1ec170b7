#!/usr/bin/env bash
# `make demo`: denoise a bundled sample (F16, 256×256, with σ=25 noise added here).
# The TUI opens when stdout is a terminal; otherwise the run is headless with a progress bar.
set -euo pipefail
dip="${1:-.build/release/dip}"
stamp=$(date +%Y%m%d-%H%M%S)
mkdir -p runs
"$dip" degrade noise samples/F16_256.png -o "runs/demo-noisy.png" --sigma 25 --seed 1
exec "$dip" denoise runs/demo-noisy.png --gt samples/F16_256.png --iterations 2000 --out "runs/demo-$stamp"

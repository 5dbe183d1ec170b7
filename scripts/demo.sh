#!/usr/bin/env bash
# `make demo`: restore a bundled sample. The TUI opens when stdout is a terminal; otherwise the
# run is headless with a progress bar.
set -euo pipefail
dip="${1:-.build/release/dip}"
exec "$dip" bench --size 64 --iterations 5

#!/usr/bin/env bash
# dip's Slurm executor against a real scheduler: brings up a one-node Slurm cluster from
# Debian's packages (scripts/slurm-cluster.sh: temp folder, random ports), always tears it
# down, and checks
#   1. a 4-image batch through --executor slurm: four run directories and the summary;
#   2. a corrupt image: reported failed, the other three succeed; after fixing it, --resume
#      reruns only that one;
#   3. a NAS search of 2 controller steps × 2 candidates through Slurm, leaving a leaderboard;
#   4. scancel of a running array task: the batch reports it interrupted, --resume completes it;
# and that no daemon or job process is left behind. About a minute; needs root.
#
#   bash scripts/slurm-test.sh [path/to/dip]        (make slurm-test builds dip first)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
dip=$(realpath "${1:-$repo/.build/release/dip}")
[ -x "$dip" ] || { echo "slurm-test: $dip is missing; build it first (make slurm-test does)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "slurm-test: needs root (slurmd runs the jobs as root here)" >&2; exit 1; }
bash "$repo/scripts/install-deps.sh" slurmctld slurmd slurm-client munge

# shellcheck source=slurm-cluster.sh
source "$repo/scripts/slurm-cluster.sh"
work=$(mktemp -d /tmp/dip-slurm-test.XXXXXX)
started=$(date +%s.%N)
background=()

cleanup() {
    local status=$?
    for pid in "${background[@]}"; do kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    slurm_down || status=1
    if [ $status -ne 0 ]; then echo "slurm-test: FAILED (files kept in $work)" >&2; else rm -rf "$work"; fi
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "slurm-test: $*" >&2; }
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
fail() {
    say "FAIL: $*"
    exit 1
}
# run NAME EXPECTED_STATUS dip-args…: runs dip with output in $work/NAME.log, checks the status.
run() {
    local name=$1 expected=$2 status=0
    shift 2
    "$dip" "$@" >"$work/$name.log" 2>&1 || status=$?
    if [ "$status" -ne "$expected" ]; then
        cat "$work/$name.log" >&2
        fail "$name: dip $* exited $status, expected $expected"
    fi
}
# status_of CSV IMAGE: the status column of IMAGE's row.
status_of() { awk -F, -v img="$2" '$1 == img { print $7 }' "$1"; }
column_of() { awk -F, -v img="$2" -v col="$3" '$1 == img { print $col }' "$1"; }

slurm_up
cd "$work"

# Inputs: four noisy 32×32 crops of the bundled sample, and their clean versions for PSNR.
mkdir -p in gt
"$dip" degrade downscale "$repo/samples/F16_256.png" -o clean64.png --scale 4 2>/dev/null
"$dip" degrade downscale clean64.png -o clean32.png --scale 2 2>/dev/null
for i in 1 2 3 4; do
    "$dip" degrade noise clean32.png -o "in/img$i.png" --seed "$i" 2>/dev/null
    cp clean32.png "gt/img$i.png"
done
tiny=(--iterations 20 --channels 8 --depth 3 --input-depth 8 --threads 1)

# 1. Four images as one array.
t=$(date +%s.%N)
run batch1 0 batch denoise --inputs in --out b1 --gt-dir gt --executor slurm "${tiny[@]}"
for i in 1 2 3 4; do
    for f in run.json metrics.csv checkpoint result.png summary.json; do
        [ -f "b1/runs/img$i/$f" ] || fail "batch 1: b1/runs/img$i/$f is missing"
    done
    [ "$(status_of b1/summary.csv "img$i.png")" = ok ] || fail "batch 1: img$i.png is not ok in summary.csv"
    [ -n "$(column_of b1/summary.csv "img$i.png" 6)" ] || fail "batch 1: img$i.png has no PSNR"
    [ "$(column_of b1/summary.csv "img$i.png" 3)" = 20 ] || fail "batch 1: img$i.png did not run 20 iterations"
done
[ "$(wc -l <b1/summary.csv)" -eq 5 ] || fail "batch 1: summary.csv should have a header and 4 rows"
grep -q "| img4.png | 32x32 | 20 |" b1/summary.md || fail "batch 1: summary.md lacks img4's row"
grep -q "^exec $dip batch-item $work/b1 " b1/slurm/job.sh || fail "batch 1: job.sh does not run the absolute dip path"
grep -q "^cd $work " b1/slurm/job.sh || fail "batch 1: job.sh does not cd to the absolute working directory"
[ "$(ls b1/slurm/logs | wc -l)" -eq 4 ] || fail "batch 1: expected 4 Slurm task logs"
grep -q "array 0-3$" b1/slurm/jobs.log || fail "batch 1: expected one array 0-3 in jobs.log"
say "1. 4-image batch through Slurm: ok ($(since "$t") s)"

# 2. A corrupt image fails alone; --resume after fixing it reruns only that one.
t=$(date +%s.%N)
mkdir -p in2
cp in/img1.png in/img2.png in/img3.png in2/
printf 'this is not an image\n' >in2/img4.png
run batch2 1 batch denoise --inputs in2 --out b2 --gt-dir gt --executor slurm "${tiny[@]}"
[ "$(status_of b2/summary.csv img4.png)" = failed ] || fail "batch 2: img4.png is not reported failed"
grep -q "img4.png,.*not a PNG or JPEG image" b2/summary.csv || fail "batch 2: img4.png's error is not in summary.csv"
for i in 1 2 3; do [ "$(status_of b2/summary.csv "img$i.png")" = ok ] || fail "batch 2: img$i.png did not succeed"; done
before=$(stat -c %y b2/runs/img{1,2,3}/summary.json)
cp in/img4.png in2/img4.png
run batch2-resume 0 batch denoise --inputs in2 --out b2 --gt-dir gt --executor slurm --resume "${tiny[@]}"
[ "$(status_of b2/summary.csv img4.png)" = ok ] || fail "batch 2 resume: img4.png did not succeed"
[ "$before" = "$(stat -c %y b2/runs/img{1,2,3}/summary.json)" ] || fail "batch 2 resume: finished images ran again"
[ "$(tail -1 b2/slurm/jobs.log | awk '{print $NF}')" = 3 ] || fail "batch 2 resume: expected an array of item 3 only"
say "2. corrupt image failed alone, --resume reran only it: ok ($(since "$t") s)"

# 3. NAS search: 2 controller steps × 2 candidates, each step one array.
t=$(date +%s.%N)
run nas 0 nas search --task denoise --images clean64.png --size 64 --channels 16 --iterations-per-candidate 3 \
    --candidates 4 --batch 2 --seed 3 --out s1 --headless --executor slurm
[ "$(wc -l <s1/leaderboard.csv)" -eq 5 ] || fail "nas: leaderboard.csv should have a header and 4 candidates"
[ "$(grep -c ',ok,' s1/leaderboard.csv)" -eq 4 ] || fail "nas: not every candidate was evaluated"
[ "$(grep -c ' job ' s1/slurm/jobs.log)" -eq 2 ] || fail "nas: expected one array per controller step (2)"
say "3. NAS search, 2 steps × 2 candidates through Slurm: ok ($(since "$t") s)"

# 4. scancel a running array task: reported interrupted; --resume finishes it from its checkpoint.
t=$(date +%s.%N)
mkdir -p in4
cp in/img1.png in4/
long=(--iterations 1500 --no-auto-stop --checkpoint-every 50 --snapshot-every 0 --channels 8 --depth 3 --input-depth 8 --threads 1)
"$dip" batch denoise --inputs in4 --out b4 --executor slurm "${long[@]}" >"$work/batch4.log" 2>&1 &
background+=($!)
task=""
for _ in $(seq 300); do
    task=$(squeue -h -t running -o '%i' | sed -n 1p)
    rows=$(($(wc -l 2>/dev/null <b4/runs/img1/metrics.csv || echo 1) - 1))
    [ -n "$task" ] && [ "$rows" -ge 200 ] && break
    sleep 0.1
done
[ -n "$task" ] && [ "$rows" -ge 200 ] || fail "scancel: the array task never got going"
[ "$rows" -lt 1500 ] || fail "scancel: the task finished before it could be cancelled; make it longer"
scancel "$task"
status=0
wait "${background[0]}" || status=$?
background=()
[ $status -eq 1 ] || { cat "$work/batch4.log" >&2; fail "scancel: dip batch exited $status, expected 1"; }
[ "$(status_of b4/summary.csv img1.png)" = interrupted ] || fail "scancel: img1.png is not reported interrupted"
[ -f b4/runs/img1/checkpoint ] || fail "scancel: no checkpoint left to resume from"
run batch4-resume 0 batch denoise --inputs in4 --out b4 --executor slurm --resume "${long[@]}"
[ "$(status_of b4/summary.csv img1.png)" = ok ] || fail "scancel resume: img1.png did not finish"
[ "$(column_of b4/summary.csv img1.png 3)" = 1500 ] || fail "scancel resume: img1.png did not reach 1500 iterations"
[ "$(($(wc -l <b4/runs/img1/metrics.csv) - 1))" -eq 1500 ] || fail "scancel resume: metrics.csv should hold each iteration once"
say "4. scancel of a running task reported, --resume completed it: ok ($(since "$t") s)"

cd "$repo"
slurm_down || fail "teardown left processes behind"
say "all passed in $(since "$started") s"

#!/usr/bin/env bash
# GPU check: on a machine with a hardware GPU, check firesale's GPU engine against its CPU
# engine path by path (`firesale bench --check`: exit 1 and the worst columns when they
# disagree), at a week and at a year of hours, then time it at growing path counts. Run from
# the project's root (it reads scenarios/ and benches/). The whole script keeps to a deadline
# (default 540 s, so it fits one 10-minute command with room to spare): the most important
# steps come first, each step gets what is left, and the script goes on after a failure.
#
#   usage: tools/gpu-check.sh FIRESALE_BINARY OUTDIR [scale] [deadline_s]
#   scale: 1 (default) for a hardware GPU; 0.01 for a quick rehearsal on a software driver.
#
# Writes into OUTDIR: gpu.txt (card, driver), devices.txt, check-week.json and
# check-year.json (per adapter: driver, limits, per-value and per-column agreement, and
# throughput), bench-crypto-unwind.json and bench-three-asset.json (cold and warm at 1e6 and
# 1e7 paths), big-run.json (one 1e8-path run as a user starts it), and log.txt.
set -u
fs=$(realpath "$1"); out=$(realpath -m "$2"); scale=${3:-1}; deadline=$(( $(date +%s) + ${4:-540} ))
mkdir -p "$out"; log="$out/log.txt"; : >"$log"
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp/xdg-$$}; mkdir -p "$XDG_RUNTIME_DIR"
n() { python3 -c "print(max(1000, int($1 * $scale)))"; }
step() { local limit=$1; shift; local left=$(( deadline - $(date +%s) ))
  [ "$left" -gt 10 ] || { echo "== skipped (deadline): $*" | tee -a "$log"; return 124; }
  [ "$limit" -le "$left" ] || limit=$left
  echo "== $* (limit ${limit}s)" | tee -a "$log"
  local t0=$(date +%s.%N); timeout "$limit" "$@" >>"$log" 2>&1; local rc=$?
  echo "   rc=$rc in $(python3 -c "print(round($(date +%s.%N) - $t0, 2))") s" | tee -a "$log"; return $rc; }

(command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
 nproc; lscpu | grep -m1 'Model name') >"$out/gpu.txt" 2>&1
"$fs" devices >"$out/devices.txt" 2>&1
tmp=$(mktemp -d)
# 1. Trust the card: the same numbers at 168 steps (5,000 paths compared value by value),
#    with a first timing at 100,000 paths.
step 120 "$fs" bench crypto-unwind --check --check-paths 5000 --paths "$(n 100000)" \
  --json "$out/check-week.json"
# 2. The same over a year of hours (8,760 steps: many slices per chunk).
sed 's/^steps = 168.*/steps = 8760/' scenarios/crypto-unwind.toml >"$tmp/year.toml"
step 150 "$fs" bench "$tmp/year.toml" --check --check-paths 2000 --paths 2000 \
  --json "$out/check-year.json"
# 3. Throughput, cold and warm, at growing path counts (the CPU engine too, for the ratio);
#    then one big run as a user starts it, and the three-asset bench.
step 200 "$fs" bench crypto-unwind --paths "$(n 1000000),$(n 10000000)" \
  --json "$out/bench-crypto-unwind.json"
step 120 "$fs" run crypto-unwind --paths "$(n 100000000)" --backend gpu --quiet \
  --json "$out/big-run.json"
step 120 "$fs" bench benches/three-asset.toml --paths "$(n 1000000),$(n 10000000)" \
  --json "$out/bench-three-asset.json"
rm -rf "$tmp"
echo "done: $(ls "$out" | tr '\n' ' ')" | tee -a "$log"

#!/usr/bin/env bash
# Regenerates docs/gallery/*.png: the first screen (1200 × 900 px) of the report of each
# command (run, replay, calibrate, reverse, fit), as headless Chromium shows it. Run from anywhere:
#   tools/gallery.sh            (CHROMIUM=/path/to/chromium to pick the browser)
# It builds the release binary, writes the reports into a scratch folder and replaces the
# PNGs; docs/gallery.md shows them.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/docs/gallery"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

browser="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}"
if [ -z "$browser" ]; then
    echo "gallery.sh: headless Chromium is needed: install chromium or set CHROMIUM" >&2
    exit 2
fi

cargo build --release --quiet --manifest-path "$root/Cargo.toml"
firesale="$root/target/release/firesale"

# The commands of the README and docs/questions.md, on the CPU engine so that the screenshots
# do not depend on the machine's GPU (the run with 20,000 paths, to keep this quick).
"$firesale" run crypto-unwind --paths 20000 --backend cpu --quiet --out "$scratch/run"
"$firesale" replay crypto-unwind --shocks "$root/scenarios/shocks/crypto-unwind-week.csv" \
    --out "$scratch/replay" >/dev/null
"$firesale" calibrate crypto-unwind --cohort my-fund --param leverage \
    --target 'p_liquidation<=0.01' --paths 20000 --backend cpu --out "$scratch/calibrate" >/dev/null
"$firesale" reverse crypto-unwind --shock BTC=-0.10,ETH=-0.13,SOL=-0.16 \
    --target 'system:liquidated_notional>=1.45B' --out "$scratch/reverse" >/dev/null
# fit: a year of hourly prices drawn from crypto-unwind's market, fitted back.
# Run in the scratch folder, so that the report names the file as a user would see it.
(cd "$scratch" && "$firesale" history crypto-unwind --rows 8760 --out prices.csv &&
    "$firesale" fit prices.csv --out fitted.toml --out-report fit --quiet)

mkdir -p "$out"
for report in run replay calibrate reverse fit; do
    "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
        --user-data-dir="$scratch/profile" --window-size=1200,900 \
        --screenshot="$out/$report.png" "file://$scratch/$report/report.html" 2>/dev/null
    echo "wrote $out/$report.png"
done

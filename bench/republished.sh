#!/usr/bin/env bash
# A story republished everywhere: the cost of `dedup check` and of a plain run when one story
# has thousands of near-copies.
#
#   bench/republished.sh [BIN]          default: target/release/dedup, built here
#
# Indexes 20,000 near-copies of one story (bench/republished.py, about 5 % of words changed),
# checks 200 new copies against the index, and clusters 10,200 copies in a plain run. Prints
# wall time, peak memory and the size of the JSON report of each step. Figures in RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-}
if [ -z "$bin" ]; then
  cargo build --release --quiet
  bin=target/release/dedup
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
bench/republished.py 20000 "$dir/archive.jsonl"
bench/republished.py 200 "$dir/new.jsonl" --seed 2 --first 20000
bench/republished.py 10200 "$dir/copies.jsonl" --seed 3
step() {
  local name=$1; shift
  /usr/bin/time -f "$name: %e s, %M KB peak" "$@" >"$dir/out" 2>"$dir/err" || { cat "$dir/err"; exit 1; }
  echo "$(tail -1 "$dir/err"), report $(stat -c %s "$dir/out") bytes"
}
step "index build, 20,000 copies" "$bin" index build --quiet "$dir/archive.jsonl" -o "$dir/idx"
step "check 200 new copies" "$bin" check --quiet --format json --index "$dir/idx" "$dir/new.jsonl"
step "plain run, 10,200 copies, json" "$bin" --quiet --format json "$dir/copies.jsonl"
step "plain run, 10,200 copies, csv" "$bin" --quiet --format csv "$dir/copies.jsonl"

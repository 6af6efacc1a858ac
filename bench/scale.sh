#!/usr/bin/env bash
# Throughput and memory of dedup as the corpus grows.
#
#   bench/scale.sh [SIZE...]        default: 10000 100000
#   bench/scale.sh 10000 100000 1000000
#
# Each corpus is generated once by `dedup-synth` (tools/synth) from the real base articles that
# bench/fetch-corpus.sh downloads, into the git-ignored bench/data/synth-SIZE/, and then
# clustered at default settings under /usr/bin/time -v. Prints one Markdown table; the
# per-article columns are what the scale targets are stated in (time per article should stay
# flat, peak memory per article should stay under 1.5 KB).
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)

bench/fetch-corpus.sh >/dev/null
cargo build --release --quiet --workspace
bin=target/release/dedup
synth=target/release/dedup-synth

echo "| articles | MB of text | wall s | MB/s | µs / article | peak RSS MB | RSS bytes / article | candidate pairs | duplicate pairs |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in "${sizes[@]}"; do
  dir=bench/data/synth-$n
  if [ ! -s "$dir/articles.jsonl" ]; then
    "$synth" --base bench/data/newsarticles.jsonl --base bench/data/bbc.jsonl \
      -n "$n" --seed 7 -o "$dir" >&2
  fi
  corpus=$dir/articles.jsonl
  log=$(mktemp)
  /usr/bin/time -v "$bin" --quiet --stats --format json "$corpus" >/dev/null 2>"$log"
  python3 - "$n" "$corpus" "$log" <<'PY'
import os, re, sys
n, corpus, log = int(sys.argv[1]), sys.argv[2], open(sys.argv[3]).read()
mb = os.path.getsize(corpus) / 1e6
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", log).group(1)
secs = sum(float(x) * 60 ** i for i, x in enumerate(reversed(wall.split(":"))))
rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", log).group(1))
pairs = re.search(r"dedup: (\d+) candidate pairs .* (\d+) at or above", log)
print(f"| {n:,} | {mb:,.0f} | {secs:.2f} | {mb / secs:,.0f} | {secs / n * 1e6:.1f} | "
      f"{rss_kb / 1024:,.0f} | {rss_kb * 1024 / n:,.0f} | {int(pairs.group(1)):,} | {int(pairs.group(2)):,} |")
PY
  rm -f "$log"
done

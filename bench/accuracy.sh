#!/usr/bin/env bash
# Accuracy on labelled corpora: a tuning split to choose settings on, a test split to report.
#
#   bench/accuracy.sh [ARTICLES]      default 20000 per split
#
# The real base articles (bench/fetch-corpus.sh) are split by line parity into two disjoint
# halves, so no story of the test split was seen while tuning. Each half becomes a labelled
# corpus through `dedup synth`. The grid of settings is scored on the tuning split only; the
# default settings are then scored on the test split. Prints Markdown tables.
set -euo pipefail
cd "$(dirname "$0")/.."

n=${1:-20000}
bench/fetch-corpus.sh >/dev/null
cargo build --release --quiet
bin=target/release/dedup
data=bench/data

for half in tune test; do
  if [ ! -s "$data/base-$half.jsonl" ]; then
    # Odd lines for tuning, even lines for testing, from both corpora.
    parity=$([ "$half" = tune ] && echo 1 || echo 0)
    cat "$data/newsarticles.jsonl" "$data/bbc.jsonl" | awk -v p="$parity" 'NR % 2 == p' >"$data/base-$half.jsonl"
  fi
  dir=$data/accuracy-$half-$n
  if [ ! -s "$dir/articles.jsonl" ]; then
    seed=$([ "$half" = tune ] && echo 11 || echo 22)
    "$bin" synth --base "$data/base-$half.jsonl" -n "$n" --seed "$seed" -o "$dir" >&2
  fi
done

# One row of scores: all pairs, then recall per copy kind, ARI, hard-negative merge rate.
score() {
  local dir=$1
  shift
  "$bin" eval --quiet --format json --labels "$dir/labels.jsonl" "$@" "$dir/articles.jsonl" |
    python3 -c '
import json, sys
m = json.load(sys.stdin)
k = m["per_kind"]
r = lambda kind: k[kind]["recall"] if kind in k else float("nan")
print("| %s | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %.2f %% |" % (
    " ".join(sys.argv[1:]) or "defaults", m["overall"]["precision"], m["overall"]["recall"],
    m["overall"]["f1"], r("reword"), r("chrome"), r("extend"), r("rewrite"),
    m["adjusted_rand_index"], 100 * m["hard_negative_merge_rate"]))
' "$@"
}

header="| settings | precision | recall | F1 | recall reword (a) | recall chrome (b) | recall extend/cut (c) | recall rewrite (d) | ARI | hard negatives merged |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"

echo "### Tuning split ($n articles)"
echo
echo "$header"
for shingle in "--ngram 2" "--ngram 3" "--ngram 4" "--shingle char --ngram 7"; do
  for t in 0.06 0.08 0.1 0.15 0.2 0.3; do
    # shellcheck disable=SC2086
    score "$data/accuracy-tune-$n" $shingle --threshold "$t"
  done
done
echo
echo "### Test split ($n articles), default settings"
echo
echo "$header"
score "$data/accuracy-test-$n"

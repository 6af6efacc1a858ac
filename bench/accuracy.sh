#!/usr/bin/env bash
# Accuracy on labelled corpora: a tuning split to choose settings on, a test split to report.
#
#   bench/accuracy.sh [ARTICLES]      default 20000 generated articles per split
#
# The real base articles (bench/fetch-corpus.sh) are split by line parity into two disjoint
# halves, so no story of the test split was seen while tuning. Each half becomes a labelled
# corpus through `dedup-synth` (tools/synth), to which that half's natural hard cases of NewsArticles are
# added unchanged (wire copies and same-event articles, labelled by bench/label-natural.py and
# split by case). The generated corpora carry every kind of negative `dedup-synth` makes (hard
# negatives, shared background paragraphs, outlet footers, quoted passages, template items);
# the table gives each kind's merge rate. The grid of settings is scored on the tuning split
# only; the default settings are then scored on the test split, on the whole natural set and on
# the footer stress test (ARTICLES different stories with one 100-word footer). Prints Markdown
# tables.
#
# Environment: DEDUP_BIN runs that binary (no build); otherwise `cargo build --release` into
# CARGO_TARGET_DIR (default target/). The corpus generator dedup-synth is built there either way.
set -euo pipefail
cd "$(dirname "$0")/.."

n=${1:-20000}
bench/fetch-corpus.sh >/dev/null
cargo build --release --quiet -p dedup-synth
synth=${CARGO_TARGET_DIR:-target}/release/dedup-synth
if [ -n "${DEDUP_BIN:-}" ]; then
  bin=$DEDUP_BIN
else
  cargo build --release --quiet
  bin=${CARGO_TARGET_DIR:-target}/release/dedup
fi
data=bench/data
natural=$data/natural
[ -s "$natural/labels.jsonl" ] || python3 bench/label-natural.py --out "$natural"

for half in tune test; do
  dir=$data/accuracy-$half-$n
  if [ ! -s "$dir/articles.jsonl" ]; then
    python3 bench/label-natural.py --out "$natural" --split "$half" \
      --base "$data/newsarticles.jsonl" --base "$data/bbc.jsonl" \
      --base-out "$data/base-$half.jsonl" --cases-out "$data/natural-$half"
    seed=$([ "$half" = tune ] && echo 11 || echo 22)
    "$synth" --base "$data/base-$half.jsonl" -n "$n" --seed "$seed" -o "$dir" >&2
    cat "$data/natural-$half/articles.jsonl" >>"$dir/articles.jsonl"
    cat "$data/natural-$half/labels.jsonl" >>"$dir/labels.jsonl"
  fi
done

footer_test=$data/footer-test-$n
[ -s "$footer_test/articles.jsonl" ] ||
  "$synth" --base "$data/newsarticles.jsonl" --base "$data/bbc.jsonl" --footer-test -n "$n" \
    --seed 33 -o "$footer_test" >&2

# One row of scores: all pairs, recall per copy kind, ARI, merge rates per negative kind.
score() {
  local dir=$1
  shift
  "$bin" eval --quiet --format json --labels "$dir/labels.jsonl" "$@" "$dir/articles.jsonl" |
    python3 -c '
import json, sys
m = json.load(sys.stdin)
k = m["per_kind"]
r = lambda kind: "%.4f" % k[kind]["recall"] if kind in k else "—"
h = m["hard_negatives_by_kind"]
merged = lambda kind: ("%.2f %% (%d of %d)" % (100 * h[kind]["merge_rate"], h[kind]["merged"],
                       h[kind]["articles"])) if kind in h else "—"
negatives = ("hard_negative", "shared_background", "shared_footer", "quoted", "template",
             "same_event")
print("| %s | %.4f | %.4f | %.4f | %s | %s | %s | %s | %s | %.4f | %s |" % (
    " ".join(sys.argv[1:]) or "defaults", m["overall"]["precision"], m["overall"]["recall"],
    m["overall"]["f1"], r("reword"), r("chrome"), r("extend"), r("rewrite"), r("wire"),
    m["adjusted_rand_index"], " | ".join(merged(k) for k in negatives)))
' "$@"
}

header="| settings | precision | recall | F1 | recall reword (a) | recall chrome (b) | recall extend/cut (c) | recall rewrite (d) | recall wire (natural) | ARI | merged: hard negative | shared background | shared footer | quoted | template | same-event (natural) |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"

echo "### Tuning split ($n generated articles + natural cases)"
echo
echo "$header"
for shingle in "--ngram 2" "--ngram 3" "--ngram 4" "--shingle char --ngram 7"; do
  for t in 0.06 0.08 0.1 0.12 0.15 0.2 0.3; do
    # shellcheck disable=SC2086
    score "$data/accuracy-tune-$n" $shingle --threshold "$t"
  done
done
echo
echo "### Test split ($n generated articles + natural cases), default settings"
echo
echo "$header"
score "$data/accuracy-test-$n"
echo
echo "### Natural set (all of NewsArticles, rule labels), default settings"
echo
echo "$header"
score "$natural"
echo
echo "### Footer stress test ($n different stories, one 100-word footer), default settings"
echo
echo "$header"
score "$footer_test"

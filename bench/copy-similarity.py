#!/usr/bin/env python3
"""How far each kind of copy is from its story's original, in word 3-shingle Jaccard.

    copy-similarity.py ARTICLES.jsonl LABELS.jsonl

For every article of a story that has an `original` (as `dedup-synth` writes them), the exact
Jaccard of its word 3-shingles to the original's, over peers.py's tokens: \\w+ runs, which
approximate dedup's words but split "korea's", "1,000,000" and "u.s" that dedup keeps whole, so
the figures are near dedup's Jaccard, not equal to it (`dedup explain` gives its own). Prints
the quartiles and the share in a few bands per kind, to check that generated copies are as
hard as real ones. Standard library only.
"""

import collections
import json
import os
import statistics
import sys

# No __pycache__ in the source tree for one imported helper.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peers import jaccard, shingles, tokenize  # noqa: E402

BANDS = (0.0, 0.06, 0.08, 0.10, 0.12, 0.15, 0.2, 0.3, 1.01)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[2].strip())
    with open(sys.argv[2], encoding="utf-8") as f:
        labels = {d["id"]: d for d in map(json.loads, f)}
    texts = {}
    with open(sys.argv[1], encoding="utf-8") as f:
        for d in map(json.loads, f):
            texts[d["id"]] = d["text"]
    originals = {l["story"]: i for i, l in labels.items() if l.get("kind") == "original"}
    sims = collections.defaultdict(list)
    for i, l in labels.items():
        o = originals.get(l["story"])
        if o is None or o == i or i not in texts:
            continue
        sims[l["kind"]].append(jaccard(shingles(tokenize(texts[i])), shingles(tokenize(texts[o]))))
    heads = [f"{lo:.2f}-{hi:.2f}" if hi <= 1 else f">= {lo:.2f}" for lo, hi in zip(BANDS, BANDS[1:])]
    print("| kind | copies | q1 | median | q3 | " + " | ".join(heads) + " |")
    print("|---|" + "---:|" * (4 + len(heads)))
    for kind in sorted(sims):
        xs = sorted(sims[kind])
        q1, med, q3 = statistics.quantiles(xs, n=4) if len(xs) > 1 else (xs[0],) * 3
        shares = [sum(lo <= x < hi for x in xs) / len(xs) for lo, hi in zip(BANDS, BANDS[1:])]
        print(f"| {kind} | {len(xs)} | {q1:.3f} | {med:.3f} | {q3:.3f} | "
              + " | ".join(f"{100 * s:.0f} %" for s in shares) + " |")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The adjudicated benchmark of real article pairs in the ambiguous band (issue 12).

    real-pairs.py sample [--dedup BIN] [--out bench/labels/real-pairs-sample.jsonl]
    real-pairs.py show --pairs FILE [--from K] [--count N]        # print pairs for reading
    real-pairs.py score --labels bench/labels/real-pairs.jsonl --dedup BIN [--split test] [ARGS...]

`sample` runs dedup at a low threshold over both corpora of `bench/fetch-corpus.sh` (together,
as a user would) and draws a seeded sample of pairs whose word-3 Jaccard lies in 0.04-0.3,
stratified over that band. Pairs are keyed by article id (`news-N`, `bbc-<category>-NNN`);
no article text is written, since the corpora may not be redistributed.

`show` prints each sampled pair for a human reader: outlet, date, headline, the first part of
both texts, and the passages the two share. The labels themselves are written by people who
read both texts (bench/labels/README.md says how) into bench/labels/real-pairs.jsonl:

    {"a": "news-12", "b": "news-40", "label": "same" | "different",
     "kind": "copy|rewrite|wire|update|other_angle|follow_up|background|footer|quote|template|unrelated",
     "reason": "one line", "split": "tune" | "test", "jaccard": 0.123}

`score` runs dedup (with ARGS) on the whole NewsArticles + BBC corpus and counts, for the
labelled pairs of one split, how many the clustering puts in one cluster: precision, recall
and F1 over labelled pairs, and the wrong pairs listed with their kind and reason. With
`--direct` it scores the copy rule's own verdict on each pair (`dedup explain`) instead, which
separates the rule's mistakes from those of chaining.

The split is by story: pairs are grouped into connected components of their articles, and a
component goes to `test` or `tune` by a hash of its smallest article id, so no story is in both.
"""

import argparse
import collections
import json
import os
import random
import subprocess
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
CORPORA = [os.path.join(DATA, "newsarticles.jsonl"), os.path.join(DATA, "bbc.jsonl")]
# Strata of the Jaccard band and how many pairs to draw from each: the band around the
# threshold is where rewrites and shared boilerplate collide, so it gets most of the sample.
STRATA = [(0.04, 0.06, 70), (0.06, 0.08, 90), (0.08, 0.12, 130), (0.12, 0.2, 120), (0.2, 0.3, 90)]
SHOW_WORDS = 260


def load_corpus():
    articles = {}
    for path in CORPORA:
        with open(path, encoding="utf-8") as f:
            for line_no, line in enumerate(f, 1):
                rec = json.loads(line)
                rec["where"] = f"{path}:{line_no}"
                articles[rec["id"]] = rec
    return articles


def run_dedup(binary, args):
    cmd = [binary, "--format", "json", *args, *CORPORA]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def split_of(pairs):
    """tune/test by story: connected components of the pairs' articles."""
    parent = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pairs:
        ra, rb = find(p["a"]), find(p["b"])
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    comps = collections.defaultdict(list)
    for p in pairs:
        comps[find(p["a"])].append(p)
    for comp in comps.values():
        smallest = min(min(p["a"], p["b"]) for p in comp)
        split = "test" if zlib.crc32(smallest.encode()) % 2 else "tune"
        for p in comp:
            p["split"] = split


def sample(args):
    report = run_dedup(args.dedup, ["--threshold", "0.04", "--all-pairs"] if args.all_pairs
                       else ["--threshold", "0.04"])
    ids = {m["id"] for c in report["clusters"] for m in c["members"]}
    pairs = []
    for cluster in report["clusters"]:
        id_of = {m["path"]: m["id"] for m in cluster["members"]}
        for p in cluster["pairs"]:
            a, b = id_of[p["a"]], id_of[p["b"]]
            pairs.append({"a": min(a, b), "b": max(a, b), "jaccard": round(p["jaccard"], 4)})
    rng = random.Random(12)
    chosen = []
    for lo, hi, n in STRATA:
        band = sorted((p for p in pairs if lo <= p["jaccard"] < hi), key=lambda p: (p["a"], p["b"]))
        rng.shuffle(band)
        chosen.extend(band[:n])
        print(f"J {lo}-{hi}: {len(band)} pairs, {min(n, len(band))} drawn", file=sys.stderr)
    split_of(chosen)
    chosen.sort(key=lambda p: (p["a"], p["b"]))
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        for p in chosen:
            f.write(json.dumps(p) + "\n")
    print(f"{len(chosen)} pairs of {len(pairs)} in the band over {len(ids)} clustered articles "
          f"-> {args.out}", file=sys.stderr)


def head(text, n):
    words = text.split()
    return " ".join(words[:n]) + (f" [... {len(words) - n} more words]" if len(words) > n else "")


def show(args):
    articles = load_corpus()
    with open(args.pairs) as f:
        pairs = [json.loads(line) for line in f if line.strip()]
    for k, p in enumerate(pairs[args.start:args.start + args.count], args.start):
        a, b = articles[p["a"]], articles[p["b"]]
        explain = json.loads(subprocess.run(
            [args.dedup, "explain", "--format", "json", a["where"], b["where"]],
            check=True, capture_output=True, text=True).stdout)
        print(f"===== PAIR {k}: {p['a']} vs {p['b']} (J {p['jaccard']})")
        for tag, art in (("A", a), ("B", b)):
            print(f"--- {tag} {art['id']} | {art.get('source')} | {art.get('date')} | "
                  f"{art.get('title')}")
            print(head(art.get("text") or "", SHOW_WORDS))
        passages = explain.get("shared_passages", [])[:6]
        print("--- shared passages (longest first): " +
              " || ".join(f"[{q['words']}w] {q['text'][:300]}" for q in passages))
        print()


def score(args):
    with open(args.labels) as f:
        labels = [json.loads(line) for line in f if line.strip()]
    labels = [p for p in labels if args.split in ("all", p["split"])]
    if args.direct:
        articles = load_corpus()

        def joined_of(p):
            out = subprocess.run(
                [args.dedup, "explain", "--format", "json", *args.rest,
                 articles[p["a"]]["where"], articles[p["b"]]["where"]],
                check=True, capture_output=True, text=True).stdout
            return json.loads(out)["duplicate"]
        sizes = []
    else:
        report = run_dedup(args.dedup, args.rest)
        cluster_of = {}
        for n, c in enumerate(report["clusters"]):
            for m in c["members"]:
                cluster_of[m["id"]] = n
        sizes = sorted((len(c["members"]) for c in report["clusters"]), reverse=True)

        def joined_of(p):
            return p["a"] in cluster_of and cluster_of.get(p["a"]) == cluster_of.get(p["b"])
    tp = fp = fn = 0
    wrong = []
    for p in labels:
        joined = joined_of(p)
        same = p["label"] == "same"
        tp += joined and same
        fp += joined and not same
        fn += same and not joined
        if joined != same:
            wrong.append(("merged" if joined else "missed", p))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(json.dumps({"split": args.split, "direct": args.direct, "pairs": len(labels),
                      "same": sum(p["label"] == "same" for p in labels),
                      "precision": round(precision, 4), "recall": round(recall, 4),
                      "f1": round(f1, 4), "clusters": len(sizes), "largest": sizes[:5]}))
    for what, p in wrong:
        print(f"  {what}: {p['a']} {p['b']} J {p['jaccard']} {p['kind']}: {p['reason']}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    default_bin = os.path.join(HERE, "..", "target", "release", "dedup")
    s = sub.add_parser("sample")
    s.add_argument("--dedup", default=default_bin)
    s.add_argument("--all-pairs", action="store_true", help="pass --all-pairs to dedup")
    s.add_argument("--out", default=os.path.join(HERE, "labels", "real-pairs-sample.jsonl"))
    s.set_defaults(run=sample)
    s = sub.add_parser("show")
    s.add_argument("--dedup", default=default_bin)
    s.add_argument("--pairs", required=True)
    s.add_argument("--from", dest="start", type=int, default=0)
    s.add_argument("--count", type=int, default=20)
    s.set_defaults(run=show)
    s = sub.add_parser("score")
    s.add_argument("--dedup", default=default_bin)
    s.add_argument("--labels", default=os.path.join(HERE, "labels", "real-pairs.jsonl"))
    s.add_argument("--split", choices=["tune", "test", "all"], default="test")
    s.add_argument("--direct", action="store_true", help="score each pair's own verdict")
    s.add_argument("rest", nargs="*", help="further dedup flags")
    s.set_defaults(run=score)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()

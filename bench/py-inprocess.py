#!/usr/bin/env python3
"""In-process comparison from Python: the same texts already in memory, the same settings.

  bench/py-inprocess.py CORPUS.jsonl LABELS.jsonl [--threshold T] [--num-perm N]

Each tool runs in a fresh interpreter (`one` subcommand), so that its peak RSS is its own:
the texts are loaded first and the RSS then is subtracted. Wall time covers everything from
texts in memory to clusters: shingling, signing, LSH, verification (exact Jaccard for
datasketch, rensa and gaoya, as in bench/peers.py) and connected components. F1 is pairwise,
on the labels, by bench/peers.py's pair_metrics. Prints one Markdown table.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import peers  # noqa: E402

TOOLS = ("dedup", "datasketch", "rensa", "gaoya")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peer_clusters(tool, texts, threshold, num_perm):
    sets = [set(peers.shingles(peers.tokenize(t))) for t in texts]
    phases = {}
    if tool == "gaoya":
        from gaoya.minhash import MinHashStringIndex

        bands, rows = peers.rensa_bands(threshold, num_perm)
        index = MinHashStringIndex(hash_size=32, jaccard_threshold=threshold,
                                   num_bands=bands, band_size=rows, num_hashes=bands * rows,
                                   analyzer="word", lowercase=True, ngram_range=(3, 3))
        ids = list(range(len(texts)))
        index.par_bulk_insert_docs(ids, texts)
        found = index.par_bulk_query(texts)
        cands = {(min(i, j), max(i, j)) for i, js in enumerate(found) for j in js if i != j}
    elif tool == "datasketch":
        _, _, cands, _ = peers.lsh_datasketch(sets, threshold, num_perm, None, phases)
    else:
        _, _, cands, _ = peers.lsh_rensa(sets, threshold, num_perm, None, phases)
    edges = [(i, j) for i, j in cands if peers.jaccard(sets[i], sets[j]) >= threshold]
    return [c for c in peers.components(len(texts), edges) if len(c) > 1]


def one(args):
    rows = [json.loads(line) for line in open(args.corpus, encoding="utf-8") if line.strip()]
    texts = [r["text"] for r in rows]
    ids = [str(r["id"]) for r in rows]
    dates = [r.get("date") for r in rows]
    before = rss_mb()
    t = time.perf_counter()
    if args.tool == "dedup":
        import dedup

        result = dedup.find_duplicates(texts, ids=ids, dates=dates, threshold=args.threshold,
                                       num_perm=args.num_perm)
        clusters = [c.members for c in result.clusters]
    else:
        clusters = peer_clusters(args.tool, texts, args.threshold, args.num_perm)
    wall = time.perf_counter() - t
    labels, _ = peers.read_labels(args.labels)
    named = [[ids[m] for m in c] for c in clusters]
    p, r, f1 = peers.pair_metrics(named, labels, set(ids))
    print(json.dumps({"tool": args.tool, "wall": wall, "rss_mb": rss_mb() - before,
                      "precision": p, "recall": r, "f1": f1, "clusters": len(clusters)}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("labels")
    ap.add_argument("--threshold", type=float, default=0.08)
    ap.add_argument("--num-perm", type=int, default=512)
    ap.add_argument("--tool", choices=TOOLS)
    ap.add_argument("--tools", default=",".join(TOOLS))
    args = ap.parse_args()
    if args.tool:
        return one(args)
    results = []
    for tool in args.tools.split(","):
        cmd = [sys.executable, __file__, args.corpus, args.labels, "--tool", tool,
               "--threshold", str(args.threshold), "--num-perm", str(args.num_perm)]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode:
            print(f"{tool} failed: {done.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
            continue
        results.append(json.loads(done.stdout))
    cli = os.environ.get("DEDUP_BIN", "target/release/dedup")
    t = time.perf_counter()
    subprocess.run([cli, "--quiet", "--format", "json", "--threshold", str(args.threshold),
                    "--num-perm", str(args.num_perm), args.corpus],
                   stdout=subprocess.DEVNULL, check=True)
    cli_wall = time.perf_counter() - t
    print("| tool | wall s | peak RSS above the texts, MB | precision | recall | F1 | clusters |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['tool']} | {r['wall']:.2f} | {r['rss_mb']:.0f} | {r['precision']:.3f} | "
              f"{r['recall']:.3f} | {r['f1']:.3f} | {r['clusters']:,} |")
    ours = next((r for r in results if r["tool"] == "dedup"), None)
    if ours:
        print(f"\nCLI on the same JSONL file (reading and parsing it included): {cli_wall:.2f} s; "
              f"Python/CLI time ratio {ours['wall'] / cli_wall:.2f}")


if __name__ == "__main__":
    main()

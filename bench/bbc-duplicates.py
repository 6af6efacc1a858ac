#!/usr/bin/env python3
"""How dedup's clusters of the BBC News set relate to its exact duplicates.

    bbc-duplicates.py [--bin DEDUP] THRESHOLD...

Exact duplicates are articles whose texts are identical once lower-cased and stripped of
punctuation. For each threshold, prints one Markdown row: clusters, clustered articles, exact-
duplicate pairs inside one cluster (of all such pairs), and clusters whose members are not all
identical (updated versions and follow-ups of a story). Standard library only.
"""

import collections
import itertools
import json
import re
import subprocess
import sys

CORPUS = "bench/data/bbc.jsonl"


def normalised(text):
    return " ".join(re.sub(r"[^\w\s]", "", text.lower()).split())


def main():
    args = sys.argv[1:]
    binary = "target/release/dedup"
    if args[:1] == ["--bin"]:
        binary, args = args[1], args[2:]
    if not args:
        sys.exit(__doc__.strip().splitlines()[2].strip())
    with open(CORPUS, encoding="utf-8") as f:
        texts = {line: normalised(json.loads(raw)["text"]) for line, raw in enumerate(f, 1)}
    by_text = collections.defaultdict(list)
    for line, text in texts.items():
        by_text[text].append(line)
    exact = {p for lines in by_text.values() for p in itertools.combinations(lines, 2)}
    print("| threshold | clusters | clustered articles | exact-duplicate pairs found "
          f"(of {len(exact)}) | clusters with non-identical members |")
    print("|---:|---:|---:|---:|---:|")
    for threshold in args:
        run = subprocess.run([binary, "--quiet", "--format", "json", "-t", threshold, CORPUS],
                             capture_output=True, text=True, check=True)
        clusters = json.loads(run.stdout)["clusters"]
        members = [{int(m["path"].rsplit(":", 1)[1]) for m in c["members"]} for c in clusters]
        found = sum(1 for a, b in exact if any(a in m and b in m for m in members))
        mixed = sum(1 for m in members if len({texts[line] for line in m}) > 1)
        print(f"| {threshold} | {len(clusters)} | {sum(map(len, members))} | {found} | {mixed} |")


if __name__ == "__main__":
    main()

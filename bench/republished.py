#!/usr/bin/env python3
"""Writes N near-copies of one story as JSONL: a wire story republished everywhere.

    bench/republished.py N OUT.jsonl [--seed S] [--first ID] [--base FILE]

Each copy changes about 5 % of the base article's words to random vocabulary words, so every
two copies are near-duplicates and every copy shares most LSH bands with every other. The base
is the first article of at least 400 words in bench/data/newsarticles.jsonl, or a fixture when
that corpus has not been fetched. Ids run from --first, so that two calls can make an archive
and a day's new copies of the same story.
"""
import argparse
import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def base_text(path):
    if path.exists():
        with path.open() as f:
            for line in f:
                text = json.loads(line).get("text", "")
                if len(text.split()) >= 400:
                    return text
    return (ROOT / "fixtures/seeds/001_13e38ec530b71da4.txt").read_text()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("n", type=int)
    p.add_argument("out")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--first", type=int, default=0)
    p.add_argument("--base", default=str(ROOT / "bench/data/newsarticles.jsonl"))
    a = p.parse_args()
    words = base_text(Path(a.base)).split()
    rng = random.Random(a.seed)
    with open(a.out, "w") as out:
        for i in range(a.first, a.first + a.n):
            copy = [w if rng.random() >= 0.05 else f"w{rng.randrange(100000)}" for w in words]
            out.write(json.dumps({"id": f"copy{i}", "text": " ".join(copy)}) + "\n")


if __name__ == "__main__":
    main()

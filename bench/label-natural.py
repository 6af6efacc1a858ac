#!/usr/bin/env python3
"""Label the natural hard cases of NewsArticles by rule: wire copies and same-event articles.

    label-natural.py [--corpus bench/data/newsarticles.jsonl] [--out bench/data/natural]
    label-natural.py --show wire|partial|same_event|near_miss [--count N] [--seed S]
    label-natural.py --split tune|test --base-out BASE.jsonl --cases-out DIR

--split (after a labelling run; bench/accuracy.sh uses it, with --base for each base file)
divides the labelled cases into two
disjoint halves by a hash of their first article's id (a case is a wire group with its
same-event partners), writes that half's scored case articles and labels to --cases-out, and
writes to --base-out the base articles of that half (odd or even lines of NewsArticles, then
BBC) for `dedup-synth`, without any article that a rule paired with another: a synthetic copy
of one of them would otherwise be a copy of a natural article under another story.

Writes into --out:
  articles.jsonl  the corpus, every article unchanged (ids `news-N`)
  labels.jsonl    one {"id", "story", "kind"} per scored article, as `dedup eval --labels`
                  reads it: kind "wire" for members of a group of copies of one text,
                  "same_event" for articles with a same-event partner (and in no wire group),
                  "unrelated" for the rest. Articles of a partial pair, and articles of
                  fewer than MIN_WORDS words (scraper leftovers), get no label
  pairs.jsonl     every pair a rule looked at, with its measurements and class

The rules deliberately use nothing of dedup's own measure (word 3-shingle Jaccard) or its
threshold, so that the labels can judge dedup instead of repeating it:

  * Boilerplate first: a word 8-gram found in more than BOILER_PER_OUTLET articles of one
    outlet, or in more than BOILER_ANYWHERE articles, is page furniture (newsletter pitches,
    "follow us" lines, agency credits) and is masked out before anything is compared.
  * wire: common runs of 8 or more consecutive normalised words cover at least WIRE_COVER
    of the shorter article (most of it is found verbatim in the other). Wire groups are the
    connected components of these pairs and are one story each.
  * partial: not wire, but the runs cover at least PARTIAL_COVER of the shorter article, or
    one run is PARTIAL_RUN words or longer (a shared background paragraph, a quoted statement,
    a live blog pasting a report). Neither the same story nor a clean negative: both
    articles stay in the corpus but are not scored.
  * same_event: neither of the above, TF-IDF cosine of word unigrams (boilerplate masked) of
    at least EVENT_COSINE, published at most EVENT_DAYS days apart. Different articles about
    one event: each keeps a story of its own, and merging them is a hard-negative mistake.
  * near_miss (reported, not labelled): cosine as high but published further apart.

Normalisation and tokens are peers.py's (NFKC, lower case, apostrophes and hyphens as
spaces, runs of word characters): close to dedup's, but not its own, which keep "korea's",
"1,000,000" and "u.s" whole (Unicode word boundaries). Standard library only; deterministic.
"""

import argparse
import collections
import datetime
import json
import math
import os
import random
import sys
import zlib

# No __pycache__ in the source tree for one imported helper.
sys.dont_write_bytecode = True

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peers import roots, tokenize  # noqa: E402

GRAM = 8
BOILER_PER_OUTLET = 3
BOILER_ANYWHERE = 8
PARTIAL_COVER = 0.2
PARTIAL_RUN = 25
WIRE_COVER = 0.5
EVENT_COSINE = 0.5
EVENT_DAYS = 3
# Pairs sharing fewer 8-grams than this cannot reach either wire rule on articles of the
# corpus' length and are not measured.
MIN_SHARED_GRAMS = 5
# Terms in more than this share of articles are left out of the candidate search (not of the
# cosine): they contribute little and would make the search quadratic.
COMMON_TERM_SHARE = 0.05
CANDIDATE_PARTIAL_COSINE = 0.3
MIN_WORDS = 20


def read(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def masked_tokens(docs):
    """Tokens per article with boilerplate positions replaced by None, and the 8-gram keys."""
    toks = [tokenize(d.get("text") or "") for d in docs]
    grams = [[hash(tuple(t[i:i + GRAM])) for i in range(len(t) - GRAM + 1)] for t in toks]
    where = collections.defaultdict(set)
    for i, gs in enumerate(grams):
        for g in gs:
            where[g].add(i)
    boiler = set()
    for g, ds in where.items():
        if len(ds) > BOILER_ANYWHERE:
            boiler.add(g)
        elif len(ds) > BOILER_PER_OUTLET:
            outlets = collections.Counter(docs[d].get("source") for d in ds)
            if outlets.most_common(1)[0][1] > BOILER_PER_OUTLET:
                boiler.add(g)
    masked = []
    for t, gs in zip(toks, grams):
        m = list(t)
        for i, g in enumerate(gs):
            if g in boiler:
                m[i:i + GRAM] = [None] * GRAM
        masked.append(m)
    return masked


def gram_positions(tokens):
    pos = collections.defaultdict(list)
    for i in range(len(tokens) - GRAM + 1):
        window = tokens[i:i + GRAM]
        if None not in window:
            pos[hash(tuple(window))].append(i)
    return pos


def common_runs(pa, pb, la, lb):
    """Longest run of consecutive words the two articles share (8 words or more, else 0), and
    the share of the shorter article's words inside runs of 8 or more it shares."""
    run = {}
    longest = 0
    cover_a, cover_b = set(), set()
    # Start positions of shared 8-grams, as (position in a, position in b), in order of a.
    starts = sorted((i, j) for g, is_ in pa.items() if g in pb for i in is_ for j in pb[g])
    for i, j in starts:
        r = run.get((i - 1, j - 1), 0) + 1
        run[(i, j)] = r
        longest = max(longest, r + GRAM - 1)
        cover_a.update(range(i, i + GRAM))
        cover_b.update(range(j, j + GRAM))
    short = min(la, lb)
    cover = (len(cover_a) if la <= lb else len(cover_b)) / short if short else 0.0
    return longest, cover


def tfidf(masked):
    n = len(masked)
    tfs = [collections.Counter(w for w in m if w is not None) for m in masked]
    df = collections.Counter(w for tf in tfs for w in tf)
    vecs = []
    for tf in tfs:
        v = {w: (1 + math.log(c)) * math.log(n / df[w]) for w, c in tf.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        vecs.append({w: x / norm for w, x in v.items()})
    return vecs, df


def cosine(a, b):
    if len(a) > len(b):
        a, b = b, a
    return sum(x * b.get(w, 0.0) for w, x in a.items())


def similar_pairs(vecs, df):
    """Pairs whose cosine over the rarer terms alone reaches CANDIDATE_PARTIAL_COSINE."""
    limit = COMMON_TERM_SHARE * len(vecs)
    postings = collections.defaultdict(list)
    for i, v in enumerate(vecs):
        for w, x in v.items():
            if df[w] <= limit:
                postings[w].append((i, x))
    partial = collections.defaultdict(float)
    for plist in postings.values():
        for k, (i, x) in enumerate(plist):
            for j, y in plist[k + 1:]:
                partial[(i, j)] += x * y
    return sorted(p for p, s in partial.items() if s >= CANDIDATE_PARTIAL_COSINE)


def day(d):
    try:
        return datetime.date.fromisoformat((d or "")[:10])
    except ValueError:
        return None


def label(docs):
    masked = masked_tokens(docs)
    positions = [gram_positions(m) for m in masked]
    lengths = [sum(1 for w in m if w is not None) for m in masked]
    shared = collections.Counter()
    by_gram = collections.defaultdict(list)
    for i, pos in enumerate(positions):
        for g in pos:
            by_gram[g].append(i)
    for ds in by_gram.values():
        for k, a in enumerate(ds):
            for b in ds[k + 1:]:
                shared[(a, b)] += 1
    runs = {}
    for (a, b), n in shared.items():
        if n >= MIN_SHARED_GRAMS:
            runs[(a, b)] = common_runs(positions[a], positions[b], lengths[a], lengths[b])
    vecs, df = tfidf(masked)
    pairs = {}
    for a, b in sorted(set(runs) | set(similar_pairs(vecs, df))):
        longest, cover = runs.get((a, b), (0, 0.0))
        cos = cosine(vecs[a], vecs[b])
        da, db = day(docs[a].get("date")), day(docs[b].get("date"))
        days = abs((da - db).days) if da and db else None
        if cover >= WIRE_COVER:
            kind = "wire"
        elif cover >= PARTIAL_COVER or longest >= PARTIAL_RUN:
            kind = "partial"
        elif cos >= EVENT_COSINE and days is not None and days <= EVENT_DAYS:
            kind = "same_event"
        elif cos >= EVENT_COSINE:
            kind = "near_miss"
        else:
            continue
        pairs[(a, b)] = {"a": docs[a]["id"], "b": docs[b]["id"], "class": kind,
                         "longest_run": longest, "cover": round(cover, 3),
                         "cosine": round(cos, 3), "days": days}
    return pairs


def write(docs, pairs, out):
    os.makedirs(out, exist_ok=True)
    # Articles in a partial pair are neither copies nor clean negatives of their partner:
    # they stay in the corpus, as in real life, but are not scored.
    unscored = {i for p, v in pairs.items() if v["class"] == "partial" for i in p}
    # Scraper leftovers ("-1", a caption) are the same text at different stories.
    unscored |= {i for i, d in enumerate(docs) if len(tokenize(d.get("text") or "")) < MIN_WORDS}
    kept = {c: [p for p, v in pairs.items() if v["class"] == c and not unscored & set(p)]
            for c in ("wire", "same_event")}
    root = roots(len(docs), kept["wire"])
    in_wire = {i for p in kept["wire"] for i in p}
    in_event = {i for p in kept["same_event"] for i in p}
    kinds = collections.Counter()
    with open(os.path.join(out, "labels.jsonl"), "w", encoding="utf-8") as f:
        for i, d in enumerate(docs):
            if i in unscored:
                kinds["(not scored)"] += 1
                continue
            kind = "wire" if i in in_wire else "same_event" if i in in_event else "unrelated"
            kinds[kind] += 1
            story = f"n-{docs[root[i]]['id']}"
            f.write(json.dumps({"id": d["id"], "story": story, "kind": kind}) + "\n")
    with open(os.path.join(out, "articles.jsonl"), "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    with open(os.path.join(out, "pairs.jsonl"), "w", encoding="utf-8") as f:
        for p in sorted(pairs):
            f.write(json.dumps(pairs[p]) + "\n")
    classes = collections.Counter(v["class"] for v in pairs.values())
    groups = collections.Counter(root[i] for i in in_wire)
    print(f"{len(docs)} articles; pairs: {dict(sorted(classes.items()))}; scored: "
          f"{len(kept['wire'])} wire pairs in {len(groups)} groups (sizes "
          f"{dict(sorted(collections.Counter(groups.values()).items()))}), "
          f"{len(kept['same_event'])} same-event pairs; articles: {dict(sorted(kinds.items()))}",
          file=sys.stderr)


def show(docs, out, cls, count, seed):
    by_id = {d["id"]: d for d in docs}
    with open(os.path.join(out, "pairs.jsonl"), encoding="utf-8") as f:
        pairs = [p for p in map(json.loads, f) if p["class"] == cls]
    random.Random(seed).shuffle(pairs)
    for p in pairs[:count]:
        print("=" * 100)
        print(json.dumps(p))
        for side in "ab":
            d = by_id[p[side]]
            print(f"--- {d['id']} {d.get('source')} {d.get('date')} | {d.get('title')}")
            print((d.get("text") or "")[:900])


def split(out, half, base_paths, base_out, cases_out):
    with open(os.path.join(out, "labels.jsonl"), encoding="utf-8") as f:
        labels = {d["id"]: d for d in map(json.loads, f)}
    with open(os.path.join(out, "pairs.jsonl"), encoding="utf-8") as f:
        pairs = list(map(json.loads, f))
    paired = {p[side] for p in pairs for side in "ab"}
    cases = [(p["a"], p["b"]) for p in pairs if p["class"] in ("wire", "same_event")
             and p["a"] in labels and p["b"] in labels]
    ids = sorted({i for c in cases for i in c})
    at = {i: k for k, i in enumerate(ids)}
    root = roots(len(ids), [(at[a], at[b]) for a, b in cases])
    parity = 1 if half == "tune" else 0
    mine = {i for i in ids if zlib.crc32(ids[root[at[i]]].encode()) % 2 == parity}
    os.makedirs(cases_out, exist_ok=True)
    with open(os.path.join(out, "articles.jsonl"), encoding="utf-8") as f, \
            open(os.path.join(cases_out, "articles.jsonl"), "w", encoding="utf-8") as a, \
            open(os.path.join(cases_out, "labels.jsonl"), "w", encoding="utf-8") as lab:
        for line in f:
            if json.loads(line)["id"] in mine:
                a.write(line)
                lab.write(json.dumps(labels[json.loads(line)["id"]]) + "\n")
    lineno = 0
    with open(base_out, "w", encoding="utf-8") as b:
        for path in base_paths:
            with open(path, encoding="utf-8") as f:
                for line in f:
                    lineno += 1
                    if lineno % 2 == parity and json.loads(line)["id"] not in paired:
                        b.write(line)
    print(f"{half}: {len(mine)} natural case articles; {len(paired)} paired articles kept "
          f"out of the synthetic base", file=sys.stderr)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=os.path.join(here, "data", "newsarticles.jsonl"))
    ap.add_argument("--out", default=os.path.join(here, "data", "natural"))
    ap.add_argument("--show", choices=["wire", "partial", "same_event", "near_miss"])
    ap.add_argument("--split", choices=["tune", "test"])
    ap.add_argument("--base", action="append", help="base JSONL for --split (repeatable)")
    ap.add_argument("--base-out")
    ap.add_argument("--cases-out")
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if args.split:
        if not (args.base and args.base_out and args.cases_out):
            ap.error("--split needs --base, --base-out and --cases-out")
        split(args.out, args.split, args.base, args.base_out, args.cases_out)
        return
    docs = read(args.corpus)
    if args.show:
        show(docs, args.out, args.show, args.count, args.seed)
    else:
        write(docs, label(docs), args.out)


if __name__ == "__main__":
    main()

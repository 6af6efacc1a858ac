#!/usr/bin/env python3
"""Peer MinHash+LSH pipelines (datasketch, rensa) and the comparison report.

Driven by peers.sh; two subcommands:

  peers.py run --tool {datasketch,rensa} --threshold T --num-perm N [--bands B] --out OUT.json CORPUS.jsonl
      Cluster CORPUS with one peer library and write the clusters as JSON.
      peers.sh runs this under /usr/bin/time -v, so the wall time and peak
      RSS it reports are for the whole process: interpreter start, imports,
      reading JSONL, shingling, hashing, LSH, verification, output.

  peers.py report --work DIR --corpus CORPUS.jsonl --threshold T --num-perm N [--labels L.jsonl]
      Read every tool's clusters and /usr/bin/time output from DIR (see
      peers.sh for the file names) and print one Markdown table.

The pipeline follows the steps dedup takes, with tokens of its own:
  * normalise: NFKC, lowercase, fold curly quotes, apostrophes and hyphens
    become spaces;
  * tokens: runs of Unicode word characters (\\w+). These are NOT dedup's
    tokens: dedup splits at Unicode word boundaries (UAX #29), which keep
    "korea's", "1,000,000" and "u.s" whole where \\w+ splits them. On
    "North Korea's leader paid $1,000,000 ... U.S. officials said Kim
    Jong-un's car" this gives 17 tokens and dedup 12. So the peers and the
    exact reference measure Jaccard over these tokens, which is close to
    dedup's but not equal to it: a pair near the threshold can fall on
    either side in one and not the other;
  * features: the set of word 3-shingles (a document with 1-2 tokens gets
    one shingle of all its tokens; one with no tokens gets none and is never
    clustered -- empty sets would otherwise all share one all-max signature
    and land in one giant bogus cluster);
  * candidates: every pair the LSH index returns when each document is
    queried after all are inserted;
  * verified edges: candidate pairs whose *exact* Jaccard of shingle sets is
    >= T (dedup's semantics). Two variants come for free from the same run and
    are reported too: "estimate" edges are candidates whose MinHash estimate
    (the library's own `jaccard`) is >= T, which is how these libraries are
    used in practice (e.g. text-dedup); "LSH only" takes every candidate;
  * clusters: connected components with at least two members.
"""

import argparse
import json
import os
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter, defaultdict

# Only the `text` field is shingled. The title is left out on purpose: wire
# copies are often re-headlined, and a dedup tool judged on body text should
# not get credit or blame for headline edits. Keep in sync with dedup.
TEXT_FIELD = "text"
SHINGLE_SIZE = 3
RENSA_SEED = 42  # any fixed seed; datasketch uses its own default (1)

TOOLS = ("exact", "datasketch", "rensa", "dedup")

# ---------------------------------------------------------------------------
# Normalisation and shingling: close to dedup's, not the same (see the module
# docstring: \w+ splits what dedup's UAX #29 words keep whole)
# ---------------------------------------------------------------------------

_QUOTE_FOLD = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"',
})
# ASCII apostrophe and hyphen-minus, modifier-letter apostrophe, the Unicode
# hyphens and dashes (U+2010..U+2015) and the minus sign. Splitting on them
# makes "Jong-un" / "Jong un" and "Trump's" / "Trump s" the same tokens.
_APOS_HYPHEN = re.compile("['\u02bc\u2010-\u2015\u2212-]")
_WORD = re.compile(r"\w+")


def tokenize(text):
    text = unicodedata.normalize("NFKC", text).lower().translate(_QUOTE_FOLD)
    return _WORD.findall(_APOS_HYPHEN.sub(" ", text))


def shingles(tokens, k=SHINGLE_SIZE):
    if not tokens:
        return frozenset()
    if len(tokens) < k:
        return frozenset([" ".join(tokens)])
    return frozenset(" ".join(tokens[i:i + k]) for i in range(len(tokens) - k + 1))


def jaccard(a, b):
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def read_corpus(path):
    ids, texts = [], []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            doc = json.loads(line)
            if "id" not in doc:
                sys.exit(f"{path}:{lineno}: document has no 'id'")
            ids.append(str(doc["id"]))
            texts.append(doc.get(TEXT_FIELD) or "")
    if len(set(ids)) != len(ids):
        dup = [i for i, c in Counter(ids).items() if c > 1][:5]
        sys.exit(f"{path}: duplicate ids, e.g. {dup}")
    return ids, texts


# ---------------------------------------------------------------------------
# Union-find: connected components over edge lists
# ---------------------------------------------------------------------------

def roots(n, edges):
    """The smallest member of each item's connected component under `edges`."""
    parent = list(range(n))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return [find(i) for i in range(n)]


def components(n, edges):
    groups = defaultdict(list)
    for i, root in enumerate(roots(n, edges)):
        groups[root].append(i)
    # Deterministic order: by first member's corpus position.
    return sorted((g for g in groups.values() if len(g) > 1), key=lambda g: g[0])


# ---------------------------------------------------------------------------
# LSH banding for rensa
# ---------------------------------------------------------------------------

def _integrate(f, lo, hi, steps=2000):
    h = (hi - lo) / steps
    return sum(f(lo + (i + 0.5) * h) for i in range(steps)) * h


def rensa_bands(threshold, num_perm):
    """Pick rensa's band count the way datasketch picks its (b, r).

    datasketch minimises 0.5*P(false positive) + 0.5*P(false negative) over
    all b*r <= num_perm. rensa insists that num_bands divides num_perm, so we
    minimise the same objective over the divisors only; the result can differ
    from datasketch's (e.g. T=0.3, N=128: datasketch 37x3, rensa 32x4), which
    is why the report prints both.
    """
    best = None
    for b in (d for d in range(1, num_perm + 1) if num_perm % d == 0):
        r = num_perm // b
        fp = _integrate(lambda s: 1 - (1 - s ** r) ** b, 0.0, threshold)
        fn = _integrate(lambda s: (1 - s ** r) ** b, threshold, 1.0)
        err = 0.5 * fp + 0.5 * fn
        if best is None or err < best[0]:
            best = (err, b, r)
    return best[1], best[2]


# ---------------------------------------------------------------------------
# Peer pipelines. Each returns (bands, rows, candidate index pairs, signatures by index).
# ---------------------------------------------------------------------------

def lsh_datasketch(sets, threshold, num_perm, bands, phases):
    from datasketch import MinHash, MinHashLSH

    t = time.perf_counter()
    sigs = {}
    for i, s in enumerate(sets):
        if s:
            m = MinHash(num_perm=num_perm)
            m.update_batch([x.encode("utf-8") for x in s])
            sigs[i] = m
    phases["minhash"] = time.perf_counter() - t

    t = time.perf_counter()
    # bands=None lets datasketch choose (b, r) itself, as a typical user would.
    params = (bands, num_perm // bands) if bands else None
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, params=params)
    cands = insert_and_query(lsh, sigs, t, phases)
    return lsh.b, lsh.r, cands, sigs


def insert_and_query(lsh, sigs, t, phases):
    """Both libraries share this LSH interface: insert every signature, then query each one;
    the pairs found are the candidates. `t` is when the insert phase started."""
    for i, m in sigs.items():
        lsh.insert(i, m)
    phases["lsh_insert"] = time.perf_counter() - t

    t = time.perf_counter()
    cands = set()
    for i, m in sigs.items():
        for j in lsh.query(m):
            if j != i:
                cands.add((min(i, j), max(i, j)))
    phases["lsh_query"] = time.perf_counter() - t
    return cands


def lsh_rensa(sets, threshold, num_perm, bands, phases):
    from rensa import RMinHash, RMinHashLSH

    if bands:
        if num_perm % bands:
            sys.exit(f"rensa needs --bands to divide --num-perm ({bands} does not divide {num_perm})")
        rows = num_perm // bands
    else:
        bands, rows = rensa_bands(threshold, num_perm)

    t = time.perf_counter()
    sigs = {}
    for i, s in enumerate(sets):
        if s:
            m = RMinHash(num_perm=num_perm, seed=RENSA_SEED)
            # A list, not the set or a str: rensa treats a bare str/bytes
            # argument as one byte string, not as tokens.
            m.update(list(s))
            sigs[i] = m
    phases["minhash"] = time.perf_counter() - t

    t = time.perf_counter()
    lsh = RMinHashLSH(threshold=threshold, num_perm=num_perm, num_bands=bands)
    cands = insert_and_query(lsh, sigs, t, phases)
    return bands, rows, cands, sigs


def exact_pairs(sets, threshold, phases, chunk=512):
    """Every pair with Jaccard >= threshold, by brute force: no LSH, no misses.

    This is the answer the peers' LSH pipelines approximate (over this
    file's tokens, not dedup's), so it tells LSH misses apart from
    tokenisation differences. Intersections come from a
    sparse doc x shingle matrix product, in row chunks so memory stays at
    O(chunk x docs) instead of O(docs^2); fine up to tens of thousands of
    articles, not meant for more.
    """
    import numpy as np
    import scipy.sparse as sp

    t = time.perf_counter()
    vocab, rows, cols = {}, [], []
    for i, s in enumerate(sets):
        for x in s:
            rows.append(i)
            cols.append(vocab.setdefault(x, len(vocab)))
    x = sp.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, cols)),
                      shape=(len(sets), len(vocab)))
    xt = x.T.tocsc()
    sizes = np.array([len(s) for s in sets], dtype=np.float64)
    phases["matrix"] = time.perf_counter() - t

    t = time.perf_counter()
    sharing, edges = 0, []
    for lo in range(0, len(sets), chunk):
        inter = (x[lo:lo + chunk] @ xt).tocoo()
        i = inter.row + lo
        keep = i < inter.col  # each unordered pair once, no self-pairs
        i, j, n = i[keep], inter.col[keep], inter.data[keep].astype(np.float64)
        sharing += len(i)
        # Same formula as jaccard() so float rounding at the threshold agrees.
        hit = n / (sizes[i] + sizes[j] - n) >= threshold
        edges.extend(zip(i[hit].tolist(), j[hit].tolist()))
    phases["all_pairs"] = time.perf_counter() - t
    return sharing, edges


PIPELINES = {"datasketch": lsh_datasketch, "rensa": lsh_rensa, "exact": None}


def cmd_run(args):
    from importlib.metadata import version

    phases = {}
    t = time.perf_counter()
    ids, texts = read_corpus(args.corpus)
    phases["read"] = time.perf_counter() - t

    t = time.perf_counter()
    sets = [shingles(tokenize(x)) for x in texts]
    phases["shingle"] = time.perf_counter() - t

    if args.tool == "exact":
        bands = rows = None
        n_cands, verified = exact_pairs(sets, args.threshold, phases)
        cands = estimated = None
    else:
        bands, rows, cands, sigs = PIPELINES[args.tool](
            sets, args.threshold, args.num_perm, args.bands, phases)
        n_cands = len(cands)
        t = time.perf_counter()
        verified = [(i, j) for i, j in cands if jaccard(sets[i], sets[j]) >= args.threshold]
        phases["verify"] = time.perf_counter() - t
        t = time.perf_counter()
        estimated = [(i, j) for i, j in cands if sigs[i].jaccard(sigs[j]) >= args.threshold]
        phases["estimate"] = time.perf_counter() - t

    t = time.perf_counter()
    clusters = components(len(ids), verified)
    # The LSH variants are meaningless without LSH.
    unverified = components(len(ids), cands) if cands is not None else None
    by_estimate = components(len(ids), estimated) if estimated is not None else None
    phases["components"] = time.perf_counter() - t
    as_ids = lambda cl: None if cl is None else [[ids[i] for i in c] for c in cl]  # noqa: E731

    out = {
        "tool": args.tool,
        "version": version("scipy" if args.tool == "exact" else args.tool),
        "threshold": args.threshold,
        "num_perm": args.num_perm,
        "bands": bands,
        "rows": rows,
        "docs": len(ids),
        "docs_without_shingles": sum(1 for s in sets if not s),
        "candidate_pairs": n_cands,
        "verified_pairs": len(verified),
        "estimated_pairs": None if estimated is None else len(estimated),
        "clusters": as_ids(clusters),
        "estimate_clusters": as_ids(by_estimate),
        "unverified_clusters": as_ids(unverified),
        "phases": phases,
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False)


# ---------------------------------------------------------------------------
# Reading results back: clusters, /usr/bin/time -v output
# ---------------------------------------------------------------------------

def parse_time_v(path):
    """Wall seconds, peak RSS (MB), CPU %, exit status from `time -v -o`."""
    res = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            key, _, val = line.strip().rpartition(": ")
            if key.startswith("Elapsed (wall clock) time"):
                secs = 0.0
                for part in val.split(":"):  # [h:]m:ss.ss
                    secs = secs * 60 + float(part)
                res["wall"] = secs
            elif key == "Maximum resident set size (kbytes)":
                res["rss_mb"] = int(val) / 1024
            elif key == "Percent of CPU this job got":
                res["cpu"] = val
            elif key == "Exit status":
                res["exit"] = int(val)
    return res


def read_dedup(path):
    """dedup's `--format json` output, normalised like a peer's result.

    Expected shape: {"parameters": {"bands", "rows", ...}, "summary": {...},
    "clusters": [{"id", "size", "members": [{"id", "path", ...}], "pairs"}]}.
    Only "clusters" is required. Raises ValueError with a readable reason.
    """
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except json.JSONDecodeError as e:
        with open(path, encoding="utf-8", errors="replace") as f:
            head = f.read(80).strip().replace("\n", " ")
        raise ValueError(f"output is not JSON ({e.msg}); it starts with {head!r}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("clusters"), list):
        raise ValueError("JSON output has no 'clusters' list")
    clusters = []
    for c in doc["clusters"]:
        members = c.get("members", []) if isinstance(c, dict) else []
        ids = [str(m.get("id") if m.get("id") is not None else m.get("path"))
               if isinstance(m, dict) else str(m) for m in members]
        if len(ids) > 1:
            clusters.append(ids)
    params = doc.get("parameters") or {}
    summary = doc.get("summary") or {}
    return {
        "version": doc.get("dedup_version"),
        "bands": params.get("bands"),
        "rows": params.get("rows"),
        "candidate_pairs": summary.get("candidate_pairs"),
        "verified_pairs": summary.get("duplicate_pairs"),
        "clusters": clusters,
    }


# Kinds whose merge into another story is a mistake of its own, as `dedup eval` counts them.
HARD_NEGATIVE_KINDS = ("hard_negative", "shared_background", "shared_footer", "quoted", "template",
                      "follow_up", "same_event", "not_a_copy")


def read_labels(path):
    """Story by id, and the ids of hard negatives."""
    labels, hard = {}, set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                d = json.loads(line)
                labels[str(d["id"])] = str(d["story"])
                if d.get("kind") in HARD_NEGATIVE_KINDS:
                    hard.add(str(d["id"]))
    return labels, hard


def hard_negative_merges(clusters, labels, hard, universe):
    """(merged, total): hard negatives in a cluster with a labelled article of another story."""
    merged = 0
    for c in clusters:
        stories = {labels[i] for i in c if i in labels}
        merged += sum(1 for i in c if i in hard and len(stories) > 1)
    return merged, len(hard & universe)


def pair_metrics(clusters, labels, universe, unlabelled_scored=True):
    """Pairwise precision / recall / F1.

    A predicted pair is two articles in one predicted cluster; a true pair is
    two articles with the same labelled story. Articles without a label are
    treated as a story of their own, or with `unlabelled_scored=False` not
    scored at all (as `dedup eval` does: a labels file may leave out articles
    it cannot judge). Labels for ids not in the corpus are ignored, so a labels
    file may cover a superset of the corpus.
    """
    pairs = lambda n: n * (n - 1) // 2  # noqa: E731
    if not unlabelled_scored:
        clusters = [[i for i in c if i in labels] for c in clusters]
    stories = Counter(labels[i] for i in universe if i in labels)
    true_pairs = sum(pairs(n) for n in stories.values())
    pred_pairs = sum(pairs(len(c)) for c in clusters)
    tp = 0
    for c in clusters:
        tp += sum(pairs(n) for n in Counter(labels[i] for i in c if i in labels).values())
    p = tp / pred_pairs if pred_pairs else None
    r = tp / true_pairs if true_pairs else None
    if p is None or r is None:
        return p, r, None
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _fmt(x, spec):
    return "—" if x is None else format(x, spec)


def _tail(path, n=5):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = [ln.rstrip() for ln in f if ln.strip()]
        return " | ".join(lines[-n:])
    except OSError:
        return ""


def load_result(work, tool):
    """(row, note) for one tool from the files peers.sh left in `work`."""
    status_file = os.path.join(work, f"{tool}.status")
    status = open(status_file).read().strip() if os.path.exists(status_file) else "not run"
    times = []
    while os.path.exists(os.path.join(work, f"{tool}.{len(times) + 1}.time")):
        times.append(parse_time_v(os.path.join(work, f"{tool}.{len(times) + 1}.time")))
    row = {"tool": tool, "ok": False}
    if not times:
        # Never started: build failure, missing binary, or skipped.
        return row, f"**{tool}**: not run: {status}"
    try:
        if tool == "dedup":
            info = read_dedup(os.path.join(work, "dedup.json"))
        else:
            with open(os.path.join(work, f"{tool}.json"), encoding="utf-8") as f:
                info = json.load(f)
    except (OSError, ValueError) as e:
        if status != "ok":  # the status already quotes stderr
            return row, f"**{tool}**: failed: {status}"
        err = _tail(os.path.join(work, f"{tool}.err")) or "(empty)"
        return row, f"**{tool}**: its output could not be read: {e}. stderr: {err}"
    row.update(ok=True, info=info, clusters=info["clusters"],
               wall=statistics.median(t["wall"] for t in times),
               rss_mb=max(t["rss_mb"] for t in times),
               cpu=times[-1].get("cpu"), runs=len(times))
    # Some CLIs exit non-zero to mean "duplicates found"; valid output still
    # counts, but say so.
    note = None if status == "ok" else f"**{tool}**: {status}; its output parsed fine and is included"
    return row, note


def display_name(tool, info):
    if tool == "exact":
        return "exact all-pairs (reference)"
    return f"{tool} {info['version']}" if info.get("version") else tool


def cmd_report(args):
    ids, _ = read_corpus(args.corpus)
    universe = set(ids)
    labels, hard = read_labels(args.labels) if args.labels else (None, set())

    rows, notes = [], []
    for tool in TOOLS:
        row, note = load_result(args.work, tool)
        if tool == "exact" and not row["ok"] and note and "skipped" in note:
            continue  # --no-exact: no row, no note
        rows.append(row)
        notes += [note] if note else []
        if row["ok"]:
            stray = {i for c in row["clusters"] for i in c} - universe
            if stray:
                notes.append(f"**{tool}**: {len(stray)} clustered ids are not in the corpus, "
                             f"e.g. {sorted(stray)[:3]}")
            for key, variant in (("estimate_clusters", "LSH + MinHash estimate"),
                                 ("unverified_clusters", "LSH only")):
                if row["info"].get(key) is not None:
                    rows.append({"tool": tool, "ok": True, "derived": variant,
                                 "info": row["info"], "clusters": row["info"][key]})

    by_tool = {r["tool"]: r for r in rows if not r.get("derived")}
    dedup_wall = by_tool["dedup"]["wall"] if by_tool["dedup"]["ok"] else None
    # The exact clusters are the target every LSH pipeline approximates:
    # scoring against them separates LSH misses from tokenisation differences.
    exact = by_tool.get("exact")
    exact_labels = None
    if exact and exact["ok"]:
        exact_labels = {i: f"c{k}" for k, c in enumerate(exact["clusters"]) for i in c}

    head = ["tool", "LSH b×r", "wall s", "peak RSS MB", "CPU", "clusters", "articles in clusters"]
    if exact_labels is not None:
        head.append("P / R vs exact")
    if labels is not None:
        head += ["precision", "recall", "F1"]
    if hard:
        head.append("hard negatives merged")
    head.append("wall / dedup")

    print(f"Corpus `{os.path.basename(args.corpus)}`: {len(ids)} articles, "
          f"threshold {args.threshold}, num_perm {args.num_perm}, word {SHINGLE_SIZE}-shingles"
          + (f", labels `{os.path.basename(args.labels)}`" if labels is not None else ""))
    print()
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|")
    for r in rows:
        info = r.get("info") or {}
        name = display_name(r["tool"], info)
        if not r["ok"]:
            print("| " + " | ".join([name] + ["—"] * (len(head) - 2) + ["n/a"]) + " |")
            continue
        if r.get("derived"):
            name += f" ({r['derived']})"
            # Same process as the verified row: no separate timing.
            wall = rss = cpu = ratio = "(same run)"
        else:
            wall = f"{r['wall']:.2f}" + (f" (median of {r['runs']})" if r["runs"] > 1 else "")
            rss = f"{r['rss_mb']:.0f}"
            cpu = r["cpu"] or "—"
            ratio = f"{r['wall'] / dedup_wall:.1f}×" if dedup_wall else "n/a"
        bxr = f"{info['bands']}×{info['rows']}" if info.get("bands") else "—"
        cl = r["clusters"]
        cells = [name, bxr, wall, rss, cpu, str(len(cl)), str(sum(len(c) for c in cl))]
        if exact_labels is not None:
            p, rc, _ = pair_metrics(cl, exact_labels, universe)
            cells.append(f"{_fmt(p, '.2f')} / {_fmt(rc, '.2f')}")
        if labels is not None:
            p, rc, f1 = pair_metrics(cl, labels, universe, unlabelled_scored=False)
            cells += [_fmt(p, ".3f"), _fmt(rc, ".3f"), _fmt(f1, ".3f")]
        if hard:
            merged, total = hard_negative_merges(cl, labels, hard, universe)
            cells.append(f"{merged} of {total} ({100 * merged / total:.1f} %)" if total else "—")
        cells.append(ratio)
        print("| " + " | ".join(cells) + " |")

    print()
    for r in rows:
        info = r.get("info")
        if not r["ok"] or r.get("derived") or not info:
            continue
        line = f"- {display_name(r['tool'], info)}: "
        if r["tool"] == "exact":
            line += f"{info['candidate_pairs']} pairs share a shingle"
        else:
            line += f"{_fmt(info.get('candidate_pairs'), 'd')} LSH candidate pairs"
            if info.get("estimated_pairs") is not None:
                line += f", {info['estimated_pairs']} with estimate >= {args.threshold}"
        if r["tool"] == "dedup":
            # dedup's own rule also takes pairs just below the threshold that are largely
            # contained (see `dedup --help`, --threshold).
            line += f", {_fmt(info.get('verified_pairs'), 'd')} copies by dedup's rule"
        else:
            line += f", {_fmt(info.get('verified_pairs'), 'd')} with Jaccard >= {args.threshold}"
        if "phases" in info:
            line += (f"; {info['docs_without_shingles']} docs without shingles skipped"
                     f"; in-process: " + ", ".join(f"{k} {v:.2f}s" for k, v in info["phases"].items()))
        print(line)
    for n in notes:
        print(f"- {n}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)

    run = sub.add_parser("run", help="cluster a corpus with one peer library")
    run.add_argument("--tool", choices=sorted(PIPELINES), required=True)
    run.add_argument("--threshold", type=float, required=True)
    run.add_argument("--num-perm", type=int, required=True)
    run.add_argument("--bands", type=int, help="LSH bands (default: each library's own choice)")
    run.add_argument("--out", required=True)
    run.add_argument("corpus")

    rep = sub.add_parser("report", help="print the comparison table")
    rep.add_argument("--work", required=True)
    rep.add_argument("--corpus", required=True)
    rep.add_argument("--threshold", type=float, required=True)
    rep.add_argument("--num-perm", type=int, required=True)
    rep.add_argument("--labels")

    args = ap.parse_args()
    if getattr(args, "threshold", None) is not None and not 0 < args.threshold <= 1:
        ap.error("--threshold must be in (0, 1]")
    {"run": cmd_run, "report": cmd_report}[args.cmd](args)


if __name__ == "__main__":
    main()

"""The ``dedup`` clustering on Apache Spark: the same clusters and representatives as the CLI,
for corpora past one machine.

    python -m dedup.spark corpus/*.jsonl -o clusters.parquet [--report report.json]

Stages, each a Spark job; nothing but the per-file line counts and, with ``--report``, the
clusters are collected on the driver:

1. **Read**: JSONL lines (``spark.read.text``) or Parquet rows. Every row gets its input
   position: inputs in the order given, the files of a folder in path order, then line (or
   row) order, from per-split counts, so it does not depend on how Spark splits or
   partitions the input. A JSONL file with no line but blank ones is skipped as "empty
   file", and a missing path is an :class:`InputError`, as the CLI has them.
2. **Sign** each Arrow batch in Rust (``mapInArrow``; the CLI's JSONL reader, shingles,
   MinHash): sketch, band keys, shingle set, normalised id, date and title.
3. **Band join**: band keys exploded and grouped; a bucket pairs every member with every later
   one, or, past 64 members or when its key is made of values common in the corpus, with its
   first 8 by content (the fingerprint of their sketches, then position: the CLI's rule);
   pairs are screened on their sketches as the CLI screens them.
4. **Verify** the screened pairs by the CLI's copy rule (dates included) in Rust, their shingle
   sets brought together by joins.

Steps 3 and 4 bring a per-article table (the sketches, then the shingle sets and dates) to both
ends of every pair. A table no larger than ``--broadcast-mb`` is broadcast: each executor holds
it whole and the pairs look both ends up where they are, with no shuffle of the table or of
the pairs. A larger one is joined by shuffles: the pairs sorted by ``a`` meet the table's ``a``
rows, then travel to the partitions of their ``b`` rows, which are built into a hash table
there, so the wide rows (one end's sketch or shingle set per pair) are not sorted again.
5. **Connected components** of the copy pairs by alternating large-star and small-star steps;
   then, each component's pairs brought to one partition, the CLI's clusters inside it in
   Rust: close copies grouped, loose ones placed around centres. The representative is the
   earliest dated member, then the longest, then the first in input order.

Unlike the CLI, which skips a pair whose articles are already grouped as close copies, every
screened pair is verified, so the pairs are those of ``dedup --all-pairs``; the clusters are
the same.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from contextlib import contextmanager
from typing import Any, Iterator, List, Optional
from urllib.parse import unquote

import numpy as np
import pyarrow as pa

from . import DEFAULT_NUM_PERM, DEFAULT_SEED, DEFAULT_THRESHOLD, Settings, __version__, _native

__all__ = ["InputError", "Options", "run", "main"]

# As the CLI: this many skipped inputs (and as many warnings) are named on stderr, then a count.
MAX_SKIP_WARNINGS = 20


class InputError(Exception):
    """An input that cannot be read at all (the CLI's exit status 2): the message names it."""


class Options:
    """What one run reads and writes, beside the :class:`dedup.Settings`."""

    def __init__(self, inputs: List[str], output: str, *, settings: Settings = Settings(),
                 input_format: str = "auto", text_field: str = "text", id_field: str = "id",
                 date_field: str = "date", title_field: str = "title",
                 report: Optional[str] = None, partitions: Optional[int] = None,
                 broadcast_mb: Optional[float] = None) -> None:
        self.inputs = inputs
        self.output = output
        self.settings = settings
        self.input_format = input_format
        self.fields = (text_field, id_field, date_field, title_field)
        self.report = report
        self.partitions = partitions
        # None: the default of _broadcast_budget.
        self.broadcast_mb = broadcast_mb


def _strings(arr: pa.Array) -> tuple:
    """An Arrow string or binary column as its offsets and data buffers (nulls as empty)."""
    if pa.types.is_large_string(arr.type) or pa.types.is_string(arr.type):
        arr = arr.cast(pa.string())
        empty: Any = ""
    else:
        arr = arr.cast(pa.binary())
        empty = b""
    if arr.null_count:
        arr = arr.fill_null(empty)
    _, offsets, data = arr.buffers()
    offsets = np.frombuffer(offsets, np.int32, len(arr) + 1, arr.offset * 4)
    return offsets.tobytes(), data.to_pybytes() if data is not None else b""


def _column(buffers: tuple, n: int, kind: Any) -> pa.Array:
    offsets, data = buffers
    return pa.Array.from_buffers(kind, n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def _fixed(data: bytes, n: int, width: int) -> pa.Array:
    """Rows of ``width`` bytes each, as an Arrow binary column."""
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    return pa.Array.from_buffers(pa.binary(), n, [None, pa.py_buffer(offsets),
                                                  pa.py_buffer(data)])


SIGNED_SCHEMA = ("position long, path string, status byte, reason string, id string, "
                 "date string, title string, words int, fingerprint long, sketch binary, "
                 "keys array<long>, shingles binary")


def _signer(settings: Settings, jsonl_fields: Optional[tuple], num_perm: int, bands: int):
    def sign(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            n = batch.num_rows
            cols = {name: batch.column(name) for name in batch.schema.names}
            extra = [_strings(cols[c]) if c in cols else None for c in ("id", "date", "title")]
            out = _native.sign_arrow(_strings(cols["text"]), *extra, jsonl_fields,
                                     *settings._args(), 1)[0]
            reasons = [None] * n
            for row, reason in out["reasons"]:
                reasons[row] = reason
            for row, warning in out["warnings"]:
                reasons[row] = warning
            keys = pa.ListArray.from_arrays(
                pa.array(np.arange(0, (n + 1) * bands, bands, dtype=np.int32)),
                pa.Array.from_buffers(pa.int64(), n * bands, [None, pa.py_buffer(out["keys"])]))
            yield pa.RecordBatch.from_arrays([
                cols["position"], cols["path"],
                pa.Array.from_buffers(pa.int8(), n, [None, pa.py_buffer(out["status"])]),
                pa.array(reasons, pa.string()),
                _column(out["ids"], n, pa.string()),
                _column(out["dates"], n, pa.string()),
                _column(out["titles"], n, pa.string()),
                pa.Array.from_buffers(pa.int32(), n, [None, pa.py_buffer(out["words"])]),
                pa.Array.from_buffers(pa.int64(), n, [None, pa.py_buffer(out["fingerprints"])]),
                _fixed(out["sketches"], n, num_perm * 2),
                keys,
                _column(out["shingles"], n, pa.binary()),
            ], names=["position", "path", "status", "reason", "id", "date", "title", "words",
                      "fingerprint", "sketch", "keys", "shingles"])
    return sign


def _screener(num_perm: int, min_matches: int):
    """Keeps the pairs whose 16-bit sketches agree on at least ``min_matches`` positions, as
    the CLI's screen does, and gives their estimate; vectorised over each batch."""
    def screen(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            n = batch.num_rows
            if n == 0:
                continue
            sides = []
            for name in ("sa", "sb"):
                offsets, data = _strings(batch.column(name))
                start, end = np.frombuffer(offsets, np.int32)[[0, -1]]
                sides.append(np.frombuffer(data[start:end], np.uint16).reshape(n, num_perm))
            matches = (sides[0] == sides[1]).sum(axis=1)
            keep = pa.array(matches >= min_matches)
            estimate = pa.array(matches / num_perm, pa.float64())
            out = pa.RecordBatch.from_arrays([batch.column("a"), batch.column("b"), estimate],
                                             names=["a", "b", "estimate"])
            yield out.filter(keep)
    return screen


def _signal(values: bytes) -> pa.Array:
    """A share the copy rule may not have read, as ``judge_arrow`` gives it: null where NaN."""
    shares = np.frombuffer(values, np.float64)
    return pa.array(shares, pa.float64(), mask=np.isnan(shares))


def _judge(threshold: float):
    def judge(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            n = batch.num_rows
            if n == 0:
                continue
            c = batch.column
            jac, con, blocks, passage, quoted, copy, close, verdicts = _native.judge_arrow(
                _strings(c("xa")), _strings(c("xb")), _strings(c("da")), _strings(c("db")),
                threshold, 1)
            f64 = lambda b: pa.Array.from_buffers(pa.float64(), n, [None, pa.py_buffer(b)])  # noqa: E731
            out = pa.RecordBatch.from_arrays([
                c("a"), c("b"), f64(jac), c("estimate"), f64(con),
                _signal(blocks), _signal(passage), _signal(quoted),
                _column(verdicts, n, pa.string()),
                pa.array(np.frombuffer(close, np.uint8).astype(bool)),
            ], names=["a", "b", "jaccard", "estimate", "containment", "block_share",
                      "passage_share", "quoted_share", "verdict", "close"])
            yield out.filter(pa.array(np.frombuffer(copy, np.uint8).astype(bool)))
    return judge


def _place(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """The CLI's clusters of the copy pairs of whole components (``cluster::centres``)."""
    # Every pair of a component is in this partition: they are placed in one call.
    batches = [b for b in batches if b.num_rows]
    if not batches:
        return
    table = pa.Table.from_batches(batches).combine_chunks()
    c = table.column

    def fixed(name: str, kind: Any) -> bytes:
        return np.asarray(c(name).to_numpy(), kind).tobytes()

    nodes, clusters = _native.place_arrow(
        table.num_rows, fixed("component", np.int64), fixed("a", np.int64), fixed("b", np.int64),
        fixed("close", np.uint8), _strings(c("da").chunk(0)), _strings(c("db").chunk(0)),
        fixed("wa", np.int32), fixed("wb", np.int32), fixed("fa", np.int64),
        fixed("fb", np.int64))
    yield pa.RecordBatch.from_arrays([pa.array(np.frombuffer(nodes, np.int64)),
                                      pa.array(np.frombuffer(clusters, np.int64))],
                                     names=["node", "cluster"])


def _common_keys(buckets: Any, keyed: Any, rows: int, bound: int, anchors: int,
                 max_full_bucket: int) -> Any:
    """The keys of ``buckets`` whose values are all held by ``bound`` or more articles in their
    band, as ``lsh::CommonRows`` reads keys of one or two rows (the values themselves; longer
    keys are hashed and never common). Whether a bucket is common decides only between
    ``anchors`` and ``max_full_bucket`` members, so only the values of those buckets are
    counted: the exploded keys are filtered against them where they are (a broadcast
    semi-join), and only the few that pass are shuffled to be counted."""
    from pyspark.sql import functions as F

    deciding = (buckets.where((F.size("m") > anchors) & (F.size("m") <= max_full_bucket))
                .select("key"))
    if rows > 2:
        return deciding.where(F.lit(False))

    def with_values(df: Any) -> Any:
        df = df.withColumn("band", F.shiftright("key", 32))
        for row in range(rows):
            df = df.withColumn(f"v{row}", F.shiftright("key", 16 * (rows - 1 - row))
                               .bitwiseAND(0xFFFF))
        return df

    deciding, keyed = with_values(deciding), with_values(keyed.select("key"))
    for row in range(rows):
        v = ["band", f"v{row}"]
        wanted = deciding.select(*v).distinct()
        held = (keyed.select(*v).join(F.broadcast(wanted), v, "left_semi")
                .groupBy(*v).count().where(F.col("count") >= bound).select(*v))
        deciding = deciding.join(F.broadcast(held), v, "left_semi")
    return deciding.select("key")


def _shown(uri: str) -> str:
    """A file's path as the CLI names it: a local file without its ``file:`` scheme."""
    if uri.startswith("file:"):
        path = unquote(uri[len("file:"):])
        return "/" + path.lstrip("/")
    return uri


def _read(spark: Any, opts: Options) -> Any:
    """Input rows with a stable global ``position`` and the CLI's ``path`` (``FILE:LINE``);
    the number of files; the JSONL files skipped as empty, each with its position."""
    from functools import reduce

    from pyspark.sql import functions as F

    fmt = opts.input_format
    if fmt == "auto":
        fmt = "parquet" if all(p.rstrip("/").endswith(".parquet") for p in opts.inputs) else "jsonl"
    text, id_field, date_field, title_field = opts.fields
    if fmt not in ("jsonl", "parquet"):
        raise InputError(f"--input-format must be auto, jsonl or parquet, not {fmt!r}")
    # One read per input, numbered: the CLI reads its inputs in the order given, and the files
    # of a folder in path order.
    frames, listed = [], []
    for arg, path in enumerate(opts.inputs):
        try:
            # Only "\n" ends a JSONL line, as for the CLI.
            df = (spark.read.option("lineSep", "\n").text(path) if fmt == "jsonl"
                  else spark.read.parquet(path))
        except Exception as e:
            missing = (getattr(e, "getErrorClass", lambda: None)() == "PATH_NOT_FOUND"
                       and (getattr(e, "getMessageParameters", lambda: None)() or {}).get("path"))
            if missing:
                raise InputError(f"{_shown(missing)}: no such file or directory") from None
            raise
        # Every file read, a 0-byte one too (it gives no row).
        listed += [(arg, f) for f in df.inputFiles()]
        if fmt == "jsonl":
            frames.append(df.select(F.col("value").alias("text"), "_metadata", F.lit(arg).alias("arg")))
            continue
        if text not in df.columns:
            raise InputError(f"{path}: no column {text!r} (columns: {', '.join(df.columns)})")
        cols = [F.col(text).cast("string").alias("text")]
        for name, field in (("id", id_field), ("date", date_field), ("title", title_field)):
            if field in df.columns:
                cols.append(F.col(field).cast("string").alias(name))
        frames.append(df.select(*cols, "_metadata", F.lit(arg).alias("arg")))
    raw = reduce(lambda a, b: a.unionByName(b, allowMissingColumns=True), frames)
    raw = raw.select("*", F.col("_metadata.file_path").alias("file"),
                     F.col("_metadata.file_block_start").alias("block"),
                     F.monotonically_increasing_id().alias("rid")).drop("_metadata")
    # A split's rows are read in order into one partition, so their ids are consecutive: the
    # splits' counts, in input, file and offset order, number every row as the CLI numbers
    # lines. A JSONL file with no line but blank ones (the CLI's whitespace) is skipped as
    # "empty file", as the CLI skips it.
    splits = raw.groupBy("arg", "file", "block").agg(
        F.count("*").alias("n"), F.min("rid").alias("first_rid"),
        F.count(F.when(F.col("text").rlike("[^ \\t\\n\\f\\r]"), 1)).alias("filled")).collect()
    splits.sort(key=lambda r: r["block"])
    # inputFiles() names a local file file:///x, the rows' metadata file:/x.
    same = lambda uri: re.sub("^file:/+", "file:/", uri)  # noqa: E731
    by_file: dict = {(arg, same(f)): [] for arg, f in listed}
    for s in splits:
        by_file[(s["arg"], same(s["file"]))].append(s)
    rows, empty, before = [], [], 0
    for arg, file in sorted(by_file):
        if fmt == "jsonl" and not any(s["filled"] for s in by_file[(arg, file)]):
            empty.append((before, _shown(file)))
        line = 0
        for s in by_file[(arg, file)]:
            rows.append((arg, s["file"], s["block"], s["first_rid"], before, line, _shown(file)))
            before += s["n"]
            line += s["n"]
    offsets = spark.createDataFrame(rows, "arg int, file string, block long, first_rid long, "
                                    "before long, line long, shown string")
    positioned = raw.join(F.broadcast(offsets), ["arg", "file", "block"]).select(
        "*", (F.col("before") + F.col("rid") - F.col("first_rid")).alias("position"),
        F.concat(F.col("shown"), F.lit(":"),
                 (F.col("line") + F.col("rid") - F.col("first_rid") + 1).cast("string"))
        .alias("path"))
    keep = ["position", "path", "text"] + [c for c in ("id", "date", "title") if c in raw.columns]
    return positioned.select(*keep), fmt, len(by_file), empty


def _components(edges: Any) -> Any:
    """``(node, component)`` for every node of ``edges`` (``a``, ``b``), the component named by
    its smallest node: alternating large-star and small-star steps (Kiveris et al., 2014) until
    every edge joins a node to its component's smallest one."""
    from pyspark.sql import functions as F

    e = edges.select(F.greatest("a", "b").alias("u"), F.least("a", "b").alias("v")).distinct()
    e = e.localCheckpoint()
    while True:
        # Large star: each node's larger neighbours attach to the smallest of its neighbourhood.
        both = e.union(e.select(F.col("v").alias("u"), F.col("u").alias("v")))
        low = both.groupBy("u").agg(F.least(F.min("v"), F.col("u")).alias("m"))
        e = (both.join(low, "u").where(F.col("v") > F.col("u"))
             .select(F.col("v").alias("u"), F.col("m").alias("v")).distinct())
        # Small star: each node and its smaller neighbours attach to the smallest of them.
        low = e.groupBy("u").agg(F.min("v").alias("m"))
        e = (e.join(low, "u").select(F.col("v").alias("u"), "m")
             .union(low.select("u", "m"))
             .where(F.col("u") != F.col("m"))
             .select(F.greatest("u", "m").alias("u"), F.least("u", "m").alias("v"))
             .distinct()).localCheckpoint()
        # Done when no node is both a parent and a child and each child has one parent.
        parents = e.select(F.col("v").alias("u")).distinct()
        if (e.join(parents, "u").limit(1).count() == 0
                and e.groupBy("u").count().where("count > 1").limit(1).count() == 0):
            break
    roots = e.select(F.col("v").alias("node"), F.col("v").alias("component")).distinct()
    return e.select(F.col("u").alias("node"), F.col("v").alias("component")).union(roots)


# Bytes Spark holds per row of a broadcast table beyond its columns' data: the row's header and
# fixed-width fields, the hash table's entry, alignment.
ROW_OVERHEAD = 64
# Spark refuses to broadcast a table of 8 GiB or more.
SPARK_BROADCAST_LIMIT = 8 << 30


def _bytes(jvm: Any, size: str) -> int:
    """A Spark size ("14g", "512m", "1073741824") in bytes."""
    return int(jvm.org.apache.spark.network.util.JavaUtils.byteStringAsBytes(size))


def _broadcast_budget(spark: Any, mb: Optional[float]) -> int:
    """The most bytes of a per-article table the job broadcasts: ``mb`` MiB, by default an
    eighth of the smallest JVM heap that holds it (the driver collects the rows, builds the
    hash table from them and keeps it with its serialized pieces: about three times the table
    at the peak; every executor keeps the table); never more than
    ``spark.driver.maxResultSize`` (the rows are collected on the driver) nor Spark's own 8 GiB
    limit."""
    sc = spark.sparkContext
    jvm, conf = sc._jvm, sc.getConf()
    if mb is None:
        heap = int(jvm.java.lang.Runtime.getRuntime().maxMemory())
        if not sc.master.startswith("local"):
            heap = min(heap, _bytes(jvm, conf.get("spark.executor.memory", "1g")))
        budget = heap // 8
    else:
        budget = int(mb * (1 << 20))
    collected = _bytes(jvm, conf.get("spark.driver.maxResultSize", "1g"))
    if collected > 0:
        budget = min(budget, collected)
    return min(budget, SPARK_BROADCAST_LIMIT - 1)


def _with_ends(pairs: Any, table: Any, columns: dict, broadcast: bool) -> Any:
    """``pairs`` (``a``, ``b``, …) with the columns of ``table`` (``position``, …) at each end,
    named by ``columns``: {column: (name at a, name at b)}. Broadcast: both ends looked up in
    the broadcast table where the pairs are. Else the pairs, sorted by ``a``, meet the table's
    ``a`` rows in a sort-merge join, so that the rows that leave for ``b`` come grouped by
    ``a`` (one end's data repeated row after row compresses), and meet the ``b`` rows in a
    hash join built on the table (the wide stream is not sorted again, nor spilled)."""
    from pyspark.sql import functions as F

    def end(side: int, key: Any) -> Any:
        return table.select(key.alias(f"k{'ab'[side]}"),
                            *[F.col(c).alias(names[side]) for c, names in columns.items()])
    if broadcast:
        # Keyed by the position as a string, not a long: Spark builds a long-keyed table in one
        # array that doubles as it grows (its build took 11.8 GB of heap at the peak for a
        # 1 GB table where a string key took 7.8 GB, from 6.3 GB before), a string-keyed one
        # in pages.
        def key(c: str) -> Any:
            return F.col(c).cast("string")
        ends = [F.broadcast(end(side, key("position"))) for side in (0, 1)]
        keyed = pairs.select("*", key("a").alias("ka"), key("b").alias("kb"))
        return keyed.join(ends[0], "ka").join(ends[1], "kb").drop("ka", "kb")
    keyed = pairs.select("*", F.col("a").alias("ka"), F.col("b").alias("kb"))
    return (keyed.join(end(0, F.col("position")).hint("merge"), "ka")
            .join(end(1, F.col("position")).hint("shuffle_hash"), "kb").drop("ka", "kb"))


@contextmanager
def _one_broadcast(spark: Any, broadcast: bool) -> Iterator[None]:
    """While a table is broadcast for both ends of the pairs, without adaptive execution: Spark
    3.5's does not reuse an exchange over a cached table (SPARK-58767), so it would build and
    hold the table's broadcast twice; the static planner broadcasts it once for both joins."""
    key = "spark.sql.adaptive.enabled"
    before = spark.conf.get(key)
    if broadcast:
        spark.conf.set(key, "false")
    try:
        yield
    finally:
        spark.conf.set(key, before)


def run(spark: Any, opts: Options) -> dict:
    """Runs the job; writes the clusters as Parquet (and the report); returns counts and the
    seconds of each stage."""
    key = "spark.sql.shuffle.partitions"
    before = spark.conf.get(key)
    if opts.partitions:
        spark.conf.set(key, str(opts.partitions))
    try:
        return _run(spark, opts)
    finally:
        # The session may outlive the run (a notebook's, the tests'): its setting is put back.
        spark.conf.set(key, before)


def _run(spark: Any, opts: Options) -> dict:
    from pyspark import StorageLevel
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    s = opts.settings
    (params_json, min_matches, max_full_bucket, anchors, max_anchored_bands,
     common_articles) = _native.resolve(*s._args())
    params = json.loads(params_json)
    num_perm, bands, band_rows = params["num_perm"], params["bands"], params["rows"]
    timings = {}
    started = time.perf_counter()

    describe = spark.sparkContext.setJobDescription
    describe("dedup-spark read")
    rows, fmt, files, empty = _read(spark, opts)
    if opts.partitions:
        rows = rows.repartition(opts.partitions)
    jsonl_fields = opts.fields if fmt == "jsonl" else None
    if fmt == "jsonl":
        rows = rows.select("position", "path", "text")
    signed_all = rows.mapInArrow(_signer(s, jsonl_fields, num_perm, bands), SIGNED_SCHEMA)
    signed_all = signed_all.persist(StorageLevel.MEMORY_AND_DISK)
    articles = signed_all.where("status = 0")
    describe("dedup-spark sign")
    sized = articles.agg(F.count("*").alias("n"),
                         F.sum(F.length("shingles") + F.coalesce(F.length("date"), F.lit(0)))
                         .alias("set_bytes")).first()
    n_articles = sized["n"]
    timings["read_and_sign"] = time.perf_counter() - started
    # What each per-article table would take broadcast, and whether it is.
    budget = _broadcast_budget(spark, opts.broadcast_mb)
    table_bytes = {"sketches": n_articles * (num_perm * 2 + ROW_OVERHEAD),
                   "shingle_sets": (sized["set_bytes"] or 0) + n_articles * ROW_OVERHEAD}
    broadcast = {name: size <= budget for name, size in table_bytes.items()}
    skipped, warnings = _odd(signed_all, empty)

    t = time.perf_counter()
    describe("dedup-spark band")
    # Members in the CLI's content order (lsh::content_order): by fingerprint, then position.
    keyed = articles.select("position", "fingerprint", F.explode("keys").alias("key"))
    buckets = (keyed.groupBy("key")
               .agg(F.array_sort(F.collect_list(F.struct("fingerprint", "position"))).alias("s"))
               .where(F.size("s") > 1)
               .select("key", F.col("s.position").alias("m")))
    # Read three times below (the common keys, the oversized buckets, then every bucket): kept,
    # so that the band keys are exploded and shuffled once. (Spark 3.5's adaptive execution
    # does not reuse an exchange over a cached table, SPARK-58767: without this each read
    # shuffles the keys.)
    grouped = buckets.persist(StorageLevel.MEMORY_AND_DISK)
    grouped.count()
    # Checkpointed, not persisted: a cached plan this deep made every later query slower to
    # plan (the components stage's many small ones took three times as long at 20k).
    common = _common_keys(grouped, keyed, band_rows, max(common_articles, (8 * n_articles) >> 16),
                          anchors, max_full_bucket).localCheckpoint()
    buckets = (grouped.join(common.withColumn("common", F.lit(True)), "key", "left")
               .withColumn("common", F.coalesce("common", F.lit(False))))
    # The CLI's bucket rule: all later members, or past max_full_bucket or in a common bucket
    # only the first anchors, and only for a member within its first max_anchored_bands such
    # buckets (keys order by band first). Later means later in the bucket's order, not by
    # position.
    anchored = (buckets.where((F.size("m") > max_full_bucket) | F.col("common"))
                .select("key", F.posexplode("m").alias("i", "position"))
                .where(F.col("i") >= anchors))
    declined = (anchored
                .withColumn("nth", F.row_number().over(Window.partitionBy("position")
                                                       .orderBy("key")))
                .where(F.col("nth") > max_anchored_bands)
                .groupBy("key").agg(F.collect_list("position").alias("declined")))
    pairs = (buckets.join(declined, "key", "left")
             .withColumn("declined", F.coalesce("declined", F.array().cast("array<bigint>")))
             .select(F.explode(F.expr(
                 f"flatten(transform(sequence(1, least(if(size(m) > {max_full_bucket} OR common, "
                 f"{anchors}, size(m)), size(m) - 1)), i -> transform(array_except("
                 "slice(m, i + 1, size(m) - i), declined), b -> named_struct("
                 "'a', least(element_at(m, i), b), 'b', greatest(element_at(m, i), b)))))"
             )).alias("p")).select("p.a", "p.b").distinct())
    with_sketches = _with_ends(pairs, articles, {"sketch": ("sa", "sb")},
                               broadcast["sketches"])
    screened = with_sketches.mapInArrow(_screener(num_perm, min_matches),
                                        "a long, b long, estimate double")
    screened = screened.persist(StorageLevel.MEMORY_AND_DISK)
    with _one_broadcast(spark, broadcast["sketches"]):
        n_candidates = screened.count()
    grouped.unpersist()
    timings["band_and_screen"] = time.perf_counter() - t

    t = time.perf_counter()
    judged = _with_ends(screened, articles, {"shingles": ("xa", "xb"), "date": ("da", "db")},
                        broadcast["shingle_sets"])
    edges = judged.mapInArrow(_judge(params["threshold"]),
                              "a long, b long, jaccard double, estimate double, "
                              "containment double, block_share double, "
                              "passage_share double, quoted_share double, verdict string, "
                              "close boolean")
    edges = edges.persist(StorageLevel.MEMORY_AND_DISK)
    describe("dedup-spark verify")
    with _one_broadcast(spark, broadcast["shingle_sets"]):
        edges.count()
    timings["verify"] = time.perf_counter() - t

    t = time.perf_counter()
    describe("dedup-spark components")
    components = _components(edges)
    meta = articles.select(F.col("position").alias("node"), "path", "id", "date", "title",
                           "words", "fingerprint")

    def end(side: str) -> Any:
        return meta.select(F.col("node").alias(side),
                           F.coalesce("date", F.lit("")).alias(f"d{side}"),
                           F.col("words").cast("int").alias(f"w{side}"),
                           F.col("fingerprint").alias(f"f{side}"))

    # The CLI's clusters inside each component: close copies grouped, loose ones placed
    # around centres, in Rust, with each component's pairs brought to one partition.
    placed = (edges.select("a", "b", "close")
              .join(components.select(F.col("node").alias("a"), "component"), "a")
              .join(end("a"), "a").join(end("b"), "b")
              .repartition("component")
              .select("component", "a", "b", "close", "da", "db", "wa", "wb", "fa", "fb")
              .mapInArrow(_place, "node long, cluster long"))
    placed = placed.persist(StorageLevel.MEMORY_AND_DISK)

    def cluster_of(side: str) -> Any:
        return placed.select(F.col("node").alias(side), F.col("cluster").alias(f"c{side}"))

    # A loose copy between two clusters joins nothing and is not reported, as in the CLI.
    inside = (edges.join(cluster_of("a"), "a").join(cluster_of("b"), "b")
              .where(F.col("ca") == F.col("cb")).drop("ca", "cb"))
    best = (inside.select(F.col("a").alias("node"), "jaccard")
            .union(inside.select(F.col("b").alias("node"), "jaccard"))
            .groupBy("node").agg(F.max("jaccard").alias("best_jaccard")))
    members = placed.join(meta, "node").join(best, "node")
    # The CLI's representative: earliest date (undated last), then most words, then first.
    rank = F.struct(F.col("date").isNull() | (F.col("date") == ""),
                    F.col("date"), -F.col("words"), F.col("node"))
    reps = members.groupBy("cluster").agg(F.min(rank).alias("r")).select(
        "cluster", F.col("r.node").alias("representative_position"))
    rep_ids = meta.select(F.col("node").alias("representative_position"),
                          F.when(F.col("id") != "", F.col("id")).otherwise(F.col("path"))
                          .alias("representative_id"))
    clusters = (members.join(reps, "cluster").join(rep_ids, "representative_position")
                .select(F.col("node").alias("position"), "path",
                        F.when(F.col("id") != "", F.col("id")).otherwise(F.col("path"))
                        .alias("id"),
                        "cluster",
                        (F.col("node") == F.col("representative_position"))
                        .alias("representative"),
                        "representative_id", "best_jaccard",
                        F.when(F.col("date") != "", F.col("date")).alias("date"),
                        F.when(F.col("title") != "", F.col("title")).alias("title"),
                        "words"))
    clusters.write.mode("overwrite").parquet(opts.output)
    timings["components_and_write"] = time.perf_counter() - t

    counts = {"files": files, "articles": n_articles, "skipped": skipped,
              "warnings": warnings, "candidate_pairs": n_candidates,
              "duplicate_pairs": inside.count(),
              "broadcast": {"budget_bytes": budget, "table_bytes": table_bytes, **broadcast}}
    if opts.report:
        t = time.perf_counter()
        describe("dedup-spark report")
        report = _report(spark.read.parquet(opts.output), inside, signed_all, params, empty,
                         counts)
        with open(opts.report, "w", encoding="utf-8") as f:
            f.write(report)
        timings["report"] = time.perf_counter() - t
    for df in (signed_all, screened, edges, placed):
        df.unpersist()
    describe(None)
    timings["total"] = time.perf_counter() - started
    return {**counts, "seconds": timings}


def _odd(signed_all: Any, empty: list) -> tuple:
    """The skipped inputs and the warnings, each as its count and its first
    ``MAX_SKIP_WARNINGS`` (``path``, ``reason``) in input order: what the CLI prints."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    kinds = Window.partitionBy("status")
    odd = (signed_all.where("reason is not null")
           .select("position", "path", "status", "reason",
                   F.row_number().over(kinds.orderBy("position")).alias("k"),
                   F.count("*").over(kinds).alias("of"))
           .where(F.col("k") <= MAX_SKIP_WARNINGS).collect())
    out = []
    for status, files in ((2, empty), (0, [])):
        rows = [r for r in odd if r["status"] == status]
        firsts = sorted([(p, 0, path, "empty file") for p, path in files]
                        + [(r["position"], 1, r["path"], r["reason"]) for r in rows])
        out.append({"count": len(files) + (rows[0]["of"] if rows else 0),
                    "first": [{"path": path, "reason": reason}
                              for _, _, path, reason in firsts[:MAX_SKIP_WARNINGS]]})
    return tuple(out)


def _round4(x: Optional[float]) -> Optional[float]:
    """As the CLI rounds scores: half away from zero, at 4 decimals."""
    if x is None:
        return None
    y = x * 1e4
    r = math.floor(y)
    return (r + 1 if y - r >= 0.5 else r) / 1e4


def _report(clusters: Any, edges: Any, signed_all: Any, params: dict, empty: list,
            counts: dict) -> str:
    """The JSON report of ``dedup --format json``, built on the driver from the clustered
    articles and their pairs (every verified copy pair, as with ``--all-pairs``)."""
    members = sorted(clusters.collect(), key=lambda r: r["position"])
    edges_rows = edges.collect()
    odd = [(r["position"], 1, r["path"], r["status"], r["reason"])
           for r in signed_all.where("reason is not null")
           .select("position", "path", "status", "reason").collect()]
    # An empty file comes before the lines of the next file, which share its position.
    odd += [(position, 0, path, 2, "empty file") for position, path in empty]
    odd.sort()
    path_of = {m["position"]: m["path"] for m in members}
    by_cluster: dict = {}
    for m in members:
        by_cluster.setdefault(m["cluster"], []).append(m)
    cluster_of = {m["position"]: m["cluster"] for m in members}
    pairs_of: dict = {}
    for e in sorted(edges_rows, key=lambda e: (e["a"], e["b"])):
        pairs_of.setdefault(cluster_of[e["a"]], []).append(e)
    ordered = sorted(by_cluster.values(), key=lambda ms: (-len(ms), ms[0]["position"]))
    out_clusters = []
    for number, ms in enumerate(ordered, 1):
        rep = next(m for m in ms if m["representative"])
        out_clusters.append({
            "id": number,
            "size": len(ms),
            "representative": rep["path"],
            "members": [{"path": m["path"], "id": m["id"], "date": m["date"],
                         "title": m["title"], "words": m["words"]} for m in ms],
            "pairs": [{"a": path_of[e["a"]], "b": path_of[e["b"]],
                       "jaccard": _round4(e["jaccard"]), "estimate": _round4(e["estimate"]),
                       "containment": _round4(e["containment"]),
                       "block_share": _round4(e["block_share"]),
                       "passage_share": _round4(e["passage_share"]),
                       "quoted_share": _round4(e["quoted_share"]),
                       "verdict": e["verdict"], "close": e["close"]}
                      for e in pairs_of.get(ms[0]["cluster"], [])],
        })
    skipped = [{"path": path, "reason": reason} for _, _, path, status, reason in odd
               if status == 2]
    warnings = [{"path": path, "reason": reason} for _, _, path, status, reason in odd
                if status == 0]
    clustered = sum(len(ms) for ms in ordered)
    report = {
        "dedup_version": __version__,
        "schema_version": 1,
        "parameters": params,
        "inputs": {"files": counts["files"], "articles": counts["articles"], "skipped": len(skipped),
                   "skipped_inputs": skipped, "warnings": warnings},
        "summary": {"clusters": len(ordered), "clustered_articles": clustered,
                    "singletons": counts["articles"] - clustered,
                    "candidate_pairs": counts["candidate_pairs"],
                    "verified_pairs": counts["candidate_pairs"],
                    "duplicate_pairs": counts["duplicate_pairs"]},
        "clusters": out_clusters,
    }
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="dedup-spark",
        description="Find reworded copies of the same news story on Apache Spark: the dedup "
                    "CLI's clusters and representatives, from JSONL or Parquet on any "
                    "Hadoop-supported path.")
    p.add_argument("inputs", nargs="+", metavar="PATH",
                   help="JSONL files or folders, or Parquet (local paths or Hadoop URIs); "
                        "read in the order given, a folder's files in path order")
    p.add_argument("-o", "--output", required=True,
                   help="Parquet folder of the clustered articles: position, path, id, "
                        "cluster, representative, representative_id, best_jaccard")
    p.add_argument("--report", metavar="FILE",
                   help="also write the JSON report of `dedup --format json` (collected on "
                        "the driver: for results that fit in its memory)")
    p.add_argument("--input-format", default="auto", choices=["auto", "jsonl", "parquet"],
                   help="auto: Parquet when every path ends in .parquet, else JSONL")
    p.add_argument("--partitions", type=int,
                   help="repartition the input rows into N to sign them, and shuffle into N "
                        "(spark.sql.shuffle.partitions); default: Spark's")
    p.add_argument("--broadcast-mb", type=float, metavar="MB",
                   help="broadcast a per-article table (the sketches for the screen, the "
                        "shingle sets for the verify) when it takes at most MB MiB, instead of "
                        "joining it to the pairs through shuffles; default: an eighth of the "
                        "smallest driver or executor heap, within spark.driver.maxResultSize")
    p.add_argument("-t", "--threshold", type=float, default=DEFAULT_THRESHOLD,
                   help="minimum exact Jaccard of two articles' shingle sets (as dedup)")
    p.add_argument("--shingle", default="word", choices=["word", "char"])
    p.add_argument("-n", "--ngram", type=int, help="shingle length (default 3 words, 5 chars)")
    p.add_argument("--num-perm", type=int, default=DEFAULT_NUM_PERM)
    p.add_argument("--bands", type=int, help="LSH bands (derived when not given)")
    p.add_argument("--rows", type=int, help="LSH rows per band (derived when not given)")
    p.add_argument("--minhash", default="oph", choices=["oph", "classic"])
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--text-field", default="text", metavar="NAME")
    p.add_argument("--id-field", default="id", metavar="NAME")
    p.add_argument("--date-field", default="date", metavar="NAME")
    p.add_argument("--title-field", default="title", metavar="NAME")
    return p


def options(argv: Optional[List[str]] = None) -> Options:
    a = parser().parse_args(argv)
    settings = Settings(a.threshold, a.shingle, a.ngram, a.minhash, a.num_perm, a.bands,
                        a.rows, a.seed)
    try:
        _native.resolve(*settings._args())
    except ValueError as e:
        raise SystemExit(f"dedup-spark: {e}") from None
    return Options(a.inputs, a.output, settings=settings, input_format=a.input_format,
                   text_field=a.text_field, id_field=a.id_field, date_field=a.date_field,
                   title_field=a.title_field, report=a.report, partitions=a.partitions,
                   broadcast_mb=a.broadcast_mb)


def main(argv: Optional[List[str]] = None) -> int:
    from pyspark.sql import SparkSession

    opts = options(argv)
    # A session that was already running (a notebook's, a test's) is left running.
    ours = SparkSession.getActiveSession() is None
    spark = SparkSession.builder.appName("dedup-spark").getOrCreate()
    try:
        done = run(spark, opts)
    except InputError as e:
        print(f"dedup-spark: error: {e}", file=sys.stderr)
        return 2
    finally:
        if ours:
            spark.stop()
    # As the CLI warns, with --report in place of its --format json.
    for kind, verb, more in (("skipped", "skipped ", "inputs skipped"), ("warnings", "", "warnings")):
        for item in done[kind]["first"]:
            print(f"dedup-spark: warning: {verb}{item['path']}: {item['reason']}", file=sys.stderr)
        if done[kind]["count"] > MAX_SKIP_WARNINGS:
            print(f"dedup-spark: warning: {done[kind]['count'] - MAX_SKIP_WARNINGS} more {more} "
                  f"(all are listed under inputs in --report)", file=sys.stderr)
    print(json.dumps(done), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

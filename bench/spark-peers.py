"""text-dedup's Spark MinHash job (text_dedup.minhash_spark 0.4.0) on a labelled corpus, in
a local Spark set up as bench/spark-scale.py sets up dedup-spark; see spark-peers.sh.

The job is run as its own __main__ (runpy), unchanged but for three things, each because this
machine is not its cluster: the session is created here first (local[2], bound to 127.0.0.1,
no UI), so the job's getOrCreate() gets it; its spark.sql.shuffle.partitions of 8192 is put
back to dedup-spark's 4 after it sets it (8192 tasks per shuffle on 2 cores would measure
task scheduling); and `graphframes` is a stand-in (see spark-peers.sh). Its hard-coded
repartition(4096) of the edges and vertices stays. Its input is Parquet of ``id``, ``text``
and ``idx`` (the line number, passed as --index so that clusters map back to articles); with
--debug it writes each node's component, from which the clusters are scored.
"""

import json
import os
import runpy
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from peers import pair_metrics, read_dedup, read_labels  # noqa: E402

SHUFFLE_PARTITIONS = "4"


def stand_in_graphframes() -> types.ModuleType:
    from pyspark.sql import functions as F

    from dedup.spark import _components

    class GraphFrame:
        def __init__(self, vertices, edges):
            self.vertices, self.edges = vertices, edges

        def connectedComponents(self):
            found = _components(self.edges.select(F.col("src").alias("a"),
                                                  F.col("dst").alias("b")))
            # A vertex without an edge is a component of its own, as in GraphFrames.
            return (self.vertices.join(found.withColumnRenamed("node", "id"), "id", "left")
                    .select("id", F.coalesce("component", "id").alias("component")))

    module = types.ModuleType("graphframes")
    module.GraphFrame = GraphFrame
    return module


def main() -> None:
    corpus, job_args = Path(sys.argv[1]), sys.argv[2:]
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    os.environ["PYSPARK_PYTHON"] = sys.executable
    import pyarrow as pa
    import pyarrow.parquet as pq
    from pyspark.sql import SparkSession

    work = Path(tempfile.mkdtemp(prefix="spark-peers-", dir=os.environ.get("TMPDIR")))
    ids, texts = [], []
    with open(corpus / "articles.jsonl", encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                d = json.loads(line)
                ids.append(str(d["id"]))
                texts.append(d["text"])
    (work / "in").mkdir()
    pq.write_table(pa.table({"id": ids, "text": texts, "idx": list(range(len(ids)))}),
                   work / "in" / "part-0.parquet")

    spark = (SparkSession.builder.master("local[2]").appName("text-dedup-spark")
             .config("spark.driver.bindAddress", "127.0.0.1")
             .config("spark.driver.host", "127.0.0.1")
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.driver.memory", "3g")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    builder_get = SparkSession.Builder.getOrCreate

    def get_or_create(self):
        session = builder_get(self)
        session.conf.set("spark.sql.shuffle.partitions", SHUFFLE_PARTITIONS)
        return session

    SparkSession.Builder.getOrCreate = get_or_create
    sys.modules["graphframes"] = stand_in_graphframes()

    out = work / "out"
    sys.argv = ["text_dedup.minhash_spark", "--input", str(work / "in"), "--column", "text",
                "--index", "idx", "--output", str(out), "--checkpoint_dir", str(work / "ckpt"),
                "--debug", *job_args]
    started = time.perf_counter()
    try:
        runpy.run_module("text_dedup.minhash_spark", run_name="__main__")
    except SystemExit as e:  # its exit when there is no edge
        if e.code not in (0, None):
            raise
    wall = time.perf_counter() - started

    assigned = spark.read.parquet(f"{out}-assignment/assignment.parquet").collect()
    kept = spark.read.parquet(str(out)).count()
    by_component: dict = {}
    for r in assigned:
        by_component.setdefault(r["component"], []).append(ids[r["id"]])
    clusters = [c for c in by_component.values() if len(c) > 1]
    labels, _ = read_labels(corpus / "labels.jsonl")
    universe = set(ids)
    p, r, f1 = pair_metrics(clusters, labels, universe)

    cli_json = work / "dedup.json"
    with open(cli_json, "w", encoding="utf-8") as f:
        subprocess.run([str(ROOT / "target" / "release" / "dedup"), "--quiet", "--format",
                        "json", str(corpus / "articles.jsonl")], stdout=f, check=True)
    dp, dr, df1 = pair_metrics(read_dedup(cli_json)["clusters"], labels, universe)
    spark.stop()
    r4 = lambda x: None if x is None else round(x, 4)  # noqa: E731
    print(json.dumps({
        "articles": len(ids), "text_dedup_args": job_args, "text_dedup_s": round(wall, 1),
        "text_dedup_kept": kept, "text_dedup_clusters": len(clusters),
        "text_dedup_precision": r4(p), "text_dedup_recall": r4(r), "text_dedup_f1": r4(f1),
        "dedup_clusters": len(read_dedup(cli_json)["clusters"]),
        "dedup_precision": r4(dp), "dedup_recall": r4(dr), "dedup_f1": r4(df1),
    }), flush=True)


if __name__ == "__main__":
    main()

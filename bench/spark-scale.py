"""A local scaling curve of the Spark job beside the CLI (issue 16); see spark-scale.sh.

Per size: the job's wall time per article, its shuffle bytes per article for each stage (from
Spark's own status store, read in process: no UI, nothing listens), the peak RSS of the
driver JVM (local mode: the driver is the executor) and the CLI's wall time and peak RSS on
the same corpus; and whether the job's clusters and representatives are the CLI's (the
CLI's JSON report against the job's Parquet output). Prints one JSON line per size. The
corpora stay in a temporary folder (SPARK_SCALE_WORK, default under /tmp), out of git.
SPARK_SCALE_PARTITIONS (default 4) and SPARK_SCALE_DRIVER_MEMORY (default 3g) size the run:
past 100k the band stage needs more of either. SPARK_SCALE_BROADCAST_MB is the job's
--broadcast-mb (default: the job's, an eighth of the heap). Every SPARK_SCALE_WATCH seconds
(default 60) a line on stderr names the running stage, the shuffle written so far and the size
of Spark's local folder (shuffle files, spill and persisted blocks:
SPARK_SCALE_WORK/spark-local, sampled every SPARK_SCALE_DU seconds, default 5); the JSON line
gives each stage's peak of it. With SPARK_SCALE_STAGES=1 a line per Spark stage that shuffled
or spilled follows on stderr: its job, the operators it ran, the rows and bytes it shuffled and
the bytes it spilled.
"""

import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python" / "tests"))
from conftest import write_random_base  # noqa: E402  (the Python tests' random base corpus)
BIN = ROOT / "target" / "release"


def seq(scala_seq) -> list:
    return [scala_seq.apply(i) for i in range(scala_seq.size())]


def timed(cmd: list) -> tuple:
    """Wall seconds and peak RSS (MB) of the largest process of a command, and its stdout."""
    out = subprocess.run(["/usr/bin/time", "-f", "%e %M", *cmd], capture_output=True,
                         text=True, check=True)
    wall, rss = out.stderr.strip().splitlines()[-1].split()
    return float(wall), int(rss) / 1024, out.stdout


def parity(spark, output: Path, cli: dict) -> dict:
    """How the job's clusters and representatives differ from the CLI's report: counts of
    clusters found by one side only, and of shared clusters with another representative."""
    ours: dict = {}
    for r in spark.read.parquet(str(output)).select("cluster", "path", "representative").collect():
        members, rep = ours.setdefault(r["cluster"], (set(), []))
        members.add(r["path"])
        if r["representative"]:
            rep.append(r["path"])
    ours_by = {frozenset(m): rep for m, rep in ours.values()}
    cli_by = {frozenset(m["path"] for m in c["members"]): [c["representative"]]
              for c in cli["clusters"]}
    shared = ours_by.keys() & cli_by.keys()
    return {"clusters": len(cli_by), "only_spark": len(ours_by.keys() - shared),
            "only_cli": len(cli_by.keys() - shared),
            "other_representative": sum(ours_by[c] != cli_by[c] for c in shared)}


def job_shuffle(store, job) -> int:
    """Bytes of shuffle a job's stages have written."""
    written = 0
    for stage_id in seq(job.stageIds()):
        try:
            written += int(store.lastStageAttempt(int(stage_id)).shuffleWriteBytes())
        except Exception:  # a stage not started, or skipped for a shuffle already written
            continue
    return written


def disk_use(folder: Path) -> int:
    """Bytes allocated to the files under a folder (a file removed while it is read counts 0)."""
    used = 0
    for parent, _, files in os.walk(folder):
        for name in files:
            try:
                used += os.lstat(os.path.join(parent, name)).st_blocks * 512
            except OSError:
                continue
    return used


def running(store) -> list:
    return sorted({str(job.description().get()).replace("dedup-spark ", "")
                   for job in seq(store.jobsList(None))
                   if str(job.status()) == "RUNNING" and job.description().isDefined()})


def watch(store, local: Path, every: float, du_every: float, peaks: dict,
          stop: threading.Event) -> None:
    """Every `du_every` seconds the size of Spark's local folder, kept in `peaks` as the largest
    seen while each stage ran (and under "all"); every `every` seconds one line on stderr: the
    running jobs' descriptions, the shuffle written so far and the local folder. A run that
    dies (of heap, or of local disk at 1M) still shows which stage it was in and how much it
    had written."""
    started = last = time.perf_counter()
    while not stop.wait(du_every):
        used, now = disk_use(local), running(store)
        for stage in now + ["all"]:
            peaks[stage] = max(peaks.get(stage, 0), used)
        if time.perf_counter() - last < every:
            continue
        last = time.perf_counter()
        written = sum(job_shuffle(store, job) for job in seq(store.jobsList(None)))
        print(f"spark-scale: {last - started:.0f} s: {', '.join(now) or '-'}; "
              f"shuffle written {written / 1e9:.1f} GB; local folder {used / 1e9:.1f} GB",
              file=sys.stderr, flush=True)


def operators(store, stage_id: int) -> str:
    """The operators a stage ran, as Spark's DAG view names them (Exchange, SortMergeJoin, …)."""
    names: list = []

    def walk(cluster) -> None:
        for child in seq(cluster.childClusters()):
            name = re.sub(r"\s*\[\d+\]$|\s*\(\d+\)$", "", str(child.name()))
            if name not in names:
                names.append(name)
            walk(child)
    try:
        walk(store.operationGraphForStage(stage_id).rootCluster())
    except Exception:  # pragma: no cover - a stage the store has dropped
        return "?"
    return ", ".join(names)


def stage_lines(store, seen: set, n: int) -> None:
    """One line per Spark stage of the run's jobs that shuffled or spilled, on stderr."""
    for job in reversed(seq(store.jobsList(None))):
        if int(job.jobId()) in seen:
            continue
        name = str(job.description().get()) if job.description().isDefined() else "?"
        for stage_id in sorted(int(s) for s in seq(job.stageIds())):
            try:
                st = store.lastStageAttempt(stage_id)
            except Exception:
                continue
            if str(st.status()) == "SKIPPED" or not (int(st.shuffleWriteBytes())
                                                     or int(st.diskBytesSpilled())):
                continue
            print(f"spark-scale: stage {stage_id} ({name.replace('dedup-spark ', '')}, "
                  f"{st.numTasks()} tasks, {st.executorRunTime() / 1e3:.0f} s run): "
                  f"shuffle read {int(st.shuffleReadRecords()):,} rows "
                  f"{int(st.shuffleReadBytes()) / 1e6:,.0f} MB, "
                  f"written {int(st.shuffleWriteRecords()):,} rows "
                  f"{int(st.shuffleWriteBytes()) / 1e6:,.0f} MB "
                  f"({int(st.shuffleWriteBytes()) / n:,.0f} B/article), "
                  f"spilled {int(st.diskBytesSpilled()) / 1e6:,.0f} MB to disk: "
                  f"{operators(store, stage_id)}", file=sys.stderr, flush=True)


def main() -> None:
    sizes = [int(n) for n in sys.argv[1:]] or [10_000, 20_000, 50_000]
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession
    from dedup import spark as dedup_spark

    work = Path(os.environ.get("SPARK_SCALE_WORK") or tempfile.mkdtemp(prefix="spark-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    local = work / "spark-local"
    local.mkdir(exist_ok=True)
    write_random_base(work / "base.jsonl")
    memory = os.environ.get("SPARK_SCALE_DRIVER_MEMORY", "3g")
    spark = (SparkSession.builder.master("local[2]").appName("dedup-spark-scale")
             .config("spark.driver.bindAddress", "127.0.0.1")
             .config("spark.driver.host", "127.0.0.1")
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.driver.memory", memory)
             # The job broadcasts a per-article table up to an eighth of the heap, within this.
             .config("spark.driver.maxResultSize", memory)
             .config("spark.local.dir", str(local))
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    store = spark.sparkContext._jsc.sc().statusStore()
    jvm_pid = int(spark.sparkContext._jvm.ProcessHandle.current().pid())
    stop = threading.Event()
    peaks: dict = {}
    threading.Thread(target=watch, args=(store, local,
                                         float(os.environ.get("SPARK_SCALE_WATCH", "60")),
                                         float(os.environ.get("SPARK_SCALE_DU", "5")), peaks,
                                         stop), daemon=True).start()
    for n in sizes:
        corpus = work / f"synth-{n}"
        if not (corpus / "articles.jsonl").exists():
            subprocess.run([str(BIN / "dedup-synth"), "--base", str(work / "base.jsonl"), "-n",
                            str(n), "--seed", "3", "-o", str(corpus)], check=True,
                           capture_output=True)
        articles = corpus / "articles.jsonl"
        cli_wall, cli_rss, cli_json = timed([str(BIN / "dedup"), "--quiet", "--format", "json",
                                             str(articles)])
        seen = {int(j.jobId()) for j in seq(store.jobsList(None))}
        peaks.clear()
        started = time.perf_counter()
        counts = dedup_spark.run(spark, dedup_spark.Options(
            [str(articles)], str(work / f"out-{n}.parquet"),
            partitions=int(os.environ.get("SPARK_SCALE_PARTITIONS", "4")),
            broadcast_mb=float(os.environ["SPARK_SCALE_BROADCAST_MB"])
            if os.environ.get("SPARK_SCALE_BROADCAST_MB") else None))
        wall = time.perf_counter() - started
        shuffle: dict = {}
        for job in seq(store.jobsList(None)):
            if int(job.jobId()) in seen:
                continue
            name = str(job.description().get()) if job.description().isDefined() else "?"
            stage = name.replace("dedup-spark ", "")
            shuffle[stage] = shuffle.get(stage, 0) + job_shuffle(store, job)
        if os.environ.get("SPARK_SCALE_STAGES") == "1":
            stage_lines(store, seen, n)
        status = Path(f"/proc/{jvm_pid}/status").read_text()
        peak = int(next(l for l in status.splitlines() if l.startswith("VmHWM")).split()[1])
        print(json.dumps({
            "articles": n, "spark_s": round(wall, 1),
            "spark_us_per_article": round(wall / n * 1e6),
            "stages_s": {k: round(v, 1) for k, v in counts["seconds"].items()},
            "shuffle_bytes_per_article": {k: round(v / n) for k, v in shuffle.items()},
            "local_folder_peak_gb": {k: round(v / 1e9, 2) for k, v in peaks.items()},
            "broadcast": counts["broadcast"],
            "candidate_pairs": counts["candidate_pairs"],
            "duplicate_pairs": counts["duplicate_pairs"],
            "jvm_peak_rss_mb_so_far": round(peak / 1024),
            "python_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "cli_s": cli_wall, "cli_us_per_article": round(cli_wall / n * 1e6),
            "cli_peak_rss_mb": round(cli_rss), "ratio": round(wall / max(cli_wall, 0.01)),
            "parity": parity(spark, work / f"out-{n}.parquet", json.loads(cli_json)),
        }), flush=True)
    stop.set()
    spark.stop()


if __name__ == "__main__":
    main()

"""The Spark job gives the CLI's clusters and representatives, and the CLI's scores for every
pair it reports, whatever the partitioning. One local Spark session serves every test, and each
corpus is run once for all the assertions on it: a run costs seconds of fixed Spark work."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SEEDS, binary, run_cli, write_jsonl

if shutil.which("java") is None:
    pytest.skip("the Spark tests need Java (17) on PATH: `java` was not found",
                allow_module_level=True)
pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed "
                              "(python/requirements-test.txt pins it)")

from dedup import spark as dedup_spark  # noqa: E402


@pytest.fixture(scope="session")
def spark():
    from pyspark.sql import SparkSession

    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    # The workers import dedup from this interpreter's packages.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (SparkSession.builder.master("local[2]").appName("dedup-spark-tests")
               .config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.driver.host", "127.0.0.1")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "4")
               .config("spark.sql.adaptive.enabled", "true")
               .config("spark.driver.memory", "2g")
               .config("spark.ui.showConsoleProgress", "false")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def members(report: dict) -> dict:
    """Each cluster as its member paths, with its representative."""
    return {frozenset(m["path"] for m in c["members"]): c["representative"]
            for c in report["clusters"]}


def pair_scores(report: dict) -> dict:
    """Every pair with everything the report says of it: scores, verdict, signals."""
    return {(p["a"], p["b"]): p for c in report["clusters"] for p in c["pairs"]}


class Cli:
    """The CLI's report, its report with every pair, and its warnings, on some inputs."""

    def __init__(self, inputs: list) -> None:
        paths = [str(i) for i in inputs]
        done = subprocess.run([str(binary("dedup")), "--format", "json", *paths],
                              capture_output=True, text=True, check=True)
        self.report = json.loads(done.stdout)
        self.stderr = done.stderr
        self.every_pair = json.loads(run_cli("--format", "json", "--all-pairs", *paths))


def run_spark(spark, out_dir: Path, inputs, partitions, name, broadcast_mb=None):
    out, report = out_dir / f"{name}.parquet", out_dir / f"{name}.json"
    opts = dedup_spark.Options([str(i) for i in inputs], str(out), report=str(report),
                               partitions=partitions, broadcast_mb=broadcast_mb)
    counts = dedup_spark.run(spark, opts)
    return counts, json.loads(report.read_text(encoding="utf-8")), out


def assert_same_as_cli(spark, ours: dict, out: Path, cli: Cli) -> None:
    assert members(ours) == members(cli.report)
    assert [c["representative"] for c in ours["clusters"]] == \
        [c["representative"] for c in cli.report["clusters"]]
    # Every pair reported carries the CLI's scores; every screened pair is verified, so the
    # pairs are those of --all-pairs.
    assert pair_scores(ours) == pair_scores(cli.every_pair)
    for key in ("clusters", "clustered_articles", "singletons"):
        assert ours["summary"][key] == cli.report["summary"][key]
    assert ours["parameters"] == cli.report["parameters"]
    # Files, articles, and every skipped input and warning, named as the CLI names them.
    assert ours["inputs"] == cli.report["inputs"]
    # The Parquet output: one row per clustered article, one representative per cluster.
    table = spark.read.parquet(str(out)).collect()
    assert len(table) == ours["summary"]["clustered_articles"]
    reps = [r for r in table if r["representative"]]
    assert len(reps) == len({r["cluster"] for r in table})
    assert {r["path"] for r in reps} == {c["representative"] for c in cli.report["clusters"]}


@pytest.fixture(scope="module")
def seed_inputs(tmp_path_factory, seed_texts) -> list:
    """The seeds as JSONL, with lines that are not articles among them, between a 0-byte file
    and a file of blank lines: each of those is skipped as "empty file"."""
    folder = tmp_path_factory.mktemp("seeds")
    rows = []
    for stem, text in seed_texts:
        # The seed format's date prefix, as a JSONL date field, so that the rule reads dates.
        first = text.split("\n", 1)[0].strip()
        date = first[5:15] if first.startswith("date ") else None
        rows.append(json.dumps({"id": stem, "date": date, "text": text}))
    rows[1:1] = ["", "not json", json.dumps({"id": "x", "text": "   "}),
                 json.dumps({"id": "d", "date": "soon", "text": seed_texts[3][1]})]
    (folder / "a-empty.jsonl").write_bytes(b"")
    (folder / "seeds.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "blank.jsonl").write_text("\n  \n\t\n", encoding="utf-8")
    # Not in path order: the inputs are read in the order given, as the CLI reads them.
    return [folder / "seeds.jsonl", folder / "blank.jsonl", folder / "a-empty.jsonl"]


# One partition, and more partitions than articles (most of them empty); the 2,000-article
# slice runs in 8 and the whole 20k in 3.
@pytest.mark.parametrize("partitions", [1, 8])
def test_seeds_give_the_cli_clusters_and_warnings_and_keep_the_session_settings(
        spark, tmp_path, seed_inputs, partitions, capsys):
    cli = Cli(seed_inputs)
    out, report = tmp_path / "out.parquet", tmp_path / "report.json"
    # The job changes these for its own stages (the seeds' tables are broadcast, which turns
    # adaptive execution off) and must restore them: the session is the caller's.
    keys = ("spark.sql.adaptive.enabled", "spark.sql.shuffle.partitions")
    before = [spark.conf.get(k) for k in keys]
    assert dedup_spark.main([*map(str, seed_inputs), "-o", str(out), "--report", str(report),
                             "--partitions", str(partitions)]) == 0
    assert [spark.conf.get(k) for k in keys] == before
    ours = json.loads(report.read_text(encoding="utf-8"))
    assert_same_as_cli(spark, ours, out, cli)
    assert ours["clusters"], "the seeds hold copies"
    assert [i["path"] for i in ours["inputs"]["skipped_inputs"]][-2:] == \
        [str(p) for p in seed_inputs[1:]]
    err = capsys.readouterr().err.splitlines()
    # The counts, last: the seeds' tables were broadcast, the path that changes the settings.
    assert json.loads(err[-1])["broadcast"]["sketches"]
    warned = [line for line in err if line.startswith("dedup-spark: warning: ")]
    assert warned == [line.replace("dedup: ", "dedup-spark: ", 1)
                      for line in cli.stderr.splitlines()]


def test_only_empty_inputs_give_an_empty_report(spark, tmp_path, seed_inputs):
    cli = Cli(seed_inputs[1:])
    counts, ours, out = run_spark(spark, tmp_path, seed_inputs[1:], None, "empty")
    assert counts["articles"] == 0 and counts["skipped"]["count"] == 2
    assert ours["inputs"] == cli.report["inputs"] and ours["clusters"] == []
    assert ours["summary"] == cli.report["summary"]


def test_a_missing_input_is_an_error_that_names_it(spark, tmp_path, seed_inputs, capsys):
    missing = tmp_path / "no-such.jsonl"
    with pytest.raises(dedup_spark.InputError, match=f"^{re.escape(str(missing))}: no such file"):
        run_spark(spark, tmp_path, [seed_inputs[0], missing], None, "missing")
    assert dedup_spark.main([str(missing), "-o", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == f"dedup-spark: error: {missing}: no such file or directory\n"


@pytest.fixture(scope="module")
def synth_cli(synth_corpus):
    return Cli([synth_corpus / "articles.jsonl"])


def run_synth(spark, tmp_path_factory, synth_corpus, broadcast_mb):
    """One run on the whole generated 20k corpus, read in small splits: line numbers must carry
    across the splits of one file."""
    corpus = synth_corpus / "articles.jsonl"
    spark.conf.set("spark.sql.files.maxPartitionBytes", str(8 << 20))
    try:
        return run_spark(spark, tmp_path_factory.mktemp("synth"), [corpus], 3, "synth",
                         broadcast_mb)
    finally:
        spark.conf.unset("spark.sql.files.maxPartitionBytes")


@pytest.fixture(scope="module")
def synth_run(spark, tmp_path_factory, synth_corpus, synth_cli):
    """The default run: at 20k articles both per-article tables (sketches, shingle sets) are
    broadcast."""
    counts, ours, out = run_synth(spark, tmp_path_factory, synth_corpus, None)
    assert counts["broadcast"]["sketches"] and counts["broadcast"]["shingle_sets"]
    return ours, out, synth_cli


@pytest.fixture(scope="module")
def synth_run_shuffled(spark, tmp_path_factory, synth_corpus, synth_cli):
    """The same corpus with nothing broadcast (--broadcast-mb 0): both tables are joined to the
    pairs through shuffles, as past the budget on a cluster."""
    counts, ours, out = run_synth(spark, tmp_path_factory, synth_corpus, 0)
    assert not counts["broadcast"]["sketches"] and not counts["broadcast"]["shingle_sets"]
    return ours, out, synth_cli


def test_a_20k_generated_corpus_gives_the_cli_clusters(spark, synth_run):
    ours, out, cli = synth_run
    assert_same_as_cli(spark, ours, out, cli)
    assert len(ours["clusters"]) > 100
    # The same candidates: the bucket rule, its cap on anchored bands (which drops about 6,000
    # of this corpus's pairs) and the sketch screen are the CLI's.
    assert ours["summary"]["candidate_pairs"] == cli.report["summary"]["candidate_pairs"]


def test_the_shuffled_joins_give_the_cli_clusters_and_the_broadcast_run(spark, synth_run,
                                                                        synth_run_shuffled):
    ours, out, cli = synth_run_shuffled
    assert_same_as_cli(spark, ours, out, cli)
    assert ours["summary"]["candidate_pairs"] == cli.report["summary"]["candidate_pairs"]
    # Every pair, score and cluster as the broadcast run has them, in the same order.
    assert ours == synth_run[0]


@pytest.mark.parametrize("broadcast_mb", [None, 0])
def test_the_answer_does_not_depend_on_the_partitions(spark, tmp_path, synth_corpus,
                                                      broadcast_mb):
    # 8 partitions and 1 MB splits on a slice of the 20k corpus, the tables broadcast or
    # shuffled; the seeds run in 1 and 8, the whole 20k in 3.
    corpus = tmp_path / "slice.jsonl"
    with open(synth_corpus / "articles.jsonl", encoding="utf-8") as lines:
        corpus.write_text("".join(next(lines) for _ in range(2000)), encoding="utf-8")
    spark.conf.set("spark.sql.files.maxPartitionBytes", str(1 << 20))
    try:
        counts, ours, out = run_spark(spark, tmp_path, [corpus], 8, "slice", broadcast_mb)
    finally:
        spark.conf.unset("spark.sql.files.maxPartitionBytes")
    assert counts["broadcast"]["sketches"] == (broadcast_mb is None)
    assert_same_as_cli(spark, ours, out, Cli([corpus]))
    assert len(ours["clusters"]) > 10


def test_buckets_of_common_values_are_anchored_as_in_the_cli(spark, tmp_path):
    """420 items of one outlet carry its footer and one of seven background boxes: they meet in
    small buckets of values common in the corpus, which both engines anchor, so Spark proposes
    the CLI's pairs and finds its one copy."""
    def word(n: int) -> str:
        n, w = n + 1, ""
        while n:
            w, n = w + chr(ord("a") + n % 26), n // 26
        return w + "x"

    def words(lo: int, hi: int) -> str:
        return " ".join(word(i) for i in range(lo, hi))

    footer = words(0, 60)
    boxes = [words(1000 + b * 40, 1040 + b * 40) for b in range(7)]

    def item(i: int) -> str:
        return f"{words(10000 + i * 120, 10120 + i * 120)} {boxes[i % 7]} {footer}"

    rows = [{"id": f"item{i}", "text": item(i)} for i in range(420)]
    rows.append({"id": "copy-of-item7", "text": item(7)})
    path = tmp_path / "outlet.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    cli = Cli([path])
    counts, ours, out = run_spark(spark, tmp_path, [path], 3, "outlet")
    assert_same_as_cli(spark, ours, out, cli)
    assert counts["candidate_pairs"] == cli.report["summary"]["candidate_pairs"]
    assert counts["candidate_pairs"] < 30_000


def test_the_broadcast_budget(spark):
    heap = spark.sparkContext._jvm.java.lang.Runtime.getRuntime().maxMemory()
    result_size = 1 << 30  # spark.driver.maxResultSize, Spark's default in this session
    assert dedup_spark._broadcast_budget(spark, None) == min(heap // 8, result_size)
    assert dedup_spark._broadcast_budget(spark, 1.5) == 3 << 19
    assert dedup_spark._broadcast_budget(spark, 0) == 0
    # The rows are collected on the driver: never more than it accepts.
    assert dedup_spark._broadcast_budget(spark, 4096) == result_size


def test_parquet_input_gives_the_clusters_of_the_same_rows_as_jsonl(spark, tmp_path,
                                                                   seed_texts):
    import pyarrow as pa
    import pyarrow.parquet as pq

    jsonl, parquet = tmp_path / "seeds.jsonl", tmp_path / "seeds.parquet"
    write_jsonl(jsonl, [{"id": s, "text": t} for s, t in seed_texts])
    pq.write_table(pa.table({"id": [s for s, _ in seed_texts],
                             "text": [t for _, t in seed_texts]}), parquet)
    _, from_parquet, _ = run_spark(spark, tmp_path, [parquet], 2, "p")
    cli = json.loads(run_cli("--format", "json", str(jsonl)))
    ids = lambda r: {frozenset(m["id"] for m in c["members"]) for c in r["clusters"]}  # noqa: E731
    assert ids(from_parquet) == ids(cli) and ids(cli)


def test_the_cli_flags_are_the_settings(tmp_path):
    opts = dedup_spark.options(["in.jsonl", "-o", "out", "--threshold", "0.3", "--num-perm",
                                "128", "--text-field", "body"])
    assert opts.settings.threshold == 0.3 and opts.settings.num_perm == 128
    assert opts.fields[0] == "body"
    assert opts.broadcast_mb is None
    assert dedup_spark.options(["in.jsonl", "-o", "out", "--broadcast-mb", "0"]).broadcast_mb == 0
    with pytest.raises(SystemExit, match="num-perm|bands"):
        dedup_spark.options(["in.jsonl", "-o", "out", "--bands", "1000"])


def test_the_readme_command_runs_as_written(spark, tmp_path, seed_texts):
    section = (SEEDS.parents[1] / "README.md").read_text(encoding="utf-8")
    section = section.split("## On Apache Spark")[1].split("\n## ")[0]
    command = next(line for line in section.splitlines() if line.startswith("dedup-spark "))
    # Spark resolves relative paths in the JVM's folder: the files are named in tmp_path.
    args = [str(tmp_path / a) if a.endswith((".jsonl", ".parquet", ".json")) else a
            for a in command.split()[1:]]
    corpus = tmp_path / "corpus.jsonl"
    write_jsonl(corpus, [{"url": s, "text": t} for s, t in seed_texts])
    dedup_spark.run(spark, dedup_spark.options(args))
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    cli = json.loads(run_cli("--format", "json", "--id-field", "url", str(corpus)))
    assert members(report) == members(cli) and report["clusters"]

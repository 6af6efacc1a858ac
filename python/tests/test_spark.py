"""The Spark job gives the CLI's clusters and representatives, and the CLI's scores for every
pair it reports, whatever the partitioning. One local Spark session serves every test."""

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from conftest import SEEDS, run_cli, write_jsonl

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
    return {(p["a"], p["b"]): (p["jaccard"], p["estimate"], p["containment"], p["verdict"])
            for c in report["clusters"] for p in c["pairs"]}


def run_spark(spark, tmp_path, inputs, partitions, name):
    out, report = tmp_path / f"{name}.parquet", tmp_path / f"{name}.json"
    opts = dedup_spark.Options([str(i) for i in inputs], str(out), report=str(report),
                               partitions=partitions)
    counts = dedup_spark.run(spark, opts)
    return counts, json.loads(report.read_text(encoding="utf-8")), out


def assert_same_as_cli(spark, tmp_path, corpus: Path, partitions: int, name: str) -> dict:
    cli = json.loads(run_cli("--format", "json", str(corpus)))
    every_pair = json.loads(run_cli("--format", "json", "--all-pairs", str(corpus)))
    counts, ours, out = run_spark(spark, tmp_path, [corpus], partitions, name)
    assert members(ours) == members(cli)
    assert [c["representative"] for c in ours["clusters"]] == \
        [c["representative"] for c in cli["clusters"]]
    # Every pair reported carries the CLI's scores; every screened pair is verified, so the
    # pairs are those of --all-pairs.
    assert pair_scores(ours) == pair_scores(every_pair)
    for key in ("clusters", "clustered_articles", "singletons"):
        assert ours["summary"][key] == cli["summary"][key]
    assert ours["parameters"] == cli["parameters"]
    assert ours["inputs"]["articles"] == cli["inputs"]["articles"]
    # The Parquet output: one row per clustered article, one representative per cluster.
    table = spark.read.parquet(str(out)).collect()
    assert len(table) == ours["summary"]["clustered_articles"]
    reps = [r for r in table if r["representative"]]
    assert len(reps) == len({r["cluster"] for r in table})
    assert {r["path"] for r in reps} == {c["representative"] for c in cli["clusters"]}
    return ours


@pytest.mark.parametrize("partitions", [1, 3, 8])
def test_seeds_give_the_cli_clusters(spark, tmp_path, seed_texts, partitions):
    corpus = tmp_path / "seeds.jsonl"
    # The seed format's date prefix, as a JSONL date field, so that the rule reads dates.
    rows = []
    for stem, text in seed_texts:
        first = text.split("\n", 1)[0].strip()
        date = first[5:15] if first.startswith("date ") else None
        rows.append({"id": stem, "date": date, "text": text})
    write_jsonl(corpus, rows)
    ours = assert_same_as_cli(spark, tmp_path, corpus, partitions, "seeds")
    assert ours["clusters"], "the seeds hold copies"


def test_a_20k_generated_corpus_gives_the_cli_clusters(spark, tmp_path, synth_corpus):
    # Small input splits too: line numbers must carry across the splits of one file.
    spark.conf.set("spark.sql.files.maxPartitionBytes", str(8 << 20))
    try:
        ours = assert_same_as_cli(spark, tmp_path, synth_corpus / "articles.jsonl", 3, "synth")
    finally:
        spark.conf.unset("spark.sql.files.maxPartitionBytes")
    assert len(ours["clusters"]) > 100


@pytest.mark.parametrize("partitions", [1, 8])
def test_the_answer_does_not_depend_on_the_partitions(spark, tmp_path, synth_corpus,
                                                       partitions):
    # A slice of the 20k corpus keeps the Spark tests short; the whole of it runs above.
    corpus = tmp_path / "slice.jsonl"
    with open(synth_corpus / "articles.jsonl", encoding="utf-8") as lines:
        corpus.write_text("".join(next(lines) for _ in range(3000)), encoding="utf-8")
    if partitions == 8:
        spark.conf.set("spark.sql.files.maxPartitionBytes", str(1 << 20))
    try:
        ours = assert_same_as_cli(spark, tmp_path, corpus, partitions, "slice")
    finally:
        spark.conf.unset("spark.sql.files.maxPartitionBytes")
    assert len(ours["clusters"]) > 10


def test_parquet_input_gives_the_clusters_of_the_same_rows_as_jsonl(spark, tmp_path,
                                                                   seed_texts):
    import pyarrow as pa
    import pyarrow.parquet as pq

    jsonl, parquet = tmp_path / "seeds.jsonl", tmp_path / "seeds.parquet"
    write_jsonl(jsonl, [{"id": s, "text": t} for s, t in seed_texts])
    pq.write_table(pa.table({"id": [s for s, _ in seed_texts],
                             "text": [t for _, t in seed_texts]}), parquet)
    _, from_jsonl, _ = run_spark(spark, tmp_path, [jsonl], 2, "j")
    _, from_parquet, _ = run_spark(spark, tmp_path, [parquet], 2, "p")
    ids = lambda r: {frozenset(m["id"] for m in c["members"]) for c in r["clusters"]}  # noqa: E731
    assert ids(from_parquet) == ids(from_jsonl) and ids(from_jsonl)


def test_lines_that_are_not_articles_are_reported_as_the_cli_reports_them(spark, tmp_path,
                                                                         seed_texts):
    corpus = tmp_path / "odd.jsonl"
    lines = [json.dumps({"id": s, "text": t}) for s, t in seed_texts[:3]]
    lines[1:1] = ["", "not json", json.dumps({"id": "x", "text": "   "}),
                  json.dumps({"id": "d", "date": "soon", "text": seed_texts[3][1]})]
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cli = json.loads(run_cli("--format", "json", str(corpus)))
    _, ours, _ = run_spark(spark, tmp_path, [corpus], 2, "odd")
    assert ours["inputs"] == cli["inputs"]
    assert members(ours) == members(cli)


def test_the_cli_flags_are_the_settings(tmp_path):
    opts = dedup_spark.options(["in.jsonl", "-o", "out", "--threshold", "0.3", "--num-perm",
                                "128", "--text-field", "body"])
    assert opts.settings.threshold == 0.3 and opts.settings.num_perm == 128
    assert opts.fields[0] == "body"
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

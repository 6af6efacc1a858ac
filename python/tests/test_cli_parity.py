"""The package gives the CLI's answers: same clusters, same JSON bytes."""

import json

import dedup
from conftest import SEEDS, run_cli, write_jsonl


def cluster_ids(report: dict) -> set:
    return {frozenset(m["id"] for m in c["members"]) for c in report["clusters"]}


def test_seeds_cluster_as_the_cli_clusters_the_files(seed_texts, tmp_path):
    ids = [stem for stem, _ in seed_texts]
    result = dedup.find_duplicates([text for _, text in seed_texts], ids=ids)
    from_files = json.loads(run_cli("--format", "json", str(SEEDS)))
    assert from_files["clusters"], "the seeds hold copies"
    assert {frozenset(c.ids) for c in result.clusters} == cluster_ids(from_files)

    # The same texts as a JSONL file: the report is the CLI's, byte for byte.
    jsonl = tmp_path / "seeds.jsonl"
    write_jsonl(jsonl, [{"id": i, "text": t} for i, t in seed_texts])
    named = dedup.find_duplicates([t for _, t in seed_texts], ids=ids, name=str(jsonl))
    for flags in ([], ["--singletons"]):
        cli = run_cli("--format", "json", *flags, str(jsonl))
        assert named.to_json(singletons=bool(flags)) == cli


def test_a_20k_generated_corpus_gives_the_cli_report_byte_for_byte(synth_corpus):
    articles = synth_corpus / "articles.jsonl"
    rows = [json.loads(line) for line in articles.open(encoding="utf-8")]
    result = dedup.find_duplicates(
        (r["text"] for r in rows),
        ids=[r["id"] for r in rows],
        dates=[r["date"] for r in rows],
        titles=[r["title"] for r in rows],
        name=str(articles),
    )
    cli = run_cli("--format", "json", str(articles))
    assert len(result.clusters) > 100
    assert result.to_json() == cli
    assert {frozenset(c.ids) for c in result.clusters} == cluster_ids(json.loads(cli))


def test_explain_gives_the_fields_of_explain_json(seed_texts, tmp_path):
    (a_id, a), (b_id, b) = seed_texts[0], seed_texts[2]
    paths = []
    for name, text in (("a", a), ("b", b)):
        path = tmp_path / f"{name}.jsonl"
        write_jsonl(path, [{"text": text}])
        paths.append(f"{path}:1")
    cli = json.loads(run_cli("explain", "--format", "json", *paths))
    ours = dedup.explain(a, b)
    for side in ("a", "b"):
        for report in (cli, ours):
            report[side].pop("path"), report[side].pop("id")
    assert ours == cli

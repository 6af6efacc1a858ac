"""The package gives the CLI's answers: same clusters, same JSON bytes."""

import json

import pytest

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
    report = json.loads(cli)
    assert {frozenset(c.ids) for c in result.clusters} == cluster_ids(report)

    # Each Pair carries what the report says of it (to the report's four decimals), the
    # rule's signals included.
    def same(pair: dedup.Pair, written: dict) -> bool:
        def close_to(value, shown):
            return (value is None) == (shown is None) and (
                value is None or abs(value - shown) <= 0.5e-4 + 1e-12)
        return (pair.verdict, pair.close) == (written["verdict"], written["close"]) and all(
            close_to(getattr(pair, k), written[k]) for k in (
                "jaccard", "estimate", "containment", "block_share", "passage_share",
                "quoted_share"))

    written = [p for c in report["clusters"] for p in c["pairs"]]
    pairs = [p for c in result.clusters for p in c.pairs]
    assert len(pairs) == len(written)
    assert all(same(p, w) for p, w in zip(pairs, written))
    assert [(f"{articles}:{p.a + 1}", f"{articles}:{p.b + 1}") for p in pairs] == [
        (w["a"], w["b"]) for w in written]
    assert {p.verdict for p in pairs} == {"covered", "spread"}


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


def test_an_index_built_in_python_is_one_the_cli_checks_against(tmp_path):
    from test_api import TEXTS

    archive, new = TEXTS[::2], TEXTS[1::2]
    path = tmp_path / "archive.redb"
    index = dedup.Index.build(path, archive, ids=[f"a{i}" for i in range(len(archive))],
                              settings=dedup.Settings(num_perm=128))
    assert len(index) == len(archive) and index.settings.num_perm == 128
    new_file = tmp_path / "new.jsonl"
    write_jsonl(new_file, [{"id": f"n{i}", "text": t} for i, t in enumerate(new)])
    del index  # one process holds a redb file open at a time
    reopened = dedup.Index.open(path)
    ours = reopened.check(new, ids=[f"n{i}" for i in range(len(new))], name=str(new_file))
    del reopened
    cli = run_cli("check", "--index", str(path), "--format", "json", str(new_file))
    assert ours.clusters and ours.to_json() == cli
    # Indexed members have no position; only new texts are ever dropped.
    assert all(i.startswith("n") for i in ours.duplicates_to_drop())


def test_a_bad_text_leaves_the_index_as_it_was(tmp_path):
    index = dedup.Index.build(tmp_path / "i.redb", ["some words in a row here"])
    with pytest.raises(TypeError, match=r"texts\[2\] is None"):
        index.add(["more words to add now", "and more words again", None])
    assert len(index) == 1


def test_an_add_reports_what_it_did_not_add_as_the_cli_does(tmp_path):
    story = "the council closed the harbour bridge after engineers found cracks in it"
    index = dedup.Index.build(tmp_path / "i.redb", [story])
    assert (index.already_indexed, index.skipped, index.warnings) == (0, [], [])
    texts = [story, "fuel costs hit airline profits this winter", "", "a school orchestra"]
    dates = ["2024-01-02", "2024-01-03", None, "next week"]
    assert index.add(texts, dates=dates) == 2
    assert index.already_indexed == 1
    assert [p for p, _ in index.skipped] == [2] and "no words" in index.skipped[0][1]
    assert index.warnings == [(3, 'date "next week" is not YYYY-MM-DD; read as undated')]
    # A retried add adds nothing, and says so.
    assert index.add(texts, dates=dates) == 0
    assert index.already_indexed == 3
    assert len(index) == 3

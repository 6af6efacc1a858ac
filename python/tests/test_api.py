"""Inputs, outputs and errors of the Python API."""

import random

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dedup

WORDS = ("minister harbour council storm vote budget river school rail strike court "
         "museum wildfire orchestra bridge election drought festival").split()


def corpus(seed: int, stories: int = 30) -> list:
    """Stories of 60 random words, some followed by copies with a few words changed."""
    rng = random.Random(seed)
    texts = []
    for _ in range(stories):
        story = [rng.choice(WORDS) + str(rng.randrange(50)) for _ in range(60)]
        texts.append(" ".join(story))
        for _ in range(rng.randrange(3)):
            copy = list(story)
            for _ in range(4):
                copy[rng.randrange(len(copy))] = rng.choice(WORDS)
            texts.append(" ".join(copy))
    return texts


def groups(result: dedup.Result) -> set:
    return {frozenset(c.ids) for c in result.clusters}


TEXTS = corpus(1)
IDS = [f"t{i}" for i in range(len(TEXTS))]


def test_every_input_kind_gives_the_same_clusters():
    expected = groups(dedup.find_duplicates(TEXTS, ids=IDS))
    assert expected
    frame = pd.DataFrame({"id": IDS, "text": TEXTS})
    inputs = {
        "generator": dict(texts=(t for t in TEXTS), ids=iter(IDS)),
        "pyarrow array": dict(texts=pa.array(TEXTS), ids=pa.array(IDS)),
        "pyarrow chunked": dict(texts=pa.chunked_array([TEXTS[:7], TEXTS[7:]]), ids=IDS),
        "pyarrow table": dict(texts=pa.table({"id": IDS, "text": TEXTS})),
        "pandas column": dict(texts=frame["text"], ids=frame["id"]),
        "pandas frame": dict(texts=frame),
        "polars column": dict(texts=pl.Series(TEXTS), ids=pl.Series(IDS)),
        "polars frame": dict(texts=pl.DataFrame({"id": IDS, "text": TEXTS})),
    }
    for kind, args in inputs.items():
        assert groups(dedup.find_duplicates(**args)) == expected, kind


def test_duplicates_to_drop_keeps_one_text_per_story():
    result = dedup.find_duplicates(TEXTS)
    drop = result.duplicates_to_drop()
    assert drop == sorted(drop) and all(isinstance(p, int) for p in drop)
    kept = [t for i, t in enumerate(TEXTS) if i not in set(drop)]
    assert len(kept) == len(TEXTS) - sum(len(c.members) - 1 for c in result.clusters)
    assert dedup.find_duplicates(kept).clusters == []
    with_ids = dedup.find_duplicates(TEXTS, ids=IDS).duplicates_to_drop()
    assert with_ids == [IDS[p] for p in drop]


def test_the_earliest_dated_copy_represents_its_cluster():
    story = corpus(2, stories=1)[0]
    texts = [story, story + " more", story]
    result = dedup.find_duplicates(texts, dates=["2024-05-02", None, "2024-05-01T08:00:00"])
    assert result.clusters[0].representative == 2
    assert result.duplicates_to_drop() == [0, 1]


def test_to_arrow_lists_every_clustered_text():
    result = dedup.find_duplicates(TEXTS, ids=IDS)
    table = result.to_arrow()
    assert table.column_names == ["cluster", "position", "id", "representative"]
    assert table.num_rows == sum(len(c.members) for c in result.clusters)
    assert sum(table["representative"].to_pylist()) == len(result.clusters)


def test_wordless_texts_are_reported_not_dropped():
    result = dedup.find_duplicates(["", TEXTS[0], "   \n", "...", TEXTS[0]])
    assert [p for p, _ in result.skipped] == [0, 2, 3]
    assert "no words" in result.skipped[0][1]
    assert result.clusters[0].members == [1, 4]


@pytest.mark.parametrize("texts, error, message", [
    (["fine words", None], TypeError, r"texts\[1\] is None, not a str"),
    (["fine words", b"bytes"], TypeError, r"texts\[1\] is of type bytes, not a str"),
    (["a"] * 5000 + [7], TypeError, r"texts\[5000\] is of type int"),
    (["ok", "bad \ud800 surrogate"], ValueError, r"texts\[1\] is not valid Unicode"),
    ("one long string", TypeError, r"texts is a single str"),
    (42, TypeError, r"texts must be an iterable of str, not int"),
])
def test_bad_texts_raise_naming_the_position(texts, error, message):
    with pytest.raises(error, match=message):
        dedup.find_duplicates(texts)


def test_bad_fields_and_settings_raise():
    with pytest.raises(ValueError, match="ids has 1 items, fewer than texts"):
        dedup.find_duplicates(["a", "b"], ids=["x"])
    with pytest.raises(ValueError, match="dates has more items than the 1 texts"):
        dedup.find_duplicates(["a"], dates=["2024-01-01", "2024-01-02"])
    with pytest.raises(TypeError, match=r"ids\[1\] is None"):
        dedup.find_duplicates(["a", "b"], ids=["x", None])
    with pytest.raises(ValueError, match=r"threshold must be in \(0, 1\], got 1.5"):
        dedup.find_duplicates(["a"], threshold=1.5)
    # Settings are named as the keywords the caller typed, not as the CLI's flags.
    for kwargs, message in [
        ({"num_perm": 64, "bands": 65, "rows": 1},
         r"^bands × rows must fit in num_perm 64 \(got 65 × 1\)$"),
        ({"num_perm": 0}, r"^num_perm must be between 1 and \d+, got 0$"),
        ({"ngram": 0}, r"^ngram must be between 1 and \d+ for word shingles, got 0$"),
        ({"bands": 0}, r"^bands and rows must be at least 1$"),
    ]:
        with pytest.raises(ValueError, match=message):
            dedup.find_duplicates(["a"], **kwargs)
    with pytest.raises(ValueError, match='shingle must be "word" or "char"'):
        dedup.find_duplicates(["a"], shingle="line")
    with pytest.raises(ValueError, match="threads must be at least 1"):
        dedup.find_duplicates(["a"], threads=0)
    with pytest.raises(ValueError, match="no 'text' column"):
        dedup.find_duplicates(pd.DataFrame({"body": ["a"]}))


def test_a_date_that_is_not_one_is_a_warning_not_silently_dropped():
    result = dedup.find_duplicates(["a b c d", "e f g h"], dates=["2024-01-02", "soon"])
    assert result.warnings == [(1, 'date "soon" is not YYYY-MM-DD; read as undated')]
    assert result.skipped == []


def test_an_error_in_the_callers_iterable_propagates_as_it_was():
    def texts():
        yield from TEXTS
        raise KeyError("row 3 has no text")

    with pytest.raises(KeyError, match="row 3 has no text"):
        dedup.find_duplicates(texts())


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), threads=st.sampled_from([1, 2, 3]),
       shuffle=st.randoms(use_true_random=False))
def test_threads_and_input_order_do_not_change_the_clusters(seed, threads, shuffle):
    texts = corpus(seed, stories=12)
    ids = [f"t{i}" for i in range(len(texts))]
    reference = dedup.find_duplicates(texts, ids=ids, num_perm=128, threads=1)
    same_order = dedup.find_duplicates(texts, ids=ids, num_perm=128, threads=threads)
    assert same_order.to_json() == reference.to_json()
    order = list(range(len(texts)))
    shuffle.shuffle(order)
    shuffled = dedup.find_duplicates([texts[i] for i in order], ids=[ids[i] for i in order],
                                     num_perm=128, threads=threads)
    assert groups(shuffled) == groups(reference)


def test_sign_batch_keys_and_verify_pairs_agree_with_find_duplicates():
    settings = dedup.Settings(num_perm=128)
    signed = dedup.sign_batch(pa.array(TEXTS + [None, ""]), settings)
    assert signed.num_rows == len(TEXTS) + 2
    assert signed["sketch"].null_count == 2
    keys = signed["band_keys"].to_pylist()
    # Candidates: texts sharing a band key in the same band, as LSH proposes them.
    candidates = sorted({(i, j) for i in range(len(TEXTS)) for j in range(i + 1, len(TEXTS))
                         if any(x == y for x, y in zip(keys[i], keys[j]))})
    verdicts = dedup.verify_pairs([TEXTS[i] for i, _ in candidates],
                                  [TEXTS[j] for _, j in candidates], settings)
    found = {p for p, copy in zip(candidates, verdicts["duplicate"].to_pylist()) if copy}
    expected = {(p.a, p.b) for c in dedup.find_duplicates(TEXTS, num_perm=128).clusters
                for p in c.pairs}
    assert expected <= found
    assert dedup.verify_pairs(["a b c"], [None])["jaccard"].to_pylist() == [None]
    with pytest.raises(ValueError, match="a has 1 texts and b has 2"):
        dedup.verify_pairs(["x"], ["y", "z"])


def test_verify_pairs_reads_dates_as_a_run_does():
    a, b = ["the cat sat on the mat today"], ["the cat sat on the mat again"]
    near = dedup.verify_pairs(a, b, a_dates=["2024-01-01"], b_dates=["2024-01-02T10:00"])
    apart = dedup.verify_pairs(a, b, a_dates=["2024-01-01"], b_dates=[None])
    later = dedup.verify_pairs(a, b, a_dates=["2024-01-01"], b_dates=["2024-01-20"])
    assert near["duplicate"].to_pylist() == apart["duplicate"].to_pylist() == [True]
    # A short item whose whole text recurs weeks later is a stock line, not a copy.
    assert later["duplicate"].to_pylist() == [False]
    with pytest.raises(ValueError, match="b_dates has 2 dates for 1 pairs"):
        dedup.verify_pairs(a, b, a_dates=["2024-01-01"], b_dates=["2024-01-01", None])

"""Find reworded copies of the same news story, in process: the ``dedup`` CLI's pipeline
(normalise, shingle, MinHash, LSH, exact verification, clusters) on texts you already hold.

>>> import dedup
>>> story = ("North Korean leader Kim Jong-un made his first trip in a luxury car given to him "
...          "by Russian President Vladimir Putin, his sister said on Friday.")
>>> copy = story.replace("made his first trip", "took his first ride")
>>> result = dedup.find_duplicates([story, "Fuel costs hit airline profits this winter.", copy])
>>> [c.members for c in result.clusters]
[[0, 2]]
>>> result.duplicates_to_drop()
[2]

Settings and defaults are the CLI's (``dedup --help``); the same articles and settings give
the same clusters, and :meth:`Result.to_json` the same bytes as ``dedup --format json``.
"""

from __future__ import annotations

import itertools
import json
import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, List, Optional, Tuple, Union

from . import _native

__all__ = [
    "DEFAULT_NUM_PERM",
    "DEFAULT_SEED",
    "DEFAULT_THRESHOLD",
    "Cluster",
    "Index",
    "Pair",
    "Result",
    "Settings",
    "explain",
    "find_duplicates",
    "sign_batch",
    "verify_pairs",
]

__version__: str = _native.VERSION
DEFAULT_THRESHOLD: float = _native.DEFAULT_THRESHOLD
DEFAULT_NUM_PERM: int = _native.DEFAULT_NUM_PERM
DEFAULT_SEED: int = _native.DEFAULT_SEED

# Texts handed to Rust at a time: small beside the sketches, big enough that copying a batch
# out of Python overlaps with signing the previous one.
BATCH_SIZE = 2048


@dataclass(frozen=True)
class Settings:
    """Everything that decides which texts are grouped; the defaults are the CLI's.

    ``ngram``, ``bands`` and ``rows`` left as ``None`` are derived as the CLI derives them.

    >>> Settings(threshold=0.2).threshold
    0.2
    """

    threshold: float = DEFAULT_THRESHOLD
    shingle: str = "word"
    ngram: Optional[int] = None
    minhash: str = "oph"
    num_perm: int = DEFAULT_NUM_PERM
    bands: Optional[int] = None
    rows: Optional[int] = None
    seed: int = DEFAULT_SEED

    def _args(self) -> tuple:
        return (self.threshold, self.shingle, self.ngram, self.minhash, self.num_perm,
                self.bands, self.rows, self.seed)


@dataclass(frozen=True)
class Pair:
    """A verified copy: input positions ``a`` < ``b``, their scores and the copy rule's
    signals, the fields of a pair in the JSON report (README, "Output").

    ``verdict`` is the part of the rule that made them copies: ``"covered"`` (most of the
    smaller text is in the other) or ``"spread"`` (less is shared, but all through both, as a
    rewrite leaves it). ``block_share``, ``passage_share`` and ``quoted_share`` are the shares
    of the shared wording in verbatim blocks, in one passage and in quotation marks, ``None``
    where the rule did not need them. ``close`` copies join clusters transitively; the others
    join a cluster's centre only.

    >>> story = ("Heavy rain flooded the valley overnight and the river burst its banks near the "
    ...          "old mill, forcing two hundred families from their homes before dawn.")
    >>> pair = find_duplicates([story, story + " Roads stayed closed."]).clusters[0].pairs[0]
    >>> (pair.a, pair.b, pair.verdict, pair.close)
    (0, 1, 'covered', True)
    """

    a: Optional[int]
    b: Optional[int]
    jaccard: float
    estimate: float
    containment: float
    block_share: Optional[float]
    passage_share: Optional[float]
    quoted_share: Optional[float]
    verdict: str
    close: bool


@dataclass(frozen=True)
class Cluster:
    """Texts that tell the same story: input positions, their ids, the representative (the
    earliest dated, then the longest text) and the verified pairs that join them."""

    members: List[Optional[int]]
    ids: List[str]
    representative: Optional[int]
    representative_id: str
    pairs: List[Pair] = field(repr=False)


class Result:
    """What :func:`find_duplicates` (or :meth:`Index.check`) found. Positions are 0-based
    indices into the input; an article found in the index has the position ``None``."""

    def __init__(self, run: Any, has_ids: bool) -> None:
        self._run = run
        self._has_ids = has_ids
        articles = run.articles()
        self._positions = [p for p, _ in articles]
        self._ids = [i for _, i in articles]
        self.clusters: List[Cluster] = [self._cluster(*c) for c in run.clusters()]
        #: ``(position, reason)`` of each text with no words to compare, never silently dropped.
        self.skipped: List[Tuple[int, str]] = run.skipped()
        #: ``(position, reason)`` of each text compared with something to warn about, such as
        #: a date that is not one (it is then read as undated).
        self.warnings: List[Tuple[int, str]] = run.warnings()

    def _cluster(self, members: List[int], representative: int, pairs: list) -> Cluster:
        pos = self._positions
        return Cluster(
            members=[pos[m] for m in members],
            ids=[self._ids[m] for m in members],
            representative=pos[representative],
            representative_id=self._ids[representative],
            pairs=[Pair(pos[a], pos[b], *fields) for a, b, *fields in pairs],
        )

    @property
    def stats(self) -> dict:
        """Candidate, verified and duplicate pair counts, and the run's seconds."""
        return self._run.stats()

    def duplicates_to_drop(self) -> Union[List[int], List[str]]:
        """Everything but each cluster's representative, in input order: the ids when ``ids``
        were given, otherwise the positions. Filtering these out keeps one text per story.

        >>> texts = ["the same story told in the same words here", "another one entirely",
        ...          "the same story told in the same words here"]
        >>> find_duplicates(texts).duplicates_to_drop()
        [2]
        >>> find_duplicates(texts, ids=["a", "b", "c"]).duplicates_to_drop()
        ['c']
        """
        drop = sorted(
            (m, i)
            for c in self.clusters
            for m, i in zip(c.members, c.ids)
            if m is not None and m != c.representative
        )
        return [i for _, i in drop] if self._has_ids else [m for m, _ in drop]

    def to_json(self, *, singletons: bool = False) -> str:
        """The report of ``dedup --format json`` (``--singletons`` when ``singletons``),
        written by the CLI's own code. Texts are named ``NAME:POSITION`` (1-based), as the
        lines of a JSONL file named ``NAME`` are; ``name`` is a keyword of
        :func:`find_duplicates`."""
        return self._run.to_json(singletons)

    def to_arrow(self) -> Any:
        """A ``pyarrow.Table`` with one row per clustered text: ``cluster`` (1-based, as in
        the JSON report), ``position``, ``id`` and ``representative``."""
        import pyarrow as pa

        rows = [
            (n, m, i, m == c.representative)
            for n, c in enumerate(self.clusters, 1)
            for m, i in zip(c.members, c.ids)
        ]
        cluster, position, ids, rep = zip(*rows) if rows else ((), (), (), ())
        return pa.table({
            "cluster": pa.array(cluster, pa.uint32()),
            "position": pa.array(position, pa.uint64()),
            "id": pa.array(ids, pa.string()),
            "representative": pa.array(rep, pa.bool_()),
        })

    def __repr__(self) -> str:
        return (f"<dedup.Result: {len(self.clusters)} clusters, "
                f"{len(self.duplicates_to_drop())} duplicates to drop, "
                f"{len(self.skipped)} skipped>")


def _is_arrow(values: Any) -> bool:
    return type(values).__module__.startswith("pyarrow") and hasattr(values, "to_pylist")


def _columns(data: Any) -> Optional[Any]:
    """A table's columns by name (pyarrow, pandas or polars), or None for a single column."""
    names = getattr(data, "column_names", None)  # pyarrow.Table
    if names is None and hasattr(data, "columns") and hasattr(data, "__getitem__"):
        names = list(data.columns)  # pandas / polars DataFrame
    return names


def _chunks(values: Any, name: str, size: int) -> Iterator[list]:
    """Lists of at most ``size`` items, never the whole input at once."""
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{name} is a single {type(values).__name__}; pass an iterable of texts")
    if _is_arrow(values):
        for offset in range(0, len(values), size):
            yield values.slice(offset, size).to_pylist()
        return
    if type(values).__module__.startswith("polars"):
        values = values.to_arrow()
        yield from _chunks(values, name, size)
        return
    try:
        it = iter(values)
    except TypeError:
        raise TypeError(f"{name} must be an iterable of str, not {type(values).__name__}") from None
    while True:
        chunk = list(itertools.islice(it, size))
        if not chunk:
            return
        yield chunk


def _optional(value: Any) -> Any:
    """A date or title as text: pandas marks a missing one NaN, and dates may be
    ``datetime.date``, ``datetime`` or pandas ``Timestamp`` objects."""
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return value.isoformat()
    return value


def _batches(texts: Any, ids: Any, dates: Any, titles: Any, size: int) -> Iterator[tuple]:
    """``(first position, texts, ids, dates, titles)`` batches; the fields run in step."""
    others = {name: _chunks(v, name, size) for name, v in
              (("ids", ids), ("dates", dates), ("titles", titles)) if v is not None}
    pending = {name: [] for name in others}
    first = 0

    def take(name: str, n: int) -> list:
        out = pending[name]
        while len(out) < n:
            more = next(others[name], None)
            if more is None:
                raise ValueError(f"{name} has {first + len(out)} items, fewer than texts")
            out.extend(more)
        pending[name] = out[n:]
        return out[:n]

    for chunk in _chunks(texts, "texts", size):
        fields = {name: take(name, len(chunk)) for name in others}
        for name in ("dates", "titles"):
            if name in fields:
                fields[name] = [_optional(v) for v in fields[name]]
        yield (first, chunk, fields.get("ids"), fields.get("dates"), fields.get("titles"))
        first += len(chunk)
    for name in others:
        if pending[name] or next(others[name], None) is not None:
            raise ValueError(f"{name} has more items than the {first} texts")


def _table_fields(texts: Any, ids: Any, dates: Any, titles: Any) -> tuple:
    """A table's ``text`` column and, unless given, its ``id``, ``date`` and ``title``."""
    columns = _columns(texts)
    if columns is None:
        return texts, ids, dates, titles
    table = texts
    if "text" not in columns:
        raise ValueError(f"the table has no 'text' column (columns: {list(columns)})")
    pick = lambda given, col: given if given is not None or col not in columns else table[col]  # noqa: E731
    return table["text"], pick(ids, "id"), pick(dates, "date"), pick(titles, "title")


def find_duplicates(
    texts: Any,
    *,
    ids: Optional[Iterable[Union[str, int]]] = None,
    dates: Optional[Iterable[Optional[str]]] = None,
    titles: Optional[Iterable[Optional[str]]] = None,
    threshold: float = DEFAULT_THRESHOLD,
    shingle: str = "word",
    ngram: Optional[int] = None,
    minhash: str = "oph",
    num_perm: int = DEFAULT_NUM_PERM,
    bands: Optional[int] = None,
    rows: Optional[int] = None,
    seed: int = DEFAULT_SEED,
    threads: Optional[int] = None,
    name: str = "<texts>",
) -> Result:
    """Groups texts that are copies of each other, as ``dedup`` groups the articles of a file.

    ``texts`` is any iterable of ``str`` (a list, a generator, a pandas or polars column), a
    ``pyarrow`` array, or a table (pyarrow, pandas or polars) whose ``text`` column is read,
    and whose ``id``, ``date`` and ``title`` columns too unless given. Texts are streamed to
    Rust in batches of :data:`BATCH_SIZE`. ``ids`` (str or int), ``dates`` (``YYYY-MM-DD``,
    optionally with a time) and ``titles`` run in step with ``texts``; the earliest dated,
    then longest, text of a cluster is its representative. The settings are the CLI's flags.
    ``threads`` defaults to every core; the result does not depend on it.

    A text that is ``None`` or not a ``str`` raises ``TypeError`` naming its position; a text
    with no words is listed in :attr:`Result.skipped`.

    >>> r = find_duplicates(["a b c d e f", "x y z", "a b c d e f"], ids=["p", "q", "r"])
    >>> r.clusters[0].ids, r.clusters[0].representative_id
    (['p', 'r'], 'p')
    >>> find_duplicates(["fine", None])
    Traceback (most recent call last):
    ...
    TypeError: texts[1] is None, not a str
    """
    texts, ids, dates, titles = _table_fields(texts, ids, dates, titles)
    run = _native.find_duplicates(
        _batches(texts, ids, dates, titles, BATCH_SIZE), name,
        *Settings(threshold, shingle, ngram, minhash, num_perm, bands, rows, seed)._args(),
        threads,
    )
    return Result(run, ids is not None)


class Index:
    """A persistent index on disk: the same redb file as ``dedup index build``, ``dedup
    index add`` and ``dedup check`` (either side can read what the other wrote). It answers
    for the settings it was built with. Texts are checked whole before an ``add`` writes, so
    bad input leaves the file as it was.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "archive.redb")
    >>> story = "the council closed the harbour bridge after engineers found cracks in it"
    >>> index = Index.build(path, [story, "fuel costs hit airline profits this winter"])
    >>> orchestra = "an unrelated story about a school orchestra on tour"
    >>> len(index), index.add([orchestra])
    (2, 1)
    >>> index.add([orchestra, "fuel costs hit airline profits this winter"]), index.already_indexed
    (0, 2)
    >>> index.check([story.replace("closed", "shut")]).clusters[0].members
    [0, None]
    """

    def __init__(self, native: Any, done: tuple = (0, 0, [], [])) -> None:
        self._native = native
        self._done(done)

    def _done(self, done: tuple) -> int:
        added, already, skipped, warnings = done
        #: How many texts of the last build or add were in the index already (the same
        #: ``name`` and position, and the same words) and were not added again: a retried
        #: add adds nothing.
        self.already_indexed: int = already
        #: ``(position, reason)`` of the texts of the last build or add with no words.
        self.skipped: List[Tuple[Optional[int], str]] = skipped
        #: ``(position, reason)`` of the texts of the last build or add that were added with
        #: something to warn about, such as a date that is not one.
        self.warnings: List[Tuple[Optional[int], str]] = warnings
        return added

    @classmethod
    def build(cls, path: str, texts: Any, *, ids: Any = None, dates: Any = None,
              titles: Any = None, settings: Settings = Settings(),
              threads: Optional[int] = None, name: str = "<texts>") -> "Index":
        """Creates an index of ``texts`` at ``path`` (replacing any file there)."""
        texts, ids, dates, titles = _table_fields(texts, ids, dates, titles)
        native, done = _native.Index.build(
            os.fspath(path), _batches(texts, ids, dates, titles, BATCH_SIZE), name,
            *settings._args(), threads)
        return cls(native, done)

    @classmethod
    def open(cls, path: str) -> "Index":
        """Opens an existing index to add to or check against."""
        return cls(_native.Index.open(os.fspath(path)))

    @property
    def settings(self) -> Settings:
        """The settings the index was built with."""
        return Settings(**json.loads(self._native.params()))

    def __len__(self) -> int:
        return len(self._native)

    def add(self, texts: Any, *, ids: Any = None, dates: Any = None, titles: Any = None,
            threads: Optional[int] = None, name: str = "<texts>") -> int:
        """Adds texts in one transaction; returns how many were added. The rest were in the
        index already (counted in :attr:`already_indexed`) or had no words (listed in
        :attr:`skipped`); :attr:`warnings` lists what was added with something to warn
        about."""
        texts, ids, dates, titles = _table_fields(texts, ids, dates, titles)
        return self._done(self._native.add(
            _batches(texts, ids, dates, titles, BATCH_SIZE), name, threads))

    def check(self, texts: Any, *, ids: Any = None, dates: Any = None, titles: Any = None,
              threads: Optional[int] = None, name: str = "<texts>") -> Result:
        """Checks new texts against the index and each other, as ``dedup check`` does: every
        cluster holds at least one new text, and an indexed member represents it."""
        texts, ids, dates, titles = _table_fields(texts, ids, dates, titles)
        run = self._native.check(_batches(texts, ids, dates, titles, BATCH_SIZE), name,
                                 threads)
        return Result(run, ids is not None)


def explain(a: str, b: str, settings: Settings = Settings()) -> dict:
    """Why two texts are or are not grouped: the fields of ``dedup explain --format json``
    (exact Jaccard, containment, estimate, bands, verdict, shared passages).

    >>> e = explain("the cat sat on the mat today", "the cat sat on the mat yesterday")
    >>> e["duplicate"], e["shared_passages"][0]["text"]
    (True, 'the cat sat on the mat')
    """
    return json.loads(_native.explain(a, b, *settings._args()))


def _pylist(values: Any, name: str) -> list:
    if _is_arrow(values):
        return values.to_pylist()
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{name} is a single {type(values).__name__}; pass a sequence of texts")
    return list(values)


def sign_batch(texts: Any, settings: Settings = Settings(), *, threads: Optional[int] = None) -> Any:
    """Signs one batch of texts (a pyarrow string array, or a sequence of ``str`` or ``None``)
    into a ``pyarrow.Table``: ``sketch`` (``num_perm`` 16-bit MinHash values), ``band_keys``
    (one 32-bit key per LSH band: texts sharing a key are candidates) and ``words``. A null
    or wordless text gives a null row. The building block of distributed runs: group rows by
    band key, then :func:`verify_pairs` the candidates.

    >>> t = sign_batch(["a b c d e f", None], Settings(num_perm=64))
    >>> t.column_names, t["sketch"].type.list_size, t["sketch"].null_count
    (['sketch', 'band_keys', 'words'], 64, 1)
    """
    import pyarrow as pa

    sketches, keys, words, valid, num_perm, bands = _native.sign_batch(
        _pylist(texts, "texts"), *settings._args(), threads)
    n = len(valid)
    mask = pa.array([not v for v in valid], pa.bool_())

    def fixed(buffer: bytes, value_type: Any, width: int) -> Any:
        values = pa.Array.from_buffers(value_type, n * width, [None, pa.py_buffer(buffer)])
        return pa.FixedSizeListArray.from_arrays(values, width, mask=mask)

    return pa.table({
        "sketch": fixed(sketches, pa.uint16(), num_perm),
        "band_keys": fixed(keys, pa.uint32(), bands),
        "words": pa.Array.from_buffers(pa.uint32(), n, [None, pa.py_buffer(words)]),
    })


def verify_pairs(a: Any, b: Any, settings: Settings = Settings(), *,
                 a_dates: Any = None, b_dates: Any = None,
                 threads: Optional[int] = None) -> Any:
    """Verifies candidate pairs ``(a[i], b[i])`` by the copy rule of a run into a
    ``pyarrow.Table``: ``jaccard``, ``containment`` (of the smaller text in the larger),
    ``estimate`` (from the 16-bit sketches) and ``duplicate``. A ``None`` side gives a null row.
    ``a_dates`` and ``b_dates`` (``YYYY-MM-DD``, optionally with a time, or ``None``) are the
    texts' dates, which the rule reads as a run does: a pair published more than three days
    apart that is not mostly the same text is a follow-up, not a copy. Without them the texts
    are read as undated.

    >>> t = verify_pairs(["the cat sat on the mat today"], ["the cat sat on the mat again"])
    >>> t["duplicate"].to_pylist()
    [True]
    """
    import pyarrow as pa

    dates = [None if d is None else [_optional(v) for v in _pylist(d, name)]
             for d, name in ((a_dates, "a_dates"), (b_dates, "b_dates"))]
    rows = _native.verify_pairs(_pylist(a, "a"), _pylist(b, "b"), *dates, *settings._args(),
                                threads)
    cols = list(zip(*[r if r is not None else (None,) * 4 for r in rows])) or [(), (), (), ()]
    return pa.table({
        "jaccard": pa.array(cols[0], pa.float64()),
        "containment": pa.array(cols[1], pa.float64()),
        "estimate": pa.array(cols[2], pa.float64()),
        "duplicate": pa.array(cols[3], pa.bool_()),
    })

from dataclasses import dataclass
from typing import Any, Iterable, List, Optional, Tuple, Union

__version__: str
DEFAULT_THRESHOLD: float
DEFAULT_NUM_PERM: int
DEFAULT_SEED: int
BATCH_SIZE: int

@dataclass(frozen=True)
class Settings:
    threshold: float = ...
    shingle: str = ...
    ngram: Optional[int] = ...
    minhash: str = ...
    num_perm: int = ...
    bands: Optional[int] = ...
    rows: Optional[int] = ...
    seed: int = ...

@dataclass(frozen=True)
class Pair:
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
    members: List[Optional[int]]
    ids: List[str]
    representative: Optional[int]
    representative_id: str
    pairs: List[Pair]

class Result:
    clusters: List[Cluster]
    skipped: List[Tuple[Optional[int], str]]
    warnings: List[Tuple[Optional[int], str]]
    @property
    def stats(self) -> dict: ...
    def duplicates_to_drop(self) -> Union[List[int], List[str]]: ...
    def to_json(self, *, singletons: bool = ...) -> str: ...
    def to_arrow(self) -> Any: ...

class Index:
    already_indexed: int
    skipped: List[Tuple[Optional[int], str]]
    warnings: List[Tuple[Optional[int], str]]
    @classmethod
    def build(cls, path: str, texts: Any, *, ids: Any = ..., dates: Any = ...,
              titles: Any = ..., settings: Settings = ..., threads: Optional[int] = ...,
              name: str = ...) -> Index: ...
    @classmethod
    def open(cls, path: str) -> Index: ...
    @property
    def settings(self) -> Settings: ...
    def __len__(self) -> int: ...
    def add(self, texts: Any, *, ids: Any = ..., dates: Any = ..., titles: Any = ...,
            threads: Optional[int] = ..., name: str = ...) -> int: ...
    def check(self, texts: Any, *, ids: Any = ..., dates: Any = ..., titles: Any = ...,
              threads: Optional[int] = ..., name: str = ...) -> Result: ...

def find_duplicates(
    texts: Any,
    *,
    ids: Optional[Iterable[Union[str, int]]] = ...,
    dates: Optional[Iterable[Any]] = ...,
    titles: Optional[Iterable[Optional[str]]] = ...,
    threshold: float = ...,
    shingle: str = ...,
    ngram: Optional[int] = ...,
    minhash: str = ...,
    num_perm: int = ...,
    bands: Optional[int] = ...,
    rows: Optional[int] = ...,
    seed: int = ...,
    threads: Optional[int] = ...,
    name: str = ...,
) -> Result: ...
def explain(a: str, b: str, settings: Settings = ...) -> dict: ...
def sign_batch(texts: Any, settings: Settings = ..., *, threads: Optional[int] = ...) -> Any: ...
def verify_pairs(
    a: Any, b: Any, settings: Settings = ..., *, a_dates: Any = ..., b_dates: Any = ...,
    threads: Optional[int] = ...
) -> Any: ...

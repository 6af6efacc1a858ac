"""The README's Python examples run as written, on a small JSONL file.

The Hugging Face `datasets` package is large, so CI does not install it: its example runs
against a stand-in with the two calls it uses (`load_dataset("json", ...)` and `filter` with
indices), which behave as the real ones do for this file.
"""

import json
import re
import sys
import types


from conftest import ROOT, write_jsonl

STORY = ("The council voted on Tuesday to close the harbour bridge for repairs after "
         "engineers found cracks in two of its supports, the mayor said in a statement.")


def examples() -> list:
    section = ROOT.joinpath("README.md").read_text(encoding="utf-8").split("## From Python")[1]
    section = section.split("\n## ")[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


class StandInDataset:
    def __init__(self, rows: list) -> None:
        self.rows = rows

    def __getitem__(self, column: str) -> list:
        return [r[column] for r in self.rows]

    def filter(self, keep, with_indices: bool = False) -> "StandInDataset":
        return StandInDataset([r for i, r in enumerate(self.rows) if keep(r, i)])


def load_dataset(kind: str, data_files: str, split: str) -> StandInDataset:
    assert (kind, split) == ("json", "train")
    return StandInDataset([json.loads(line) for line in open(data_files)])


def test_readme_examples_keep_one_article_per_story(tmp_path, monkeypatch):
    rows = [
        {"id": "a", "date": "2024-03-02", "title": "Bridge shut", "text": STORY},
        {"id": "b", "date": "2024-03-01", "title": "Other", "text": "Fuel costs hit airline "
         "profits as the price of oil rose for a third month in a row this winter."},
        {"id": "c", "date": "2024-03-03", "title": "Bridge", "text": STORY.replace("Tuesday",
                                                                                   "Monday")},
    ]
    write_jsonl(tmp_path / "articles.jsonl", rows)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "datasets", types.SimpleNamespace(load_dataset=load_dataset))
    hf, pandas_example, jsonl = examples()

    scope: dict = {}
    exec(hf, scope)
    assert scope["ds"]["id"] == ["a", "b"]

    scope = {}
    exec(pandas_example, scope)
    assert list(scope["df"]["id"]) == ["a", "b"]

    exec(jsonl, {})
    kept = [json.loads(line)["id"] for line in open(tmp_path / "deduplicated.jsonl")]
    assert kept == ["a", "b"]

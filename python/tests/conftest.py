"""Shared fixtures: the repository, the CLI built beside the wheel, and corpora."""

import json
import os
import random
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "fixtures" / "seeds"


def binary(name: str) -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    path = target / "release" / name
    if not path.exists():
        pytest.fail(f"{path} is missing: run `cargo build --release --workspace --bins` first")
    return path


def run_cli(*args: str) -> str:
    done = subprocess.run([str(binary("dedup")), *args, "--quiet"], capture_output=True,
                          text=True, check=True)
    return done.stdout


def write_jsonl(path: Path, rows: list) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


@pytest.fixture(scope="session")
def seed_texts() -> list:
    """Each seed article's file name (without extension) and whole text."""
    files = sorted(SEEDS.iterdir())
    return [(f.stem, f.read_text(encoding="utf-8")) for f in files]


def write_random_base(base: Path) -> None:
    """400 base articles of seeded random words for dedup-synth (the real base corpora of
    bench/ are not in the repository); bench/spark-scale.py builds its corpora on them too."""
    rng = random.Random(7)
    vocabulary = ["".join(rng.choice("bcdfghklmnprstvwaeiou") for _ in range(rng.randint(3, 9)))
                  for _ in range(20_000)]

    def paragraph() -> str:
        return " ".join(" ".join(rng.choices(vocabulary, k=rng.randint(8, 20))).capitalize()
                        + "." for _ in range(4))

    write_jsonl(base, [{"id": f"b{i}", "date": f"2024-01-{1 + i % 28:02d}",
                        "title": paragraph()[:60],
                        "text": "\n\n".join(paragraph() for _ in range(4))}
                       for i in range(400)])


@pytest.fixture(scope="session")
def synth_corpus(tmp_path_factory) -> Path:
    """A 20,000-article labelled corpus from dedup-synth on :func:`write_random_base`."""
    out = tmp_path_factory.mktemp("synth")
    base = out / "base.jsonl"
    write_random_base(base)
    subprocess.run([str(binary("dedup-synth")), "--base", str(base), "-n", "20000",
                    "--seed", "3", "-o", str(out / "corpus")], check=True)
    return out / "corpus"

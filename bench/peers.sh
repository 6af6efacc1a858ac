#!/usr/bin/env bash
# Compare dedup against two peer MinHash+LSH libraries on one JSONL corpus.
#
#   bench/peers.sh CORPUS.jsonl [--threshold T] [--num-perm N] [--labels LABELS.jsonl]
#                               [--bands B] [--repeat K] [--no-exact] [--no-build] [--keep]
#
#   --threshold T   Jaccard threshold (default 0.3)
#   --num-perm N    MinHash permutations (default 128)
#   --labels FILE   JSONL {"id": ..., "story": ...}: adds pairwise precision/recall/F1
#   --bands B       force B LSH bands in both peers (default: datasketch picks its
#                   own (b, r); rensa gets the best divisor of N by the same rule)
#   --repeat K      run each tool K times, report the median wall time (default 1)
#   --no-exact      skip the brute-force all-pairs reference (memory grows with
#                   docs x docs sharing a shingle; fine for tens of thousands)
#   --no-build      skip `cargo build --release`, use the binary as it is
#   --keep          keep the scratch directory with every tool's raw output
#
# Environment: DEDUP_BIN runs that binary (and skips the cargo build); otherwise
# the build goes to CARGO_TARGET_DIR (default target/) and its dedup is run.
#
# Each tool runs as its own process under /usr/bin/time -v, so wall time and
# peak RSS are end to end (process start to exit, including reading the
# corpus) and comparable across a Python library and a Rust binary. The
# Markdown table goes to stdout; progress goes to stderr.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
VENV="$BENCH_DIR/.venv"
REQS="$BENCH_DIR/requirements-peers.txt"
TIME=/usr/bin/time

die() { echo "peers: error: $*" >&2; exit 1; }
log() { echo "peers: $*" >&2; }
usage() { sed -n '2,/^set -euo/{/^#/p}' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit "${1:-2}"; }

corpus="" threshold=0.3 num_perm=128 labels="" bands="" repeat=1 exact=1 build=1 keep=0
while (($#)); do
    case "$1" in
        --threshold) threshold="${2:?--threshold needs a value}"; shift 2 ;;
        --num-perm) num_perm="${2:?--num-perm needs a value}"; shift 2 ;;
        --labels) labels="${2:?--labels needs a file}"; shift 2 ;;
        --bands) bands="${2:?--bands needs a value}"; shift 2 ;;
        --repeat) repeat="${2:?--repeat needs a count}"; shift 2 ;;
        --no-exact) exact=0; shift ;;
        --no-build) build=0; shift ;;
        --keep) keep=1; shift ;;
        -h|--help) usage 0 ;;
        -*) echo "peers: unknown option $1" >&2; usage ;;
        *) [[ -z "$corpus" ]] || { echo "peers: only one corpus, got '$corpus' and '$1'" >&2; usage; }
           corpus="$1"; shift ;;
    esac
done
[[ -n "$corpus" ]] || usage
[[ -f "$corpus" ]] || die "corpus not found: $corpus"
[[ -z "$labels" || -f "$labels" ]] || die "labels file not found: $labels"
[[ "$repeat" =~ ^[1-9][0-9]*$ ]] || die "--repeat must be a positive integer"
[[ -x "$TIME" ]] || die "$TIME not found: install GNU time (Debian package 'time')"
# Absolute paths: the tools run from other working directories.
corpus="$(realpath "$corpus")"
[[ -z "$labels" ]] || labels="$(realpath "$labels")"

# --- Peer venv ------------------------------------------------------------
# Reinstall only when the pins change: the stamp is a copy of the
# requirements file as last installed successfully.
if [[ ! -x "$VENV/bin/python" ]]; then
    log "creating $VENV"
    python3 -m venv "$VENV"
fi
if ! cmp -s "$REQS" "$VENV/.bench-requirements.txt"; then
    log "installing pinned peers from $(basename "$REQS")"
    # Binary wheels only: building rensa from source would need maturin and
    # would time the build machine's flags, not the published package.
    "$VENV/bin/pip" install --quiet --disable-pip-version-check \
        --only-binary=:all: -r "$REQS"
    cp "$REQS" "$VENV/.bench-requirements.txt"
fi
PY="$VENV/bin/python"

# --- dedup binary -----------------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/dedup-peers.XXXXXX")"
if ((keep)); then log "scratch directory: $work"; else trap 'rm -rf "$work"' EXIT; fi

dedup_bin="${DEDUP_BIN:-${CARGO_TARGET_DIR:-$REPO_DIR/target}/release/dedup}"
dedup_ok=1
if ((build)) && [[ -z "${DEDUP_BIN:-}" ]]; then
    log "cargo build --release"
    if ! (cd "$REPO_DIR" && cargo build --release) >"$work/build.log" 2>&1; then
        # Do not fall back to an older binary left in target/: its numbers
        # would be reported as if they were the current code's.
        echo "cargo build --release failed: $(grep -m1 -E '^error' "$work/build.log" || tail -n1 "$work/build.log")" \
            >"$work/dedup.status"
        tail -n 20 "$work/build.log" >&2
        dedup_ok=0
    fi
fi
if ((dedup_ok)) && [[ ! -x "$dedup_bin" ]]; then
    echo "binary not found: $dedup_bin" >"$work/dedup.status"
    dedup_ok=0
fi

# --- Runs ---------------------------------------------------------------------
# Read the corpus once so that no tool pays for a cold page cache.
cat "$corpus" >/dev/null

# timed TOOL K CMD... -> runs CMD under time -v; stdout to TOOL.json.
# A failing tool is recorded in TOOL.status, never aborts the benchmark.
timed() {
    local tool="$1" k="$2"; shift 2
    if "$TIME" -v -o "$work/$tool.$k.time" "$@" >"$work/$tool.json" 2>"$work/$tool.err"; then
        echo ok >"$work/$tool.status"
    else
        local rc=$?
        local err
        err="$(tail -n 3 "$work/$tool.err" | tr '\n' ' ')"
        echo "exited with status $rc: ${err:-(no stderr)}" >"$work/$tool.status"
        return 1
    fi
}

peer_tools=(datasketch rensa)
if ((exact)); then
    # The exact reference runs first and is timed like the others, but it
    # is the yardstick, not a competitor.
    peer_tools=(exact "${peer_tools[@]}")
else
    echo "skipped (--no-exact)" >"$work/exact.status"
fi
for tool in "${peer_tools[@]}"; do
    for ((k = 1; k <= repeat; k++)); do
        log "$tool run $k/$repeat"
        # The peer writes its clusters with --out; its stdout is unused.
        timed "$tool" "$k" "$PY" "$BENCH_DIR/peers.py" run --tool "$tool" \
            --threshold "$threshold" --num-perm "$num_perm" ${bands:+--bands "$bands"} \
            --out "$work/$tool.out.json" "$corpus" || break
        mv "$work/$tool.out.json" "$work/$tool.json"
    done
done

if ((dedup_ok)); then
    for ((k = 1; k <= repeat; k++)); do
        log "dedup run $k/$repeat"
        timed dedup "$k" "$dedup_bin" --format json --threshold "$threshold" \
            --num-perm "$num_perm" "$corpus" || break
    done
fi

# --- Report ---------------------------------------------------------------------
"$PY" "$BENCH_DIR/peers.py" report --work "$work" --corpus "$corpus" \
    --threshold "$threshold" --num-perm "$num_perm" ${labels:+--labels "$labels"}

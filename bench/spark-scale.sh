#!/usr/bin/env bash
# The Spark job's local scaling curve beside the CLI (bench/RESULTS.md, "On Apache Spark").
# Usage: bench/spark-scale.sh [SIZES...]   (default 10000 20000 50000)
# Needs the release binaries and the wheel in target/py-venv, as .ci/run builds them. The
# corpora go to SPARK_SCALE_WORK (default: a new folder under /tmp), and are reused from there.
set -euo pipefail
cd "$(dirname "$0")/.."
exec target/py-venv/bin/python bench/spark-scale.py "$@"

#!/usr/bin/env bash
# text-dedup's Spark MinHash job beside dedup-spark, in the same local Spark, on one labelled
# dedup-synth corpus (bench/RESULTS.md, "text-dedup's Spark MinHash job").
#
#   bench/spark-peers.sh CORPUS_DIR [TEXT_DEDUP_ARGS...]
#
# CORPUS_DIR holds articles.jsonl and labels.jsonl, as dedup-synth writes them (for example
# the corpus bench/spark-scale.sh left in SPARK_SCALE_WORK). TEXT_DEDUP_ARGS go to
# text_dedup.minhash_spark (default: its own defaults). Prints one JSON line: wall time and
# pairwise precision, recall and F1 against the labels (bench/peers.py's scoring).
#
# text-dedup goes into its own virtual environment, target/spark-peers-venv, never into CI's.
# 0.4.0 is the last release with the Spark job (0.4.1 dropped minhash_spark.py and needs
# Python 3.12). It is installed without its declared dependencies: they pull datasets, unisim
# and sphinx for modules this job does not import; the job imports numpy, scipy, xxhash,
# pyspark and graphframes, and the package's __init__ imports rich. GraphFrames' JVM half is
# published only to Maven repositories, which cannot be reached from here (graphframes-jars
# on PyPI carries the Spark 2.4 / Scala 2.11 build, graphframes-py none), so
# bench/spark-peers.py gives the job a `graphframes` module whose connectedComponents() is the
# large-star / small-star of dedup-spark: the algorithm GraphFrames runs.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/spark-peers-venv
reqs="text-dedup==0.4.0 numpy==1.26.4 scipy==1.13.1 xxhash==3.5.0 rich==13.9.4 \
pyspark==3.5.7 pyarrow==17.0.0"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/installed" 2>/dev/null)" != "$reqs" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  # shellcheck disable=SC2086
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps $reqs py4j==0.10.9.7 \
    pygments==2.21.0 markdown-it-py==3.0.0 mdurl==0.1.2
  echo "$reqs" >"$venv/installed"
fi
# The dedup wheel .ci/run builds, for the connected components of the stand-in.
"$venv/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps \
  target/wheels/dedup-*.whl
exec nice -n 10 "$venv/bin/python" bench/spark-peers.py "$@"

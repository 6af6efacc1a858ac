//! Per-stage throughput. Run with `cargo bench --bench stages`; figures go to bench/RESULTS.md.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use dedup::cluster::{Cluster, Edge};
use dedup::lsh::{Banding, candidate_pairs};
use dedup::minhash::{self, MinHasher, Scheme};
use dedup::report::{self, Format, ReportOptions};
use dedup::rule::Verdict;
use dedup::shingle::{ShingleKind, Shingler};
use dedup::{ArticleMeta, Asked, Outcome, Params, Stats};

/// A deterministic article-like text of about `words` words drawn from a 5,000-word vocabulary,
/// so that shingles repeat across articles about as rarely as in news.
fn article(seed: u64, words: usize) -> String {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut text = String::with_capacity(words * 7);
    for i in 0..words {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let w = x % 5000;
        text.push_str(&format!("w{w:x}"));
        text.push(if i % 17 == 16 { '.' } else { ' ' });
    }
    text
}

fn shingler() -> Shingler {
    Shingler {
        kind: ShingleKind::Word,
        size: 3,
        seed: 42,
    }
}

fn bench_shingle(c: &mut Criterion) {
    let text = article(1, 500);
    let news = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/seeds/001_13e38ec530b71da4.txt"
    ))
    .unwrap();
    let mut group = c.benchmark_group("shingle");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("ascii 500 words", |b| {
        b.iter(|| shingler().shingle(black_box(&text)))
    });
    group.throughput(Throughput::Bytes(news.len() as u64));
    group.bench_function("seed 001 (curly quotes)", |b| {
        b.iter(|| shingler().shingle(black_box(&news)))
    });
    group.finish();
}

fn bench_minhash(c: &mut Criterion) {
    let shingles = shingler().shingle(&article(2, 500)).hashes;
    let mut group = c.benchmark_group("minhash 500 shingles, 256 values");
    for scheme in [Scheme::Oph, Scheme::Classic] {
        let hasher = MinHasher::new(scheme, 256, 42);
        group.bench_function(format!("{scheme:?}"), |b| {
            b.iter(|| hasher.sign(black_box(&shingles)))
        });
    }
    group.finish();
}

fn bench_lsh(c: &mut Criterion) {
    let n = 20_000;
    let banding = Banding {
        bands: 128,
        rows: 2,
    };
    let hasher = MinHasher::new(Scheme::Oph, 256, 42);
    let mut sketches = Vec::with_capacity(n * 256);
    for i in 0..n as u64 {
        let set = shingler().shingle(&article(i, 300)).hashes;
        minhash::sketch_into(&hasher.sign(&set), &mut sketches);
    }
    let sketches = minhash::Sketches::from_values(256, &sketches);
    let mut group = c.benchmark_group("lsh");
    group.throughput(Throughput::Elements(n as u64));
    group.sample_size(10);
    group.bench_function("candidate pairs, 20k articles, 128x2", |b| {
        b.iter(|| candidate_pairs(black_box(&sketches), banding, 0))
    });
    group.finish();
}

fn bench_sketch_screen(c: &mut Criterion) {
    let hasher = MinHasher::new(Scheme::Oph, 512, 42);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    minhash::sketch_into(
        &hasher.sign(&shingler().shingle(&article(5, 500)).hashes),
        &mut a,
    );
    minhash::sketch_into(
        &hasher.sign(&shingler().shingle(&article(6, 500)).hashes),
        &mut b,
    );
    let stored = minhash::Sketches::from_values(512, &[a, b].concat());
    let min_matches = minhash::min_sketch_matches(0.08, 512);
    c.bench_function("sketch screen, 512 values", |bench| {
        bench.iter(|| {
            let (x, y) = (stored.get(0), stored.get(black_box(1)));
            x.agrees_at_least(y, black_box(min_matches))
        })
    });
    c.bench_function("sketch agreement count, 512 values", |bench| {
        bench.iter(|| stored.get(0).matches(stored.get(black_box(1))))
    });
}

fn bench_jaccard(c: &mut Criterion) {
    let a = shingler().shingle(&article(3, 500));
    let b = shingler().shingle(&article(4, 500));
    c.bench_function("exact jaccard, 2 x 500 shingles", |bench| {
        bench.iter(|| black_box(&a).jaccard(black_box(&b)))
    });
}

/// A story republished 20,000 times, as the pipeline reports it: one cluster, one link per
/// member. Every format must report it in time linear in the members (CSV took 5.2 s here when
/// each member searched all pairs).
fn bench_report(c: &mut Criterion) {
    const MEMBERS: u32 = 20_000;
    let articles = (0..MEMBERS)
        .map(|i| ArticleMeta {
            id: format!("copy{i}"),
            path: format!("wire.jsonl:{}", i + 1),
            line: i + 1,
            date: Some("2024-03-16".into()),
            title: Some("Kim travels in the car Putin gave him".into()),
            words: 500,
            indexed: false,
        })
        .collect();
    let pairs = (1..MEMBERS)
        .map(|b| Edge {
            a: b / 2,
            b,
            jaccard: 0.9,
            containment: 0.95,
            estimate: 0.9,
            block_share: None,
            passage_share: None,
            quoted_share: None,
            verdict: Verdict::Covered,
        })
        .collect();
    let outcome = Outcome {
        params: Params::new(&Asked::default()).unwrap(),
        articles,
        skipped: Vec::new(),
        warnings: Vec::new(),
        clusters: vec![Cluster {
            members: (0..MEMBERS).collect(),
            representative: 0,
            pairs,
        }],
        stats: Stats::default(),
    };
    let mut group = c.benchmark_group("report a 20,000-member cluster");
    group.sample_size(10);
    for format in [Format::Json, Format::Csv, Format::Table, Format::Github] {
        let options = ReportOptions {
            format,
            color: false,
            singletons: false,
            timings: false,
        };
        group.bench_function(format!("{format:?}"), |bench| {
            bench.iter(|| report::write(&outcome, &options, &mut std::io::sink()).unwrap())
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    bench_shingle,
    bench_minhash,
    bench_lsh,
    bench_sketch_screen,
    bench_jaccard,
    bench_report
);
criterion_main!(benches);

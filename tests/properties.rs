//! Properties of clustering on random small corpora, through the library API.
//!
//! Each corpus is a JSONL file of articles drawn from a small vocabulary, so that unrelated
//! articles share a few shingles by chance as real news does, with planted exact and near
//! copies (a few word edits of an earlier article) and lines that must be skipped. The
//! properties are what a user of the output relies on: a consistent report, and one that does
//! not depend on the order of the input lines or on the number of threads. (The corpora are
//! too small for a band bucket of more than `lsh::MAX_FULL_BUCKET` articles; the LSH unit tests
//! show that such a bucket's anchors do not depend on the input order either.)

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::LazyLock;

use dedup::cluster::Cluster;
use dedup::load::{Input, JsonFields};
use dedup::lsh::Banding;
use dedup::minhash::Scheme;
use dedup::report::{self, Format, ReportOptions};
use dedup::rule::{self, MIN_CONTAINMENT, RELAXED_JACCARD};
use dedup::shingle::ShingleSet;
use dedup::{Asked, Config, Outcome, Params};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::FileFailurePersistence;

/// Small enough that random articles overlap a little, large enough that most do not cluster.
static VOCABULARY: LazyLock<Vec<&str>> = LazyLock::new(|| {
    "the minister said on tuesday that flooding closed coastal road near harbour for second day \
     council approved budget library after long debate police arrested two men in connection \
     with robbery bank centre town last week officials confirmed report election results"
        .split_whitespace()
        .collect()
});

/// Lines that are never articles, each for a different reason.
const JUNK: &[&str] = &[
    "not json",
    r#"{"id": "no-text"}"#,
    r#"{"text": 5}"#,
    "[1, 2]",
    r#"{"text": " Advertisement "}"#,
];

#[derive(Clone, Debug)]
enum Edit {
    Replace(Index, usize),
    Insert(Index, usize),
    Delete(Index),
}

#[derive(Clone, Debug)]
enum Entry {
    /// A new article of these vocabulary words (possibly none: skipped as empty).
    Fresh(Vec<usize>),
    /// A copy of an earlier article with a few edits (none: an exact copy).
    Copy(Index, Vec<Edit>),
    /// The start of an earlier article (up to the index) followed by new words: with long
    /// articles, a cut or rewritten copy that the containment rule may take below the
    /// threshold.
    Cut(Index, Vec<usize>),
    Junk(usize),
}

/// A corpus ready to be written: one JSONL line each, and the text of every article by id.
#[derive(Clone, Debug)]
struct Corpus {
    lines: Vec<String>,
    texts: BTreeMap<String, String>,
}

impl Corpus {
    fn build(entries: &[Entry]) -> Corpus {
        let mut articles: Vec<Vec<usize>> = Vec::new();
        let mut lines = Vec::new();
        let mut texts = BTreeMap::new();
        for entry in entries {
            let words = match entry {
                Entry::Fresh(words) => words.clone(),
                Entry::Copy(_, _) | Entry::Cut(_, _) if articles.is_empty() => Vec::new(),
                Entry::Copy(of, edits) => edited(&articles[of.index(articles.len())], edits),
                Entry::Cut(keep, added) => {
                    let source = articles.last().expect("not empty");
                    let mut words = source[..keep.index(source.len() + 1)].to_vec();
                    words.extend(added);
                    words
                }
                Entry::Junk(kind) => {
                    lines.push(JUNK[*kind].to_string());
                    continue;
                }
            };
            let id = format!("a{}", articles.len());
            let text: Vec<&str> = words.iter().map(|&w| VOCABULARY[w]).collect();
            let text = text.join(" ");
            // A few dates, so that choosing the representative has something to order by.
            let date = (words.len() % 3 == 0).then(|| format!("2024-03-1{}", words.len() % 10));
            let mut record = serde_json::json!({"id": id, "text": text});
            if let Some(date) = date {
                record["date"] = date.into();
            }
            lines.push(record.to_string());
            texts.insert(id, text);
            articles.push(words);
        }
        Corpus { lines, texts }
    }

    fn in_order(&self, order: &[usize]) -> Corpus {
        Corpus {
            lines: order.iter().map(|&i| self.lines[i].clone()).collect(),
            texts: self.texts.clone(),
        }
    }
}

fn edited(words: &[usize], edits: &[Edit]) -> Vec<usize> {
    let mut words = words.to_vec();
    for edit in edits {
        match *edit {
            Edit::Replace(at, word) if !words.is_empty() => {
                let at = at.index(words.len());
                words[at] = word;
            }
            Edit::Insert(at, word) => words.insert(at.index(words.len() + 1), word),
            Edit::Delete(at) if !words.is_empty() => {
                words.remove(at.index(words.len()));
            }
            _ => {}
        }
    }
    words
}

fn edit() -> impl Strategy<Value = Edit> {
    let word = 0..VOCABULARY.len();
    prop_oneof![
        (any::<Index>(), word.clone()).prop_map(|(at, w)| Edit::Replace(at, w)),
        (any::<Index>(), word).prop_map(|(at, w)| Edit::Insert(at, w)),
        any::<Index>().prop_map(Edit::Delete),
    ]
}

fn entry() -> impl Strategy<Value = Entry> {
    prop_oneof![
        4 => prop::collection::vec(0..VOCABULARY.len(), 0..40).prop_map(Entry::Fresh),
        1 => prop::collection::vec(0..VOCABULARY.len(), 100..400).prop_map(Entry::Fresh),
        1 => (any::<Index>(), prop::collection::vec(0..VOCABULARY.len(), 0..200))
            .prop_map(|(keep, added)| Entry::Cut(keep, added)),
        4 => (any::<Index>(), prop::collection::vec(edit(), 0..4))
            .prop_map(|(of, edits)| Entry::Copy(of, edits)),
        1 => (0..JUNK.len()).prop_map(Entry::Junk),
    ]
}

fn corpus() -> impl Strategy<Value = Corpus> {
    prop::collection::vec(entry(), 1..30).prop_map(|entries| Corpus::build(&entries))
}

/// A corpus and a shuffled order of its lines.
fn corpus_and_shuffle() -> impl Strategy<Value = (Corpus, Vec<usize>)> {
    corpus().prop_flat_map(|corpus| {
        let order: Vec<usize> = (0..corpus.lines.len()).collect();
        (Just(corpus), Just(order).prop_shuffle())
    })
}

/// Parameters as the binary builds them from `--threshold` and `--minhash`, made once:
/// choosing the banding takes tens of milliseconds, longer than a run on a small corpus.
static PARAMS: LazyLock<Vec<Params>> = LazyLock::new(|| {
    let mut all = Vec::new();
    for threshold in [dedup::DEFAULT_THRESHOLD, 0.2, 0.5] {
        for minhash in [Scheme::Oph, Scheme::Classic] {
            let asked = Asked {
                threshold,
                minhash,
                ..Asked::default()
            };
            all.push(Params::new(&asked).unwrap());
        }
    }
    all
});

fn params() -> impl Strategy<Value = Params> {
    prop::sample::select(PARAMS.as_slice())
}

/// A corpus written to a JSONL file of its own.
struct Written {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn write(corpus: &Corpus) -> Written {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("corpus.jsonl");
    std::fs::write(&path, corpus.lines.join("\n") + "\n").unwrap();
    Written { _dir: dir, path }
}

/// Runs the pipeline on a written corpus, on a pool of `threads`.
fn run(written: &Written, params: Params, threads: usize) -> Outcome {
    let config = Config {
        inputs: vec![Input::Path(written.path.clone())],
        fields: JsonFields::default(),
        params,
        all_pairs: false,
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(|| dedup::find_duplicates(&config))
        .unwrap()
}

/// The JSON report exactly as `--format json --singletons` writes it (no timings).
fn json_report(outcome: &Outcome) -> Vec<u8> {
    let options = ReportOptions {
        format: Format::Json,
        color: false,
        singletons: true,
        timings: false,
    };
    let mut out = Vec::new();
    report::write(outcome, &options, &mut out).unwrap();
    out
}

/// The clusters as sets of article ids: what stays the same whatever the input order.
fn cluster_sets(outcome: &Outcome) -> BTreeSet<BTreeSet<String>> {
    outcome
        .clusters
        .iter()
        .map(|c| {
            c.members
                .iter()
                .map(|&m| outcome.articles[m as usize].id.clone())
                .collect()
        })
        .collect()
}

fn skip_reasons(outcome: &Outcome) -> Vec<String> {
    let mut reasons: Vec<String> = outcome.skipped.iter().map(|s| s.reason.clone()).collect();
    reasons.sort();
    reasons
}

fn shingles(params: &Params, text: &str) -> ShingleSet {
    params.shingler().shingle(text)
}

/// The pairs of one cluster join all its members.
fn is_connected(cluster: &Cluster) -> bool {
    let mut reached = BTreeSet::from([cluster.members[0]]);
    loop {
        let before = reached.len();
        for pair in &cluster.pairs {
            if reached.contains(&pair.a) || reached.contains(&pair.b) {
                reached.extend([pair.a, pair.b]);
            }
        }
        if reached.len() == before {
            return reached.len() == cluster.members.len();
        }
    }
}

fn check_outcome(corpus: &Corpus, params: &Params, outcome: &Outcome) -> Result<(), TestCaseError> {
    prop_assert_eq!(
        outcome.articles.len() + outcome.skipped.len(),
        corpus.lines.len(),
        "every line is an article or a skip"
    );
    let text = |article: u32| &corpus.texts[&outcome.articles[article as usize].id];
    let mut cluster_of = BTreeMap::new();
    let mut pairs = 0;
    for (i, cluster) in outcome.clusters.iter().enumerate() {
        let members = &cluster.members;
        prop_assert!(members.len() >= 2, "a cluster has a copy in it");
        prop_assert!(
            members.windows(2).all(|w| w[0] < w[1]),
            "members in input order"
        );
        prop_assert!(members.contains(&cluster.representative));
        for &m in members {
            prop_assert!(
                cluster_of.insert(m, i).is_none(),
                "article {} in two clusters",
                m
            );
        }
        prop_assert!(
            cluster
                .pairs
                .windows(2)
                .all(|w| (w[0].a, w[0].b) < (w[1].a, w[1].b))
        );
        for pair in &cluster.pairs {
            prop_assert!(pair.a < pair.b);
            prop_assert!(members.contains(&pair.a) && members.contains(&pair.b));
            prop_assert!((0.0..=1.0).contains(&pair.estimate));
            // The reported scores are exact scores of the two texts, not estimates, and the
            // texts pass the copy rule.
            let (sa, sb) = (
                shingles(params, text(pair.a)),
                shingles(params, text(pair.b)),
            );
            let (da, db) = (
                outcome.articles[pair.a as usize].date.as_deref(),
                outcome.articles[pair.b as usize].date.as_deref(),
            );
            let judgement = rule::judge(&sa, &sb, rule::days_apart(da, db), params.threshold);
            prop_assert!(judgement.is_copy(), "{:?}", pair);
            prop_assert_eq!(judgement.verdict, pair.verdict);
            prop_assert_eq!(judgement.block_share, pair.block_share);
            prop_assert_eq!(judgement.passage_share, pair.passage_share);
            prop_assert_eq!(judgement.quoted_share, pair.quoted_share);
            let contained = sa.containment_in(&sb).max(sb.containment_in(&sa));
            prop_assert!((pair.containment - contained).abs() < 1e-12, "{:?}", pair);
            let exact = sa.jaccard(&sb);
            prop_assert!(
                (pair.jaccard - exact).abs() < 1e-12,
                "{} vs {}",
                pair.jaccard,
                exact
            );
        }
        prop_assert!(
            is_connected(cluster),
            "cluster not joined by its pairs: {:?}",
            cluster
        );
        pairs += cluster.pairs.len();
    }
    let sizes: Vec<usize> = outcome.clusters.iter().map(|c| c.members.len()).collect();
    prop_assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "largest first");
    let stats = &outcome.stats;
    prop_assert_eq!(pairs, stats.duplicate_pairs);
    prop_assert!(stats.duplicate_pairs <= stats.verified_pairs);
    prop_assert!(stats.verified_pairs <= stats.candidate_pairs);
    // Articles with the same shingles agree on every band, so they are never missed.
    let mut by_shingles: BTreeMap<_, Vec<u32>> = BTreeMap::new();
    for a in 0..outcome.articles.len() as u32 {
        by_shingles
            .entry(shingles(params, text(a)).hashes)
            .or_default()
            .push(a);
    }
    for copies in by_shingles.values().filter(|c| c.len() > 1) {
        let clusters: BTreeSet<_> = copies.iter().map(|a| cluster_of.get(a)).collect();
        prop_assert!(
            clusters.len() == 1 && !clusters.contains(&None),
            "exact copies {:?} apart",
            copies
        );
    }
    Ok(())
}

/// The JSON report agrees with itself: counts match the lists they count.
fn check_json(corpus: &Corpus, json: &[u8]) -> Result<(), TestCaseError> {
    let report: serde_json::Value = serde_json::from_slice(json).unwrap();
    let count = |v: &serde_json::Value| v.as_u64().unwrap() as usize;
    let inputs = &report["inputs"];
    let summary = &report["summary"];
    let clusters = report["clusters"].as_array().unwrap();
    let singletons = report["singletons"].as_array().unwrap();
    prop_assert_eq!(
        count(&inputs["articles"]) + count(&inputs["skipped"]),
        corpus.lines.len()
    );
    prop_assert_eq!(
        count(&inputs["skipped"]),
        inputs["skipped_inputs"].as_array().unwrap().len()
    );
    prop_assert_eq!(count(&summary["clusters"]), clusters.len());
    prop_assert_eq!(count(&summary["singletons"]), singletons.len());
    let sizes: usize = clusters.iter().map(|c| count(&c["size"])).sum();
    prop_assert_eq!(count(&summary["clustered_articles"]), sizes);
    prop_assert_eq!(sizes + singletons.len(), count(&inputs["articles"]));
    let line_of = |member: &serde_json::Value| -> usize {
        let path = member["path"].as_str().unwrap();
        path.rsplit_once(':').unwrap().1.parse().unwrap()
    };
    let mut pairs = 0;
    for (i, cluster) in clusters.iter().enumerate() {
        let members = cluster["members"].as_array().unwrap();
        prop_assert_eq!(count(&cluster["id"]), i + 1);
        prop_assert_eq!(count(&cluster["size"]), members.len());
        let lines: Vec<usize> = members.iter().map(line_of).collect();
        prop_assert!(lines.windows(2).all(|w| w[0] < w[1]), "members sorted");
        let paths: Vec<&str> = members
            .iter()
            .map(|m| m["path"].as_str().unwrap())
            .collect();
        prop_assert!(paths.contains(&cluster["representative"].as_str().unwrap()));
        for pair in cluster["pairs"].as_array().unwrap() {
            let threshold = report["parameters"]["threshold"].as_f64().unwrap();
            // Scores are rounded to 4 places; the threshold has fewer, so rounding keeps
            // order. A pair below it is within the relaxed bound and contained.
            let score = |key: &str| pair[key].as_f64().unwrap();
            prop_assert!(
                score("jaccard") >= threshold
                    || (score("jaccard") + 5e-5 >= RELAXED_JACCARD * threshold
                        && score("containment") >= MIN_CONTAINMENT),
                "{}",
                pair
            );
            prop_assert!(paths.contains(&pair["a"].as_str().unwrap()));
            prop_assert!(paths.contains(&pair["b"].as_str().unwrap()));
            pairs += 1;
        }
    }
    prop_assert_eq!(count(&summary["duplicate_pairs"]), pairs);
    Ok(())
}

fn config() -> ProptestConfig {
    ProptestConfig {
        // Small by default so the file runs in about a second; PROPTEST_CASES=5000 for a soak.
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(32),
        // Shrunk failures are kept with the other committed bad inputs, so they are replayed
        // on every later run.
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "fixtures/bad/proptest-regressions.txt",
        ))),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn clusters_are_disjoint_verified_and_consistently_counted(
        corpus in corpus(),
        params in params(),
    ) {
        let outcome = run(&write(&corpus), params, 2);
        check_outcome(&corpus, &params, &outcome)?;
        check_json(&corpus, &json_report(&outcome))?;
    }

    #[test]
    fn shuffling_the_input_lines_gives_the_same_clusters(
        (corpus, order) in corpus_and_shuffle(),
        params in params(),
    ) {
        let outcome = run(&write(&corpus), params, 2);
        let shuffled = run(&write(&corpus.in_order(&order)), params, 2);
        prop_assert_eq!(cluster_sets(&outcome), cluster_sets(&shuffled));
        prop_assert_eq!(skip_reasons(&outcome), skip_reasons(&shuffled));
        prop_assert_eq!(outcome.articles.len(), shuffled.articles.len());
    }

    #[test]
    fn one_thread_and_two_threads_write_the_same_report(
        corpus in corpus(),
        params in params(),
    ) {
        // The same file both times: paths are part of the report.
        let written = write(&corpus);
        let one = json_report(&run(&written, params, 1));
        let two = json_report(&run(&written, params, 2));
        prop_assert_eq!(String::from_utf8(one).unwrap(), String::from_utf8(two).unwrap());
    }
}

/// Two random hash sets with `shared` common elements and the given private parts.
fn hash_sets(shared: usize, only_a: usize, only_b: usize, salt: u64) -> (Vec<u32>, Vec<u32>) {
    let h = |i: u64| {
        let mut x = i ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        x = (x ^ (x >> 31)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        (x ^ (x >> 29)) as u32
    };
    let common: Vec<u32> = (0..shared as u64).map(h).collect();
    let mut a = common.clone();
    let mut b = common;
    a.extend((0..only_a as u64).map(|i| h(1 << 40 | i)));
    b.extend((0..only_b as u64).map(|i| h(2 << 40 | i)));
    (a, b)
}

proptest! {
    #![proptest_config(config())]

    /// A MinHash estimate stays within 5 standard deviations of the exact Jaccard, for either
    /// scheme, any seed and any overlap (the chance of failing one case is about 1e-6).
    #[test]
    fn minhash_estimates_stay_within_their_error_bound(
        shared in 1usize..300,
        only_a in 0usize..300,
        only_b in 0usize..300,
        salt in any::<u64>(),
        classic in any::<bool>(),
    ) {
        let (a, b) = hash_sets(shared, only_a, only_b, salt);
        let scheme = if classic { Scheme::Classic } else { Scheme::Oph };
        let k = 256;
        let hasher = dedup::minhash::MinHasher::new(scheme, k, salt);
        let truth = shared as f64 / (shared + only_a + only_b) as f64;
        let estimate = dedup::minhash::estimate(&hasher.sign(&a), &hasher.sign(&b));
        let sigma = (truth * (1.0 - truth) / k as f64).sqrt();
        prop_assert!(
            (estimate - truth).abs() <= 5.0 * sigma + 2.0 / k as f64,
            "J={truth} estimate={estimate}"
        );
    }

    /// LSH proposes a pair exactly when some band key of the two articles agrees and their
    /// sketches agree on enough positions: nothing is invented and nothing is lost, also
    /// across sweeps of bands and for pairs the screen turned down in an earlier sweep.
    #[test]
    fn lsh_proposes_exactly_the_pairs_that_share_a_band(
        // Values that agree on their low byte but not their high byte test the screen's
        // first, low-byte stage.
        articles in prop::collection::vec(
            prop::collection::vec(prop::sample::select(vec![0u16, 1, 256, 257]), 24),
            2..40,
        ),
        min_matches in 0usize..12,
    ) {
        let banding = Banding { bands: 12, rows: 2 };
        let values: Vec<u16> = articles.iter().flatten().copied().collect();
        let sketches = dedup::minhash::Sketches::from_values(24, &values);
        let found: BTreeSet<(u32, u32)> =
            dedup::lsh::candidate_pairs(&sketches, banding, min_matches)
                .into_iter()
                .map(dedup::lsh::unpack)
                .collect();
        let mut expected = BTreeSet::new();
        for a in 0..articles.len() {
            for b in a + 1..articles.len() {
                let shared = banding
                    .keys(&articles[a])
                    .zip(banding.keys(&articles[b]))
                    .any(|(x, y)| x == y);
                let agreeing =
                    dedup::minhash::sketch_matches(&articles[a], &articles[b]);
                if shared && agreeing >= min_matches {
                    expected.insert((a as u32, b as u32));
                }
            }
        }
        prop_assert_eq!(found, expected);
    }
}

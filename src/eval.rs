//! Accuracy against labels: pairwise precision / recall / F1, the adjusted Rand index, per copy
//! kind, and how often hard negatives (different stories about the same event) get merged.
//!
//! All counts come from contingency tables (story × predicted cluster), never from listing
//! pairs, so evaluating a million articles costs one hash map pass.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

/// One line of a labels file (JSONL): which story an article belongs to, and how it was made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    pub id: String,
    pub story: String,
    /// `original`, `reword`, `chrome`, `extend`, `rewrite`, `hard_negative`, `shared_background`,
    /// `shared_footer`, `quoted`, `template`, `follow_up`, `unrelated` (from `dedup-synth`), `wire`,
    /// `same_event` (from `bench/label-natural.py`), `copy`, `not_a_copy` (from the HTML
    /// report's review marks), or anything else a labeller uses; kinds are reported as given.
    #[serde(default)]
    pub kind: Option<String>,
}

/// The kind of generated hard negatives (`dedup-synth`).
pub const HARD_NEGATIVE: &str = "hard_negative";

/// Kinds whose merges into other stories are counted as mistakes of their own: generated hard
/// negatives (different stories that share names and a sentence, a background paragraph, an
/// outlet footer, a quoted passage, a template's wording, or paragraphs a follow-up reuses as
/// background), real articles labelled as
/// another outlet's (or the same outlet's) different article about the same event
/// (`bench/label-natural.py`), and articles a reviewer marked "not a copy" in the HTML report.
pub const HARD_NEGATIVE_KINDS: &[&str] = &[
    HARD_NEGATIVE,
    "shared_background",
    "shared_footer",
    "quoted",
    "template",
    "follow_up",
    "same_event",
    "not_a_copy",
];

/// How many articles of one hard-negative kind there are, and how many were merged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct MergeCount {
    pub articles: usize,
    pub merged: usize,
    pub merge_rate: f64,
}

/// Pairwise scores over a set of article pairs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct PairScores {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Pairs that belong together according to the labels.
    pub true_pairs: u64,
    /// Pairs that the clustering put together.
    pub predicted_pairs: u64,
    /// Pairs in both.
    pub correct_pairs: u64,
}

impl PairScores {
    fn new(correct: u64, truth: u64, predicted: u64) -> Self {
        // Nothing to find and nothing claimed counts as perfect, not as 0/0.
        let precision = ratio(correct, predicted);
        let recall = ratio(correct, truth);
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        PairScores {
            precision,
            recall,
            f1,
            true_pairs: truth,
            predicted_pairs: predicted,
            correct_pairs: correct,
        }
    }
}

fn ratio(num: u64, den: u64) -> f64 {
    if den == 0 {
        1.0
    } else {
        num as f64 / den as f64
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Metrics {
    pub articles: usize,
    pub overall: PairScores,
    pub adjusted_rand_index: f64,
    /// Scores restricted to pairs with at least one article of the kind.
    pub per_kind: BTreeMap<String, PairScores>,
    /// Articles of any of the [`HARD_NEGATIVE_KINDS`].
    pub hard_negatives: usize,
    /// Hard negatives put in a cluster with an article of another story.
    pub hard_negatives_merged: usize,
    pub hard_negative_merge_rate: f64,
    /// The same, for each hard-negative kind present.
    pub hard_negatives_by_kind: BTreeMap<String, MergeCount>,
}

/// `part / whole`, and 0 for an empty whole.
fn rate(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

fn pairs(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

/// Pairs with at least one of `marked` articles among `n` grouped together.
fn pairs_touching(n: u64, marked: u64) -> u64 {
    pairs(n) - pairs(n - marked)
}

/// Why labels could not be used.
#[derive(Debug, thiserror::Error)]
pub enum LabelError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{line}: not a label object ({reason})")]
    NotALabel {
        path: String,
        line: usize,
        reason: String,
    },
    #[error("no article id matches a label: check --id-field and the labels file")]
    NoneMatch,
}

/// Reads a labels file (JSONL, one [`Label`] a line; blank lines are allowed), by article id.
pub fn read_labels(path: &std::path::Path) -> Result<HashMap<String, Label>, LabelError> {
    use std::io::BufRead;
    let name = path.display().to_string();
    let io = |source| LabelError::Io {
        path: name.clone(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut labels = HashMap::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(io)?;
        if line.trim().is_empty() {
            continue;
        }
        let label: Label = serde_json::from_str(&line).map_err(|e| LabelError::NotALabel {
            path: name.clone(),
            line: i + 1,
            reason: e.to_string(),
        })?;
        labels.insert(label.id.clone(), label);
    }
    Ok(labels)
}

/// The scores of a run's clusters against `labels`, and how many articles had no label (left
/// out of the scores).
pub fn score(
    outcome: &crate::Outcome,
    labels: &HashMap<String, Label>,
) -> Result<(Metrics, usize), LabelError> {
    // Articles in a cluster share its number; every other article is its own cluster.
    let mut cluster_of: Vec<u64> = (0..outcome.articles.len() as u64)
        .map(|a| a + outcome.clusters.len() as u64 + 1)
        .collect();
    for (i, c) in outcome.clusters.iter().enumerate() {
        for &m in &c.members {
            cluster_of[m as usize] = i as u64 + 1;
        }
    }
    let mut unlabelled = 0;
    let scored: Vec<(u64, &str, Option<&str>)> = outcome
        .articles
        .iter()
        .zip(&cluster_of)
        .filter_map(|(a, &c)| match labels.get(&a.id) {
            Some(l) => Some((c, l.story.as_str(), l.kind.as_deref())),
            None => {
                unlabelled += 1;
                None
            }
        })
        .collect();
    if scored.is_empty() {
        return Err(LabelError::NoneMatch);
    }
    Ok((evaluate(&scored), unlabelled))
}

/// Scores a clustering. For each article: its predicted cluster (any id; singletons must have
/// ids of their own), its labelled story, and its kind.
pub fn evaluate(articles: &[(u64, &str, Option<&str>)]) -> Metrics {
    #[derive(Default)]
    struct Group {
        size: u64,
        by_kind: HashMap<String, u64>,
    }
    let mut by_cluster: HashMap<u64, Group> = HashMap::new();
    let mut by_story: HashMap<&str, Group> = HashMap::new();
    let mut by_cell: HashMap<(u64, &str), Group> = HashMap::new();
    let mut stories_in_cluster: HashMap<u64, HashMap<&str, u64>> = HashMap::new();
    for &(cluster, story, kind) in articles {
        for group in [
            by_cluster.entry(cluster).or_default(),
            by_story.entry(story).or_default(),
            by_cell.entry((cluster, story)).or_default(),
        ] {
            group.size += 1;
            if let Some(kind) = kind {
                *group.by_kind.entry(kind.to_string()).or_default() += 1;
            }
        }
        *stories_in_cluster
            .entry(cluster)
            .or_default()
            .entry(story)
            .or_default() += 1;
    }
    let total = |groups: &mut dyn Iterator<Item = &Group>, kind: Option<&str>| -> u64 {
        groups
            .map(|g| match kind {
                None => pairs(g.size),
                Some(k) => pairs_touching(g.size, g.by_kind.get(k).copied().unwrap_or(0)),
            })
            .sum()
    };
    let scores = |kind: Option<&str>| {
        PairScores::new(
            total(&mut by_cell.values(), kind),
            total(&mut by_story.values(), kind),
            total(&mut by_cluster.values(), kind),
        )
    };
    let overall = scores(None);
    let mut kinds: Vec<&str> = articles.iter().filter_map(|a| a.2).collect();
    kinds.sort_unstable();
    kinds.dedup();
    let per_kind = kinds
        .iter()
        .map(|&k| (k.to_string(), scores(Some(k))))
        .collect();

    let n = articles.len() as u64;
    let expected = if n < 2 {
        0.0
    } else {
        overall.true_pairs as f64 * overall.predicted_pairs as f64 / pairs(n) as f64
    };
    let max = (overall.true_pairs + overall.predicted_pairs) as f64 / 2.0;
    let adjusted_rand_index = if (max - expected).abs() < f64::EPSILON {
        1.0
    } else {
        (overall.correct_pairs as f64 - expected) / (max - expected)
    };

    let mut hard_negatives_by_kind: BTreeMap<String, MergeCount> = BTreeMap::new();
    for &(cluster, story, kind) in articles {
        let Some(kind) = kind.filter(|k| HARD_NEGATIVE_KINDS.contains(k)) else {
            continue;
        };
        let count = hard_negatives_by_kind.entry(kind.to_string()).or_default();
        count.articles += 1;
        count.merged += usize::from(stories_in_cluster[&cluster].keys().any(|&s| s != story));
    }
    for count in hard_negatives_by_kind.values_mut() {
        count.merge_rate = rate(count.merged, count.articles);
    }
    let hard_negatives = hard_negatives_by_kind.values().map(|c| c.articles).sum();
    let merged = hard_negatives_by_kind.values().map(|c| c.merged).sum();
    Metrics {
        articles: articles.len(),
        overall,
        adjusted_rand_index,
        per_kind,
        hard_negatives,
        hard_negatives_merged: merged,
        hard_negative_merge_rate: rate(merged, hard_negatives),
        hard_negatives_by_kind,
    }
}

/// The metrics as a table for people.
pub fn write_table(m: &Metrics, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    writeln!(out, "Accuracy on {} labelled articles", m.articles)?;
    writeln!(
        out,
        "{:<16} {:>9} {:>8} {:>8} {:>12} {:>12}",
        "pairs", "precision", "recall", "F1", "true pairs", "predicted"
    )?;
    let row = |out: &mut dyn std::io::Write, name: &str, s: &PairScores| {
        writeln!(
            out,
            "{:<16} {:>9.4} {:>8.4} {:>8.4} {:>12} {:>12}",
            name, s.precision, s.recall, s.f1, s.true_pairs, s.predicted_pairs
        )
    };
    row(out, "all", &m.overall)?;
    for (kind, scores) in &m.per_kind {
        row(out, &format!("with {kind}"), scores)?;
    }
    writeln!(out, "adjusted Rand index: {:.4}", m.adjusted_rand_index)?;
    writeln!(
        out,
        "hard negatives merged into another story: {} of {} ({:.2} %)",
        m.hard_negatives_merged,
        m.hard_negatives,
        100.0 * m.hard_negative_merge_rate
    )?;
    // A breakdown only says something when two kinds are mixed.
    if m.hard_negatives_by_kind.len() > 1 {
        for (kind, c) in &m.hard_negatives_by_kind {
            writeln!(
                out,
                "  {kind}: {} of {} ({:.2} %)",
                c.merged,
                c.articles,
                100.0 * c.merge_rate
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn perfect_clustering_scores_one() {
        let m = evaluate(&[
            (1, "s1", Some("original")),
            (1, "s1", Some("reword")),
            (2, "s2", Some("original")),
        ]);
        assert_eq!(m.overall.precision, 1.0);
        assert_eq!(m.overall.recall, 1.0);
        assert!(close(m.adjusted_rand_index, 1.0));
    }

    #[test]
    fn known_pair_counts() {
        // Stories: {a,b,c} {d,e}. Predicted: {a,b} {c,d,e}.
        // true pairs: 3 + 1 = 4; predicted pairs: 1 + 3 = 4; correct: ab, de = 2.
        let m = evaluate(&[
            (1, "x", None),
            (1, "x", None),
            (2, "x", None),
            (2, "y", None),
            (2, "y", None),
        ]);
        assert_eq!(
            (
                m.overall.true_pairs,
                m.overall.predicted_pairs,
                m.overall.correct_pairs
            ),
            (4, 4, 2)
        );
        assert!(close(m.overall.precision, 0.5));
        assert!(close(m.overall.recall, 0.5));
        assert!(close(m.overall.f1, 0.5));
        // ARI by hand: n=5, 10 pairs, expected = 4*4/10 = 1.6, max = 4.
        assert!(close(m.adjusted_rand_index, (2.0 - 1.6) / (4.0 - 1.6)));
    }

    #[test]
    fn ari_is_zero_for_chance_level_and_negative_below() {
        // Everything in one cluster when no two articles share a story: ARI 0 (max = expected
        // is impossible here, so it is the closed form), precision 0.
        let m = evaluate(&[(1, "a", None), (1, "b", None), (1, "c", None)]);
        assert_eq!(m.overall.correct_pairs, 0);
        assert_eq!(m.overall.precision, 0.0);
        assert!(close(m.adjusted_rand_index, 0.0));
    }

    #[test]
    fn per_kind_recall_counts_pairs_touching_the_kind() {
        // Story s: original o, reword r (found), rewrite w (missed).
        let m = evaluate(&[
            (1, "s", Some("original")),
            (1, "s", Some("reword")),
            (2, "s", Some("rewrite")),
        ]);
        assert_eq!(m.per_kind["reword"].recall, 0.5); // r-o found, r-w missed
        assert_eq!(m.per_kind["rewrite"].recall, 0.0);
        assert_eq!(m.per_kind["rewrite"].precision, 1.0); // claimed nothing
        assert!(close(m.per_kind["original"].recall, 0.5));
    }

    #[test]
    fn hard_negative_merges_are_counted() {
        let m = evaluate(&[
            (1, "s", Some("original")),
            (1, "h1", Some(HARD_NEGATIVE)),
            (2, "h2", Some(HARD_NEGATIVE)),
        ]);
        assert_eq!((m.hard_negatives, m.hard_negatives_merged), (2, 1));
        assert!(close(m.hard_negative_merge_rate, 0.5));
    }

    #[test]
    fn natural_same_event_merges_count_as_hard_negative_merges() {
        // Two outlets' own articles about one event (e1, e2), wrongly merged; a third kept
        // apart; a generated hard negative kept apart; a wire pair correctly merged.
        let m = evaluate(&[
            (1, "e1", Some("same_event")),
            (1, "e2", Some("same_event")),
            (2, "e3", Some("same_event")),
            (3, "h", Some(HARD_NEGATIVE)),
            (4, "w", Some("wire")),
            (4, "w", Some("wire")),
        ]);
        assert_eq!((m.hard_negatives, m.hard_negatives_merged), (4, 2));
        assert!(close(m.hard_negative_merge_rate, 0.5));
        let same_event = m.hard_negatives_by_kind["same_event"];
        assert_eq!((same_event.articles, same_event.merged), (3, 2));
        assert_eq!(m.hard_negatives_by_kind[HARD_NEGATIVE].merged, 0);
        assert!(!m.hard_negatives_by_kind.contains_key("wire"));
        assert_eq!(m.per_kind["wire"].recall, 1.0);
        let mut table = Vec::new();
        write_table(&m, &mut table).unwrap();
        let table = String::from_utf8(table).unwrap();
        assert!(table.contains("same_event: 2 of 3"), "{table}");
    }
}

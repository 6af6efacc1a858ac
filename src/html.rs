//! `--format html`: one self-contained page to review what a run grouped, offline, in any
//! browser.
//!
//! # What the page holds
//!
//! Three kinds of inline `<script>` element, all written here, none loaded from anywhere:
//!
//! - `#dedup-data` (JSON, parsed at once): parameters, counts, the histogram of verified pair
//!   scores, the LSH S-curve, the clustered articles' metadata (no text) in cluster order, and
//!   per cluster its members (a range of that list), its representative and, for the
//!   similarity matrix, the verified links among its first [`MATRIX_MEMBERS`] members and
//!   each member's strongest link.
//! - the page's code, allowed by the Content-Security-Policy by its hash and nothing else.
//! - `#dedup-b{N}` (gzipped JSON in base64, unpacked only when one of its clusters is
//!   opened): for each of a run of clusters whose texts are embedded, each member's text
//!   once, and for the pairs whose signals were
//!   computed (every pair of a cluster of up to [`ALL_PAIRS_UP_TO`] articles, else each
//!   member's strongest link) the `dedup explain` fields as (name, value) rows and the shared
//!   passages as UTF-16 ranges of both texts.
//!
//! Article text, headlines and file names reach the page only inside those blocks (in the
//! plain JSON one with every `<` written as `\u003c`, so no text can close the element); the
//! page's code puts them into the document as text nodes, never as markup.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::io::{self, Write};
use std::ops::Range;

use base64::Engine;
use flate2::Compression;
use flate2::write::GzEncoder;
use rayon::prelude::*;
use serde::Serialize;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::Outcome;
use crate::cluster::{Cluster, Edge};
use crate::explain;
use crate::load::{Article, Corpus, Input, Item, JsonFields, LoadError, Skip};
use crate::lsh::collision_probability;
use crate::normalize;
use crate::pipeline::BATCH_BYTES;
use crate::report::round4;
use crate::rule::RELAXED_JACCARD;

const SCRIPT: &str = include_str!("html/page.js");
const STYLE: &str = include_str!("html/page.css");

/// Text embedded in one page, at most, before compression: the page is then about a quarter
/// of that, which Chromium reads in a few seconds (README, "Reviewing clusters in a
/// browser"). Clusters past the budget are listed without their texts, and the page says so.
pub const TEXT_BUDGET_BYTES: usize = 256 << 20;

/// Clusters of up to this many articles get the signals of every pair (28 at most); larger
/// ones those of each member's strongest link, which keeps the page linear in articles.
pub const ALL_PAIRS_UP_TO: usize = 8;

/// Members shown in a cluster's similarity matrix; a larger cluster's matrix shows its first
/// ones, with a note.
pub const MATRIX_MEMBERS: usize = 40;

/// Skipped inputs listed in the page; all are counted.
const MAX_SKIPS_LISTED: usize = 200;

/// Points of the S-curve, evenly spaced over [0, 1].
const CURVE_POINTS: usize = 201;

/// Packed blocks rendered between two writes: bounds the memory of the rendered page.
const BLOCKS_PER_ROUND: usize = 64;

/// Text per packed block, about. Small clusters share a block: a page of 19,000 clusters
/// packed one by one spent more time starting compressors than compressing. The browser
/// unpacks a quarter of a megabyte to open a cluster, in a moment.
const BLOCK_TEXT_BYTES: usize = 256 << 10;

/// An article's text in bytes, estimated: English news averages under seven bytes a word with
/// its space and punctuation.
fn text_estimate(outcome: &Outcome, cluster: &Cluster) -> usize {
    cluster
        .members
        .iter()
        .map(|&m| 7 * outcome.articles[m as usize].words as usize)
        .sum()
}

/// The first `count` clusters cut into runs of about [`BLOCK_TEXT_BYTES`] of text.
fn blocks(outcome: &Outcome, count: usize) -> Vec<Range<usize>> {
    let mut blocks = Vec::new();
    let (mut start, mut size) = (0, 0);
    for (i, cluster) in outcome.clusters[..count].iter().enumerate() {
        size += text_estimate(outcome, cluster);
        if size >= BLOCK_TEXT_BYTES {
            blocks.push(start..i + 1);
            (start, size) = (i + 1, 0);
        }
    }
    if start < count {
        blocks.push(start..count);
    }
    blocks
}

/// The clustered articles whose texts the page embeds, read again from the run's inputs.
#[derive(Debug, Default)]
pub struct Texts {
    /// By article index in the [`Outcome`].
    pub articles: HashMap<u32, Article>,
    /// Clusters, in output order, whose texts fit in the budget: the first ones.
    pub clusters: usize,
    /// Why some texts are missing, shown at the top of the page.
    pub notes: Vec<String>,
}

/// Reads again, from `inputs` (the run's), the texts of the clusters that fit in
/// `budget_bytes`, largest cluster first, all of a cluster or none of it. The run kept no
/// text, and holding every article's text through it would cost memory that only this
/// report needs.
pub fn read_texts(
    outcome: &Outcome,
    inputs: &[Input],
    fields: &JsonFields,
    budget_bytes: usize,
) -> Result<Texts, LoadError> {
    let mut texts = Texts::default();
    let mut wanted: HashMap<&str, u32> = HashMap::new();
    let mut used = 0;
    for cluster in &outcome.clusters {
        let size = text_estimate(outcome, cluster);
        if used + size > budget_bytes {
            break;
        }
        used += size;
        texts.clusters += 1;
        for &m in &cluster.members {
            let article = &outcome.articles[m as usize];
            if !article.indexed {
                wanted.insert(&article.path, m);
            }
        }
    }
    let total = outcome.clusters.len();
    if texts.clusters < total {
        texts.notes.push(format!(
            "Texts are embedded for the {} largest of {total} clusters (about {} MB of text, \
             the page's budget); the others are listed without texts. Compare any two \
             articles with `dedup explain A B`.",
            texts.clusters,
            budget_bytes >> 20
        ));
    }
    let indexed = outcome.clusters[..texts.clusters]
        .iter()
        .flat_map(|c| &c.members)
        .filter(|&&m| outcome.articles[m as usize].indexed)
        .count();
    if indexed > 0 {
        texts.notes.push(format!(
            "Articles from the index ({indexed} in clusters) are shown without text: only \
             this run's inputs are read again."
        ));
    }
    let files: Vec<Input> = inputs
        .iter()
        .filter(|i| **i != Input::Stdin)
        .cloned()
        .collect();
    if files.len() < inputs.len() {
        texts.notes.push(
            "Articles read from standard input are shown without text: it cannot be read again."
                .into(),
        );
    }
    if !wanted.is_empty() && !files.is_empty() {
        let corpus = Corpus::open(&files, fields.clone())?;
        for item in corpus.batches(BATCH_BYTES).flatten() {
            if let Item::Article(article) = item
                && let Some(&m) = wanted.get(article.path.as_str())
            {
                texts.articles.insert(m, article);
            }
        }
    }
    let missing = wanted.len() - texts.articles.len();
    if missing > 0 && files.len() == inputs.len() {
        texts.notes.push(format!(
            "{missing} texts could not be read again: their files changed or went away after \
             the run read them."
        ));
    }
    Ok(texts)
}

#[derive(Serialize)]
struct Summary {
    articles: usize,
    files: usize,
    clusters: usize,
    clustered_articles: usize,
    singletons: usize,
    skipped: usize,
    candidate_pairs: usize,
    verified_pairs: usize,
    duplicate_pairs: usize,
}

/// `[path, id, date, title, words, indexed]`: arrays, as keys repeated for every article
/// would be a third of the metadata.
type ArticleRow<'a> = (
    &'a str,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    u32,
    bool,
);

#[derive(Serialize)]
struct ClusterRow {
    /// Members are `articles[start..start + size]`.
    start: usize,
    size: usize,
    /// Position of the representative among the members.
    representative: usize,
    /// `[i, j, jaccard]` by member positions, `i < j`.
    links: Vec<(usize, usize, f64)>,
    /// Lowest and highest Jaccard of the cluster's verified pairs.
    score_range: (f64, f64),
    /// Where its texts and pair signals are: `[N, k]` for the `k`th cluster of `#dedup-bN`.
    details: Option<(usize, usize)>,
}

#[derive(Serialize)]
struct PageData<'a> {
    tool: String,
    parameters: &'a crate::Params,
    /// Below the threshold, down to this, pairs count as copies when contained enough.
    relaxed_threshold: f64,
    summary: Summary,
    skipped: &'a [Skip],
    /// Verified pairs by exact Jaccard, in equal bins over [0, 1]; empty when none was.
    histogram: &'a [u64],
    /// `[similarity, probability that LSH proposes the pair]`.
    s_curve: Vec<(f64, f64)>,
    notes: &'a [String],
    max_members_in_matrix: usize,
    articles: Vec<ArticleRow<'a>>,
    clusters: Vec<ClusterRow>,
}

#[derive(Serialize)]
struct PairDetail {
    a: usize,
    b: usize,
    /// The `dedup explain` fields: values, named by `ClusterDetail::layouts[layout]`.
    layout: usize,
    values: Vec<Value>,
    /// Shared passages as `[start, end)` UTF-16 ranges of each text, passage by passage; empty
    /// when a text's words could not be placed in it (see [`word_spans`]).
    spans_a: Vec<(u32, u32)>,
    spans_b: Vec<(u32, u32)>,
}

#[derive(Serialize)]
struct ClusterDetail<'a> {
    /// Each member's text, `null` when it could not be read again.
    texts: Vec<Option<&'a str>>,
    /// Lists of signal names, nested names joined by dots, in the explanation's order: the
    /// page shows whatever the copy rule reports without knowing its fields. Pairs share a
    /// list, which held a third of a page's bytes when repeated for each.
    layouts: Vec<Vec<String>>,
    pairs: Vec<PairDetail>,
}

/// Writes the page for `outcome`, with the texts in `texts`.
pub fn write(outcome: &Outcome, texts: &Texts, out: &mut dyn Write) -> io::Result<()> {
    let mut articles = Vec::new();
    let mut clusters = Vec::with_capacity(outcome.clusters.len());
    let mut packed_in = vec![None; outcome.clusters.len()];
    for (b, range) in blocks(outcome, texts.clusters).into_iter().enumerate() {
        for (k, c) in range.clone().enumerate() {
            packed_in[c] = Some((b, k));
        }
    }
    for (i, cluster) in outcome.clusters.iter().enumerate() {
        let start = articles.len();
        articles.extend(cluster.members.iter().map(|&m| {
            let a = &outcome.articles[m as usize];
            let row: ArticleRow = (
                &a.path,
                &a.id,
                a.date.as_deref(),
                a.title.as_deref(),
                a.words,
                a.indexed,
            );
            row
        }));
        let scores = cluster.pairs.iter().map(|e| e.jaccard);
        let low = scores.clone().fold(f64::INFINITY, f64::min);
        let high = scores.fold(0.0, f64::max);
        clusters.push(ClusterRow {
            start,
            size: cluster.members.len(),
            representative: position(cluster, cluster.representative),
            links: matrix_links(cluster),
            score_range: (round4(low.min(high)), round4(high)),
            details: packed_in[i],
        });
    }
    let stats = &outcome.stats;
    let clustered = articles.len();
    let data = PageData {
        tool: format!("dedup {}", env!("CARGO_PKG_VERSION")),
        parameters: &outcome.params,
        relaxed_threshold: round4(RELAXED_JACCARD * outcome.params.threshold),
        summary: Summary {
            articles: outcome.articles.len(),
            files: stats.files,
            clusters: outcome.clusters.len(),
            clustered_articles: clustered,
            singletons: outcome.articles.len() - clustered,
            skipped: outcome.skipped.len(),
            candidate_pairs: stats.candidate_pairs,
            verified_pairs: stats.verified_pairs,
            duplicate_pairs: stats.duplicate_pairs,
        },
        skipped: &outcome.skipped[..outcome.skipped.len().min(MAX_SKIPS_LISTED)],
        histogram: &stats.scores.counts,
        s_curve: (0..CURVE_POINTS)
            .map(|i| {
                let s = i as f64 / (CURVE_POINTS - 1) as f64;
                (
                    s,
                    round4(collision_probability(s, outcome.params.banding())),
                )
            })
            .collect(),
        notes: &texts.notes,
        max_members_in_matrix: MATRIX_MEMBERS,
        articles,
        clusters,
    };
    let title = format!(
        "dedup report: {} clusters in {} articles",
        data.summary.clusters, data.summary.articles
    );
    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n\
         <meta name=\"generator\" content=\"{}\">\n<link rel=\"icon\" href=\"data:,\">\n<title>{title}</title>\n<style>\n{STYLE}</style>\n\
         </head>\n<body>\n<noscript>This report is drawn by JavaScript: allow it for this \
         file to see the clusters.</noscript>\n<main id=\"app\"></main>\n",
        content_security_policy(),
        data.tool,
    )?;
    write_json_block(out, "dedup-data", &data)?;
    // The details come after the code, so the page is drawn while they are still parsed.
    writeln!(out, "<script>{SCRIPT}</script>")?;
    let blocks = blocks(outcome, texts.clusters);
    for (round, group) in blocks.chunks(BLOCKS_PER_ROUND).enumerate() {
        let rendered: Vec<Vec<u8>> = group
            .par_iter()
            .enumerate()
            .map(|(i, range)| {
                let details: Vec<ClusterDetail> = outcome.clusters[range.clone()]
                    .par_iter()
                    .map(|cluster| cluster_detail(outcome, cluster, texts))
                    .collect();
                let mut block = Vec::new();
                let id = format!("dedup-b{}", round * BLOCKS_PER_ROUND + i);
                write_packed_block(&mut block, &id, &details)?;
                Ok(block)
            })
            .collect::<io::Result<_>>()?;
        for block in rendered {
            out.write_all(&block)?;
        }
    }
    writeln!(out, "</body>\n</html>")
}

/// Only the page's own code may run, and nothing may be fetched: article text that somehow
/// became markup would still run nothing, and the page works offline by construction.
fn content_security_policy() -> String {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(SCRIPT));
    format!(
        "default-src 'none'; script-src 'sha256-{hash}'; style-src 'unsafe-inline'; \
         img-src data:"
    )
}

/// Writes `value` as a JSON data block. `<` only occurs inside JSON strings, where
/// `\u003c` means the same, so no text can end the element or open a comment in it.
fn write_json_block(out: &mut dyn Write, id: &str, value: &impl Serialize) -> io::Result<()> {
    let json = serde_json::to_string(value)?;
    write!(out, "<script type=\"application/json\" id=\"{id}\">")?;
    for (i, part) in json.split('<').enumerate() {
        if i > 0 {
            out.write_all(b"\\u003c")?;
        }
        out.write_all(part.as_bytes())?;
    }
    out.write_all(b"</script>\n")
}

/// Writes `value` as gzipped JSON in base64, which the page unpacks with the browser's own
/// `DecompressionStream`. The texts of a cluster of copies shrink about fivefold (base64
/// gives back a third), so a page holds all the texts of a corpus five times as large, and
/// the browser has that much less to read before the page is complete. Base64 has no `<`.
fn write_packed_block(out: &mut dyn Write, id: &str, value: &impl Serialize) -> io::Result<()> {
    // In one piece: the encoder zeroes its 32 KB output buffer on every write, and serde_json
    // writes a token at a time.
    let json = serde_json::to_vec(value)?;
    let mut packed = GzEncoder::new(Vec::with_capacity(json.len() / 4), Compression::default());
    packed.write_all(&json)?;
    let packed = packed.finish()?;
    write!(out, "<script type=\"application/gzip+base64\" id=\"{id}\">")?;
    out.write_all(
        base64::engine::general_purpose::STANDARD
            .encode(packed)
            .as_bytes(),
    )?;
    out.write_all(b"</script>\n")
}

fn position(cluster: &Cluster, article: u32) -> usize {
    cluster
        .members
        .iter()
        .position(|&m| m == article)
        .expect("a pair's articles are members of its cluster")
}

/// Each member's verified link of highest Jaccard (the lower pair on ties).
fn strongest_links(cluster: &Cluster) -> BTreeSet<(u32, u32)> {
    let mut best: HashMap<u32, &Edge> = HashMap::new();
    for edge in &cluster.pairs {
        for m in [edge.a, edge.b] {
            let entry = best.entry(m).or_insert(edge);
            if edge.jaccard > entry.jaccard {
                *entry = edge;
            }
        }
    }
    best.values().map(|e| (e.a, e.b)).collect()
}

/// The verified links the page draws: among the first [`MATRIX_MEMBERS`] members, and each
/// member's strongest.
fn matrix_links(cluster: &Cluster) -> Vec<(usize, usize, f64)> {
    let strongest = strongest_links(cluster);
    let mut links: Vec<(usize, usize, f64)> = cluster
        .pairs
        .iter()
        .map(|e| (position(cluster, e.a), position(cluster, e.b), e))
        .filter(|(i, j, e)| {
            (*i < MATRIX_MEMBERS && *j < MATRIX_MEMBERS) || strongest.contains(&(e.a, e.b))
        })
        .map(|(i, j, e)| (i.min(j), i.max(j), round4(e.jaccard)))
        .collect();
    links.sort_by_key(|&(i, j, _)| (i, j));
    links
}

/// The pairs whose signals the page shows: all of a small cluster, else each member's
/// strongest link. By member positions, `a < b`.
fn detailed_pairs(cluster: &Cluster) -> Vec<(usize, usize)> {
    let n = cluster.members.len();
    if n <= ALL_PAIRS_UP_TO {
        return (0..n)
            .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
            .collect();
    }
    let mut pairs: Vec<(usize, usize)> = strongest_links(cluster)
        .into_iter()
        .map(|(a, b)| {
            let (i, j) = (position(cluster, a), position(cluster, b));
            (i.min(j), i.max(j))
        })
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

fn cluster_detail<'t>(outcome: &Outcome, cluster: &Cluster, texts: &'t Texts) -> ClusterDetail<'t> {
    let members: Vec<Option<&Article>> = cluster
        .members
        .iter()
        .map(|m| texts.articles.get(m))
        .collect();
    let spans: Vec<Option<Vec<(u32, u32)>>> = members
        .iter()
        .map(|a| a.and_then(|a| word_spans(&a.body)))
        .collect();
    let mut layouts: Vec<Vec<String>> = Vec::new();
    let pairs = detailed_pairs(cluster)
        .into_iter()
        .filter_map(|(i, j)| {
            let (a, b) = (members[i]?, members[j]?);
            let explanation = explain::explain(a, b, &outcome.params);
            let placed = match (&spans[i], &spans[j]) {
                (Some(wa), Some(wb)) => explanation
                    .shared_passages
                    .iter()
                    .map(|p| {
                        Some((
                            passage_range(wa, p.at_a, p.words)?,
                            passage_range(wb, p.at_b, p.words)?,
                        ))
                    })
                    .collect::<Option<Vec<_>>>(),
                _ => None,
            };
            let (spans_a, spans_b) = placed.unwrap_or_default().into_iter().unzip();
            let (names, values): (Vec<String>, Vec<Value>) =
                signal_rows(&explanation).into_iter().unzip();
            let layout = match layouts.iter().position(|l| *l == names) {
                Some(known) => known,
                None => {
                    layouts.push(names);
                    layouts.len() - 1
                }
            };
            Some(PairDetail {
                a: i,
                b: j,
                layout,
                values,
                spans_a,
                spans_b,
            })
        })
        .collect();
    ClusterDetail {
        texts: members.iter().map(|a| a.map(|a| a.body.as_str())).collect(),
        layouts,
        pairs,
    }
}

fn passage_range(words: &[(u32, u32)], at: usize, len: usize) -> Option<(u32, u32)> {
    Some((words.get(at)?.0, words.get((at + len).checked_sub(1)?)?.1))
}

/// Where each word that similarity is computed on ([`normalize::words`] of the folded text)
/// lies in `body`, as `[start, end)` UTF-16 offsets (what the browser's strings count).
///
/// Folding works character by character except for NFKC's composition across characters,
/// so the body is folded one character at a time, remembering where each folded byte came
/// from; if that gives other words than folding the whole (a rare composed sequence), the
/// words cannot be placed and `None` is returned.
pub fn word_spans(body: &str) -> Option<Vec<(u32, u32)>> {
    let mut folded = String::with_capacity(body.len());
    // For every folded byte, the UTF-16 range of the character it came from.
    let mut origin: Vec<(u32, u32)> = Vec::with_capacity(body.len());
    let mut at = 0u32;
    let mut buf = [0u8; 4];
    for c in body.chars() {
        let next = at + c.len_utf16() as u32;
        if c.is_ascii() {
            folded.push(c.to_ascii_lowercase());
        } else {
            folded.push_str(&normalize::fold(c.encode_utf8(&mut buf)));
        }
        origin.resize(folded.len(), (at, next));
        at = next;
    }
    let whole = normalize::fold(body);
    if !normalize::words(&folded).eq(normalize::words(&whole)) {
        return None;
    }
    let base = folded.as_ptr() as usize;
    Some(
        normalize::words(&folded)
            .map(|w| {
                let start = w.as_ptr() as usize - base;
                (origin[start].0, origin[start + w.len() - 1].1)
            })
            .collect(),
    )
}

/// The explanation as `(name, value)` rows in its own field order (serde_json's `Value`
/// would sort the names).
fn signal_rows(explanation: &impl Serialize) -> Vec<(String, Value)> {
    let json = serde_json::to_string(explanation).expect("an explanation serialises");
    let mut rows = Vec::new();
    Rows {
        prefix: String::new(),
        rows: &mut rows,
    }
    .deserialize(&mut serde_json::Deserializer::from_str(&json))
    .expect("serde_json reads what it wrote");
    rows
}

/// Flattens a JSON document into rows, see [`PairDetail::signals`].
struct Rows<'r> {
    prefix: String,
    rows: &'r mut Vec<(String, Value)>,
}

impl Rows<'_> {
    fn push(self, value: Value) {
        self.rows.push((self.prefix, value));
    }
}

impl<'de> DeserializeSeed<'de> for Rows<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Rows<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.push(v.into());
        Ok(())
    }
    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.push(v.into());
        Ok(())
    }
    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.push(v.into());
        Ok(())
    }
    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        self.push(round4(v).into());
        Ok(())
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.push(v.into());
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        self.push(Value::Null);
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut len = 0u64;
        while seq.next_element::<IgnoredAny>()?.is_some() {
            len += 1;
        }
        self.push(len.into());
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Rows { prefix, rows } = self;
        while let Some(key) = map.next_key::<String>()? {
            let prefix = if prefix.is_empty() {
                key
            } else {
                format!("{prefix}.{key}")
            };
            map.next_value_seed(Rows {
                prefix,
                rows: &mut *rows,
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::Edge;
    use crate::load::Article;
    use crate::{ArticleMeta, Config, Params, Stats};

    fn params() -> Params {
        Params {
            shingle: crate::shingle::ShingleKind::Word,
            ngram: 3,
            minhash: crate::minhash::Scheme::Oph,
            num_perm: 128,
            bands: 64,
            rows: 2,
            threshold: 0.08,
            seed: 42,
        }
    }

    fn article(i: u32, title: &str, body: &str) -> (ArticleMeta, Article) {
        let path = format!("dir/{i}.txt");
        let meta = ArticleMeta {
            id: i.to_string(),
            path: path.clone(),
            line: 0,
            date: None,
            title: Some(title.to_string()),
            words: body.split_whitespace().count() as u32,
            indexed: false,
        };
        let article = Article {
            line: 0,
            id: i.to_string(),
            path,
            date: None,
            title: Some(title.to_string()),
            body: body.to_string(),
            warning: None,
        };
        (meta, article)
    }

    /// One cluster of the given articles, all pairs verified, with all texts.
    fn page(articles: &[(&str, &str)]) -> String {
        let (metas, texts): (Vec<_>, Vec<_>) = articles
            .iter()
            .enumerate()
            .map(|(i, (title, body))| article(i as u32, title, body))
            .unzip();
        let n = metas.len() as u32;
        let pairs = (0..n)
            .flat_map(|a| (a + 1..n).map(move |b| (a, b)))
            .map(|(a, b)| Edge {
                a,
                b,
                jaccard: 0.5,
                containment: 0.5,
                estimate: 0.5,
                block_share: None,
                passage_share: None,
                quoted_share: None,
                verdict: crate::rule::Verdict::Covered,
            })
            .collect();
        let outcome = Outcome {
            params: params(),
            articles: metas,
            skipped: Vec::new(),
            warnings: Vec::new(),
            clusters: vec![Cluster {
                members: (0..n).collect(),
                representative: 0,
                pairs,
            }],
            stats: Stats::default(),
        };
        let texts = Texts {
            articles: texts
                .into_iter()
                .enumerate()
                .map(|(i, a)| (i as u32, a))
                .collect(),
            clusters: 1,
            notes: Vec::new(),
        };
        let mut out = Vec::new();
        write(&outcome, &texts, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn block<'p>(page: &'p str, kind: &str, id: &str) -> &'p str {
        let open = format!("<script type=\"{kind}\" id=\"{id}\">");
        let start = page.find(&open).expect("the block is in the page") + open.len();
        &page[start..start + page[start..].find("</script>").unwrap()]
    }

    fn json_block(page: &str, id: &str) -> Value {
        serde_json::from_str(block(page, "application/json", id)).unwrap()
    }

    /// The JSON of a packed block, as the page unpacks it.
    fn unpacked(page: &str, id: &str) -> String {
        let packed = base64::engine::general_purpose::STANDARD
            .decode(block(page, "application/gzip+base64", id))
            .unwrap();
        let mut json = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&packed[..]), &mut json)
            .unwrap();
        json
    }

    const STORY: &str = "The cat sat on the mat today while dogs barked loudly at night in \
                         the old town by the river";

    #[test]
    fn no_text_can_close_its_script_element_and_it_reads_back_unchanged() {
        let title = "</script><script>alert(1)</script><!--";
        let body = format!("{STORY} </SCRIPT > <script>alert(2)</script>");
        let page = page(&[(title, &body), ("plain", STORY)]);
        // Every `</script` in the page closes one of the page's own elements.
        let lower = page.to_lowercase();
        assert_eq!(lower.matches("<script").count(), 3);
        assert_eq!(lower.matches("</script").count(), 3);
        assert!(!page.contains("<!--"));
        let data = json_block(&page, "dedup-data");
        assert_eq!(data["articles"][0][3], title);
        let detail = &serde_json::from_str::<Value>(&unpacked(&page, "dedup-b0")).unwrap()[0];
        assert_eq!(detail["texts"][0], body.as_str());
    }

    #[test]
    fn texts_are_embedded_once_however_many_pairs_show_them() {
        let bodies: Vec<String> = (0..6).map(|i| format!("{STORY} version{i}")).collect();
        let articles: Vec<(&str, &str)> = bodies.iter().map(|b| ("t", b.as_str())).collect();
        let page = page(&articles);
        let json = unpacked(&page, "dedup-b0");
        let detail = &serde_json::from_str::<Value>(&json).unwrap()[0];
        assert_eq!(detail["pairs"].as_array().unwrap().len(), 15);
        for body in &bodies {
            assert_eq!(json.matches(body.as_str()).count(), 1, "{body}");
            assert!(!page.contains(body.as_str()));
        }
    }

    #[test]
    fn the_page_has_its_parts_and_the_policy_allows_its_own_script() {
        let page = page(&[("a", STORY), ("b", STORY)]);
        assert!(page.starts_with("<!DOCTYPE html>"));
        let data = json_block(&page, "dedup-data");
        assert_eq!(data["summary"]["clusters"], 1);
        assert_eq!(
            data["clusters"][0]["links"],
            serde_json::json!([[0, 1, 0.5]])
        );
        assert_eq!(data["s_curve"].as_array().unwrap().len(), CURVE_POINTS);
        let detail = &serde_json::from_str::<Value>(&unpacked(&page, "dedup-b0")).unwrap()[0];
        let names = detail["layouts"][0].as_array().unwrap();
        assert_eq!(names[0], "a.path", "rows keep the explanation's order");
        let jaccard = names.iter().position(|n| n == "jaccard").unwrap();
        assert_eq!(detail["pairs"][0]["values"][jaccard], 1.0);
        // Identical texts share one passage: all of it, on both sides.
        let all = (0, STORY.len() as u32);
        assert_eq!(detail["pairs"][0]["spans_a"], serde_json::json!([all]));
        assert_eq!(detail["pairs"][0]["spans_b"], serde_json::json!([all]));
        let script = &page[page.find("<script>").unwrap() + "<script>".len()..];
        assert!(script.starts_with(SCRIPT));
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(SCRIPT));
        assert!(page.contains(&format!("script-src 'sha256-{hash}'")));
    }

    #[test]
    fn word_spans_find_folded_words_in_the_original_text() {
        let body = "“Kim Jong-un’s” CAR — ½ of 1,000 Ärzte.";
        let utf16: Vec<u16> = body.encode_utf16().collect();
        let spans = word_spans(body).unwrap();
        let shown: Vec<String> = spans
            .iter()
            .map(|&(s, e)| String::from_utf16(&utf16[s as usize..e as usize]).unwrap())
            .collect();
        assert_eq!(
            shown,
            ["Kim", "Jong", "un’s", "CAR", "½", "of", "1,000", "Ärzte"]
        );
        let folded = normalize::fold(body);
        assert_eq!(normalize::words(&folded).count(), spans.len());
    }

    #[test]
    fn signal_rows_flatten_in_field_order_and_count_lists() {
        #[derive(Serialize)]
        struct Inner {
            x: f64,
        }
        #[derive(Serialize)]
        struct Outer {
            b: u32,
            a: Inner,
            list: Vec<u8>,
            none: Option<u8>,
        }
        let rows = signal_rows(&Outer {
            b: 1,
            a: Inner { x: 0.123456 },
            list: vec![1, 2, 3],
            none: None,
        });
        let expected: Vec<(String, Value)> = vec![
            ("b".into(), 1.into()),
            ("a.x".into(), 0.1235.into()),
            ("list".into(), 3.into()),
            ("none".into(), Value::Null),
        ];
        assert_eq!(rows, expected);
    }

    #[test]
    fn texts_are_read_again_from_the_inputs_within_the_budget() {
        let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seeds");
        let inputs = vec![Input::Path(seeds)];
        let config = Config {
            inputs: inputs.clone(),
            fields: JsonFields::default(),
            params: Params {
                num_perm: 512,
                bands: 256,
                ..params()
            },
            all_pairs: false,
        };
        let outcome = crate::find_duplicates(&config).unwrap();
        assert_eq!(outcome.clusters.len(), 1);
        let texts = read_texts(&outcome, &inputs, &config.fields, TEXT_BUDGET_BYTES).unwrap();
        assert_eq!((texts.clusters, texts.articles.len()), (1, 3));
        assert!(texts.notes.is_empty());
        for (&m, article) in &texts.articles {
            assert_eq!(article.path, outcome.articles[m as usize].path);
            assert!(article.body.contains("Putin"));
        }
        let none = read_texts(&outcome, &inputs, &config.fields, 100).unwrap();
        assert_eq!((none.clusters, none.articles.len()), (0, 0));
        assert!(none.notes[0].contains("0 largest of 1 clusters"));
        let mut out = Vec::new();
        write(&outcome, &none, &mut out).unwrap();
        assert!(!String::from_utf8(out).unwrap().contains("dedup-b0"));
    }
}

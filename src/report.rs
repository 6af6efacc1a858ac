//! Reporters: a table for people, JSON / JSONL / CSV for tools.
//!
//! # JSON schema (`--format json`, schema_version 1)
//!
//! ```text
//! {
//!   "dedup_version": "0.1.0", "schema_version": 1,
//!   "parameters": {"shingle": "word", "ngram": 3, "minhash": "oph", "num_perm": 512,
//!                  "bands": 256, "rows": 2, "threshold": 0.08, "seed": 42},
//!   "inputs": {"files": 5, "articles": 5, "skipped": 0, "skipped_inputs": [{"path", "reason"}],
//!              "warnings": [{"path", "reason"}]},
//!   "summary": {"clusters": 1, "clustered_articles": 3, "singletons": 2,
//!               "candidate_pairs": 3, "verified_pairs": 3, "duplicate_pairs": 2},
//!   "clusters": [{"id": 1, "size": 3, "representative": PATH,
//!                 "members": [MEMBER...], "pairs": [{"a": PATH, "b": PATH,
//!                 "jaccard": 0.354, "estimate": 0.3594, "containment": 0.8543,
//!                 "block_share": null, "passage_share": null, "quoted_share": null,
//!                 "verdict": "covered", "close": true}]}],
//!   "singletons": [MEMBER...]          (only with --singletons)
//!   "timings": {...}                   (only with --stats; the one non-deterministic field)
//! }
//! MEMBER = {"path", "id", "date" (YYYY-MM-DD or null), "title" (or null), "words"}
//! ```
//! A pair's `verdict` says which part of the copy rule made it copies: `covered` (most of the
//! smaller article is in the other) or `spread` (enough shared, spread out as in a rewrite);
//! `close` whether it joins clusters transitively (`rule::is_close`). The signals the rule read
//! come with it, each `null` where it was not read (see README, "Beyond overlap"):
//! `block_share`, the share of the shared shingles in verbatim blocks (every `spread` pair, and
//! a `covered` one under 80 % contained, for which it decides `close`);
//! `passage_share`, the share in each article's densest passage, the smaller of the two; and
//! `quoted_share`, the share inside quotation marks in the article that quotes more of it.
//! A cluster's `pairs` are, by default, the verified pairs that joined it: one fewer than its
//! members, a spanning tree (see [`crate::cluster::clusters`]). Candidate pairs are verified in
//! article order, and a pair whose two articles are already grouped as close copies is not
//! verified at all, so a story republished ten thousand times costs ten thousand comparisons,
//! not fifty million. With `--all-pairs`, every candidate pair is verified and `pairs` lists
//! every one inside the cluster that is a copy. `duplicate_pairs` counts the pairs listed;
//! `verified_pairs` the pairs whose exact similarity was computed.
//! `--format jsonl` writes one cluster object per line; `--format csv` one row per member.
//! Keys keep this order; new keys may be added, existing ones keep their meaning within a
//! schema version.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{self, Write};

use rayon::prelude::*;
use serde::Serialize;

use crate::cluster::{Cluster, Edge};
use crate::{ArticleMeta, Outcome, Params};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Jsonl,
    Csv,
    /// GitHub Actions workflow commands: one `::warning` per copy, shown on the pull request.
    Github,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
}

#[derive(Clone, Copy, Debug)]
pub struct ReportOptions {
    pub format: Format,
    /// ANSI colour in the table.
    pub color: bool,
    /// List articles that have no duplicate, too.
    pub singletons: bool,
    /// Include wall-clock timings (makes the output differ between runs).
    pub timings: bool,
}

/// Scores are rounded so that the output is short and identical across platforms.
pub(crate) fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

#[derive(Serialize)]
struct Member<'a> {
    path: &'a str,
    id: &'a str,
    date: Option<&'a str>,
    title: Option<&'a str>,
    words: u32,
    /// Only in `dedup check` output, for members found in the index.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    indexed: bool,
}

impl<'a> From<&'a ArticleMeta> for Member<'a> {
    fn from(a: &'a ArticleMeta) -> Self {
        Member {
            path: &a.path,
            id: &a.id,
            date: a.date.as_deref(),
            title: a.title.as_deref(),
            words: a.words,
            indexed: a.indexed,
        }
    }
}

#[derive(Serialize)]
struct Pair<'a> {
    a: &'a str,
    b: &'a str,
    jaccard: f64,
    estimate: f64,
    containment: f64,
    block_share: Option<f64>,
    passage_share: Option<f64>,
    quoted_share: Option<f64>,
    verdict: crate::rule::Verdict,
    close: bool,
}

#[derive(Serialize)]
struct ClusterOut<'a> {
    id: usize,
    size: usize,
    representative: &'a str,
    members: Vec<Member<'a>>,
    pairs: Vec<Pair<'a>>,
}

#[derive(Serialize)]
struct Inputs<'a> {
    files: usize,
    articles: usize,
    skipped: usize,
    skipped_inputs: &'a [crate::load::Skip],
    /// Articles read with something to warn about (a date that is not one).
    warnings: &'a [crate::load::Skip],
}

#[derive(Serialize)]
struct Summary {
    clusters: usize,
    clustered_articles: usize,
    singletons: usize,
    candidate_pairs: usize,
    verified_pairs: usize,
    duplicate_pairs: usize,
}

#[derive(Serialize)]
struct Timings {
    read_and_sign_secs: f64,
    band_secs: f64,
    verify_and_cluster_secs: f64,
    total_secs: f64,
}

#[derive(Serialize)]
struct Document<'a> {
    dedup_version: &'static str,
    schema_version: u32,
    parameters: &'a Params,
    inputs: Inputs<'a>,
    summary: Summary,
    clusters: Vec<ClusterOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    singletons: Option<Vec<Member<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timings: Option<Timings>,
}

fn cluster_out<'a>(outcome: &'a Outcome, id: usize, cluster: &'a Cluster) -> ClusterOut<'a> {
    let path = |a: u32| outcome.articles[a as usize].path.as_str();
    ClusterOut {
        id,
        size: cluster.members.len(),
        representative: path(cluster.representative),
        members: cluster
            .members
            .iter()
            .map(|&m| Member::from(&outcome.articles[m as usize]))
            .collect(),
        pairs: cluster
            .pairs
            .iter()
            .map(|e: &Edge| Pair {
                a: path(e.a),
                b: path(e.b),
                jaccard: round4(e.jaccard),
                estimate: round4(e.estimate),
                containment: round4(e.containment),
                block_share: e.block_share.map(round4),
                passage_share: e.passage_share.map(round4),
                quoted_share: e.quoted_share.map(round4),
                verdict: e.verdict,
                close: e.is_close(),
            })
            .collect(),
    }
}

/// Clusters in output order, numbered from 1, followed (with `--singletons`) by one-article
/// groups so that line- and row-oriented formats list every article.
fn groups<'a>(outcome: &'a Outcome, with_singletons: bool) -> Vec<ClusterOut<'a>> {
    let mut out: Vec<ClusterOut> = outcome
        .clusters
        .iter()
        .enumerate()
        .map(|(i, c)| cluster_out(outcome, i + 1, c))
        .collect();
    if with_singletons {
        for s in outcome.singletons() {
            let article = &outcome.articles[s as usize];
            out.push(ClusterOut {
                id: out.len() + 1,
                size: 1,
                representative: &article.path,
                members: vec![Member::from(article)],
                pairs: Vec::new(),
            });
        }
    }
    out
}

fn summary(outcome: &Outcome) -> Summary {
    let clustered: usize = outcome.clusters.iter().map(|c| c.members.len()).sum();
    Summary {
        clusters: outcome.clusters.len(),
        clustered_articles: clustered,
        singletons: outcome.articles.len() - clustered,
        candidate_pairs: outcome.stats.candidate_pairs,
        verified_pairs: outcome.stats.verified_pairs,
        duplicate_pairs: outcome.stats.duplicate_pairs,
    }
}

pub fn write(outcome: &Outcome, options: &ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    match options.format {
        Format::Json => write_json(outcome, options, out),
        Format::Jsonl => {
            for group in groups(outcome, options.singletons) {
                serde_json::to_writer(&mut *out, &group)?;
                out.write_all(b"\n")?;
            }
            Ok(())
        }
        Format::Csv => write_csv(outcome, options, out),
        Format::Table => write_table(outcome, options, out),
        Format::Github => write_github(outcome, out),
        Format::Sarif => write_sarif(outcome, out),
    }
}

fn write_json(outcome: &Outcome, options: &ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let stats = &outcome.stats;
    let clusters = groups(outcome, false);
    let singletons: Option<Vec<Member>> = options.singletons.then(|| {
        outcome
            .singletons()
            .map(|s| Member::from(&outcome.articles[s as usize]))
            .collect()
    });
    // The document is rendered without its two long arrays, which are rendered in parallel
    // and written in their places: one thread took over a second for a million articles.
    let doc = Document {
        dedup_version: env!("CARGO_PKG_VERSION"),
        schema_version: SCHEMA_VERSION,
        parameters: &outcome.params,
        inputs: Inputs {
            files: stats.files,
            articles: outcome.articles.len(),
            skipped: outcome.skipped.len(),
            skipped_inputs: &outcome.skipped,
            warnings: &outcome.warnings,
        },
        summary: summary(outcome),
        clusters: Vec::new(),
        singletons: singletons.as_ref().map(|_| Vec::new()),
        timings: options.timings.then_some(Timings {
            read_and_sign_secs: stats.read_and_sign.as_secs_f64(),
            band_secs: stats.band.as_secs_f64(),
            verify_and_cluster_secs: stats.verify.as_secs_f64(),
            total_secs: stats.total.as_secs_f64(),
        }),
    };
    let outline = serde_json::to_string_pretty(&doc)?;
    let rest = write_in_place(&outline, "clusters", &clusters, out)?;
    let rest = match &singletons {
        Some(members) => write_in_place(rest, "singletons", members, out)?,
        None => rest,
    };
    out.write_all(rest.as_bytes())?;
    out.write_all(b"\n")
}

/// Writes `outline` up to its top-level `"key": []`, with `items` as that array, and returns
/// the rest of `outline`.
fn write_in_place<'o, T: Serialize + Sync>(
    outline: &'o str,
    key: &str,
    items: &[T],
    out: &mut dyn Write,
) -> io::Result<&'o str> {
    // Two spaces of indentation: only a key of the top-level object starts a line so.
    let marker = format!("\n  \"{key}\": []");
    let at = outline
        .find(&marker)
        .expect("the outline has the key, with an empty array")
        + marker.len()
        - "[]".len();
    out.write_all(&outline.as_bytes()[..at])?;
    write_pretty_array(items, 1, out)?;
    Ok(&outline[at + "[]".len()..])
}

/// Items rendered by one task, and by all tasks between two writes.
const PER_TASK: usize = 512;
const PER_ROUND: usize = 64 * PER_TASK;

/// Writes `items` as serde_json's pretty printer writes an array nested `depth` levels deep,
/// rendering them in parallel, a bounded number at a time.
fn write_pretty_array<T: Serialize + Sync>(
    items: &[T],
    depth: usize,
    out: &mut dyn Write,
) -> io::Result<()> {
    if items.is_empty() {
        return out.write_all(b"[]");
    }
    let indent = "  ".repeat(depth + 1);
    let render = |chunk: &[T]| -> io::Result<Vec<u8>> {
        let (mut text, mut item) = (Vec::new(), Vec::new());
        for (i, value) in chunk.iter().enumerate() {
            item.clear();
            serde_json::to_writer_pretty(&mut item, value)?;
            if i > 0 {
                text.extend_from_slice(b",\n");
            }
            text.extend_from_slice(indent.as_bytes());
            // JSON strings escape their newlines, so every newline here starts a line.
            for line in item.split_inclusive(|&b| b == b'\n') {
                text.extend_from_slice(line);
                if line.ends_with(b"\n") {
                    text.extend_from_slice(indent.as_bytes());
                }
            }
        }
        Ok(text)
    };
    out.write_all(b"[\n")?;
    for (round, group) in items.chunks(PER_ROUND).enumerate() {
        let rendered: Vec<Vec<u8>> = group
            .par_chunks(PER_TASK)
            .map(render)
            .collect::<io::Result<_>>()?;
        for (task, text) in rendered.iter().enumerate() {
            if round > 0 || task > 0 {
                out.write_all(b",\n")?;
            }
            out.write_all(text)?;
        }
    }
    write!(out, "\n{}]", "  ".repeat(depth))
}

/// A copy worth flagging in CI, with the article it most resembles: every clustered article but
/// the representative, or, in a cluster that reaches into an index, every new article (the
/// archive already has the story). Indexed articles are never flagged: they are accepted.
struct Finding<'a> {
    path: &'a str,
    /// Where the article is: a file, and a line in it.
    location: (&'a str, u32),
    other: &'a str,
    jaccard: f64,
    cluster: usize,
    size: usize,
}

fn findings(outcome: &Outcome) -> Vec<Finding<'_>> {
    let mut out = Vec::new();
    for (i, c) in outcome.clusters.iter().enumerate() {
        let in_archive = c
            .members
            .iter()
            .any(|&m| outcome.articles[m as usize].indexed);
        for (&m, best) in c.members.iter().zip(strongest_links(c)) {
            let article = &outcome.articles[m as usize];
            if article.indexed || (m == c.representative && !in_archive) {
                continue;
            }
            if let Some(edge) = best {
                let other = if edge.a == m { edge.b } else { edge.a };
                out.push(Finding {
                    path: &article.path,
                    location: article.location(),
                    other: &outcome.articles[other as usize].path,
                    jaccard: round4(edge.jaccard),
                    cluster: i + 1,
                    size: c.members.len(),
                });
            }
        }
    }
    out
}

/// Each member's strongest pair, in member order: the highest Jaccard, then the pair with the
/// smaller first article, then the later pair. One pass over the pairs, so that a cluster of
/// ten thousand copies does not cost ten thousand passes.
fn strongest_links(cluster: &Cluster) -> Vec<Option<&Edge>> {
    let mut best: Vec<Option<&Edge>> = vec![None; cluster.members.len()];
    for edge in &cluster.pairs {
        for end in [edge.a, edge.b] {
            let Ok(at) = cluster.members.binary_search(&end) else {
                continue;
            };
            let stronger = best[at].is_none_or(|held| {
                edge.jaccard
                    .total_cmp(&held.jaccard)
                    .then(held.a.cmp(&edge.a))
                    .is_ge()
            });
            if stronger {
                best[at] = Some(edge);
            }
        }
    }
    best
}

impl Finding<'_> {
    fn message(&self) -> String {
        format!(
            "{} is a near-duplicate of {} (Jaccard {}; cluster {} of {} articles)",
            self.path, self.other, self.jaccard, self.cluster, self.size
        )
    }
}

/// Escapes per the GitHub Actions workflow-command rules.
fn github_escape(s: &str, property: bool) -> String {
    let mut out = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    if property {
        out = out.replace(':', "%3A").replace(',', "%2C");
    }
    out
}

fn write_github(outcome: &Outcome, out: &mut dyn Write) -> io::Result<()> {
    for f in findings(outcome) {
        let (file, line) = f.location;
        writeln!(
            out,
            "::warning file={},line={line},title={}::{}",
            github_escape(file, true),
            github_escape("Near-duplicate article", true),
            github_escape(&f.message(), false)
        )?;
    }
    Ok(())
}

/// How the loader names standard input. A file of that name cannot have lines: only
/// `.jsonl` and `.ndjson` files do.
const STDIN: &str = "<stdin>";

/// A path as a URI reference (RFC 3986): relative paths stay relative, as code scanning
/// resolves them against the repository, and absolute ones become `file://` URIs. Every
/// byte but the unreserved characters and `/` is percent-encoded, so that `%`, `#` and `?`
/// in a file name are not read as escapes, a fragment or a query.
fn file_uri(path: &str) -> String {
    let mut uri = String::with_capacity(path.len() + 8);
    if path.starts_with('/') {
        uri.push_str("file://");
    }
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

fn write_sarif(outcome: &Outcome, out: &mut dyn Write) -> io::Result<()> {
    let results: Vec<serde_json::Value> = findings(outcome)
        .iter()
        .map(|f| {
            let (file, line) = f.location;
            // Standard input has no URI; SARIF lets a location be described instead.
            let artifact = if file == STDIN && line > 0 {
                serde_json::json!({"description": {"text": "standard input"}})
            } else {
                serde_json::json!({"uri": file_uri(file)})
            };
            serde_json::json!({
                "ruleId": "near-duplicate",
                "level": "warning",
                "message": {"text": f.message()},
                "locations": [{"physicalLocation": {
                    "artifactLocation": artifact,
                    "region": {"startLine": line}
                }}],
                "properties": {"duplicateOf": f.other, "jaccard": f.jaccard}
            })
        })
        .collect();
    let doc = serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "dedup",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": [{
                    "id": "near-duplicate",
                    "shortDescription": {"text": "Article is a reworded copy of another article"}
                }]
            }},
            "results": results
        }]
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// Quotes a CSV field when it needs it (RFC 4180). A text that a spreadsheet would run as a
/// formula (one starting with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading
/// `'` and quotes, as OWASP advises against CSV injection: a title is not a formula.
fn csv_field(s: &str) -> String {
    let formula = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if formula {
        format!("\"'{}\"", s.replace('"', "\"\""))
    } else if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn write_csv(outcome: &Outcome, options: &ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "cluster,size,representative,path,id,date,title,words,best_jaccard,indexed"
    )?;
    for group in groups(outcome, options.singletons) {
        // A member's strongest verified link says how firmly it belongs to the cluster.
        let mut best: HashMap<&str, f64> = HashMap::new();
        for p in &group.pairs {
            for path in [p.a, p.b] {
                let held = best.entry(path).or_insert(p.jaccard);
                *held = held.max(p.jaccard);
            }
        }
        for m in &group.members {
            writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{}",
                group.id,
                group.size,
                m.path == group.representative,
                csv_field(m.path),
                csv_field(m.id),
                m.date.unwrap_or(""),
                csv_field(m.title.unwrap_or("")),
                m.words,
                best.get(m.path).map(|b| b.to_string()).unwrap_or_default(),
                m.indexed
            )?;
        }
    }
    Ok(())
}

/// `s` with control characters (escape sequences, line breaks, bells) written as Rust escapes
/// (`\u{1b}`, `\n`), for a terminal: a title or file name must not move the cursor, set the
/// window title or the clipboard, or break a line of the report.
pub fn escape_control(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// ANSI styling that is a no-op when colour is off.
pub(crate) struct Paint {
    pub on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    pub fn bold(&self, t: &str) -> String {
        self.wrap("1", t)
    }
    pub fn green(&self, t: &str) -> String {
        self.wrap("32", t)
    }
    pub fn cyan(&self, t: &str) -> String {
        self.wrap("36", t)
    }
    pub fn dim(&self, t: &str) -> String {
        self.wrap("2", t)
    }
    pub fn highlight(&self, t: &str) -> String {
        self.wrap("1;33", t)
    }
}

/// Cuts `s` to at most `max` characters, marking the cut.
fn ellipsize(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn write_table(outcome: &Outcome, options: &ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let paint = Paint { on: options.color };
    let groups = groups(outcome, options.singletons);
    let path_width = groups
        .iter()
        .flat_map(|g| {
            g.members
                .iter()
                .map(|m| escape_control(m.path).chars().count())
        })
        .max()
        .unwrap_or(0);
    for group in &groups {
        let header = if group.size == 1 {
            format!("Singleton {}", group.id)
        } else {
            format!(
                "Cluster {} · {} · * representative",
                group.id,
                plural(group.size, "article", "articles")
            )
        };
        writeln!(out, "{}", paint.bold(&header))?;
        for m in &group.members {
            let marker = if m.path == group.representative && group.size > 1 {
                paint.green("*")
            } else {
                " ".to_string()
            };
            let mut title = m
                .title
                .map(|t| ellipsize(&escape_control(t), 70))
                .unwrap_or_else(|| paint.dim("(no headline)"));
            if m.indexed {
                title = format!("{} {title}", paint.dim("[index]"));
            }
            writeln!(
                out,
                "  {marker} {:<path_width$}  {:<10}  {title}",
                escape_control(m.path),
                m.date.unwrap_or("undated"),
            )?;
        }
        if !group.pairs.is_empty() {
            let id_width = group
                .members
                .iter()
                .map(|m| escape_control(m.id).chars().count())
                .max();
            let id_width = id_width.unwrap_or(0).min(40);
            let ids: HashMap<&str, &str> = group.members.iter().map(|m| (m.path, m.id)).collect();
            let id_of = |path: &str| {
                ellipsize(
                    &escape_control(ids.get(path).copied().unwrap_or(path)),
                    id_width,
                )
            };
            let header = format!(
                "    {:<w$}  {:>7}  {:>8}  {:>9}",
                "pair",
                "jaccard",
                "estimate",
                "contained",
                w = 2 * id_width + 3
            );
            writeln!(out, "{}", paint.dim(&header))?;
            for p in &group.pairs {
                let pair = format!("{:<id_width$} ~ {:<id_width$}", id_of(p.a), id_of(p.b));
                writeln!(
                    out,
                    "    {pair}  {}  {:>8.3}  {:>9.3}",
                    paint.cyan(&format!("{:>7.3}", p.jaccard)),
                    p.estimate,
                    p.containment
                )?;
            }
        }
        writeln!(out)?;
    }
    let s = summary(outcome);
    let mut line = format!(
        "{} · {} ({} in clusters) · {} · {}",
        plural(outcome.articles.len(), "article", "articles"),
        plural(s.clusters, "cluster", "clusters"),
        s.clustered_articles,
        plural(s.singletons, "singleton", "singletons"),
        plural(outcome.skipped.len(), "input skipped", "inputs skipped"),
    );
    if !outcome.warnings.is_empty() {
        line.push_str(&format!(
            " · {}",
            plural(outcome.warnings.len(), "warning", "warnings")
        ));
    }
    if options.timings {
        line.push_str(&format!(" · {:.2} s", outcome.stats.total.as_secs_f64()));
    }
    writeln!(out, "{line}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_rendered_in_parallel_match_serde_json_byte_for_byte() {
        let items: Vec<serde_json::Value> = (0..PER_ROUND + 700)
            .map(|i| serde_json::json!({"i": i, "text": "a\nb", "nested": {"list": [i], "none": []}}))
            .collect();
        for items in [&items[..], &items[..3], &[]] {
            let whole = serde_json::to_string_pretty(&serde_json::json!({ "k": items })).unwrap();
            let expected = &whole[whole.find('[').unwrap()..=whole.rfind(']').unwrap()];
            let mut out = Vec::new();
            write_pretty_array(items, 1, &mut out).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), expected);
        }
    }

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn csv_fields_that_a_spreadsheet_would_run_are_defused() {
        for formula in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            let field = csv_field(formula);
            assert!(field.starts_with("\"'"), "{field}");
        }
        assert_eq!(csv_field("=1,\"a\""), "\"'=1,\"\"a\"\"\"");
        assert_eq!(csv_field("a=b"), "a=b");
    }

    #[test]
    fn sarif_uris_encode_what_a_uri_would_read_otherwise() {
        assert_eq!(file_uri("b 50%25 #1?.txt"), "b%2050%2525%20%231%3F.txt");
        assert_eq!(file_uri("news/a-b_c~d.txt"), "news/a-b_c~d.txt");
        assert_eq!(file_uri("/tmp/é.txt"), "file:///tmp/%C3%A9.txt");
    }

    #[test]
    fn control_characters_are_escaped_and_other_text_is_kept() {
        assert!(matches!(escape_control("Путин → 東京"), Cow::Borrowed(_)));
        assert_eq!(
            escape_control("a\x1b]52;c;SGVsbG8=\x07b\nc\u{9b}2J"),
            "a\\u{1b}]52;c;SGVsbG8=\\u{7}b\\nc\\u{9b}2J"
        );
    }

    #[test]
    fn ellipsize_counts_characters_not_bytes() {
        assert_eq!(ellipsize("Путин", 10), "Путин");
        assert_eq!(ellipsize("Путин подарил", 6), "Путин…");
    }
}

//! Deterministic generator of labelled news corpora, for measuring how well duplicates are found.
//!
//! Syndicated news is full of copies that are not byte-identical: wire stories come back from a
//! machine-translation round trip, get pasted into page templates with captions and "scroll to
//! top" chrome, are extended with background or cut to fit, and are rewritten from scratch.
//! Accuracy can only be measured where it is known which articles tell the same story, so this
//! module fabricates such a corpus from real base articles: [`generate`] streams
//! [`SynthArticle`]s, each labelled with its story and [`CopyKind`].
//!
//! Output is a pure function of the base articles and the [`SynthConfig`], seed included: the
//! same inputs give the same articles in the same order on any machine and thread count.
//!
//! How a corpus is made:
//!
//! * The base articles are cleaned of shared text, but only where it would make a label wrong.
//!   A sentence is compared by its word 8-grams. If every one of them occurs in at least five
//!   base articles (`BOILERPLATE_ARTICLES`), the sentence is outlet boilerplate (a footer
//!   such as "Do you have information you want to share with the Huffington Post? … Learn
//!   more", a disclaimer, a newsletter pitch, a dateline) and is kept in every article, as real
//!   news has it: different stories that share it are exactly the hard negatives a detector
//!   must keep apart. Any other sentence that already occurred in an earlier base article is
//!   removed: text shared by fewer articles is a copy, a wire reprint or an update of one
//!   report, and an article that is (partly) a copy of another must not become a story of its
//!   own that shares that text. Boilerplate that makes up more than half of an article counts
//!   as such copied text. Articles left with fewer than 100 words are dropped (unless none is
//!   longer). The real copies removed here are worth measuring on their own:
//!   `bench/label-natural.py` labels them by rule, and `bench/accuracy.sh` keeps them out of
//!   the base and adds them to the corpus as they are.
//! * Every remaining base article is used once, in seeded order, as the text of one story.
//!   Stories beyond that are "fresh": sentences spliced from clauses of many random base
//!   articles, reworded and given the names of another article. Different stories, fresh or
//!   not, share next to no word 3-shingles other than boilerplate.
//! * A story either stands alone ([`CopyKind::Unrelated`]) or is published as an
//!   [`CopyKind::Original`] plus copies. A base article that kept a real footer (15 words of
//!   boilerplate or more in its last two paragraphs) and stands alone is a
//!   [`CopyKind::SharedFooter`].
//! * Some stories end with the footer of one of eight made-up outlets (`FOOTERS`); each copy
//!   may get the footer of the outlet that republishes it. Such a story without copies is a
//!   [`CopyKind::SharedFooter`].
//! * A story may be followed by negatives, each a different story of its own: a
//!   [`CopyKind::HardNegative`] (its names and a sentence or two; only after a story with
//!   copies), a [`CopyKind::SharedBackground`] (its names and a background paragraph that the
//!   story, and so its copies, carries too), a [`CopyKind::Quoted`] article (another article
//!   that quotes two or three of its sentences), [`CopyKind::Template`] items (short
//!   template reports unrelated to the story), and a [`CopyKind::FollowUp`] (a later story on
//!   the same event that reuses two or three of its paragraphs as background).
//! * [`footer_test`] makes the footer stress test instead: different stories that all end with
//!   one 100-word footer.
//! * Articles are shuffled within batches of a few hundred stories, so that copies are close in
//!   the stream but not adjacent.

use std::collections::{HashMap, HashSet};
use std::io::BufRead;
use std::sync::LazyLock;

use anyhow::Context;
use dedup::eval::Label;
use dedup::load;
use dedup::minhash::{GOLDEN, mix64};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

/// One real article that synthetic stories are built from: a line of a base JSONL file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaseArticle {
    pub id: String,
    /// `YYYY-MM-DD`, optionally followed by a time; anything else is treated as no date.
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    /// The body. Paragraph breaks (line breaks, or runs of three spaces) are used when present;
    /// long paragraphs are re-cut at sentence boundaries.
    pub text: String,
}

/// Reads base articles from JSONL: one object per line with `id`, `text` and optionally `date`
/// and `title` (`null` or missing means none). Blank lines are skipped; other keys are ignored.
pub fn read_base_jsonl(reader: impl BufRead) -> anyhow::Result<Vec<BaseArticle>> {
    let mut articles = Vec::new();
    for (index, line) in reader.lines().enumerate() {
        let line = line.with_context(|| format!("reading line {}", index + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let article = serde_json::from_str(&line)
            .with_context(|| format!("line {}: not a base article", index + 1))?;
        articles.push(article);
    }
    Ok(articles)
}

/// How an article relates to its story. Serialised in snake case (`hard_negative`), as the
/// labels file of `dedup eval` expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CopyKind {
    /// The text of a story that has copies, unchanged.
    Original,
    /// Light rewording as after a machine-translation round trip: synonyms, function words,
    /// British/American spelling, hyphenation and one-letter name variants, quote style, small
    /// word-order changes. Word 3-shingle Jaccard to the original is typically 0.3–0.6.
    Reword,
    /// Outlet page chrome around a lightly reworded copy: a headline with a section suffix, a
    /// date line, "loading…"/"Advertisement"/"scroll to top" lines, a photo caption, a byline.
    /// Jaccard to the original typically 0.55–0.85.
    Chrome,
    /// A lightly reworded copy with paragraphs added (text spliced from other articles, or
    /// generic background) and/or up to about 30 % cut from the end. Jaccard to the original
    /// typically 0.5–0.85.
    Extend,
    /// A heavy rewrite: new lede, most sentences dropped, the rest reordered, merged, split,
    /// mostly paraphrased and often condensed to their main clause, context added (text spliced
    /// from other articles). How deep it goes varies per copy: Jaccard to the original spans
    /// about 0.05–0.25, median about 0.12 (the real rewrite in `fixtures/seeds` is at 0.09).
    Rewrite,
    /// A different story that reuses the names of the story before it (story number one less)
    /// and one or two of its sentences verbatim. It has a story of its own.
    HardNegative,
    /// A different story about the same ongoing event as an earlier story (same names), which
    /// carries the same standard background paragraph of 40–90 words verbatim, in the middle or
    /// at the end, as the earlier story's original does (and its copies, reworded).
    SharedBackground,
    /// A story published once by an outlet that ends all its articles with the same footer of
    /// 50–100 words (a tip line, a newsletter pitch, a licence notice): every other article of
    /// that outlet shares the footer and nothing else.
    SharedFooter,
    /// An unrelated article that quotes two or three consecutive sentences of an earlier story
    /// verbatim, inside a paragraph of its own with an attribution.
    Quoted,
    /// A later story of the same outlet about the same ongoing event (the story's names, within
    /// a week, often the same or the next day): an opening and most of its text of its own, and
    /// two or three consecutive paragraphs of the earlier story reused verbatim as context, as
    /// newsrooms do. The real different-story pairs that merge most are of this kind.
    FollowUp,
    /// A short item written from a newsroom template (missing-person appeal, road death
    /// report): most of the wording is that of every other item of its template, the specifics
    /// (names, places, ages, dates, times, numbers) are its own.
    Template,
    /// A story published once.
    Unrelated,
}

/// Relative weights of the copy kinds drawn for each copy. All zero means every copy is a
/// [`CopyKind::Reword`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CopyWeights {
    pub reword: u32,
    pub chrome: u32,
    pub extend: u32,
    pub rewrite: u32,
}

impl CopyWeights {
    fn pick(&self, rng: &mut Rng) -> CopyKind {
        let kinds = [
            (CopyKind::Reword, self.reword),
            (CopyKind::Chrome, self.chrome),
            (CopyKind::Extend, self.extend),
            (CopyKind::Rewrite, self.rewrite),
        ];
        let total: u64 = kinds.iter().map(|&(_, w)| u64::from(w)).sum();
        let mut ticket = rng.below_u64(total);
        for (kind, weight) in kinds {
            if ticket < u64::from(weight) {
                return kind;
            }
            ticket -= u64::from(weight);
        }
        CopyKind::Reword
    }
}

/// What to generate. The default is 10,000 articles in which 40 % of stories have 1–4 copies of
/// evenly weighted kinds, about 5 % of articles are hard negatives, 3 % each share a background
/// paragraph, quote another story or are template items, and 15 % of stories (and of copies)
/// end with their outlet's footer.
#[derive(Clone, Debug, PartialEq)]
pub struct SynthConfig {
    /// Every random choice derives from this.
    pub seed: u64,
    /// Exactly this many articles are emitted, copies and hard negatives included.
    pub articles: usize,
    /// Share of stories (0–1) published with copies rather than once.
    pub copied_stories: f64,
    /// A story with copies has between 1 and this many (at least 1).
    pub max_copies: usize,
    pub copy_weights: CopyWeights,
    /// Target share (0–1) of emitted articles that are hard negatives. Each follows a story with
    /// copies, so this is reached only when enough stories have copies.
    pub hard_negatives: f64,
    /// Target share (0–1) of articles that are [`CopyKind::SharedBackground`] negatives.
    pub shared_backgrounds: f64,
    /// Target share (0–1) of articles that are [`CopyKind::Quoted`] negatives.
    pub quoted: f64,
    /// Target share (0–1) of articles that are [`CopyKind::Template`] items.
    pub templates: f64,
    /// Target share (0–1) of articles that are [`CopyKind::FollowUp`] negatives.
    pub follow_ups: f64,
    /// Share (0–1) of stories whose outlet ends them with its footer, and of copies that get
    /// the footer of the outlet republishing them. A story with a footer and no copies is a
    /// [`CopyKind::SharedFooter`].
    pub footers: f64,
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig {
            seed: 42,
            articles: 10_000,
            copied_stories: 0.4,
            max_copies: 4,
            copy_weights: CopyWeights {
                reword: 1,
                chrome: 1,
                extend: 1,
                rewrite: 1,
            },
            hard_negatives: 0.05,
            shared_backgrounds: 0.03,
            quoted: 0.03,
            templates: 0.03,
            follow_ups: 0.03,
            footers: 0.15,
        }
    }
}

/// Chances that a planned story is followed by each kind of negative.
#[derive(Clone, Copy, Debug)]
struct NegativeChances {
    hard: f64,
    background: f64,
    quoted: f64,
    template: f64,
    follow_up: f64,
}

impl SynthConfig {
    /// Chances per story, chosen so that each kind of negative makes up its share of the
    /// articles in expectation. A hard negative follows only a story with copies.
    fn negative_chances(&self) -> NegativeChances {
        let copied = self.copied_stories.clamp(0.0, 1.0);
        let shares = [
            self.hard_negatives,
            self.shared_backgrounds,
            self.quoted,
            self.templates,
            self.follow_ups,
        ]
        .map(|s| s.clamp(0.0, 0.99));
        let total: f64 = shares.iter().sum::<f64>().min(0.99);
        let mean_copies = (1 + self.max_copies.max(1)) as f64 / 2.0;
        let articles_per_story = 1.0 - copied + copied * (1.0 + mean_copies);
        let per_story = articles_per_story / (1.0 - total);
        let chance = |share: f64| (share * per_story).min(1.0);
        NegativeChances {
            hard: if copied > 0.0 {
                chance(shares[0] / copied)
            } else {
                0.0
            },
            background: chance(shares[1]),
            quoted: chance(shares[2]),
            template: chance(shares[3]),
            follow_up: chance(shares[4]),
        }
    }
}

/// One generated article with its label.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SynthArticle {
    /// `s000123-c0` for the original (or only) article of story `s000123`, `-c1`… for copies.
    pub id: String,
    pub story: String,
    pub kind: CopyKind,
    pub date: Option<String>,
    pub title: Option<String>,
    /// The body: paragraphs separated by blank lines. Never empty.
    pub text: String,
}

impl SynthArticle {
    /// Its line of the labels file that `dedup eval --labels` reads.
    pub fn label(&self) -> Label {
        Label {
            id: self.id.clone(),
            story: self.story.clone(),
            kind: Some(self.kind.name()),
        }
    }
}

impl CopyKind {
    /// The kind as labels files spell it (`hard_negative`).
    pub fn name(self) -> String {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(name)) => name,
            _ => unreachable!("a unit variant serialises as its name"),
        }
    }
}

/// Renders an article in the seed format of `fixtures/seeds`: a first line of ` date
/// YYYY-MM-DD ` (when dated) followed by the headline, a blank line, then the paragraphs. An
/// article without a headline starts its body on the date line, as scraped pages often do.
pub fn to_seed_format(a: &SynthArticle) -> String {
    let mut out = String::with_capacity(a.text.len() + 64);
    if let Some(date) = &a.date {
        out.push_str(" date ");
        out.push_str(date);
        out.push(' ');
    }
    if let Some(title) = &a.title {
        out.push_str(title);
        out.push_str("\n\n");
    }
    out.push_str(&a.text);
    out.push('\n');
    out
}

/// Streams `cfg.articles` labelled articles built from `base`.
///
/// Work is done a batch of stories at a time (in parallel), so memory stays bounded however
/// many articles are asked for.
///
/// # Panics
///
/// If articles are asked for but no base article has any text.
pub fn generate<'a>(
    base: &'a [BaseArticle],
    cfg: &'a SynthConfig,
) -> impl Iterator<Item = SynthArticle> + 'a {
    let corpus = Corpus::new(base, cfg.seed);
    assert!(
        cfg.articles == 0 || !corpus.docs.is_empty(),
        "synthetic articles need at least one base article with text"
    );
    let mut planner = Planner::new(cfg, corpus.docs.len());
    std::iter::from_fn(move || {
        let plans = planner.next_batch();
        let first = plans.first()?.story;
        let mut batch: Vec<SynthArticle> = plans
            .par_iter()
            .flat_map_iter(|plan| render(&corpus, cfg, plan))
            .collect();
        Rng::derive(cfg.seed, &[SHUFFLE, first]).shuffle(&mut batch);
        Some(batch)
    })
    .flatten()
}

// ---------------------------------------------------------------------------------------------
// Planning: which stories exist and how many articles each gets. Sequential and cheap, so that
// the exact article count and the base-article order never depend on parallel rendering.

/// Stories rendered per parallel batch: enough to keep every core busy, few enough that a
/// batch of articles stays a few megabytes.
const BATCH_STORIES: usize = 512;

// Separate random streams, so that changing how copies are rendered never changes which
// stories exist, and the other way round.
const PLAN: u64 = 1;
const RENDER: u64 = 2;
const ORDER: u64 = 3;
const SHUFFLE: u64 = 4;
const BOX: u64 = 5;
const FOOTER: u64 = 6;
const FOOTER_TEST: u64 = 7;

#[derive(Clone, Copy, Debug)]
enum Source {
    /// Index into the shuffled order of base documents.
    Base(usize),
    Fresh,
}

#[derive(Debug)]
struct Plan {
    story: u64,
    source: Source,
    copies: Vec<CopyKind>,
    /// Stories of their own that follow this one, numbered `story + 1`…
    negatives: Vec<CopyKind>,
    /// The outlet (index into [`FOOTERS`]) whose footer ends the story's text, if any.
    outlet: Option<usize>,
}

struct Planner<'a> {
    cfg: &'a SynthConfig,
    bases: usize,
    next_base: usize,
    next_story: u64,
    remaining: usize,
    chances: NegativeChances,
}

impl<'a> Planner<'a> {
    fn new(cfg: &'a SynthConfig, bases: usize) -> Self {
        Planner {
            cfg,
            bases,
            next_base: 0,
            next_story: 0,
            remaining: cfg.articles,
            chances: cfg.negative_chances(),
        }
    }

    fn next_batch(&mut self) -> Vec<Plan> {
        let mut plans = Vec::new();
        while plans.len() < BATCH_STORIES && self.remaining > 0 {
            plans.push(self.plan());
        }
        plans
    }

    fn plan(&mut self) -> Plan {
        let story = self.next_story;
        let mut rng = Rng::derive(self.cfg.seed, &[PLAN, story]);
        // Every draw is made before the budget is applied, so asking for more articles only
        // changes the last story.
        let copied = rng.chance(self.cfg.copied_stories);
        let count = rng.range(1, self.cfg.max_copies.max(1));
        let mut copies: Vec<CopyKind> = (0..count)
            .map(|_| self.cfg.copy_weights.pick(&mut rng))
            .collect();
        let hard_negative = rng.chance(self.chances.hard);
        let mut negatives = Vec::new();
        for (kind, chance) in [
            (CopyKind::SharedBackground, self.chances.background),
            (CopyKind::Quoted, self.chances.quoted),
            (CopyKind::Template, self.chances.template),
        ] {
            if rng.chance(chance) {
                negatives.push(kind);
            }
        }
        let footer = rng.chance(self.cfg.footers);
        let outlet = rng.below(FOOTERS.len());
        // Drawn last, so that corpora without follow-ups plan as they did before the kind.
        if self.chances.follow_up > 0.0 && rng.chance(self.chances.follow_up) {
            negatives.push(CopyKind::FollowUp);
        }
        if !copied {
            copies.clear();
        }
        copies.truncate(self.remaining - 1);
        if hard_negative && !copies.is_empty() {
            negatives.insert(0, CopyKind::HardNegative);
        }
        negatives.truncate(self.remaining - 1 - copies.len());
        self.remaining -= 1 + copies.len() + negatives.len();
        self.next_story += 1 + negatives.len() as u64;
        let source = if self.next_base < self.bases {
            self.next_base += 1;
            Source::Base(self.next_base - 1)
        } else {
            Source::Fresh
        };
        Plan {
            story,
            source,
            copies,
            negatives,
            outlet: footer.then_some(outlet),
        }
    }
}

fn story_id(story: u64) -> String {
    format!("s{story:06}")
}

// ---------------------------------------------------------------------------------------------
// The base corpus: articles split into paragraphs of sentences, borrowed from the base text,
// and the fresh stories made from it.

struct Doc<'a> {
    /// Whether the article ends with its outlet's boilerplate.
    footer: bool,
    date: Option<&'a str>,
    title: Option<&'a str>,
    paras: Vec<Vec<&'a str>>,
    sentences: usize,
    words: usize,
}

struct Corpus<'a> {
    docs: Vec<Doc<'a>>,
    /// Seeded order in which base documents become stories.
    order: Vec<usize>,
    /// Clauses of long base articles, which fresh text is spliced from.
    fragments: Vec<&'a str>,
}

/// Longest sentence of its source that a hard negative repeats verbatim: a long one would make
/// up too much of a short source.
const MAX_PLANTED_WORDS: usize = 35;

/// Words of the original that a rewrite keeps at least (when the story has them).
const MIN_REWRITE_WORDS: usize = 100;

/// Length of fresh stories in words. Short ones would be the ones that a few shared words tie
/// to another.
const MIN_FRESH_WORDS: usize = 200;
const MAX_FRESH_WORDS: usize = 1500;

/// Fresh text borrows only from articles at least this long, in which a borrowed clause is too
/// small a share to make the borrower look like a copy.
const MIN_DONOR_SENTENCES: usize = 12;

/// Length in words of the clauses fresh text is spliced from.
const FRAGMENT_WORDS: std::ops::RangeInclusive<usize> = 4..=18;

/// Base articles shorter than this (after boilerplate removal) are not used when longer ones
/// exist: a story of a few sentences shares too large a share with anything that borrows one
/// of them.
const MIN_WORDS: usize = 100;

/// A paragraph's sentences with their [`sentence_keys`].
type KeyedParagraph<'a> = Vec<(&'a str, Vec<u64>)>;

/// Word n-gram length at which a sentence counts as already seen in another base article: long
/// enough that ordinary phrases ("said in a statement on") do not match.
const SEEN_NGRAM: usize = 8;

/// A sentence all of whose n-grams occur in at least this many base articles is outlet
/// boilerplate (a footer, a newsletter pitch, a standing background box) and is kept wherever
/// it occurs. A passage shared by fewer articles is a copy, a wire reprint or an update of one
/// report, and is kept only where it first occurs.
const BOILERPLATE_ARTICLES: u32 = 5;

/// Words of boilerplate in its last two paragraphs from which a base article counts as ending
/// with its outlet's footer: fewer are a dateline or a stock reply ("Yes.", "Learn more").
const MIN_FOOTER_WORDS: usize = 15;

impl<'a> Corpus<'a> {
    /// Splits and cleans the base articles. Sentence splitting runs in parallel; the
    /// boilerplate filter runs in base order, so that the first occurrence is the one kept.
    fn new(base: &'a [BaseArticle], seed: u64) -> Self {
        let split: Vec<Vec<KeyedParagraph<'a>>> = base
            .par_iter()
            .map(|b| {
                split_paragraphs(&b.text)
                    .into_iter()
                    .map(|p| p.into_iter().map(|s| (s, sentence_keys(s))).collect())
                    .collect()
            })
            .collect();
        // In how many base articles each n-gram occurs: outlet boilerplate recurs in many, a
        // copied passage in a few.
        let mut frequency: HashMap<u64, u32> = HashMap::new();
        for paras in &split {
            let keys: HashSet<u64> = paras
                .iter()
                .flatten()
                .flat_map(|(_, k)| k)
                .copied()
                .collect();
            for key in keys {
                *frequency.entry(key).or_default() += 1;
            }
        }
        let boilerplate = |keys: &[u64]| keys.iter().all(|k| frequency[k] >= BOILERPLATE_ARTICLES);
        let mut seen: HashSet<u64> = HashSet::new();
        let mut docs = Vec::new();
        for (article, paras) in base.iter().zip(split) {
            // Boilerplate that makes up most of an article is a widely reprinted text, not
            // boilerplate: it is treated as copied text.
            let (mut standing, mut all) = (0, 0);
            for (s, k) in paras.iter().flatten() {
                let words = s.split_whitespace().count();
                all += words;
                if boilerplate(k) {
                    standing += words;
                }
            }
            let keep_boilerplate = 2 * standing <= all;
            let mut keys = Vec::new();
            // Kept paragraphs, each with its words of boilerplate.
            let kept: Vec<(Vec<&'a str>, usize)> = paras
                .into_iter()
                .map(|p| {
                    let mut standing = 0;
                    let sentences = p
                        .into_iter()
                        .filter_map(|(s, k)| {
                            let is_boilerplate = keep_boilerplate && boilerplate(&k);
                            let kept = is_boilerplate || !k.iter().any(|h| seen.contains(h));
                            if is_boilerplate {
                                standing += s.split_whitespace().count();
                            }
                            keys.extend(k);
                            kept.then_some(s)
                        })
                        .collect::<Vec<_>>();
                    (sentences, standing)
                })
                .filter(|(p, _)| !p.is_empty())
                .collect();
            seen.extend(keys);
            let footer =
                kept.iter().rev().take(2).map(|(_, w)| w).sum::<usize>() >= MIN_FOOTER_WORDS;
            let paras: Vec<Vec<&'a str>> = kept.into_iter().map(|(p, _)| p).collect();
            let words: usize = paras
                .iter()
                .flatten()
                .map(|s| s.split_whitespace().count())
                .sum();
            if words == 0 {
                continue;
            }
            docs.push(Doc {
                words,
                footer,
                date: article
                    .date
                    .as_deref()
                    .and_then(|d| d.get(..10))
                    .filter(|d| load::parse_date(d).is_some()),
                title: article
                    .title
                    .as_deref()
                    .map(str::trim)
                    .filter(|t| !t.is_empty()),
                sentences: paras.iter().map(Vec::len).sum(),
                paras,
            });
        }
        // Scraped pages without a story ("View Comments") would make copies that share nothing
        // with their original; they are left out unless nothing longer is available.
        if docs.iter().any(|d| d.words >= MIN_WORDS) {
            docs.retain(|d| d.words >= MIN_WORDS);
        }
        let mut order: Vec<usize> = (0..docs.len()).collect();
        Rng::derive(seed, &[ORDER]).shuffle(&mut order);
        let clauses = |min_sentences: usize| -> Vec<&'a str> {
            docs.iter()
                .filter(|d| d.sentences >= min_sentences)
                .flat_map(|d| d.paras.iter().flatten())
                .flat_map(|s| s.split([',', ';', ':']))
                .flat_map(split_at_conjunctions)
                .map(|c| c.trim_matches(|ch: char| !ch.is_alphanumeric()))
                .filter(|c| FRAGMENT_WORDS.contains(&c.split_whitespace().count()))
                .collect()
        };
        let mut fragments = clauses(MIN_DONOR_SENTENCES);
        if fragments.is_empty() {
            fragments = clauses(0);
        }
        if fragments.is_empty() {
            fragments = docs
                .iter()
                .flat_map(|d| d.paras.iter().flatten().copied())
                .collect();
        }
        Corpus {
            docs,
            order,
            fragments,
        }
    }

    fn story(&self, source: Source, rng: &mut Rng) -> Story {
        match source {
            Source::Base(i) => {
                let doc = &self.docs[self.order[i]];
                Story {
                    footer: doc.footer,
                    date: doc.date.map(str::to_string),
                    title: doc.title.map(str::to_string),
                    paras: doc
                        .paras
                        .iter()
                        .map(|p| p.iter().map(|s| s.to_string()).collect())
                        .collect(),
                }
            }
            Source::Fresh => self.stitch(rng),
        }
    }

    fn random_doc(&self, rng: &mut Rng) -> &Doc<'a> {
        &self.docs[rng.below(self.docs.len())]
    }

    /// A fresh story: sentences spliced from clauses of many random base articles, reworded in
    /// the story's own style and recast with the names of yet another article.
    ///
    /// At a million articles every base sentence would be borrowed by a hundred fresh stories,
    /// and two rewordings of one sentence still share most of it: whole borrowed sentences
    /// would tie stories together. A clause is short, and the chance that two stories splice
    /// the same two clauses is negligible.
    fn stitch(&self, rng: &mut Rng) -> Story {
        let cast_doc = self.random_doc(rng);
        let cast = entities(cast_doc.paras.iter().flatten().copied());
        let mut story = self.stitch_with(0, cast, rng);
        story.date = cast_doc.date.map(str::to_string);
        story
    }

    /// A fresh story of at least `min_words` (and about as long as a random base article) whose
    /// names are those of `cast`.
    fn stitch_with(&self, min_words: usize, cast: Vec<String>, rng: &mut Rng) -> Story {
        let target = self
            .random_doc(rng)
            .words
            .max(min_words)
            .clamp(MIN_FRESH_WORDS, MAX_FRESH_WORDS);
        self.stitch_words(target, cast, rng)
    }

    /// A fresh story of at least `target` words (and at most one sentence more) whose names
    /// are those of `cast`.
    fn stitch_words(&self, target: usize, cast: Vec<String>, rng: &mut Rng) -> Story {
        let style = Style::random(&cast, rng);
        let rate = 0.4 + 0.5 * rng.unit();
        let mut recast = Recast {
            cast: cast.into_iter().take(8).collect(),
            roles: HashMap::new(),
        };
        let mut sentences = Vec::new();
        let mut words = 0;
        while words < target {
            let sentence = recast.apply(&reword(&self.spliced_sentence(rng), &style, rate, rng));
            words += sentence.split_whitespace().count();
            sentences.push(sentence);
        }
        Story {
            date: None,
            title: headline(&sentences[0]),
            paras: group(sentences, 3, rng),
            footer: false,
        }
    }

    /// One to three clauses of different articles joined into a sentence. Quotation marks are
    /// dropped, as a clause may hold only one of a pair.
    fn spliced_sentence(&self, rng: &mut Rng) -> String {
        let clauses = match rng.below(20) {
            0..=5 => 1,
            6..=14 => 2,
            _ => 3,
        };
        let mut sentence = String::new();
        for i in 0..clauses {
            let clause: String = rng
                .pick(&self.fragments)
                .chars()
                .filter(|c| !matches!(c, '"' | '“' | '”'))
                .collect();
            if i == 0 {
                sentence.push_str(&capitalize(&clause));
            } else {
                sentence.push_str(if rng.chance(0.8) { ", " } else { ", and " });
                sentence.push_str(&lower_first(&clause));
            }
        }
        sentence.push('.');
        sentence
    }

    /// A title of some other article, for "Read more:" lines.
    fn other_title(&self, rng: &mut Rng) -> Option<&'a str> {
        self.random_doc(rng).title
    }
}

/// A story's original text.
#[derive(Clone)]
struct Story {
    date: Option<String>,
    title: Option<String>,
    paras: Vec<Vec<String>>,
    /// Whether the text ends with a real outlet footer of its base article.
    footer: bool,
}

impl Story {
    fn sentences(&self) -> impl Iterator<Item = &str> {
        self.paras.iter().flatten().map(String::as_str)
    }
}

/// Gives the names in borrowed sentences a fresh story's own cast, consistently: the first
/// name met becomes the first of the cast, and so on.
struct Recast {
    cast: Vec<String>,
    roles: HashMap<String, String>,
}

impl Recast {
    fn apply(&mut self, sentence: &str) -> String {
        if self.cast.is_empty() {
            return sentence.to_string();
        }
        let names = entities(std::iter::once(sentence));
        for name in &names {
            let next = self.roles.len() % self.cast.len();
            let cast = &self.cast;
            self.roles
                .entry(name.clone())
                .or_insert_with(|| cast[next].clone());
        }
        let swaps: Vec<(&str, &str)> = names
            .iter()
            .map(|name| (name.as_str(), self.roles[name].as_str()))
            .collect();
        swap_names(sentence, &swaps)
    }
}

/// Splits a clause before "and", "but", "which", "while" and "who": shorter pieces, so that a
/// piece two fresh stories happen to share is only a few shingles.
fn split_at_conjunctions(clause: &str) -> impl Iterator<Item = &str> {
    let mut cuts: Vec<usize> = CONJUNCTIONS
        .iter()
        .flat_map(|c| clause.match_indices(c).map(|(at, _)| at))
        .collect();
    cuts.sort_unstable();
    cuts.push(clause.len());
    let mut start = 0;
    cuts.into_iter().map(move |end| {
        let piece = &clause[start..end];
        start = end;
        piece
    })
}

const CONJUNCTIONS: &[&str] = &[" and ", " but ", " which ", " while ", " who "];

/// Splits a base text into paragraphs of sentences. Scraped texts often lost their paragraph
/// breaks (or kept them as runs of spaces), so long paragraphs are re-cut at news length.
fn split_paragraphs(text: &str) -> Vec<Vec<&str>> {
    let mut paras = Vec::new();
    for block in text.split('\n').flat_map(|line| line.split("   ")) {
        let mut para = Vec::new();
        let mut words = 0;
        for sentence in split_sentences(block.trim()) {
            words += sentence.split_whitespace().count();
            para.push(sentence);
            if para.len() == 3 || words >= 40 {
                paras.push(std::mem::take(&mut para));
                words = 0;
            }
        }
        if !para.is_empty() {
            paras.push(para);
        }
    }
    paras
}

/// Abbreviations after which a full stop does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "Adm", "Apr", "Aug", "Ave", "Capt", "Cmdr", "Co", "Col", "Corp", "Dec", "Dept", "Dr", "Feb",
    "Fr", "Ft", "Gen", "Gov", "Inc", "Jan", "Jr", "Jul", "Jun", "Lt", "Ltd", "Maj", "Mar", "Mr",
    "Mrs", "Ms", "Mt", "No", "Nov", "Oct", "Prof", "Rep", "Rev", "Sen", "Sep", "Sept", "Sgt", "Sr",
    "St", "vs",
];

fn split_sentences(text: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut sentences = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        if !matches!(c, '.' | '!' | '?') {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < chars.len()
            && matches!(chars[j].1, '"' | '\'' | '”' | '’' | ')' | '.' | '!' | '?')
        {
            j += 1;
        }
        let mut k = j;
        while k < chars.len() && chars[k].1.is_whitespace() {
            k += 1;
        }
        let breaks = k > j
            && k < chars.len()
            && opens_sentence(chars[k].1)
            && !(c == '.' && is_abbreviation(&text[start..at]));
        if breaks {
            sentences.push(text[start..chars[j].0].trim());
            start = chars[k].0;
        }
        i = k.max(i + 1);
    }
    let tail = text[start..].trim();
    if !tail.is_empty() {
        sentences.push(tail);
    }
    sentences
}

fn opens_sentence(c: char) -> bool {
    c.is_uppercase() || c.is_ascii_digit() || matches!(c, '"' | '“' | '‘' | '\'' | '(')
}

/// Whether `before` (the text up to a full stop) ends in an abbreviation or an initial.
fn is_abbreviation(before: &str) -> bool {
    let word = before
        .rsplit(char::is_whitespace)
        .next()
        .unwrap_or_default()
        .trim_start_matches(|c: char| !c.is_alphanumeric());
    // "U.S", "a.m" and single initials ("George W") never end a sentence here.
    word.contains('.')
        || (word.chars().count() == 1 && word.starts_with(char::is_uppercase))
        || listed(ABBREVIATIONS, word)
}

/// Hashes of a sentence's word n-grams (or of the whole sentence when shorter), to recognise
/// text seen in an earlier base article.
fn sentence_keys(sentence: &str) -> Vec<u64> {
    let mut word = String::new();
    let words: Vec<u64> = sentence
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            word.clear();
            word.extend(w.chars().flat_map(char::to_lowercase));
            xxh3_64(word.as_bytes())
        })
        .collect();
    let hash = |gram: &[u64]| {
        let mut bytes = [0u8; 8 * SEEN_NGRAM];
        for (slot, h) in bytes.chunks_exact_mut(8).zip(gram) {
            slot.copy_from_slice(&h.to_le_bytes());
        }
        xxh3_64(&bytes[..8 * gram.len()])
    };
    if words.len() < SEEN_NGRAM {
        return vec![hash(&words)];
    }
    words.windows(SEEN_NGRAM).map(hash).collect()
}

/// Cuts items into groups of 1..=max, as paragraphs.
fn group<T>(items: Vec<T>, max: usize, rng: &mut Rng) -> Vec<Vec<T>> {
    let mut groups = Vec::new();
    let mut current = Vec::new();
    let mut size = rng.range(1, max);
    for item in items {
        current.push(item);
        if current.len() >= size {
            groups.push(std::mem::take(&mut current));
            size = rng.range(1, max);
        }
    }
    if !current.is_empty() {
        groups.push(current);
    }
    groups
}

/// A headline made from a lede: its first clause of some length ("On Friday," is not one), at
/// most a dozen words, no final stop (so the seed-format reader takes it for a headline).
fn headline(sentence: &str) -> Option<String> {
    let clause = sentence
        .split([',', ';', ':'])
        .find(|c| c.split_whitespace().count() >= 4)?;
    let mut words: Vec<&str> = clause
        .split_whitespace()
        .take(12)
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '$' && c != '%'))
        .filter(|w| !w.is_empty())
        .collect();
    while words
        .last()
        .is_some_and(|w| listed(TRAILING_FUNCTION_WORDS, &w.to_lowercase()))
    {
        words.pop();
    }
    (words.len() >= 3).then(|| capitalize(&words.join(" ")))
}

const TRAILING_FUNCTION_WORDS: &[&str] = &[
    "a", "an", "and", "as", "at", "by", "for", "from", "in", "is", "of", "on", "or", "that", "the",
    "to", "was", "were", "which", "who", "with",
];

// ---------------------------------------------------------------------------------------------
// Rendering: one story's articles.

/// An article under construction.
struct Draft {
    date: Option<String>,
    title: Option<String>,
    paras: Vec<Vec<String>>,
}

impl Draft {
    fn into_article(self, story: u64, copy: usize, kind: CopyKind) -> SynthArticle {
        let text = self
            .paras
            .iter()
            .filter(|p| !p.is_empty())
            .map(|p| p.join(" "))
            .collect::<Vec<_>>()
            .join("\n\n");
        SynthArticle {
            id: format!("{}-c{copy}", story_id(story)),
            story: story_id(story),
            kind,
            date: self.date,
            title: self.title,
            text,
        }
    }
}

fn render(corpus: &Corpus, cfg: &SynthConfig, plan: &Plan) -> Vec<SynthArticle> {
    let mut rng = Rng::derive(cfg.seed, &[RENDER, plan.story]);
    let plain = corpus.story(plan.source, &mut rng);
    let names = entities(plain.sentences());
    // The background box goes into the story before anything is copied from it, so copies
    // carry it too; negatives that borrow sentences borrow them from the story's own text.
    let boxed = plan
        .negatives
        .contains(&CopyKind::SharedBackground)
        .then(|| {
            let mut rng = Rng::derive(cfg.seed, &[BOX, plan.story]);
            let paragraph = background_box(corpus, &names, &mut rng);
            let mut story = plain.clone();
            insert_box(&mut story.paras, paragraph.clone(), &mut rng);
            (story, paragraph)
        });
    let story = boxed.as_ref().map_or(&plain, |(story, _)| story);
    let mut footers = Rng::derive(cfg.seed, &[FOOTER, plan.story]);
    let mut original = Draft {
        date: story.date.clone(),
        title: story.title.clone(),
        paras: story.paras.clone(),
    };
    if let Some(outlet) = plan.outlet {
        original.paras.push(vec![FOOTERS[outlet].1.to_string()]);
    }
    let mut out = Vec::with_capacity(1 + plan.copies.len() + plan.negatives.len());
    if plan.copies.is_empty() {
        let kind = if plan.outlet.is_some() || story.footer {
            CopyKind::SharedFooter
        } else {
            CopyKind::Unrelated
        };
        out.push(original.into_article(plan.story, 0, kind));
    } else {
        out.push(original.into_article(plan.story, 0, CopyKind::Original));
    }
    for (i, &kind) in plan.copies.iter().enumerate() {
        let mut draft = match kind {
            CopyKind::Chrome => chrome_copy(corpus, story, &names, &mut rng),
            CopyKind::Extend => extend_copy(corpus, story, &names, &mut rng),
            CopyKind::Rewrite => rewrite_copy(corpus, story, &names, &mut rng),
            CopyKind::Reword => reword_copy(story, &names, &mut rng),
            other => unreachable!("the planner never makes a {other:?} copy"),
        };
        // Republished by another outlet, which puts its own footer under it.
        if footers.chance(cfg.footers) {
            let outlet = match plan.outlet {
                Some(own) => (own + 1 + footers.below(FOOTERS.len() - 1)) % FOOTERS.len(),
                None => footers.below(FOOTERS.len()),
            };
            draft.paras.push(vec![FOOTERS[outlet].1.to_string()]);
        }
        out.push(draft.into_article(plan.story, i + 1, kind));
    }
    for (i, &kind) in plan.negatives.iter().enumerate() {
        let negative = plan.story + 1 + i as u64;
        let mut rng = Rng::derive(cfg.seed, &[RENDER, negative]);
        let draft = match (kind, &boxed) {
            (CopyKind::HardNegative, _) => hard_negative(corpus, &plain, &names, &mut rng),
            (CopyKind::SharedBackground, Some((_, paragraph))) => {
                background_negative(corpus, &plain, &names, paragraph, &mut rng)
            }
            (CopyKind::Quoted, _) => quoting(corpus, &plain, &mut rng),
            (CopyKind::Template, _) => template_item(plain.date.as_deref(), &mut rng),
            (CopyKind::FollowUp, _) => follow_up(corpus, &plain, &names, &mut rng),
            (other, _) => unreachable!("the planner never makes a {other:?} negative"),
        };
        out.push(draft.into_article(negative, 0, kind));
    }
    out
}

fn reword_paras(story: &Story, style: &Style, rate: f64, rng: &mut Rng) -> Vec<Vec<String>> {
    story
        .paras
        .iter()
        .map(|p| p.iter().map(|s| reword(s, style, rate, rng)).collect())
        .collect()
}

/// A copy's date: usually the story's, sometimes a day later (time zones, next-day print), and
/// sometimes lost by the scraper.
fn copy_date(date: Option<&str>, lost: f64, rng: &mut Rng) -> Option<String> {
    let date = date?;
    if rng.chance(lost) {
        return None;
    }
    shift_date(date, i64::from(rng.chance(0.2)))
}

fn reword_copy(story: &Story, names: &[String], rng: &mut Rng) -> Draft {
    let style = Style::random(names, rng);
    let rate = 0.6 + 0.4 * rng.unit();
    // A round trip garbles some sentences far more than others.
    let garbled = 0.05 + 0.25 * rng.unit();
    let paras = story
        .paras
        .iter()
        .map(|p| {
            p.iter()
                .map(|s| {
                    if rng.chance(garbled) {
                        paraphrase(s, &style, rng)
                    } else {
                        reword(s, &style, rate, rng)
                    }
                })
                .collect()
        })
        .collect();
    let title = match &story.title {
        Some(t) if rng.chance(0.8) => Some(reword(t, &style, rate, rng)),
        _ => None,
    };
    Draft {
        date: copy_date(story.date.as_deref(), 0.15, rng),
        title,
        paras,
    }
}

fn chrome_copy(corpus: &Corpus, story: &Story, names: &[String], rng: &mut Rng) -> Draft {
    let style = Style::random(names, rng);
    let rate = 0.15 + 0.3 * rng.unit();
    let mut paras = reword_paras(story, &style, rate, rng);
    let date = story
        .date
        .as_deref()
        .and_then(|d| shift_date(d, i64::from(rng.chance(0.2))))
        .unwrap_or_else(|| random_date(rng));
    let outlet = rng.pick(OUTLETS);
    let mut top: Vec<String> = Vec::new();
    let title = match &story.title {
        Some(t) if rng.chance(0.75) => Some(format!(
            "{}{}",
            reword(t, &style, rate, rng),
            rng.pick(SECTION_SUFFIXES)
        )),
        // A page whose headline the scraper missed starts with whatever chrome came first.
        _ => {
            top.push(rng.pick(TOP_CHROME).to_string());
            None
        }
    };
    if rng.chance(0.6)
        && let Some(caption) = caption(&paras[0][0], rng)
    {
        top.push(caption);
    }
    if rng.chance(0.5) {
        top.push(format!("By {}", person(rng)));
    }
    if rng.chance(0.3) {
        paras[0][0] = format!("{} – {}", rng.pick(CITIES), paras[0][0]);
    }
    if rng.chance(0.5) && paras.len() > 1 {
        let line = match corpus.other_title(rng) {
            Some(t) if rng.chance(0.5) => format!("Read more: {t}"),
            _ => rng.pick(MID_CHROME).to_string(),
        };
        let at = rng.range(1, paras.len() - 1);
        paras.insert(at, vec![line]);
    }
    if rng.chance(0.4) {
        paras.push(vec![format!(
            "Reporting by {}; Editing by {}",
            person(rng),
            person(rng)
        )]);
    }
    if rng.chance(0.7) {
        let year = &date[..4];
        let line = rng
            .pick(END_CHROME)
            .replace("{year}", year)
            .replace("{outlet}", outlet);
        paras.push(vec![line]);
    }
    let mut all: Vec<Vec<String>> = top.into_iter().map(|line| vec![line]).collect();
    all.extend(paras);
    Draft {
        date: Some(date),
        title,
        paras: all,
    }
}

/// A photo caption made from the lede: its opening words and a picture credit.
fn caption(lede: &str, rng: &mut Rng) -> Option<String> {
    let mut words: Vec<&str> = lede.split_whitespace().take(14).collect();
    let bare = |w: &str| {
        w.trim_end_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase()
    };
    while words
        .last()
        .is_some_and(|w| listed(TRAILING_FUNCTION_WORDS, &bare(w)))
    {
        words.pop();
    }
    if words.len() < 5 {
        return None;
    }
    let text = words.join(" ");
    let text = text.trim_end_matches(|c: char| !c.is_alphanumeric());
    Some(format!("{text}{}", rng.pick(CAPTION_CREDITS)))
}

fn person(rng: &mut Rng) -> String {
    format!("{} {}", rng.pick(FIRST_NAMES), rng.pick(LAST_NAMES))
}

fn extend_copy(corpus: &Corpus, story: &Story, names: &[String], rng: &mut Rng) -> Draft {
    let style = Style::random(names, rng);
    let rate = 0.1 + 0.25 * rng.unit();
    let mut paras = reword_paras(story, &style, rate, rng);
    let roll = rng.unit();
    // Half the extended copies only gain text, three in ten only lose some, two in ten both.
    let (cut, add) = (roll >= 0.5, !(0.5..0.8).contains(&roll));
    if cut {
        cut_end(&mut paras, 0.1 + 0.2 * rng.unit());
    }
    if add {
        for _ in 0..rng.range(1, 3) {
            // Text spliced from other articles (so it ties this copy to no other story), or
            // generic background.
            let para = if rng.chance(0.5) {
                vec![reword(&corpus.spliced_sentence(rng), &style, rate, rng)]
            } else {
                (0..rng.range(1, 2))
                    .map(|_| background(names, rng))
                    .collect()
            };
            // Usually appended, sometimes slotted in after the first paragraphs as context.
            let at = if rng.chance(0.7) {
                paras.len()
            } else {
                rng.range(1.min(paras.len()), paras.len())
            };
            paras.insert(at, para);
        }
    }
    let title = match &story.title {
        Some(t) if rng.chance(0.3) => Some(reword(t, &style, rate, rng)),
        Some(t) if rng.chance(0.85) => Some(t.clone()),
        _ => None,
    };
    Draft {
        date: copy_date(story.date.as_deref(), 0.1, rng),
        title,
        paras,
    }
}

/// Drops about `share` of the sentences from the end, keeping at least two.
fn cut_end(paras: &mut Vec<Vec<String>>, share: f64) {
    let total: usize = paras.iter().map(Vec::len).sum();
    let mut drop = ((total as f64 * share).round() as usize).min(total.saturating_sub(2));
    while drop > 0 {
        let Some(last) = paras.last_mut() else { break };
        last.pop();
        if last.is_empty() {
            paras.pop();
        }
        drop -= 1;
    }
}

fn background(names: &[String], rng: &mut Rng) -> String {
    let name = names
        .get(rng.below(names.len().clamp(1, 3)))
        .map_or("officials", String::as_str);
    let sentence = expand(rng.pick(BACKGROUND), rng)
        .replace("{e}", name)
        .replace("{day}", rng.pick(WEEKDAYS))
        .replace("{person}", &person(rng));
    capitalize(&sentence)
}

/// Expands `{a|b|c}` choices in a template; other braces are left for the caller. Choices keep
/// the same template from giving different stories the same run of words.
fn expand(template: &str, rng: &mut Rng) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = open
            + rest[open..]
                .find('}')
                .expect("template braces are balanced");
        out.push_str(&rest[..open]);
        let inner = &rest[open + 1..close];
        if inner.contains('|') {
            let choices: Vec<&str> = inner.split('|').collect();
            out.push_str(rng.pick(&choices));
        } else {
            out.push_str(&rest[open..=close]);
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

fn rewrite_copy(corpus: &Corpus, story: &Story, names: &[String], rng: &mut Rng) -> Draft {
    let style = Style::random(names, rng);
    // How far this rewriter strays: real rewrites range from a reordered paraphrase (Jaccard
    // about 0.2) to a retelling that keeps little more than the facts (about 0.08, like seed
    // 002). Everything below scales with it.
    let depth = rng.unit().sqrt();
    let mut sentences: Vec<&str> = story.sentences().collect();
    let lede = sentences.remove(0);
    // Keep 15–40 % of the sentences after the lede, but at least four and at least 100 words:
    // a very short rewrite would share more with other short rewrites than with anything.
    let share = 0.4 - 0.25 * depth * rng.unit().sqrt();
    let keep = ((sentences.len() as f64 * share).round() as usize).max(4);
    let mut kept: Vec<usize> = (0..sentences.len()).collect();
    rng.shuffle(&mut kept);
    let mut words = 0;
    let enough = kept
        .iter()
        .position(|&i| {
            words += sentences[i].split_whitespace().count();
            words >= MIN_REWRITE_WORDS
        })
        .map_or(kept.len(), |at| at + 1);
    kept.truncate(keep.max(enough));
    kept.sort_unstable();
    let mut sentences: Vec<&str> = kept.into_iter().map(|i| sentences[i]).collect();
    for i in 1..sentences.len() {
        if rng.chance(0.3 + 0.3 * depth) {
            sentences.swap(i - 1, i);
        }
    }
    let heavy = 0.8 + 0.2 * rng.unit();
    // Deep rewriters keep only the gist of a sentence they take over.
    let condensed = depth;
    let mut body: Vec<String> = sentences
        .into_iter()
        .map(|s| {
            let gist;
            let s = if rng.chance(condensed) {
                gist = main_clause(s);
                gist.as_str()
            } else {
                s
            };
            if rng.chance(heavy) {
                paraphrase(s, &style, rng)
            } else {
                reword(s, &style, 0.5, rng)
            }
        })
        .collect();
    merge_and_split(&mut body, rng);
    let lede = if rng.chance(condensed) {
        paraphrase(&main_clause(lede), &style, rng)
    } else {
        paraphrase(lede, &style, rng)
    };
    let title = if rng.chance(0.6) {
        headline(&lede)
    } else {
        None
    };
    // A framing phrase and at most one sentence of stock context: more, and two short rewrites
    // of different stories would share their boilerplate more than their stories share with
    // anything.
    let opener = expand(rng.pick(REWRITE_OPENERS), rng);
    body.insert(0, format!("{opener}{}", lower_first(&lede)));
    if rng.chance(0.5) {
        let name = names.first().map_or("those involved", String::as_str);
        body.insert(
            1,
            expand(rng.pick(REWRITE_FOLLOW_UPS), rng).replace("{e}", name),
        );
    }
    // Context of the rewriter's own, spliced from other articles so that it is no stock text:
    // a sentence or two, and up to one for every two kept for the deepest rewrites.
    let context = rng.range(1, 2) + (depth * depth * body.len() as f64 / 2.0).round() as usize;
    for _ in 0..context {
        let at = rng.range(1, body.len());
        body.insert(at, reword(&corpus.spliced_sentence(rng), &style, 0.5, rng));
    }
    Draft {
        date: copy_date(story.date.as_deref(), 0.2, rng),
        title,
        paras: group(body, 3, rng),
    }
}

/// The longest clause of a sentence (split at commas, semicolons and conjunctions) as a
/// sentence of its own, or the sentence itself when no clause has six words. Quotation marks
/// are dropped, as the clause may hold only one of a pair.
fn main_clause(sentence: &str) -> String {
    let words = |c: &str| c.split_whitespace().count();
    let clause = sentence
        .split([',', ';', ':'])
        .flat_map(split_at_conjunctions)
        .map(|c| {
            let c = c.trim();
            CONJUNCTIONS
                .iter()
                .find_map(|j| c.strip_prefix(j.trim_start()))
                .unwrap_or(c)
                .trim_matches(|ch: char| !ch.is_alphanumeric())
        })
        .max_by_key(|c| words(c))
        .filter(|c| words(c) >= 6);
    match clause {
        Some(c) => {
            let c: String = c
                .chars()
                .filter(|c| !matches!(c, '"' | '“' | '”'))
                .collect();
            format!("{}.", capitalize(&c))
        }
        None => sentence.to_string(),
    }
}

/// Joins some neighbouring sentences and splits some long ones at ", and".
fn merge_and_split(sentences: &mut Vec<String>, rng: &mut Rng) {
    let mut out: Vec<String> = Vec::with_capacity(sentences.len());
    for s in sentences.drain(..) {
        match out.last_mut() {
            Some(prev) if prev.ends_with('.') && rng.chance(0.15) => {
                prev.pop();
                prev.push_str(", and ");
                prev.push_str(&lower_first(&s));
            }
            _ => match s.split_once(", and ") {
                Some((a, b))
                    if a.split_whitespace().count() >= 6
                        && b.split_whitespace().count() >= 6
                        && !a.contains(['"', '“', '”'])
                        && rng.chance(0.3) =>
                {
                    out.push(format!("{a}."));
                    out.push(capitalize(b));
                }
                _ => out.push(s),
            },
        }
    }
    *sentences = out;
}

fn hard_negative(corpus: &Corpus, source: &Story, names: &[String], rng: &mut Rng) -> Draft {
    // Three times the source's length at least, so that the planted sentences stay a small
    // share of both articles however short the source is.
    let source_len = source.sentences().count();
    let source_words: usize = source
        .sentences()
        .map(|s| s.split_whitespace().count())
        .sum();
    let cast = names.iter().take(5).cloned().collect();
    let mut paras = corpus.stitch_with(3 * source_words, cast, rng).paras;
    let long: Vec<&str> = source
        .sentences()
        .filter(|s| (8..=MAX_PLANTED_WORDS).contains(&s.split_whitespace().count()))
        .collect();
    let quoted: Vec<&str> = long
        .iter()
        .copied()
        .filter(|s| s.contains(['"', '“']))
        .collect();
    let mut pool = if !quoted.is_empty() {
        quoted
    } else if !long.is_empty() {
        long
    } else {
        source
            .sentences()
            .min_by_key(|s| s.split_whitespace().count())
            .into_iter()
            .collect()
    };
    rng.shuffle(&mut pool);
    let planted = if source_len >= 12 { rng.range(1, 2) } else { 1 };
    for sentence in pool.into_iter().take(planted) {
        let at = rng.range(1.min(paras.len()), paras.len());
        paras.insert(at, vec![sentence.to_string()]);
    }
    let title = if rng.chance(0.7) {
        headline(&paras[0][0])
    } else {
        None
    };
    // About an earlier event: dated up to two months before the story it resembles.
    let date = source
        .date
        .as_deref()
        .and_then(|d| shift_date(d, -(rng.range(1, 60) as i64)));
    Draft { date, title, paras }
}

/// Length in words of a standard background paragraph.
const BOX_WORDS: std::ops::RangeInclusive<usize> = 40..=90;

/// A standard background paragraph about a story's ongoing event, as an outlet repeats it under
/// every new development: fresh sentences spliced from other articles and given the story's
/// names, 40–90 words.
fn background_box(corpus: &Corpus, names: &[String], rng: &mut Rng) -> Vec<String> {
    let mut recast = Recast {
        cast: names.iter().take(5).cloned().collect(),
        roles: HashMap::new(),
    };
    let target = rng.range(*BOX_WORDS.start(), *BOX_WORDS.end());
    let mut sentences = Vec::new();
    let mut words = 0;
    // A sentence that would overshoot ends the box when it is long enough, or else is drawn
    // again; after a few tries the box stays a little long rather than the loop running on a
    // corpus of long sentences.
    let mut tries = 0;
    while words < target {
        let sentence = recast.apply(&corpus.spliced_sentence(rng));
        let len = sentence.split_whitespace().count();
        if words + len > *BOX_WORDS.end() {
            if words >= *BOX_WORDS.start() {
                break;
            }
            tries += 1;
            if tries < 20 {
                continue;
            }
        }
        words += len;
        sentences.push(sentence);
    }
    sentences
}

/// Puts a background paragraph after the first paragraph: in the middle or at the end.
fn insert_box(paras: &mut Vec<Vec<String>>, paragraph: Vec<String>, rng: &mut Rng) {
    let at = rng.range(1.min(paras.len()), paras.len());
    paras.insert(at, paragraph);
}

/// A different story about the same ongoing event (it has the source's names), weeks apart,
/// that carries the same background paragraph.
fn background_negative(
    corpus: &Corpus,
    source: &Story,
    names: &[String],
    paragraph: &[String],
    rng: &mut Rng,
) -> Draft {
    let cast = names.iter().take(5).cloned().collect();
    let mut story = corpus.stitch_with(0, cast, rng);
    insert_box(&mut story.paras, paragraph.to_vec(), rng);
    let weeks = rng.range(1, 6) as i64;
    let date = source.date.as_deref().and_then(|d| {
        shift_date(
            d,
            if rng.chance(0.5) {
                7 * weeks
            } else {
                -7 * weeks
            },
        )
    });
    Draft {
        date,
        title: story.title,
        paras: story.paras,
    }
}

/// A later story on the same event by the same outlet: its own opening and text with the
/// source's names, at least as long as the source, with up to three consecutive paragraphs of
/// the source (a third to a half of its sentences) put in after its own first paragraph or
/// two, as the background a reader needs: verbatim, or in half the follow-ups lightly edited
/// (as an editor updates tenses, times and wording); published the
/// same day up to six days later, or undated as scrapes often are.
fn follow_up(corpus: &Corpus, source: &Story, names: &[String], rng: &mut Rng) -> Draft {
    let source_words: usize = source
        .sentences()
        .map(|s| s.split_whitespace().count())
        .sum();
    let cast = names.iter().take(5).cloned().collect();
    let mut story = corpus.stitch_with(source_words, cast, rng);
    let total = source.sentences().count();
    let want = (total as f64 * (0.33 + 0.17 * rng.unit())).ceil() as usize;
    // Consecutive paragraphs from a random one on, until they hold the share wanted.
    let first = rng.below(source.paras.len());
    let mut reused: Vec<Vec<String>> = Vec::new();
    let mut taken = 0;
    for para in source.paras[first..].iter().chain(&source.paras[..first]) {
        if taken >= want.max(2) || reused.len() == 3 {
            break;
        }
        taken += para.len();
        reused.push(para.clone());
    }
    if rng.chance(0.5) {
        let style = Style::random(names, rng);
        let rate = 0.1 + 0.1 * rng.unit();
        for para in &mut reused {
            for sentence in para.iter_mut() {
                *sentence = reword(sentence, &style, rate, rng);
            }
        }
    }
    let at = rng.range(1.min(story.paras.len()), 2.min(story.paras.len()));
    story.paras.splice(at..at, reused);
    let date = if rng.chance(0.15) {
        None
    } else {
        source
            .date
            .as_deref()
            .and_then(|d| shift_date(d, rng.range(0, 6) as i64))
    };
    let title = headline(&story.paras[0][0]);
    Draft {
        date,
        title,
        paras: story.paras,
    }
}

/// An unrelated article (another article's names and length) that quotes two or three
/// consecutive sentences of the source verbatim, inside, after an attribution.
fn quoting(corpus: &Corpus, source: &Story, rng: &mut Rng) -> Draft {
    let cast_doc = corpus.random_doc(rng);
    let cast = entities(cast_doc.paras.iter().flatten().copied());
    let mut story = corpus.stitch_with(0, cast, rng);
    let sentences: Vec<&str> = source.sentences().collect();
    let fits = |s: &&str| (6..=45).contains(&s.split_whitespace().count());
    let run = rng.range(2, 3);
    let starts: Vec<usize> = (0..sentences.len().saturating_sub(run - 1))
        .filter(|&i| sentences[i..i + run].iter().all(fits))
        .collect();
    let quoted = match starts.is_empty() {
        false => sentences[rng.pick(&starts)..][..run].join(" "),
        // A short or oddly cut source: its opening sentences, whatever their length.
        true => sentences
            .iter()
            .take(run)
            .copied()
            .collect::<Vec<_>>()
            .join(" "),
    };
    let intro = expand(rng.pick(QUOTE_INTROS), rng)
        .replace("{outlet}", rng.pick(OUTLETS))
        .replace("{day}", rng.pick(WEEKDAYS));
    let at = rng.range(
        1.min(story.paras.len()),
        story.paras.len().saturating_sub(1).max(1),
    );
    story.paras.insert(at, vec![format!("{intro} “{quoted}”")]);
    let date = source
        .date
        .as_deref()
        .and_then(|d| shift_date(d, rng.range(1, 30) as i64))
        .or_else(|| cast_doc.date.map(str::to_string));
    Draft {
        date,
        title: story.title,
        paras: story.paras,
    }
}

/// A short item from one of the newsroom [`TEMPLATES`], with specifics of its own, dated up to
/// a month from `near` (a newsroom's items of one template come out through the same weeks), or
/// undated when `near` is.
fn template_item(near: Option<&str>, rng: &mut Rng) -> Draft {
    let template = rng.pick_ref(TEMPLATES);
    let female = rng.chance(0.4);
    let minor = template.title.contains("trace") && rng.chance(0.5);
    let age = if minor {
        rng.range(12, 17)
    } else {
        rng.range(18, 84)
    };
    let (town, county) = rng.pick(TOWNS);
    let (station, _) = rng.pick(TOWNS);
    let first = rng.pick(if female { GIRLS } else { BOYS });
    let name = format!("{first} {}", rng.pick(IRISH_SURNAMES));
    // The appeal window spans the time of the incident, within one half of the day.
    let hour = rng.range(2, 10);
    let meridiem = if rng.chance(0.5) { "am" } else { "pm" };
    let time = |rng: &mut Rng, hour: usize| format!("{hour}.{:02}{meridiem}", rng.below(12) * 5);
    let slots: Vec<(&str, String)> = vec![
        ("{name}", name),
        ("{first}", first.to_string()),
        (
            "{a_age}",
            format!(
                "{} {age}",
                if matches!(age, 8 | 11 | 18 | 80..=89) {
                    "an"
                } else {
                    "a"
                }
            ),
        ),
        ("{age}", age.to_string()),
        ("{age2}", rng.range(18, 84).to_string()),
        (
            "{person}",
            match (female, minor) {
                (false, true) => "boy",
                (true, true) => "girl",
                (false, false) => "man",
                (true, false) => "woman",
            }
            .to_string(),
        ),
        (
            "{other}",
            if rng.chance(0.5) { "man" } else { "woman" }.to_string(),
        ),
        ("{he}", if female { "she" } else { "he" }.to_string()),
        ("{He}", if female { "She" } else { "He" }.to_string()),
        ("{his}", if female { "her" } else { "his" }.to_string()),
        ("{His}", if female { "Her" } else { "His" }.to_string()),
        ("{town}", town.to_string()),
        ("{county}", county.to_string()),
        ("{station}", station.to_string()),
        ("{street}", rng.pick(STREETS).to_string()),
        (
            "{road}",
            format!(
                "{}{}",
                if rng.chance(0.5) { "N" } else { "R" },
                rng.range(2, 700)
            ),
        ),
        ("{day}", rng.pick(WEEKDAYS).to_string()),
        (
            "{date}",
            format!("{} {}", rng.range(1, 28), rng.pick(MONTHS)),
        ),
        ("{time}", time(rng, hour)),
        ("{t1}", time(rng, hour - 1)),
        ("{t2}", time(rng, hour + 1)),
        ("{height}", format!("5ft {}in", rng.range(1, 11))),
        ("{hair}", rng.pick(HAIR).to_string()),
        ("{eyes}", rng.pick(EYES).to_string()),
        ("{clothing}", rng.pick(CLOTHING).to_string()),
        ("{vehicle}", rng.pick(VEHICLES).to_string()),
        ("{hospital}", rng.pick(HOSPITALS).to_string()),
        (
            "{phone}",
            format!(
                "0{} {:03} {:04}",
                rng.range(41, 99),
                rng.below(1000),
                rng.below(10_000)
            ),
        ),
    ];
    let fill = |text: &str, rng: &mut Rng| {
        let mut text = expand(text, rng);
        for (slot, value) in &slots {
            text = text.replace(slot, value);
        }
        text
    };
    let mut sentences = Vec::new();
    for &(sentence, chance) in template.sentences {
        if rng.chance(chance) {
            sentences.push(capitalize(&fill(sentence, rng)));
        }
    }
    let title = Some(capitalize(&fill(template.title, rng)));
    let shift = rng.range(0, 60) as i64 - 30;
    Draft {
        date: near.and_then(|d| shift_date(d, shift)),
        title,
        paras: group(sentences, 2, rng),
    }
}

/// Own words of each article of the footer test: 400–700 with the last sentence.
const FOOTER_TEST_WORDS: std::ops::RangeInclusive<usize> = 460..=620;

/// The footer stress test of issue 12: `cfg.articles` fresh stories of 400–700 words each
/// (spliced like other fresh stories, so no two share more than a few word 3-shingles), all
/// ending with the same 100-word footer, each a story of its own ([`CopyKind::SharedFooter`]).
/// Nothing in it is a copy; the right answer is no cluster at all.
///
/// Deterministic like [`generate`], and streamed a batch at a time.
///
/// # Panics
///
/// If articles are asked for but no base article has any text.
pub fn footer_test<'a>(
    base: &'a [BaseArticle],
    cfg: &'a SynthConfig,
) -> impl Iterator<Item = SynthArticle> + 'a {
    let corpus = Corpus::new(base, cfg.seed);
    assert!(
        cfg.articles == 0 || !corpus.docs.is_empty(),
        "synthetic articles need at least one base article with text"
    );
    let total = cfg.articles as u64;
    let mut next = 0;
    std::iter::from_fn(move || {
        if next >= total {
            return None;
        }
        let end = (next + BATCH_STORIES as u64).min(total);
        let batch: Vec<SynthArticle> = (next..end)
            .into_par_iter()
            .map(|story| {
                let mut rng = Rng::derive(cfg.seed, &[FOOTER_TEST, story]);
                let cast_doc = corpus.random_doc(&mut rng);
                let cast = entities(cast_doc.paras.iter().flatten().copied());
                let target = rng.range(*FOOTER_TEST_WORDS.start(), *FOOTER_TEST_WORDS.end());
                let mut text = corpus.stitch_words(target, cast, &mut rng);
                text.paras.push(vec![TEST_FOOTER.to_string()]);
                Draft {
                    date: cast_doc.date.map(str::to_string),
                    title: text.title,
                    paras: text.paras,
                }
                .into_article(story, 0, CopyKind::SharedFooter)
            })
            .collect();
        next = end;
        Some(batch)
    })
    .flatten()
}

/// Replaces each name with its counterpart, through placeholders so that a name swapped in is
/// never swapped again.
fn swap_names(sentence: &str, swaps: &[(&str, &str)]) -> String {
    let mut text = sentence.to_string();
    for (i, (from, _)) in swaps.iter().enumerate() {
        text = replace_word(&text, from, &format!("\u{1}{i}\u{1}"));
    }
    for (i, (_, to)) in swaps.iter().enumerate() {
        text = text.replace(&format!("\u{1}{i}\u{1}"), to);
    }
    text
}

/// Replaces whole-word occurrences of `from`.
fn replace_word(text: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (at, _) in text.match_indices(from) {
        let before = text[..at].chars().next_back();
        let after = text[at + from.len()..].chars().next();
        if !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric) {
            out.push_str(&text[last..at]);
            out.push_str(to);
            last = at + from.len();
        }
    }
    out.push_str(&text[last..]);
    out
}

/// Capitalised word runs that are not sentence openers ("Kim Jong Un", "KCNA"), most frequent
/// first: the names a hard negative borrows and a reworded copy varies.
fn entities<'s>(sentences: impl Iterator<Item = &'s str>) -> Vec<String> {
    let mut counts: HashMap<String, (usize, usize)> = HashMap::new();
    let mut add = |run: &mut Vec<&str>| {
        if !run.is_empty() {
            let seen = counts.len();
            counts.entry(run.join(" ")).or_insert((0, seen)).0 += 1;
            run.clear();
        }
    };
    for sentence in sentences {
        let pieces: Vec<&str> = sentence.split_whitespace().collect();
        let mut run: Vec<&str> = Vec::new();
        for (i, piece) in pieces.iter().enumerate() {
            let core = piece.trim_matches(|c: char| !c.is_alphanumeric());
            let (core, possessive) = split_possessive(core);
            let capital = |w: &str| {
                w.chars().next().is_some_and(char::is_uppercase)
                    && w.chars().count() > 1
                    && !listed(NOT_NAMES, w)
            };
            let next_capital = pieces
                .get(i + 1)
                .is_some_and(|p| capital(p.trim_matches(|c: char| !c.is_alphanumeric())));
            if capital(core) && (i > 0 || next_capital) {
                run.push(core);
            } else {
                add(&mut run);
            }
            if !possessive.is_empty() || piece.ends_with(|c: char| !c.is_alphanumeric()) {
                add(&mut run);
            }
        }
        add(&mut run);
    }
    let mut ranked: Vec<(String, (usize, usize))> = counts.into_iter().collect();
    ranked.sort_by_key(|&(_, (count, first))| (std::cmp::Reverse(count), first));
    ranked.into_iter().map(|(name, _)| name).collect()
}

/// Capitalised words that are not names.
const NOT_NAMES: &[&str] = &[
    "April",
    "August",
    "But",
    "December",
    "February",
    "Friday",
    "He",
    "I",
    "In",
    "It",
    "January",
    "July",
    "June",
    "March",
    "May",
    "Monday",
    "Mr",
    "Mrs",
    "Ms",
    "November",
    "October",
    "Saturday",
    "September",
    "She",
    "Sunday",
    "The",
    "They",
    "This",
    "Thursday",
    "Tuesday",
    "We",
    "Wednesday",
];

fn split_possessive(word: &str) -> (&str, &str) {
    for suffix in ["'s", "’s"] {
        if let Some(stem) = word.strip_suffix(suffix) {
            return (stem, suffix);
        }
    }
    (word, "")
}

// ---------------------------------------------------------------------------------------------
// Rewording: word-level substitutions plus a few sentence-level reorderings.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Spelling {
    British,
    American,
}

/// Choices a copy makes once and applies throughout, as one outlet's house style would.
struct Style {
    spelling: Option<Spelling>,
    /// "Kim Jong-un" → "Kim Jong Un".
    split_hyphenated_names: bool,
    curly_quotes: bool,
    /// Punctuation inside closing quotes (`,”`) rather than outside (`”,`).
    comma_inside_quotes: bool,
    /// Transliteration variants, "Senate" → "Senat".
    name_variants: Vec<(String, String)>,
}

impl Style {
    fn random(names: &[String], rng: &mut Rng) -> Style {
        let spelling = match rng.below(3) {
            0 => None,
            1 => Some(Spelling::British),
            _ => Some(Spelling::American),
        };
        let mut name_variants: Vec<(String, String)> = Vec::new();
        for word in names.iter().take(6).flat_map(|n| n.split(' ')) {
            if name_variants.len() < 2
                && !name_variants.iter().any(|(n, _)| n == word)
                && rng.chance(0.35)
                && let Some(variant) = name_variant(word)
            {
                name_variants.push((word.to_string(), variant));
            }
        }
        Style {
            spelling,
            split_hyphenated_names: rng.chance(0.5),
            curly_quotes: rng.chance(0.5),
            comma_inside_quotes: rng.chance(0.5),
            name_variants,
        }
    }
}

/// A one-letter transliteration variant of a name: a doubled letter halved ("Mohammed" →
/// "Mohamed"), a final "e" dropped ("Senate" → "Senat"), or a final "i"/"y" swapped.
fn name_variant(name: &str) -> Option<String> {
    let chars: Vec<char> = name.chars().collect();
    if chars.len() < 5 || !chars.iter().all(|c| c.is_alphabetic()) || chars[1].is_uppercase() {
        return None;
    }
    if let Some(i) = (2..chars.len()).find(|&i| chars[i] == chars[i - 1]) {
        let mut v = chars.clone();
        v.remove(i);
        return Some(v.into_iter().collect());
    }
    let (stem, last) = chars.split_at(chars.len() - 1);
    let stem: String = stem.iter().collect();
    match last[0] {
        'e' => Some(stem),
        'i' => Some(format!("{stem}y")),
        'y' => Some(format!("{stem}i")),
        _ => None,
    }
}

/// A whitespace-separated word: leading punctuation, the word, trailing punctuation.
#[derive(Clone, Debug, Default)]
struct Tok {
    lead: String,
    /// The word itself. Changing more than its first letter's case goes through
    /// [`Tok::set_core`], which keeps `lower` in step.
    core: String,
    trail: String,
    lower: String,
    /// Replaced by rewording; "a"/"an" before it may need fixing.
    changed: bool,
}

impl Tok {
    fn word(core: &str) -> Tok {
        let mut tok = Tok {
            changed: true,
            ..Tok::default()
        };
        tok.set_core(core.to_string());
        tok
    }

    fn set_core(&mut self, core: String) {
        self.lower = lookup_form(&core);
        self.core = core;
    }

    fn plain(&self) -> bool {
        self.lead.is_empty() && self.trail.is_empty()
    }

    /// Lower case with typographic apostrophes straightened, for table look-ups.
    fn lower(&self) -> &str {
        &self.lower
    }
}

/// Lower case with typographic apostrophes straightened, the form words are looked up in.
fn lookup_form(word: &str) -> String {
    if word.is_ascii() {
        word.to_ascii_lowercase()
    } else {
        word.to_lowercase().replace('’', "'")
    }
}

fn tokenize(sentence: &str) -> Vec<Tok> {
    sentence
        .split_whitespace()
        .map(|piece| {
            let start = piece.find(char::is_alphanumeric).unwrap_or(piece.len());
            let end = piece
                .char_indices()
                .rev()
                .find(|&(_, c)| c.is_alphanumeric())
                .map_or(start, |(i, c)| i + c.len_utf8());
            let core = &piece[start..end.max(start)];
            Tok {
                lead: piece[..start].to_string(),
                core: core.to_string(),
                lower: lookup_form(core),
                trail: piece[end.max(start)..].to_string(),
                changed: false,
            }
        })
        .collect()
}

fn detokenize(toks: &[Tok]) -> String {
    let mut out = String::new();
    for t in toks {
        if t.lead.is_empty() && t.core.is_empty() && t.trail.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&t.lead);
        out.push_str(&t.core);
        out.push_str(&t.trail);
    }
    out
}

/// Light rewording at `rate` (0–1): the share of eligible words and phrases replaced, and the
/// chance of each sentence-level change.
fn reword(sentence: &str, style: &Style, rate: f64, rng: &mut Rng) -> String {
    let mut toks = substitute(&tokenize(sentence), style, rate, false, rng);
    if rng.chance(rate * 0.6) {
        invert_said(&mut toks);
    }
    if rng.chance(rate * 0.4) {
        invert_possessive(&mut toks);
    }
    if rng.chance(rate * 0.3) {
        move_opener(&mut toks);
    }
    restyle_quotes(&detokenize(&toks), style)
}

/// Heavy paraphrase, as a rewriter or a bad translation would: most substitutions that apply,
/// tense shifted, adverbs and asides dropped, a clause moved.
fn paraphrase(sentence: &str, style: &Style, rng: &mut Rng) -> String {
    // Every step is left to chance, so that two rewrites of one story differ from each other
    // about as much as from the original.
    let mut toks = substitute(&tokenize(sentence), style, 0.85, true, rng);
    if rng.chance(0.7) {
        drop_asides(&mut toks);
    }
    if rng.chance(0.5) {
        drop_tail(&mut toks);
    }
    let mut moves: [fn(&mut Vec<Tok>) -> bool; 5] = [
        said_first,
        attribution_first,
        front_clause,
        move_opener,
        front_adverbial,
    ];
    rng.shuffle(&mut moves);
    for reorder in moves {
        if reorder(&mut toks) {
            break;
        }
    }
    if rng.chance(0.7) {
        invert_possessive(&mut toks);
    }
    if rng.chance(0.7) {
        possessive_for_of(&mut toks);
    }
    if rng.chance(0.7) {
        insert_adverb(&mut toks, rng);
    }
    if rng.chance(0.7) {
        invert_said(&mut toks);
    }
    restyle_quotes(&detokenize(&toks), style)
}

fn ends_clause(trail: &str) -> bool {
    trail.contains(['.', '!', '?', ':', ';'])
}

/// Word- and phrase-level changes at `rate`; `heavy` adds tense shifts and drops adverbs.
fn substitute(toks: &[Tok], style: &Style, rate: f64, heavy: bool, rng: &mut Rng) -> Vec<Tok> {
    let lower: Vec<&str> = toks.iter().map(Tok::lower).collect();
    let mut out: Vec<Tok> = Vec::with_capacity(toks.len() + 4);
    let mut i = 0;
    while i < toks.len() {
        let opens = i == 0 || ends_clause(&toks[i - 1].trail) || !toks[i].lead.is_empty();
        let capital = toks[i].core.starts_with(char::is_uppercase);
        // Capitalised words are names ("Bank" in "World Bank"), except a sentence opener that
        // is not followed by another capitalised word ("New" in "New York") and is not an
        // acronym or a dateline ("NEW YORK").
        let shouting = toks[i].core.chars().filter(|c| c.is_alphabetic()).count() > 1
            && !toks[i].core.chars().any(char::is_lowercase);
        let name_follows = toks
            .get(i + 1)
            .is_some_and(|t| t.core.starts_with(char::is_uppercase));
        if !capital || (opens && !shouting && !name_follows) {
            let entry = LEXICON
                .longest_match(toks, &lower, i)
                .filter(|_| rng.chance(rate))
                .or_else(|| {
                    heavy
                        .then(|| HEAVY_LEXICON.longest_match(toks, &lower, i))
                        .flatten()
                        .filter(|_| rng.chance(0.7))
                });
            if let Some(entry) = entry {
                let len = entry.words.len();
                let alternative = rng.pick_ref(&entry.alternatives).as_str();
                out.extend(phrase(&toks[i..i + len], alternative));
                i += len;
                continue;
            }
            let after_say = i > 0 && toks[i - 1].trail.is_empty() && listed(SAY, lower[i - 1]);
            let droppable = toks[i].plain() && i > 0;
            match lower[i] {
                "that" if after_say && droppable && rng.chance(rate * 0.6) => {
                    i += 1;
                    continue;
                }
                w if droppable && listed(DROPPABLE, w) && rng.chance(rate * 0.4) => {
                    i += 1;
                    continue;
                }
                w if heavy && droppable && is_adverb(w) && rng.chance(0.6) => {
                    i += 1;
                    continue;
                }
                "which" if i > 0 && toks[i - 1].trail.is_empty() && rng.chance(rate) => {
                    let mut that = toks[i].clone();
                    that.set_core("that".into());
                    that.changed = true;
                    out.push(that);
                    i += 1;
                    continue;
                }
                _ => {}
            }
        }
        let mut tok = toks[i].clone();
        respell(&mut tok, lower[i], style);
        // "Kim Jong-un" → "Kim Jong Un", but "Earth-based" stays: only inside a run of names.
        let in_name =
            i > 0 && toks[i - 1].plain() && toks[i - 1].core.starts_with(char::is_uppercase);
        if style.split_hyphenated_names && capital && in_name && tok.core.contains('-') {
            out.extend(split_hyphenated(&tok));
        } else {
            out.push(tok);
        }
        i += 1;
    }
    fix_articles(&mut out);
    out
}

/// The tokens of a replacement phrase, taking over the punctuation around the replaced ones.
fn phrase(replaced: &[Tok], replacement: &str) -> Vec<Tok> {
    let mut toks: Vec<Tok> = replacement.split(' ').map(Tok::word).collect();
    let (first, last) = (&replaced[0], &replaced[replaced.len() - 1]);
    if first.core.starts_with(char::is_uppercase) {
        toks[0].core = capitalize(&toks[0].core);
    }
    toks[0].lead.clone_from(&first.lead);
    if let Some(t) = toks.last_mut() {
        t.trail.clone_from(&last.trail);
    }
    toks
}

fn respell(tok: &mut Tok, lower: &str, style: &Style) {
    let (stem, possessive) = split_possessive(&tok.core);
    if let Some((_, variant)) = style.name_variants.iter().find(|(n, _)| n == stem) {
        tok.set_core(format!("{variant}{possessive}"));
        tok.changed = true;
        return;
    }
    if let Some(spelling) = style.spelling
        && let Some(new) = respelled(lower, spelling)
    {
        tok.set_core(match_case(&tok.core, &new));
        tok.changed = true;
    }
}

/// "Jong-un" → "Jong Un".
fn split_hyphenated(tok: &Tok) -> Vec<Tok> {
    let parts: Vec<&str> = tok.core.split('-').collect();
    if parts
        .iter()
        .any(|p| !p.starts_with(char::is_alphabetic) || p.chars().count() < 2)
    {
        return vec![tok.clone()];
    }
    let mut toks: Vec<Tok> = parts.iter().map(|p| Tok::word(&capitalize(p))).collect();
    toks[0].lead.clone_from(&tok.lead);
    if let Some(t) = toks.last_mut() {
        t.trail.clone_from(&tok.trail);
    }
    toks
}

/// Fixes "a"/"an" before a replaced word.
fn fix_articles(toks: &mut [Tok]) {
    for i in 1..toks.len() {
        if !toks[i].changed || !toks[i - 1].plain() {
            continue;
        }
        let vowel = toks[i]
            .core
            .starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']);
        let article = match toks[i - 1].core.as_str() {
            "a" | "an" => Some(if vowel { "an" } else { "a" }),
            "A" | "An" => Some(if vowel { "An" } else { "A" }),
            _ => None,
        };
        if let Some(a) = article {
            toks[i - 1].set_core(a.to_string());
        }
    }
}

fn restyle_quotes(text: &str, style: &Style) -> String {
    if !text.contains(['"', '“', '”', '\'', '‘', '’']) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut prev: Option<char> = None;
    for c in text.chars() {
        let opening =
            prev.is_none_or(|p| p.is_whitespace() || matches!(p, '(' | '[' | '—' | '–' | '-'));
        out.push(match (c, style.curly_quotes) {
            ('"', true) if opening => '“',
            ('"', true) => '”',
            ('\'', true) if opening => '‘',
            ('\'', true) => '’',
            ('“' | '”', false) => '"',
            ('‘' | '’', false) => '\'',
            _ => c,
        });
        prev = Some(c);
    }
    let (inside, outside) = if style.curly_quotes {
        (",”", "”,")
    } else {
        (",\"", "\",")
    };
    if style.comma_inside_quotes {
        out.replace(outside, inside)
    } else {
        out.replace(inside, outside)
    }
}

/// `…," Kim said.` ⇄ `…," said Kim.`
fn invert_said(toks: &mut Vec<Tok>) -> bool {
    let n = toks.len();
    if n < 4 {
        return false;
    }
    let closes_quote = |t: &Tok| t.trail.contains(['"', '”']) && t.trail.contains(',');
    let Some(q) = (n.saturating_sub(7)..n - 1)
        .rev()
        .find(|&i| closes_quote(&toks[i]))
    else {
        return false;
    };
    // "said he" reads as archaic, so pronoun speakers stay where they are.
    let speaker_ok = |speaker: &[Tok]| {
        !speaker.is_empty()
            && speaker.len() <= 5
            && speaker.iter().all(|t| t.lead.is_empty())
            && speaker[..speaker.len() - 1].iter().all(Tok::plain)
            && !(speaker.len() == 1 && listed(PRONOUNS, speaker[0].lower()))
    };
    let is_say = |t: &Tok| listed(SAY, t.lower());
    let last = &toks[n - 1];
    if is_say(last)
        && last.lead.is_empty()
        && sentence_end_ok(last)
        && toks[n - 2].trail.is_empty()
        && speaker_ok(&toks[q + 1..n - 1])
    {
        let mut said = toks.remove(n - 1);
        toks[n - 2].trail = std::mem::take(&mut said.trail);
        toks.insert(q + 1, said);
        return true;
    }
    let verb = &toks[q + 1];
    if q + 2 < n
        && verb.plain()
        && is_say(verb)
        && sentence_end_ok(&toks[n - 1])
        && speaker_ok(&toks[q + 2..n])
    {
        let mut said = toks.remove(q + 1);
        said.trail = std::mem::take(&mut toks[n - 2].trail);
        toks.push(said);
        return true;
    }
    false
}

/// `North Korea's official name,` → `the official name of North Korea,` when one or two
/// lower-case words follow the possessive and the noun phrase ends there.
fn invert_possessive(toks: &mut Vec<Tok>) -> bool {
    for i in 0..toks.len().saturating_sub(1) {
        let (name, possessive) = split_possessive(&toks[i].core);
        if possessive.is_empty()
            || !toks[i].trail.is_empty()
            || !name.starts_with(char::is_uppercase)
        {
            continue;
        }
        let Some(end) = noun_phrase_end(toks, i + 1) else {
            continue;
        };
        let mut start = i;
        while start > 0
            && toks[start - 1].plain()
            && toks[start - 1].core.starts_with(char::is_uppercase)
            && !is_common(toks[start - 1].lower())
        {
            start -= 1;
        }
        if start > 0 && listed(ARTICLES, toks[start - 1].lower()) {
            continue;
        }
        let name = name.to_string();
        let mut owner: Vec<Tok> = toks[start..=i].to_vec();
        let mut noun: Vec<Tok> = toks[i + 1..=end].to_vec();
        let lead = std::mem::take(&mut owner[0].lead);
        if start == 0 {
            lower_first_tok(&mut owner[0]);
        }
        let last = owner.len() - 1;
        owner[last].set_core(name);
        owner[last].trail = std::mem::take(&mut noun[end - i - 1].trail);
        let the = if start == 0 { "The" } else { "the" };
        let mut new = vec![Tok {
            lead,
            ..Tok::word(the)
        }];
        new.extend(noun);
        new.push(Tok::word("of"));
        new.extend(owner);
        toks.splice(start..=end, new);
        return true;
    }
    false
}

/// The last token of a noun phrase of one or two lower-case words starting at `from`.
fn noun_phrase_end(toks: &[Tok], from: usize) -> Option<usize> {
    for e in from..(from + 2).min(toks.len()) {
        let t = &toks[e];
        if !t.lead.is_empty()
            || !t.core.starts_with(char::is_lowercase)
            || listed(FUNCTION_WORDS, t.lower())
        {
            return None;
        }
        let next_breaks = toks
            .get(e + 1)
            .is_none_or(|n| listed(PHRASE_BREAKS, n.lower()));
        if !t.trail.is_empty() || next_breaks {
            return Some(e);
        }
    }
    None
}

/// `On Friday, Kim used the car.` → `Kim used the car on Friday.`
fn move_opener(toks: &mut Vec<Tok>) -> bool {
    let n = toks.len();
    if n < 6 || !toks[0].lead.is_empty() || !listed(OPENERS, toks[0].lower()) {
        return false;
    }
    let Some(k) = (1..7.min(n - 4)).find(|&k| toks[k].trail == ",") else {
        return false;
    };
    if !toks[..k].iter().all(Tok::plain) || !sentence_end_ok(&toks[n - 1]) {
        return false;
    }
    let mut opener: Vec<Tok> = toks.drain(..=k).collect();
    opener[k].trail.clear();
    lower_first_tok(&mut opener[0]);
    let end = std::mem::take(&mut toks.last_mut().expect("rest is not empty").trail);
    toks[0].core = capitalize(&toks[0].core);
    opener[k].trail = end;
    toks.extend(opener);
    true
}

/// `Kim used the car, according to KCNA.` → `According to KCNA, Kim used the car.`
fn attribution_first(toks: &mut Vec<Tok>) -> bool {
    let n = toks.len();
    let Some(j) = (3..n.saturating_sub(3)).find(|&j| {
        toks[j].trail == ","
            && toks[j + 1].lower() == "according"
            && toks[j + 2].lower() == "to"
            && toks[j + 1..n - 1].iter().all(Tok::plain)
    }) else {
        return false;
    };
    if !sentence_end_ok(&toks[n - 1]) {
        return false;
    }
    let mut attribution: Vec<Tok> = toks.drain(j + 1..).collect();
    let end = std::mem::take(&mut attribution.last_mut().expect("not empty").trail);
    attribution[0].core = capitalize(&attribution[0].core);
    attribution.last_mut().expect("not empty").trail = ",".into();
    toks[j].trail = end;
    if listed(COMMON_OPENERS, toks[0].lower()) {
        lower_first_tok(&mut toks[0]);
    }
    attribution.append(toks);
    *toks = attribution;
    true
}

/// `The ministry said that it would act.` → `It would act, the ministry said.`
fn said_first(toks: &mut Vec<Tok>) -> bool {
    let n = toks.len();
    let Some(k) = (1..6.min(n)).find(|&k| listed(SAY, toks[k].lower())) else {
        return false;
    };
    let quote = ['"', '“', '”'];
    let quoted = toks
        .iter()
        .any(|t| t.lead.contains(quote) || t.trail.contains(quote));
    if quoted || !toks[..=k].iter().all(Tok::plain) || !sentence_end_ok(&toks[n - 1]) {
        return false;
    }
    let skip = usize::from(toks.get(k + 1).is_some_and(|t| t.lower() == "that"));
    // The words after "said" must be a clause ("said it would …"), not an object ("said
    // little"), and "has said" must not lose its auxiliary.
    let clause_starts = skip == 1
        || toks.get(k + 1).is_some_and(|t| {
            t.core.starts_with(char::is_uppercase) || listed(CLAUSE_SUBJECTS, t.lower())
        });
    let auxiliary = listed(FUNCTION_WORDS, toks[k - 1].lower());
    if !clause_starts || auxiliary || n - (k + 1 + skip) < 5 {
        return false;
    }
    let said = toks[k].clone();
    let mut subject: Vec<Tok> = toks[..k].to_vec();
    let mut clause: Vec<Tok> = toks[k + 1 + skip..].to_vec();
    let end = std::mem::take(&mut clause.last_mut().expect("clause is long").trail);
    clause.last_mut().expect("clause is long").trail = ",".into();
    clause[0].core = capitalize(&clause[0].core);
    lower_first_tok(&mut subject[0]);
    clause.extend(subject);
    clause.push(Tok { trail: end, ..said });
    *toks = clause;
    true
}

/// An "-ly" adverb that a tightening edit can drop ("comprehensively", "publicly").
fn is_adverb(lower: &str) -> bool {
    lower.len() >= 6 && lower.ends_with("ly") && !listed(NOT_ADVERBS, lower)
}

/// `Kim met Putin in Russia last September.` → `In Russia last September, Kim met Putin.`
fn front_adverbial(toks: &mut Vec<Tok>) -> bool {
    let n = toks.len();
    if n < 8 || !sentence_end_ok(&toks[n - 1]) {
        return false;
    }
    let Some(s) = (n.saturating_sub(6)..n - 1).find(|&s| {
        s >= 5
            && listed(PREPOSITIONS, toks[s].lower())
            && toks[s - 1].trail.is_empty()
            && !listed(FUNCTION_WORDS, toks[s - 1].lower())
            && starts_noun_phrase(&toks[s + 1])
            && toks[s..n - 1].iter().all(Tok::plain)
            && toks[n - 1].lead.is_empty()
    }) else {
        return false;
    };
    let mut adverbial: Vec<Tok> = toks.drain(s..).collect();
    let end = std::mem::take(&mut adverbial.last_mut().expect("not empty").trail);
    adverbial[0].core = capitalize(&adverbial[0].core);
    adverbial.last_mut().expect("not empty").trail = ",".into();
    toks.last_mut().expect("at least five words remain").trail = end;
    lower_first_tok(&mut toks[0]);
    adverbial.append(toks);
    *toks = adverbial;
    true
}

/// `The tally was split, requiring Pence to act.` → `Requiring Pence to act, the tally was
/// split.`
fn front_clause(toks: &mut Vec<Tok>) -> bool {
    let n = toks.len();
    if n < 8 || !sentence_end_ok(&toks[n - 1]) {
        return false;
    }
    let Some(c) = (3..n - 3)
        .rev()
        .find(|&c| toks[c].trail == "," && opens_clause(&toks[c + 1]))
    else {
        return false;
    };
    if !toks[c + 1..n - 1].iter().all(Tok::plain) {
        return false;
    }
    let mut clause: Vec<Tok> = toks.drain(c + 1..).collect();
    let end = std::mem::take(&mut clause.last_mut().expect("not empty").trail);
    clause[0].core = capitalize(&clause[0].core);
    clause.last_mut().expect("not empty").trail = ",".into();
    toks[c].trail = end;
    lower_first_tok(&mut toks[0]);
    clause.append(toks);
    *toks = clause;
    true
}

/// Whether a token opens a subordinate clause: "while …", "according to …", "saying …".
fn opens_clause(t: &Tok) -> bool {
    let w = t.lower();
    t.lead.is_empty() && (listed(SUBORDINATORS, w) || (w.len() > 5 && w.ends_with("ing")))
}

/// `the president of the chamber` → `the chamber's president`.
fn possessive_for_of(toks: &mut Vec<Tok>) -> bool {
    let n = toks.len();
    for i in 0..n.saturating_sub(4) {
        let word = |j: usize| toks[j].lower();
        if word(i) != "the"
            || !toks[i].trail.is_empty()
            || word(i + 2) != "of"
            || word(i + 3) != "the"
            || !toks[i + 1].plain()
            || !toks[i + 2].plain()
            || !toks[i + 3].plain()
            || !toks[i + 1].core.starts_with(char::is_lowercase)
            || listed(FUNCTION_WORDS, word(i + 1))
        {
            continue;
        }
        let Some(end) = noun_phrase_end(toks, i + 4) else {
            continue;
        };
        let mut owner: Vec<Tok> = toks[i + 4..=end].to_vec();
        let mut noun = toks[i + 1].clone();
        let last = owner.len() - 1;
        noun.trail = std::mem::take(&mut owner[last].trail);
        let owner_name = format!("{}'s", owner[last].core);
        owner[last].set_core(owner_name);
        let mut new = vec![toks[i].clone()];
        new.extend(owner);
        new.push(noun);
        toks.splice(i..=end, new);
        return true;
    }
    false
}

/// Drops a short closing clause after the last comma, as a tightening edit would.
fn drop_tail(toks: &mut Vec<Tok>) {
    let n = toks.len();
    let Some(c) = (8..n.saturating_sub(2))
        .rev()
        .find(|&c| toks[c].trail == ",")
    else {
        return;
    };
    // Only a subordinate clause can go; the main clause may well come after the comma.
    if n - c <= 13
        && opens_clause(&toks[c + 1])
        && toks[c + 1..n - 1].iter().all(Tok::plain)
        && sentence_end_ok(&toks[n - 1])
    {
        toks[c].trail = std::mem::take(&mut toks[n - 1].trail);
        toks.truncate(c + 1);
    }
}

/// Whether a word can open the object of a preposition: "in Russia", "at the summit", "in
/// 2018". It keeps phrasal verbs ("had gone on for …") from being taken apart.
fn starts_noun_phrase(t: &Tok) -> bool {
    t.lead.is_empty()
        && (t
            .core
            .starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit())
            || listed(DETERMINERS, t.lower()))
}

/// Puts a sentence adverb between two plain lower-case words, as a rewriter re-pacing a
/// sentence would ("Kim used the car" → "Kim then used the car").
fn insert_adverb(toks: &mut Vec<Tok>, rng: &mut Rng) {
    if toks.len() < 5 {
        return;
    }
    for _ in 0..4 {
        let at = rng.range(2, toks.len() - 2);
        let (before, after) = (&toks[at - 1], &toks[at]);
        let fits = before.plain()
            && after.lead.is_empty()
            && before.core.starts_with(char::is_lowercase)
            && after.core.starts_with(char::is_lowercase)
            && !is_common(before.lower())
            && !is_common(after.lower());
        if fits {
            toks.insert(at, Tok::word(rng.pick(INSERTED_ADVERBS)));
            return;
        }
    }
}

/// Drops `, which …,` and `, who …,` asides, as a rewriter tightening a sentence would.
fn drop_asides(toks: &mut Vec<Tok>) {
    let n = toks.len();
    let Some(i) = (0..n.saturating_sub(3))
        .find(|&i| toks[i].trail == "," && matches!(toks[i + 1].lower(), "which" | "who"))
    else {
        return;
    };
    if let Some(j) = (i + 2..n.min(i + 14)).find(|&j| toks[j].trail == ",") {
        toks[i].trail.clear();
        toks.drain(i + 1..=j);
    }
}

fn sentence_end_ok(last: &Tok) -> bool {
    matches!(last.trail.as_str(), "." | "!" | "?")
}

/// Whether `word` is in `list`, which is sorted (a unit test checks every list).
fn listed(list: &[&str], word: &str) -> bool {
    list.binary_search(&word).is_ok()
}

/// Whether a capitalised word is just a sentence opener, not a name.
fn is_common(lower: &str) -> bool {
    listed(&COMMON_WORDS, lower)
}

static COMMON_WORDS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut words: Vec<&str> = [
        COMMON_OPENERS,
        OPENERS,
        FUNCTION_WORDS,
        PREPOSITIONS,
        SUBORDINATORS,
        DETERMINERS,
    ]
    .concat();
    words.sort_unstable();
    words.dedup();
    words
});

fn lower_first_tok(tok: &mut Tok) {
    // A quotation keeps its capital: `“We are going…”`.
    if tok.lead.is_empty() && is_common(tok.lower()) {
        tok.core = decapitalize(&tok.core);
    }
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn decapitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Lower-cases the first letter of a sentence that does not start with a name.
fn lower_first(text: &str) -> String {
    let first = text.split_whitespace().next().unwrap_or_default();
    if is_common(&first.to_lowercase()) {
        decapitalize(text)
    } else {
        text.to_string()
    }
}

fn match_case(original: &str, new: &str) -> String {
    if original.len() > 1 && original.chars().all(|c| !c.is_lowercase()) {
        new.to_uppercase()
    } else if original.starts_with(char::is_uppercase) {
        capitalize(new)
    } else {
        new.to_string()
    }
}

/// British ⇄ American spelling of one lower-case word, when it has a counterpart.
fn respelled(lower: &str, to: Spelling) -> Option<String> {
    let (table, already) = match to {
        Spelling::British => (&*TO_BRITISH, &*TO_AMERICAN),
        Spelling::American => (&*TO_AMERICAN, &*TO_BRITISH),
    };
    // Every word with two spellings has at least four letters.
    // "towards" is British already; without this it would match "toward" + "s".
    if lower.len() < 4 || already.contains_key(lower) {
        return None;
    }
    for suffix in SPELLING_SUFFIXES {
        if let Some(stem) = lower.strip_suffix(suffix)
            && let Some(other) = table.get(stem)
        {
            return Some(format!("{other}{suffix}"));
        }
    }
    // -ise/-ize and -yse/-yze verbs, matched on a known stem so that "advertise" or "size"
    // never change.
    let (ize, yze) = match to {
        Spelling::British => (("iz", "is"), ("yz", "ys")),
        Spelling::American => (("is", "iz"), ("ys", "yz")),
    };
    for ((from, into), stems, endings) in
        [(ize, IZE_STEMS, IZE_ENDINGS), (yze, YZE_STEMS, YZE_ENDINGS)]
    {
        for ending in endings {
            let stem = lower
                .strip_suffix(ending)
                .and_then(|rest| rest.strip_suffix(from));
            if let Some(stem) = stem.filter(|&stem| listed(stems, stem)) {
                return Some(format!("{stem}{into}{ending}"));
            }
        }
    }
    None
}

const SPELLING_SUFFIXES: &[&str] = &["", "s", "ed", "ing", "er", "ers", "ite", "ites", "able"];

static TO_AMERICAN: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| SPELLINGS.iter().copied().collect());

static TO_BRITISH: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| SPELLINGS.iter().map(|&(uk, us)| (us, uk)).collect());

/// Phrases and words with their replacements, looked up by first word.
struct Lexicon {
    by_first: HashMap<String, Vec<Entry>>,
}

struct Entry {
    words: Vec<String>,
    alternatives: Vec<String>,
}

impl Lexicon {
    fn new(
        groups: impl IntoIterator<Item = Vec<String>>,
        one_way: impl IntoIterator<Item = (String, Vec<String>)>,
    ) -> Lexicon {
        let mut by_first: HashMap<String, Vec<Entry>> = HashMap::new();
        let mut add = |key: &str, alternatives: Vec<String>| {
            let words: Vec<String> = key.split(' ').map(str::to_string).collect();
            by_first.entry(words[0].clone()).or_default().push(Entry {
                words,
                alternatives,
            });
        };
        for group in groups {
            for key in &group {
                add(key, group.iter().filter(|w| *w != key).cloned().collect());
            }
        }
        for (key, alternatives) in one_way {
            add(&key, alternatives);
        }
        for entries in by_first.values_mut() {
            entries.sort_by_key(|e| std::cmp::Reverse(e.words.len()));
        }
        Lexicon { by_first }
    }

    /// Everything rewording may replace: the listed groups, plus every inflection of the verb
    /// and noun groups.
    fn news() -> Lexicon {
        let listed = SYNONYMS
            .iter()
            .map(|g| g.iter().map(|w| w.to_string()).collect());
        let verbs = VERBS
            .iter()
            .flat_map(|g| (0..4).map(move |form| g.iter().map(|w| inflect(w, form)).collect()));
        let nouns = NOUNS
            .iter()
            .flat_map(|g| (0..2).map(move |form| g.iter().map(|w| inflect(w, form)).collect()));
        let one_way = ONE_WAY
            .iter()
            .map(|&(k, alts)| (k.to_string(), alts.iter().map(|a| a.to_string()).collect()));
        let verbs_one_way = ONE_WAY_VERBS.iter().flat_map(|&(k, alt)| {
            (0..4).map(move |form| (inflect(k, form), vec![inflect(alt, form)]))
        });
        Lexicon::new(
            listed.chain(verbs).chain(nouns),
            one_way.chain(verbs_one_way),
        )
    }

    fn heavy() -> Lexicon {
        let shifts = TENSE_SHIFTS
            .iter()
            .map(|&(k, alts)| (k.to_string(), alts.iter().map(|a| a.to_string()).collect()));
        Lexicon::new(std::iter::empty(), shifts)
    }

    /// The longest entry matching the words at `i`, with no punctuation inside the phrase.
    fn longest_match(&self, toks: &[Tok], lower: &[&str], i: usize) -> Option<&Entry> {
        self.by_first.get(lower[i])?.iter().find(|e| {
            let n = e.words.len();
            i + n <= toks.len()
                && (1..n).all(|t| lower[i + t] == e.words[t] && toks[i + t].lead.is_empty())
                && toks[i..i + n - 1].iter().all(|t| t.trail.is_empty())
        })
    }
}

static LEXICON: LazyLock<Lexicon> = LazyLock::new(Lexicon::news);

static HEAVY_LEXICON: LazyLock<Lexicon> = LazyLock::new(Lexicon::heavy);

/// Form `form` of a regular verb or noun (or of the first word of a phrase): 0 the base, 1 the
/// "-s" form (third person, or plural), 2 the "-ed" form, 3 the "-ing" form.
fn inflect(phrase: &str, form: usize) -> String {
    let (word, rest) = phrase.split_once(' ').map_or((phrase, ""), |(w, r)| (w, r));
    let consonant_y =
        word.ends_with('y') && !word[..word.len() - 1].ends_with(['a', 'e', 'i', 'o', 'u']);
    let stem = &word[..word.len() - 1];
    let inflected = match form {
        1 if word.ends_with(['s', 'x', 'z']) || word.ends_with("ch") || word.ends_with("sh") => {
            format!("{word}es")
        }
        1 if consonant_y => format!("{stem}ies"),
        1 => format!("{word}s"),
        2 if word.ends_with('e') => format!("{word}d"),
        2 if consonant_y => format!("{stem}ied"),
        2 => format!("{word}ed"),
        3 if word.ends_with('e') && !word.ends_with("ee") => format!("{stem}ing"),
        3 => format!("{word}ing"),
        _ => word.to_string(),
    };
    if rest.is_empty() {
        inflected
    } else {
        format!("{inflected} {rest}")
    }
}

// ---------------------------------------------------------------------------------------------
// Seeded randomness and calendar dates.

/// SplitMix64: tiny, fast, and good enough for sampling text edits.
#[derive(Clone, Debug)]
struct Rng(u64);

impl Rng {
    /// A generator for one purpose (`parts`), independent of every other purpose's.
    fn derive(seed: u64, parts: &[u64]) -> Rng {
        let state = parts.iter().fold(mix64(seed), |s, &p| {
            mix64(s ^ mix64(p.wrapping_add(GOLDEN)))
        });
        Rng(state)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix64(self.0)
    }

    /// Uniform in `0..n` (0 when `n` is 0), by multiply-shift.
    fn below_u64(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    fn below(&mut self, n: usize) -> usize {
        self.below_u64(n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    fn pick_ref<'t, T>(&mut self, items: &'t [T]) -> &'t T {
        &items[self.below(items.len())]
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

fn shift_date(date: &str, days: i64) -> Option<String> {
    Some(format_day(load::day_number(date)? + days))
}

/// A date in 2015–2024, for chrome copies of undated stories.
fn random_date(rng: &mut Rng) -> String {
    let first = load::day_number("2015-01-01").expect("a date");
    format_day(first + rng.below(3653) as i64)
}

fn format_day(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The date of a day number of [`load::day_number`] (Howard Hinnant's civil_from_days).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

// ---------------------------------------------------------------------------------------------
// Word lists.

/// Groups of interchangeable words and phrases (same part of speech and inflection). Each
/// member may replace any other; a word belongs to one group only.
const SYNONYMS: &[&[&str]] = &[
    // Reporting verbs.
    &["said", "stated"],
    &["told", "informed"],
    &["claimed", "asserted"],
    &["denied", "rejected"],
    &["urged", "called on"],
    &["acknowledged", "admitted", "conceded"],
    &["stressed", "underlined"],
    &["noted", "observed", "pointed out"],
    &["called for", "demanded"],
    // Other verbs.
    &["began", "started"],
    &["begin", "start"],
    &["begins", "starts"],
    &["beginning", "starting"],
    &["bought", "purchased", "acquired"],
    &["buy", "purchase"],
    &["need", "require"],
    &["needs", "requires"],
    &["needed", "required"],
    &["showed", "demonstrated"],
    &["shows", "demonstrates"],
    &["tried", "attempted"],
    &["gave", "offered"],
    &["give", "provide"],
    &["gives", "provides"],
    &["kept", "retained"],
    &["allow", "permit"],
    &["allowed", "permitted"],
    &["allows", "permits"],
    &["rose", "climbed"],
    &["fell", "dropped", "slipped"],
    &["grew", "expanded"],
    &["grow", "expand"],
    &["stopped", "halted"],
    &["ended", "concluded"],
    &["sought", "pursued"],
    &["faced", "confronted"],
    &["launched", "initiated"],
    &["planned", "intended"],
    &["refused", "declined"],
    &["backed", "supported"],
    &["blocked", "thwarted"],
    &["injured", "wounded"],
    &["won", "secured"],
    &["happened", "occurred"],
    &["happen", "occur"],
    &["changed", "altered"],
    &["continued", "went on"],
    &["included", "featured"],
    &["increase", "rise"],
    &["increases", "rises"],
    &["increased", "raised"],
    &["signed", "inked"],
    &["died", "passed away"],
    &["attended", "took part in"],
    &["take part in", "participate in"],
    &["delayed", "postponed"],
    &["examined", "studied"],
    &["predicted", "forecast"],
    &["proposed", "put forward"],
    &["carried out", "conducted", "performed"],
    &["look into", "examine"],
    &["used", "employed"],
    &["use", "employ"],
    &["made", "produced"],
    &["make", "produce"],
    &["making", "producing"],
    &["seek", "pursue"],
    &["seeks", "pursues"],
    // Nouns.
    &["officials", "authorities"],
    &["ties", "relations"],
    &["evidence", "proof"],
    &["children", "youngsters"],
    &["profits", "earnings"],
    &["growth", "expansion"],
    &["law", "legislation"],
    &["talks", "negotiations"],
    &["fighting", "clashes"],
    &["soldiers", "troops"],
    &["weapons", "arms"],
    &["move", "step"],
    &["rules", "regulations"],
    &["spokesman", "spokesperson"],
    &["figures", "data"],
    &["homes", "houses"],
    &["money", "funds"],
    &["match", "game"],
    &["victory", "triumph"],
    &["internet", "web"],
    &["crisis", "emergency"],
    &["election", "poll"],
    &["survey", "study"],
    &["sales", "revenues"],
    &["job", "post"],
    &["jobs", "positions"],
    &["amount", "sum"],
    &["number", "figure"],
    &["charges", "accusations"],
    &["funding", "financing"],
    &["concerns", "worries", "fears"],
    &["concern", "worry"],
    &["role", "part"],
    &["people", "individuals"],
    &["group", "organisation"],
    &["chance", "opportunity"],
    &["way", "manner"],
    &["order", "directive"],
    // Adjectives.
    &["big", "large"],
    &["huge", "massive", "enormous"],
    &["important", "significant", "crucial"],
    &["major", "principal"],
    &["main", "primary"],
    &["recent", "latest"],
    &["top", "senior", "prominent"],
    &["strong", "robust"],
    &["serious", "grave"],
    &["difficult", "tough"],
    &["clear", "obvious"],
    &["international", "global"],
    &["foreign", "overseas"],
    &["previous", "prior"],
    &["rapid", "swift"],
    &["several", "a number of"],
    &["many", "numerous"],
    &["various", "different"],
    &["entire", "whole"],
    &["additional", "extra"],
    &["current", "existing"],
    &["wealthy", "rich"],
    &["angry", "furious"],
    &["happy", "pleased"],
    &["worried", "concerned"],
    &["dangerous", "hazardous"],
    &["common", "widespread"],
    &["powerful", "influential"],
    &["famous", "renowned"],
    &["luxury", "luxurious"],
    &["expensive", "costly", "pricey"],
    &["cheap", "inexpensive"],
    &["modern", "contemporary"],
    &["special", "particular"],
    &["high-end", "upmarket"],
    &["full-scale", "all-out"],
    &["closer", "tighter"],
    &["new", "fresh"],
    // Adverbs and connectives.
    &["quickly", "rapidly", "swiftly"],
    &["nearly", "almost"],
    &["largely", "mostly", "mainly"],
    &["especially", "particularly"],
    &["previously", "earlier", "formerly"],
    &["repeatedly", "time and again"],
    &["eventually", "ultimately"],
    &["reportedly", "allegedly"],
    &["publicly", "openly"],
    &["strongly", "firmly"],
    &["widely", "broadly"],
    &["sharply", "steeply"],
    &["significantly", "considerably", "substantially"],
    &["completely", "entirely", "fully"],
    &["recently", "lately"],
    &["currently", "presently"],
    &["however", "nevertheless"],
    &["although", "though"],
    &["despite", "in spite of"],
    &["amid", "amidst"],
    &["roughly", "approximately"],
    &["immediately", "instantly"],
    &["often", "frequently"],
    &["usually", "typically"],
    &["again", "once more"],
    &["later", "afterwards"],
    &["for example", "for instance"],
    &["as well as", "along with"],
    &["because of", "due to", "owing to"],
    &["in addition", "furthermore"],
    &["according to", "as reported by"],
    &["so far", "to date", "thus far"],
    &["in recent years", "over the past few years"],
    &["regarding", "concerning"],
    &["last year", "the previous year"],
    &["this year", "the current year"],
    &["percent", "per cent"],
    &["committee", "panel"],
    &["pledged", "vowed", "promised"],
    &["biggest", "largest"],
    &["games", "matches"],
    &["products", "goods"],
    &["similar", "comparable"],
    &["reporters", "journalists"],
    &["annual", "yearly"],
    &["elections", "polls"],
    &["soon", "shortly"],
    &["everyone", "everybody"],
    &["someone", "somebody"],
    &["illegal", "unlawful"],
    &["compared with", "compared to"],
    &["staff", "personnel"],
    &["groups", "organisations"],
    &["video", "footage"],
    &["process", "procedure"],
    &["border", "frontier"],
    &["led", "headed"],
    &["saw", "witnessed"],
    &["criticized", "slammed"],
    &["sparked", "triggered", "prompted"],
    &["led to", "resulted in"],
    &["meanwhile", "in the meantime"],
    &["in fact", "indeed"],
    &["around the world", "worldwide", "across the globe"],
    &["a series of", "a string of"],
    &["in response to", "in reaction to"],
    &["for now", "for the time being"],
    &["right now", "at the moment"],
    // Contractions, spelled out or not by house style.
    &["don't", "do not"],
    &["doesn't", "does not"],
    &["didn't", "did not"],
    &["isn't", "is not"],
    &["aren't", "are not"],
    &["wasn't", "was not"],
    &["weren't", "were not"],
    &["won't", "will not"],
    &["can't", "cannot"],
    &["couldn't", "could not"],
    &["wouldn't", "would not"],
    &["shouldn't", "should not"],
    &["haven't", "have not"],
    &["hasn't", "has not"],
    &["hadn't", "had not"],
    &["that's", "that is"],
    &["there's", "there is"],
    &["we're", "we are"],
    &["they're", "they are"],
    &["i'm", "I am"],
];

/// Regular verbs in the base form, replaced in every inflection ("announce", "announces",
/// "announced", "announcing"). Each group is also safe where the word is a noun.
const VERBS: &[&[&str]] = &[
    &["announce", "unveil"],
    &["reveal", "disclose"],
    &["warn", "caution"],
    &["argue", "contend"],
    &["insist", "maintain"],
    &["explain", "clarify"],
    &["suggest", "indicate"],
    &["condemn", "denounce"],
    &["describe", "portray"],
    &["respond", "reply"],
    &["declare", "proclaim"],
    &["help", "assist"],
    &["receive", "obtain"],
    &["expect", "anticipate"],
    &["decide", "opt"],
    &["agree", "consent"],
    &["approve", "endorse"],
    &["arrest", "detain"],
    &["remain", "stay"],
    &["reduce", "decrease"],
    &["create", "establish"],
    &["improve", "enhance"],
    &["prevent", "avert"],
    &["protect", "safeguard"],
    &["seize", "capture"],
    &["confirm", "verify"],
    &["ensure", "guarantee"],
    &["hire", "recruit"],
    &["boost", "bolster"],
    &["want", "wish"],
    &["ask", "request"],
    &["mention", "cite"],
    &["highlight", "underscore"],
    &["assess", "evaluate"],
    &["appear", "seem"],
    &["recommend", "advise"],
    &["remove", "eliminate"],
    &["destroy", "demolish"],
    &["threaten", "menace"],
    &["consider", "weigh"],
    &["praise", "commend"],
    &["welcome", "hail"],
    &["attack", "assault"],
    &["damage", "harm"],
    &["accept", "embrace"],
    &["achieve", "attain"],
    &["avoid", "evade"],
    &["collect", "gather"],
    &["encourage", "motivate"],
    &["identify", "pinpoint"],
    &["implement", "enact"],
    &["monitor", "track"],
    &["oppose", "resist"],
    &["resolve", "settle"],
    &["restore", "reinstate"],
    &["review", "reassess"],
    &["struggle", "battle"],
];

/// Countable nouns in the singular, replaced in the singular and the plural.
const NOUNS: &[&[&str]] = &[
    &["lawmaker", "legislator"],
    &["worker", "employee"],
    &["resident", "inhabitant"],
    &["doctor", "physician"],
    &["student", "pupil"],
    &["scientist", "researcher"],
    &["expert", "specialist"],
    &["analyst", "observer"],
    &["critic", "opponent"],
    &["ally", "partner"],
    &["rival", "competitor"],
    &["victim", "casualty"],
    &["statement", "declaration"],
    &["comment", "remark"],
    &["region", "area"],
    &["film", "movie"],
    &["fan", "supporter"],
    &["team", "squad"],
    &["player", "athlete"],
    &["phone", "handset"],
    &["customer", "client"],
    &["meeting", "session"],
    &["candidate", "contender"],
    &["voter", "elector"],
    &["city", "town"],
    &["missile", "rocket"],
    &["incident", "episode"],
    &["accident", "crash"],
    &["court", "tribunal"],
    &["prison", "jail"],
    &["tax", "levy"],
    &["shortage", "lack"],
    &["result", "outcome"],
    &["idea", "notion"],
    &["event", "occasion"],
    &["country", "nation"],
    &["government", "administration"],
    &["war", "conflict"],
    &["decision", "ruling"],
    &["industry", "sector"],
    &["company", "firm"],
    &["vehicle", "car", "automobile"],
    &["trip", "journey"],
    &["attempt", "effort"],
    &["plan", "proposal", "scheme"],
    &["problem", "issue"],
    &["deal", "agreement", "accord"],
    &["leader", "head"],
    &["goal", "objective"],
];

/// Verbs replaced one way only, in every inflection: the reverse is a common noun ("a probe").
const ONE_WAY_VERBS: &[(&str, &str)] = &[
    ("investigate", "probe"),
    ("discuss", "debate"),
    ("affect", "impact"),
    ("restrict", "limit"),
];

/// One-way replacements: the reverse would be wrong somewhere ("over the past year" is not
/// "more than the past year").
const ONE_WAY: &[(&str, &[&str])] = &[
    ("more than", &["over"]),
    ("in order to", &["to"]),
    ("prior to", &["before"]),
    ("in the wake of", &["after", "following"]),
    ("a total of", &["some"]),
    ("is expected to", &["is set to", "is likely to"]),
    ("are expected to", &["are set to", "are likely to"]),
    ("in an effort to", &["seeking to"]),
    ("with regard to", &["regarding"]),
    ("the united states", &["the US", "America"]),
    ("the united kingdom", &["the UK", "Britain"]),
    ("the european union", &["the EU"]),
    ("the united nations", &["the UN"]),
    (
        "on condition of anonymity",
        &["on condition that they not be named"],
    ),
    ("told reporters", &["said to reporters", "told journalists"]),
    ("whether or not", &["whether"]),
    ("upon", &["on"]),
    ("whom", &["who"]),
    ("in the past", &["previously"]),
    ("at the time", &["then"]),
    ("as a result", &["consequently"]),
    ("in the coming days", &["soon"]),
    ("a lot of", &["plenty of"]),
    // Numbers written out become digits; the reverse would turn "February 9" into "February
    // nine".
    ("two", &["2"]),
    ("three", &["3"]),
    ("four", &["4"]),
    ("five", &["5"]),
    ("six", &["6"]),
    ("seven", &["7"]),
    ("eight", &["8"]),
    ("nine", &["9"]),
    ("it is", &["it's"]),
    ("we've", &["we have"]),
    ("they've", &["they have"]),
    ("make sure", &["make certain"]),
    ("focuses on", &["concentrates on"]),
    ("focused on", &["concentrated on"]),
    ("at least", &["no fewer than"]),
    ("such as", &["like", "including"]),
    ("including", &["among them"]),
    ("following the", &["after the"]),
    ("during", &["throughout", "in the course of"]),
    ("about the", &["regarding the"]),
    ("across", &["throughout"]),
    ("because", &["as", "since"]),
    ("but", &["yet"]),
    ("while", &["whereas", "as"]),
    ("when", &["as", "once"]),
    ("could", &["might"]),
    ("might", &["may"]),
    ("may", &["might"]),
    ("should", &["ought to"]),
    ("says", &["states"]),
    ("say", &["state"]),
    ("saying", &["stating"]),
    ("added", &["also said", "continued"]),
    ("former", &["previous"]),
    ("another", &["one more"]),
    ("information", &["details"]),
    ("investigation", &["inquiry", "probe"]),
    ("every", &["each"]),
    ("only", &["just", "merely"]),
    ("until", &["till"]),
    ("ago", &["earlier"]),
    ("local", &["regional"]),
    ("who", &["that"]),
    ("criticised", &["slammed"]),
    ("issued", &["released"]),
    ("plans to", &["intends to", "aims to"]),
    ("wants to", &["wishes to"]),
    ("is set to", &["is expected to"]),
    ("the latest", &["the most recent"]),
    ("lots of", &["many"]),
    ("a few", &["some"]),
    ("at the same time", &["meanwhile", "simultaneously"]),
    ("a range of", &["various"]),
    ("on behalf of", &["for"]),
    ("in favour of", &["supporting"]),
    ("in favor of", &["supporting"]),
    ("in the face of", &["facing"]),
    ("is due to", &["is scheduled to"]),
    ("the number of", &["the total of"]),
    ("the media", &["the press"]),
    ("the military", &["the armed forces"]),
    ("economic", &["financial"]),
    ("a report", &["a study"]),
    ("the report", &["the study"]),
    ("the world", &["the globe"]),
    ("support for", &["backing for"]),
    ("take place", &["happen"]),
    ("takes place", &["happens"]),
    ("took place", &["happened"]),
    ("taking place", &["happening"]),
    ("technology", &["tech"]),
    ("using", &["employing"]),
    ("uses", &["employs"]),
    ("trying", &["attempting"]),
    ("spending", &["expenditure"]),
    ("situation", &["circumstances"]),
    ("include", &["comprise"]),
    ("includes", &["comprises"]),
    ("project", &["initiative"]),
    ("projects", &["initiatives"]),
    ("person", &["individual"]),
    ("response", &["reaction"]),
    ("speech", &["address"]),
    ("growing", &["rising", "mounting"]),
    ("production", &["output"]),
    ("adding", &["noting"]),
    ("threat", &["danger"]),
    ("chairman", &["chair"]),
    ("numbers", &["figures"]),
    ("bad", &["poor"]),
    ("laws", &["rules"]),
    ("businesses", &["companies"]),
    ("good", &["positive"]),
    ("best", &["finest"]),
    ("gift", &["present"]),
    ("gifts", &["presents"]),
    ("plan to", &["intend to"]),
    ("reason", &["cause"]),
    ("reasons", &["causes"]),
    // Fixed phrases that must not be taken apart word by word.
    ("used to", &["used to"]),
    ("as many as", &["as many as"]),
    ("during which", &["during which"]),
    ("as well", &["too"]),
];

/// Tense shifts a rewriter makes while retelling ("is" → "was").
const TENSE_SHIFTS: &[(&str, &[&str])] = &[
    ("is", &["was"]),
    ("are", &["were"]),
    ("has", &["had"]),
    ("will", &["would"]),
    ("can", &["could"]),
];

/// Prepositions that open an adverbial a paraphrase may move to the front.
const PREPOSITIONS: &[&str] = &[
    "across",
    "after",
    "amid",
    "at",
    "before",
    "during",
    "following",
    "for",
    "from",
    "in",
    "on",
    "over",
    "since",
    "through",
    "under",
    "with",
    "without",
];

/// Words that open a subordinate clause a paraphrase may move to the front.
const SUBORDINATORS: &[&str] = &[
    "according",
    "after",
    "although",
    "amid",
    "because",
    "before",
    "despite",
    "following",
    "since",
    "though",
    "unless",
    "until",
    "when",
    "whereas",
    "while",
    "with",
    "without",
];

const DETERMINERS: &[&str] = &[
    "a", "an", "her", "his", "its", "last", "next", "our", "that", "the", "their", "these", "this",
    "those",
];

const INSERTED_ADVERBS: &[&str] = &[
    "apparently",
    "effectively",
    "eventually",
    "notably",
    "now",
    "reportedly",
    "then",
    "ultimately",
];

/// Words ending in "-ly" that are not droppable adverbs.
const NOT_ADVERBS: &[&str] = &[
    "anomaly",
    "assembly",
    "costly",
    "daily",
    "deadly",
    "elderly",
    "family",
    "friendly",
    "hourly",
    "italy",
    "likely",
    "lonely",
    "monopoly",
    "monthly",
    "only",
    "quarterly",
    "rally",
    "reply",
    "supply",
    "ugly",
    "unlikely",
    "weekly",
    "yearly",
];

/// Words after which "that" may be dropped ("said that it would" → "said it would").
const SAY: &[&str] = &[
    "added", "believed", "noted", "said", "says", "stated", "told",
];

/// Words a translation round trip or a tightening edit often loses.
const DROPPABLE: &[&str] = &[
    "actually", "already", "also", "even", "just", "now", "really", "still", "very",
];

/// Words that open a movable adverbial ("On Friday, …").
const OPENERS: &[&str] = &[
    "after",
    "amid",
    "at",
    "before",
    "by",
    "despite",
    "during",
    "earlier",
    "following",
    "for",
    "in",
    "last",
    "later",
    "on",
    "since",
    "under",
    "while",
    "with",
];

/// Sentence-initial words that are not names and so may be lower-cased mid-sentence.
const COMMON_OPENERS: &[&str] = &[
    "a",
    "all",
    "also",
    "although",
    "an",
    "and",
    "as",
    "both",
    "but",
    "each",
    "even",
    "every",
    "he",
    "her",
    "his",
    "however",
    "if",
    "it",
    "its",
    "many",
    "meanwhile",
    "more",
    "most",
    "no",
    "one",
    "other",
    "our",
    "she",
    "so",
    "some",
    "still",
    "such",
    "that",
    "the",
    "their",
    "there",
    "these",
    "they",
    "this",
    "those",
    "we",
    "what",
    "when",
    "which",
    "while",
    "who",
    "yet",
];

/// Words that can open the clause reported by "said" ("said it would …").
const CLAUSE_SUBJECTS: &[&str] = &[
    "a", "an", "he", "her", "his", "it", "its", "she", "the", "their", "there", "these", "they",
    "this", "those", "we",
];

const ARTICLES: &[&str] = &["a", "an", "the"];

const PRONOUNS: &[&str] = &["he", "i", "it", "she", "they", "we", "you"];

const FUNCTION_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "for", "from", "had", "has",
    "have", "in", "is", "it", "of", "on", "or", "that", "the", "to", "was", "were", "which", "who",
    "will", "with", "would",
];

/// Words after which a noun phrase has ended.
const PHRASE_BREAKS: &[&str] = &[
    "and", "as", "at", "by", "for", "from", "had", "has", "in", "is", "of", "on", "that", "to",
    "was", "were", "which", "will", "with", "would",
];

/// British and American spellings of the same word.
const SPELLINGS: &[(&str, &str)] = &[
    ("aeroplane", "airplane"),
    ("ageing", "aging"),
    ("aluminium", "aluminum"),
    ("amongst", "among"),
    ("behaviour", "behavior"),
    ("cancelled", "canceled"),
    ("cancelling", "canceling"),
    ("catalogue", "catalog"),
    ("centre", "center"),
    ("colour", "color"),
    ("co-operate", "cooperate"),
    ("co-operation", "cooperation"),
    ("co-ordinate", "coordinate"),
    ("co-ordination", "coordination"),
    ("counselling", "counseling"),
    ("defence", "defense"),
    ("e-mail", "email"),
    ("endeavour", "endeavor"),
    ("enrol", "enroll"),
    ("favour", "favor"),
    ("fibre", "fiber"),
    ("fuelled", "fueled"),
    ("grey", "gray"),
    ("harbour", "harbor"),
    ("honour", "honor"),
    ("humour", "humor"),
    ("jewellery", "jewelry"),
    ("judgement", "judgment"),
    ("labelled", "labeled"),
    ("labour", "labor"),
    ("licence", "license"),
    ("litre", "liter"),
    ("manoeuvre", "maneuver"),
    ("metre", "meter"),
    ("modelling", "modeling"),
    ("neighbour", "neighbor"),
    ("offence", "offense"),
    ("on-line", "online"),
    ("organisation", "organization"),
    ("pretence", "pretense"),
    ("programme", "program"),
    ("pyjamas", "pajamas"),
    ("rumour", "rumor"),
    ("sceptical", "skeptical"),
    ("signalled", "signaled"),
    ("theatre", "theater"),
    ("travelled", "traveled"),
    ("travelling", "traveling"),
    ("traveller", "traveler"),
    ("towards", "toward"),
    ("vigour", "vigor"),
    ("whilst", "while"),
];

/// Stems whose -ise/-ize forms differ only in that letter.
const IZE_STEMS: &[&str] = &[
    "apolog",
    "author",
    "capital",
    "categor",
    "central",
    "character",
    "civil",
    "colon",
    "critic",
    "democrat",
    "destabil",
    "digit",
    "emphas",
    "energ",
    "final",
    "global",
    "harmon",
    "hospital",
    "ideal",
    "industrial",
    "jeopard",
    "legal",
    "liberal",
    "local",
    "margin",
    "maxim",
    "memor",
    "minim",
    "mobil",
    "modern",
    "monopol",
    "national",
    "neutral",
    "normal",
    "optim",
    "organ",
    "penal",
    "polar",
    "priorit",
    "privat",
    "radical",
    "real",
    "recogn",
    "revolution",
    "scrutin",
    "social",
    "special",
    "stabil",
    "standard",
    "steril",
    "subsid",
    "summar",
    "symbol",
    "sympath",
    "synchron",
    "terror",
    "theor",
    "urban",
    "util",
    "vandal",
    "visual",
];

const IZE_ENDINGS: &[&str] = &["e", "ed", "es", "ing", "ation", "ations", "er", "ers"];

const YZE_STEMS: &[&str] = &["anal", "catal", "paral"];

const YZE_ENDINGS: &[&str] = &["e", "ed", "es", "ing"];

const REWRITE_OPENERS: &[&str] = &[
    "{In|Amid} {a|the latest} {development|turn of events|move} {that|which} {drew|attracted|has drawn} {wide|broad|considerable|fresh} {attention|interest|scrutiny}, ",
    "{Marking|Signalling|In} {a notable|a symbolic|a significant|an unusual} {moment|step|shift}, ",
    "{As|While} {attention|scrutiny|interest} {turned|grew|mounted} {this week|in recent days|over the matter}, ",
    "In {news|a story|a report} that {quickly|swiftly|soon} {made headlines|drew reactions|spread online}, ",
    "{Drawing|Attracting|Prompting} {fresh|renewed|wide} {attention|interest|debate}, ",
    "In what {observers|commentators|analysts} {called|described as|saw as} a {significant|notable|telling} {step|moment|development}, ",
];

const REWRITE_FOLLOW_UPS: &[&str] = &[
    "The {development|episode|news|move} {puts|places|has put} {e} {firmly|squarely|once again} {in the spotlight|at the centre of attention|under scrutiny}.",
    "{It is|This is|It marks} the {latest|newest|most recent} {chapter|twist|turn} in a {story|saga|dispute} that has {drawn|attracted|kept} {close|intense|growing} {attention|interest} {on|around} {e}.",
    "{Observers|Analysts|Commentators} {say|said|noted} the {episode|development|matter} {could|may|might} have {lasting|wider|significant} {consequences|implications|repercussions} for {e}.",
    "For {e}, the {moment|episode|development} {carries|holds|has} {considerable|real|clear} {symbolic|political|practical} {weight|significance|importance}.",
    "The {news|announcement|report} {prompted|sparked|triggered} a {wave|flurry|round} of {reaction|comment|debate} {involving|around|about} {e}.",
];

const BACKGROUND: &[&str] = &[
    "{e} did not {immediately|directly} {respond to|reply to|answer} a request for {comment|a response}.",
    "The {developments|events|changes} {come|came|unfold} amid a {wider|broader|growing} {debate|discussion|dispute} over the {issue|matter|question}.",
    "{Analysts|Observers|Experts} {say|said|believe} the situation {remains|is still|could remain} {fluid|uncertain|unsettled} {and could change quickly|for now|in the short term}.",
    "{Officials|Authorities|Organisers} {are expected to|will|plan to} {release|publish|share} {further|more|additional} {details|information} {in the coming days|later this week|soon}.",
    "{e} {declined|refused} to {comment further|say more|elaborate} when contacted on {day}.",
    "It was not {immediately|yet} clear how the {decision|move|change} would {affect|influence|change things for} {e}.",
    "{Earlier this year|Last year|In the past}, {e} was at the {centre|heart} of a {similar|comparable|related} {dispute|row|controversy}.",
    "This {story|article|report} has been updated with {additional|further|more} {details|reporting|information}.",
    "{Additional|Further|More} reporting by {person}.",
    "{e} has {faced|drawn|attracted} {criticism|questions|scrutiny} over the {matter|issue} {in the past|before|for years}.",
    "The {issue|question|matter} is {likely|expected|set} to {remain|stay} {high on the agenda|a talking point|in focus} {in the weeks ahead|for some time|this year}.",
    "{Critics|Opponents|Campaigners} have long {argued|said|maintained} that {e} should do more to {address|tackle|ease} the {concerns|problem|worries}.",
    "{Supporters|Allies|Defenders} of {e} {say|argue|insist} the {criticism|attention|coverage} is {unfair|overblown|misplaced}.",
    "{Markets|Observers|Investors} {reacted|responded} {cautiously|calmly|nervously} to the {news|announcement} on {day}.",
    "A {spokesperson|representative|spokesman} for {e} said {more|further} {information|details} would be {shared|released|made available} {when available|in due course|soon}.",
    "The {matter|story|case} was first reported by {local|regional|national} media on {day}.",
];

/// Outlets that end their articles with a standing footer of 50–100 words, and the footer.
const FOOTERS: &[(&str, &str)] = &[
    (
        "The Daily Ledger",
        "Do you have information you want to share with The Daily Ledger? Our reporters read every message, and we protect the identity of sources who ask us to. You can reach the newsroom securely by encrypted message, by email or by post, and we will never share your details without your consent. Tips about wrongdoing, public money and the people in power are especially welcome. Here's how to get in touch with our team. Learn more",
    ),
    (
        "Metro Wire",
        "Metro Wire Entertainment is your one-stop shop for celebrity news, late-night highlights, television recaps, film reviews and awards coverage, sent straight to your inbox every weekday morning. Sign up for the newsletter to get the stories everyone will be talking about before your first coffee, along with exclusive interviews and our critics' picks for the weekend. You can unsubscribe at any time.",
    ),
    (
        "Northern Post",
        "The views expressed in this article are the author's own and do not necessarily reflect the editorial policy of the Northern Post. We welcome responses from readers who see the matter differently. Letters of up to 300 words can be sent to the opinion desk and may be edited for length and clarity before publication. Comments on this article are moderated and close after seven days.",
    ),
    (
        "Capital Report",
        "Copyright Capital Report. All rights reserved. This material may not be published, broadcast, rewritten or redistributed in whole or in part without the prior written permission of the publisher. Subscribers to our wire service may republish this article with credit to Capital Report and a link to the original. For licensing enquiries, syndication rights and reprints of photographs, please contact our partnerships team through the website.",
    ),
    (
        "Global Desk",
        "Global Desk brings you independent reporting from correspondents in more than forty countries, funded by readers rather than advertisers. If you value journalism that holds the powerful to account, please consider supporting our work with a monthly contribution of any size. Follow us on social media for breaking news alerts, and download our free app to read every story offline and get the morning briefing.",
    ),
    (
        "Harbour Times",
        "Have a story for the Harbour Times? If you have seen something happening in your area, from road closures to community fundraisers, our local news team wants to hear from you. Send your pictures, videos and tips through the contact form on our website, message us on social media or call the newsdesk during office hours. Please include a contact number if you are happy to speak to a journalist.",
    ),
    (
        "Evening Courier",
        "If you or someone you know has been affected by the issues raised in this article, support is available. The Evening Courier lists free and confidential helplines, open day and night, on its support page. You can also speak to your family doctor, or in an emergency call the emergency services. Talking to someone you trust about how you feel can help.",
    ),
    (
        "Coastline News",
        "Coastline News Sport brings you live scores, match reports, transfer rumours and expert analysis from every league, every day of the season. Subscribe today to unlock unlimited access to our premium coverage, including in-depth interviews, tactical breakdowns and our award-winning columnists. Existing subscribers can manage their account, change their newsletter preferences and update their payment details at any time on our website.",
    ),
];

/// The 100-word footer of [`footer_test`].
const TEST_FOOTER: &str = "Do you have information you want to share with the Evening Chronicle? Our newsroom reads every message it receives, and we protect the identity of sources who ask us to. You can reach our reporters securely by encrypted message, by email or by post, and we will never share your details without your consent. Tips about wrongdoing, public money, health, schools and the people who hold power in your community are especially welcome. Here is how to get in touch with our investigations team, and what happens after you do. Sign up for our free daily email newsletter. Learn more";

/// How an unrelated article introduces sentences it quotes from another.
const QUOTE_INTROS: &[&str] = &[
    "{As|Like} {outlet} {reported|noted|wrote} {on {day}|earlier this week|last week}:",
    "{Writing|Reporting} on {day}, {outlet} {put it this way|summed it up|described it}:",
    "In a {report|dispatch|story} {published|filed} on {day}, {outlet} {wrote|said}:",
    "{The situation|The background|The earlier case} was {described|set out|summarised} by {outlet}:",
];

/// A newsroom template for short items: a headline and sentences, each with the chance that an
/// item uses it. `{a|b}` is a free choice of wording; other braces are the item's specifics.
struct Template {
    title: &'static str,
    sentences: &'static [(&'static str, f64)],
}

const TEMPLATES: &[Template] = &[
    Template {
        title: "{Appeal to trace|Gardaí seek help to find} missing {age}-year-old {person} from {town}",
        sentences: &[
            (
                "{An appeal has been issued|Gardaí have issued an appeal} to trace {a_age}-year-old {person} who is missing from {town}, County {county}.",
                1.0,
            ),
            (
                "{name} was last seen in the {street} area of {town} at around {time} on {day} {date}.",
                1.0,
            ),
            (
                "{He} is described as being {height} in height, of {slim|medium|stocky} build, with {hair} hair and {eyes} eyes.",
                1.0,
            ),
            ("When last seen, {he} was wearing {clothing}.", 0.8),
            (
                "{first}'s family and Gardaí are {very|extremely|increasingly} concerned for {his} {welfare|wellbeing|safety}.",
                0.6,
            ),
            (
                "It is believed {he} may {travel|have travelled} to {station} {by bus|by train|by car}.",
                0.4,
            ),
            (
                "Anyone with information on {first}'s whereabouts is asked to contact {station} Garda Station on {phone}, the Garda Confidential Line on 1800 666 111 or any Garda station.",
                1.0,
            ),
        ],
    },
    Template {
        title: "{person}, {age}, {killed|dies} in County {county} {crash|collision}",
        sentences: &[
            (
                "{a_age}-year-old {person} has died {following|after} a {road traffic collision|crash} in County {county} {this morning|last night|yesterday evening|this afternoon}.",
                1.0,
            ),
            (
                "The {collision|crash}, involving {vehicle}, happened on the {road} at {town} at around {time}.",
                1.0,
            ),
            (
                "The {person}, who was the {driver|only occupant|passenger} of one of the vehicles, was pronounced dead at the scene.",
                0.8,
            ),
            (
                "{His} body has been taken to {hospital} where a post-mortem examination will take place.",
                0.7,
            ),
            (
                "The driver of the other vehicle, a {other} aged {age2}, was taken to {hospital} with {injuries that are not believed to be life-threatening|serious injuries|minor injuries}.",
                0.6,
            ),
            (
                "The road is closed to allow for an examination by Garda Forensic Collision Investigators and local diversions are in place.",
                1.0,
            ),
            (
                "Gardaí are appealing for any witnesses to come forward, particularly road users with camera footage who were travelling in the area between {t1} and {t2}.",
                1.0,
            ),
            (
                "Anyone with information is asked to contact {station} Garda Station on {phone}, the Garda Confidential Line on 1800 666 111 or any Garda station.",
                1.0,
            ),
        ],
    },
];

/// Towns and their counties, for template items.
const TOWNS: &[(&str, &str)] = &[
    ("Bray", "Wicklow"),
    ("Navan", "Meath"),
    ("Tullamore", "Offaly"),
    ("Monaghan", "Monaghan"),
    ("Clonmel", "Tipperary"),
    ("Dundalk", "Louth"),
    ("Ennis", "Clare"),
    ("Tralee", "Kerry"),
    ("Athlone", "Westmeath"),
    ("Carlow", "Carlow"),
    ("Letterkenny", "Donegal"),
    ("Kilkenny", "Kilkenny"),
    ("Castlebar", "Mayo"),
    ("Drogheda", "Louth"),
    ("Naas", "Kildare"),
    ("Wexford", "Wexford"),
    ("Sligo", "Sligo"),
    ("Cavan", "Cavan"),
    ("Portlaoise", "Laois"),
    ("Swords", "Dublin"),
];

const BOYS: &[&str] = &[
    "Seán", "Conor", "Jack", "Darragh", "Cian", "Patrick", "Liam", "Eoin", "Michael", "Aidan",
];

const GIRLS: &[&str] = &[
    "Aoife", "Ciara", "Niamh", "Sarah", "Emma", "Róisín", "Chloe", "Katie", "Megan", "Orla",
];

const IRISH_SURNAMES: &[&str] = &[
    "Murphy",
    "Kelly",
    "O'Brien",
    "Byrne",
    "Ryan",
    "Walsh",
    "O'Connor",
    "Doyle",
    "McCarthy",
    "Gallagher",
    "Kavanagh",
    "Nolan",
    "Quinn",
    "Farrell",
    "Maguire",
];

const STREETS: &[&str] = &[
    "Main Street",
    "Church Road",
    "Castle Street",
    "Bridge Street",
    "Station Road",
    "Market Square",
    "Green Lane",
    "Abbey Street",
];

const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const HAIR: &[&str] = &[
    "brown",
    "black",
    "blonde",
    "red",
    "fair",
    "dark brown",
    "grey",
];

const EYES: &[&str] = &["blue", "brown", "green", "hazel"];

const CLOTHING: &[&str] = &[
    "a black hooded jacket, grey tracksuit bottoms and white runners",
    "a navy puffer jacket, blue jeans and black shoes",
    "a green school uniform and a black backpack",
    "a red jumper, dark trousers and brown boots",
    "a grey coat, a white T-shirt and black leggings",
];

const VEHICLES: &[&str] = &[
    "a car and a van",
    "two cars",
    "a car and a lorry",
    "a motorcycle and a car",
    "a single car",
    "a tractor and a car",
];

const HOSPITALS: &[&str] = &[
    "Cavan General Hospital",
    "Our Lady of Lourdes Hospital in Drogheda",
    "Tipperary University Hospital",
    "the Midland Regional Hospital in Tullamore",
    "University Hospital Limerick",
    "Beaumont Hospital",
    "University Hospital Kerry",
];

const SECTION_SUFFIXES: &[&str] = &[
    " | Politics News",
    " | World News",
    " | Business News",
    " | Technology News",
    " - BBC News",
    " | Reuters",
    " | AP News",
    " – The Guardian",
    " | Al Jazeera",
    " | Sky News",
    " - The Independent",
    " | CNN Politics",
    " | Euronews",
    " | The Straits Times",
];

const OUTLETS: &[&str] = &[
    "Reuters",
    "The Associated Press",
    "Agence France-Presse",
    "Al Jazeera Media Network",
    "Guardian News & Media",
    "Sky UK",
    "Euronews",
];

const TOP_CHROME: &[&str] = &["loading…", "Advertisement", "Skip to main content", "Share"];

const MID_CHROME: &[&str] = &[
    "Advertisement",
    "Story continues below advertisement",
    "RELATED ARTICLES",
    "Continue reading",
];

const END_CHROME: &[&str] = &[
    "scroll to top",
    "Share this article",
    "Sign up for our newsletter",
    "Back to top",
    "© {year} {outlet}. All rights reserved.",
    "Copyright {year} {outlet}",
];

const CAPTION_CREDITS: &[&str] = &[
    ". Photo/Reuters",
    " - Yonhap",
    " (Photo: AP)",
    ". Photograph: Getty Images",
    " | Photo: AFP",
    " - SPUTNIK",
    ". File photo/EPA",
    " (Image: Shutterstock)",
];

const CITIES: &[&str] = &[
    "LONDON",
    "WASHINGTON",
    "NEW YORK",
    "BRUSSELS",
    "PARIS",
    "BERLIN",
    "TOKYO",
    "BEIJING",
    "MOSCOW",
    "SEOUL",
    "NEW DELHI",
    "SYDNEY",
];

const WEEKDAYS: &[&str] = &["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"];

const FIRST_NAMES: &[&str] = &[
    "Anna", "David", "Maria", "James", "Sofia", "Daniel", "Laura", "Michael", "Elena", "Thomas",
    "Grace", "Samuel", "Hannah", "Omar", "Priya", "Lucas",
];

const LAST_NAMES: &[&str] = &[
    "Smith", "Nguyen", "Garcia", "Khan", "Müller", "Rossi", "Kowalski", "Okafor", "Tanaka",
    "Silva", "Brennan", "Haddad", "Larsen", "Moreau", "Patel", "Cohen",
];

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLES: &[(&str, Option<&str>, &str, &str)] = &[
        (
            "kim",
            Some("2024-03-16"),
            "Kim Jong-un takes first ride in car gifted by Putin",
            "North Korean leader Kim Jong-un made his first trip in a luxury car given to him as a gift by Russian President Vladimir Putin. Pyongyang and Moscow have forged closer ties since Kim met Putin in Russia last September, their first summit in four years.\n\nPutin also invited Kim to try out his high-end Aurus Senate limousine, and the vehicle arrived in Pyongyang in February. On Friday, Kim used the car for the first time, according to his sister and top government official Kim Yo-jong.\n\nThe trip is \"clear evidence of the DPRK-Russia friendship, which is developing comprehensively at a new high level\", Kim Yo-jong said, according to state-run KCNA. According to Russian state media, Aurus is Russia's first luxury car brand and has been used in motorcades of senior officials since Putin first used an Aurus limousine during his inauguration ceremony in 2018.\n\nKim Jong-un, 40, has a collection of foreign-made luxury cars that are believed to have been smuggled into his country. During his visit to Russia, he travelled between meeting places in a Maybach limousine that he brought on his special train. A United Nations report in 2021 highlighted attempts to send luxury vehicles worth more than $1 million from the United Arab Emirates to North Korea.\n\nNorth Korea and Russia have grown closer over the past year as North Korea developed its weapons programme and Moscow continued its full-scale invasion of Ukraine. The United States and South Korea have expressed concerns that North Korea is sending weapons to Russia for use in the war in Ukraine.",
        ),
        (
            "vote",
            Some("2017-02-07"),
            "DeVos confirmed as education secretary after tie-breaking vote",
            "Billionaire education activist Betsy DeVos was confirmed on Tuesday as secretary of education, after Vice President Mike Pence cast a tie-breaking vote in the Senate. The tally was split evenly, requiring Pence to use his authority as president of the upper chamber to break the impasse. It was the first time a vice president had been called on to break a tie on a cabinet nominee. Democrats held the floor through the night in a last attempt to persuade one more Republican to oppose the nomination. Two Republican senators, Susan Collins of Maine and Lisa Murkowski of Alaska, voted against her, citing concerns about her lack of experience with public schools. Critics said DeVos had spent decades promoting charter schools and vouchers that divert money from traditional public education. Supporters argued that she would bring fresh ideas to a department that they said had failed poor children. \"I will work every day to ensure that parents have real choices,\" DeVos said in a statement after the vote. Teachers' unions, which campaigned hard against her, said they would continue to fight her agenda in every state. The department oversees federal student loans and enforces civil rights law in schools.",
        ),
        (
            "airline",
            None,
            "Fuel costs hit airline profits",
            "British Airways has blamed high fuel prices for a 40% drop in profits.\n\nReporting its results for the three months to 31 December, the airline made a pre-tax profit of £75m compared with £125m a year earlier. Rod Eddington, the airline's chief executive, said the results were \"respectable\" in a quarter when fuel costs rose by £106m.\n\nTo help offset the increased price of aviation fuel, the company last year introduced a fuel surcharge for passengers. In October, it increased the charge from £6 to £10 one-way for all long-haul flights, while the short-haul surcharge was raised from £2.50 to £4 a leg.\n\nYet aviation analyst Mike Powell says the estimated annual surcharge revenues will still be way short of its additional fuel costs. Turnover for the quarter was up 4.3% to £1.97bn, further benefiting from a rise in cargo revenue. Looking ahead to its full year results, the airline warned that yields were expected to decline as it continues to lower prices in the face of competition from low-cost carriers. However, it said sales would be better than previously forecast.",
        ),
        (
            "court",
            Some("2017-02-07"),
            "Appeals court to hear arguments on travel ban",
            "Three federal judges from the 9th Circuit Court of Appeals will hear oral arguments this afternoon in the emergency legal challenge to the executive order that temporarily bars travel from seven countries. The hearing, which will be conducted over the phone at 3 p.m. Pacific time, will allow each side to give 30-minute arguments. The plaintiffs in this appeal, Washington and Minnesota, will state their case, as will the Department of Justice. The public can listen to the hearing live on the court's website. The judges are expected to rule on the future of the order after hearing the arguments. The two states have argued that the order was likely to cause \"irreparable harm\" to businesses, schools and family relations. The Justice Department said the travel restrictions are a matter of national security. Legal experts said the case could eventually reach the Supreme Court, where the outcome is far from certain.",
        ),
        (
            "storm",
            Some("2019-09-02"),
            "Hurricane forces evacuations along coast",
            "Hundreds of thousands of residents were ordered to leave their homes on Monday as a powerful hurricane approached the south-eastern coast. Forecasters said the storm could bring winds of up to 140 miles per hour and a dangerous surge of sea water. Governor Ron Harper declared a state of emergency and urged people not to wait until the last minute. Shelters opened in schools and churches across the region, and the national guard was put on standby. Airlines cancelled more than 1,200 flights, and the main ports were closed to shipping. Emergency officials warned that power could be out for days in some areas. Residents queued for petrol and bottled water, and some shops ran out of supplies by the afternoon. The storm has already caused severe flooding in the islands to the south, where at least five people died.",
        ),
        (
            "phone",
            Some("2018-05-11"),
            "Phone maker reports record quarterly sales",
            "The world's second largest phone maker reported record sales for the first quarter on Thursday, helped by strong demand for its new flagship handset. Revenue rose 18% to $52bn, beating analysts' forecasts, while net profit climbed to $9.4bn. The company said it had sold more than 60 million devices in the three months to March, with particularly strong growth in India and South-East Asia. Chief executive Lena Park told investors that the firm would invest heavily in foldable screens and artificial intelligence. Shares in the company rose 4% in early trading in Seoul. However, analysts warned that rising component prices and a slowing Chinese market could weigh on margins later in the year. The firm also announced a share buyback worth $3bn, its largest ever.",
        ),
    ];

    fn base() -> Vec<BaseArticle> {
        SAMPLES
            .iter()
            .map(|&(id, date, title, text)| BaseArticle {
                id: id.into(),
                date: date.map(Into::into),
                title: Some(title.into()),
                text: text.into(),
            })
            .collect()
    }

    fn config(seed: u64, articles: usize) -> SynthConfig {
        SynthConfig {
            seed,
            articles,
            ..SynthConfig::default()
        }
    }

    /// Word 3-shingle Jaccard on lower-cased alphanumeric words, as `dedup` measures it up to
    /// Unicode details that the samples do not exercise.
    fn jaccard(a: &str, b: &str) -> f64 {
        let shingles = |text: &str| -> HashSet<String> {
            let words: Vec<String> = text
                .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’')
                .filter(|w| !w.is_empty())
                .map(|w| w.to_lowercase().replace('’', "'"))
                .collect();
            words.windows(3).map(|w| w.join(" ")).collect()
        };
        let (a, b) = (shingles(a), shingles(b));
        a.intersection(&b).count() as f64 / a.union(&b).count() as f64
    }

    /// Copies of the first sample story made by `make`, one per seed, as Jaccard to the original.
    fn similarities(make: fn(&Corpus, &Story, &[String], &mut Rng) -> Draft) -> Vec<f64> {
        let base = base();
        let corpus = Corpus::new(&base, 1);
        let story = corpus.story(
            Source::Base(corpus.order.iter().position(|&d| d == 0).unwrap()),
            &mut Rng(0),
        );
        let original = story.paras.concat().join(" ");
        let names = entities(story.sentences());
        (0..40)
            .map(|seed| {
                let copy = make(&corpus, &story, &names, &mut Rng::derive(seed, &[]));
                jaccard(&original, &copy.paras.concat().join(" "))
            })
            .collect()
    }

    fn mean(xs: &[f64]) -> f64 {
        xs.iter().sum::<f64>() / xs.len() as f64
    }

    #[test]
    fn same_seed_gives_the_same_corpus_and_another_seed_a_different_one() {
        let base = base();
        let run = |seed| generate(&base, &config(seed, 40)).collect::<Vec<_>>();
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }

    #[test]
    fn yields_exactly_the_requested_articles_all_labelled_and_non_empty() {
        let base = base();
        for n in [0, 1, 2, 3, 17, 90] {
            let articles: Vec<SynthArticle> = generate(&base, &config(3, n)).collect();
            assert_eq!(articles.len(), n);
            let ids: HashSet<&str> = articles.iter().map(|a| a.id.as_str()).collect();
            assert_eq!(ids.len(), n, "ids are unique");
            for a in &articles {
                assert!(!a.text.trim().is_empty(), "{} is empty", a.id);
                assert!(a.id.starts_with(&format!("{}-c", a.story)));
                assert_eq!(a.label().kind, Some(a.kind.name()));
            }
        }
    }

    #[test]
    fn stories_are_consistent_with_their_kinds() {
        let base = base();
        let articles: Vec<SynthArticle> = generate(&base, &config(5, 150)).collect();
        let mut by_story: HashMap<&str, Vec<CopyKind>> = HashMap::new();
        for a in &articles {
            by_story.entry(&a.story).or_default().push(a.kind);
        }
        for kinds in by_story.values() {
            match kinds[..] {
                [
                    CopyKind::Unrelated
                    | CopyKind::HardNegative
                    | CopyKind::SharedBackground
                    | CopyKind::SharedFooter
                    | CopyKind::Quoted
                    | CopyKind::Template
                    | CopyKind::FollowUp,
                ] => {}
                _ => {
                    let originals = kinds.iter().filter(|&&k| k == CopyKind::Original).count();
                    assert_eq!(originals, 1, "{kinds:?}");
                    assert!(kinds.len() >= 2 && kinds.len() <= 5, "{kinds:?}");
                }
            }
        }
    }

    #[test]
    fn default_mix_matches_its_description() {
        let cfg = config(9, 50_000);
        let mut planner = Planner::new(&cfg, 10);
        let (mut plans_made, mut copied, mut footers) = (0, 0, 0);
        let mut kinds: HashMap<CopyKind, usize> = HashMap::new();
        let mut negatives: HashMap<CopyKind, usize> = HashMap::new();
        loop {
            let plans = planner.next_batch();
            if plans.is_empty() {
                break;
            }
            for plan in plans {
                plans_made += 1;
                copied += usize::from(!plan.copies.is_empty());
                footers += usize::from(plan.outlet.is_some());
                for kind in plan.copies {
                    *kinds.entry(kind).or_default() += 1;
                }
                for kind in plan.negatives {
                    *negatives.entry(kind).or_default() += 1;
                }
            }
        }
        let copied_share = copied as f64 / plans_made as f64;
        assert!((0.38..0.42).contains(&copied_share), "{copied_share}");
        let footer_share = footers as f64 / plans_made as f64;
        assert!((0.13..0.17).contains(&footer_share), "{footer_share}");
        for (kind, share) in [
            (CopyKind::HardNegative, 0.05),
            (CopyKind::SharedBackground, 0.03),
            (CopyKind::Quoted, 0.03),
            (CopyKind::Template, 0.03),
            (CopyKind::FollowUp, 0.03),
        ] {
            let got = negatives[&kind] as f64 / cfg.articles as f64;
            assert!((got - share).abs() < share / 10.0, "{kind:?} {got}");
        }
        let copies: usize = kinds.values().sum();
        for kind in [
            CopyKind::Reword,
            CopyKind::Chrome,
            CopyKind::Extend,
            CopyKind::Rewrite,
        ] {
            let share = kinds[&kind] as f64 / copies as f64;
            assert!((0.23..0.27).contains(&share), "{kind:?} {share}");
        }
    }

    #[test]
    fn reword_stays_in_the_machine_translation_band() {
        let sims = similarities(|_, s, n, r| reword_copy(s, n, r));
        assert!((0.3..=0.6).contains(&mean(&sims)), "mean {}", mean(&sims));
        assert!(sims.iter().all(|j| (0.15..0.8).contains(j)), "{sims:?}");
    }

    #[test]
    fn rewrite_is_much_further_from_the_original_than_reword() {
        let rewrite = similarities(rewrite_copy);
        let reword = similarities(|_, s, n, r| reword_copy(s, n, r));
        assert!(mean(&rewrite) < mean(&reword) - 0.15);
        assert!(
            (0.05..0.25).contains(&mean(&rewrite)),
            "mean {}",
            mean(&rewrite)
        );
    }

    #[test]
    fn rewrites_span_the_range_of_real_ones() {
        // The real heavy rewrite in fixtures/seeds is at 0.093–0.098 from its original: a
        // benchmark whose rewrites all sit well above that would flatter any detector.
        let sims = similarities(rewrite_copy);
        let hard = sims.iter().filter(|&&j| j < 0.12).count();
        let easy = sims.iter().filter(|&&j| j >= 0.15).count();
        assert!(hard >= sims.len() / 4, "{sims:?}");
        assert!(easy >= sims.len() / 10, "{sims:?}");
    }

    #[test]
    fn main_clause_keeps_the_longest_clause_as_a_sentence() {
        assert_eq!(
            main_clause(
                "On Friday, Kim used the car for the first time and said \"it is a fine car\", according to his sister."
            ),
            "Kim used the car for the first time."
        );
        assert_eq!(main_clause("He left, quickly."), "He left, quickly.");
    }

    #[test]
    fn hard_negative_shares_a_verbatim_sentence_but_not_the_story() {
        let base = base();
        let cfg = SynthConfig {
            copied_stories: 1.0,
            hard_negatives: 0.2,
            ..config(11, 60)
        };
        let articles: Vec<SynthArticle> = generate(&base, &cfg).collect();
        let by_id: HashMap<&str, &SynthArticle> =
            articles.iter().map(|a| (a.id.as_str(), a)).collect();
        let negatives: Vec<&SynthArticle> = articles
            .iter()
            .filter(|a| a.kind == CopyKind::HardNegative)
            .collect();
        assert!(!negatives.is_empty());
        for negative in negatives {
            let number: u64 = negative.story[1..].parse().unwrap();
            let source = by_id[format!("{}-c0", story_id(number - 1)).as_str()];
            assert_eq!(source.kind, CopyKind::Original);
            assert_ne!(source.story, negative.story);
            // The planted sentence is a paragraph of its own.
            let planted = negative
                .text
                .split("\n\n")
                .filter(|p| p.split_whitespace().count() >= 8)
                .any(|p| source.text.contains(p));
            assert!(
                planted,
                "{} shares no sentence with {}",
                negative.id, source.id
            );
        }
    }

    #[test]
    fn a_few_short_base_articles_still_give_every_article_text() {
        let base = [BaseArticle {
            id: "tiny".into(),
            date: None,
            title: None,
            text: "Hello world.".into(),
        }];
        let articles: Vec<SynthArticle> = generate(&base, &config(1, 25)).collect();
        assert_eq!(articles.len(), 25);
        assert!(articles.iter().all(|a| !a.text.trim().is_empty()));
    }

    #[test]
    fn seed_format_puts_date_and_headline_on_the_first_line() {
        let mut a = SynthArticle {
            id: "s000001-c1".into(),
            story: "s000001".into(),
            kind: CopyKind::Chrome,
            date: Some("2024-03-16".into()),
            title: Some("Kim rides in Putin's car | Politics News".into()),
            text: "First paragraph.\n\nSecond paragraph.".into(),
        };
        assert_eq!(
            to_seed_format(&a),
            " date 2024-03-16 Kim rides in Putin's car | Politics News\n\nFirst paragraph.\n\nSecond paragraph.\n"
        );
        a.title = None;
        assert_eq!(
            to_seed_format(&a),
            " date 2024-03-16 First paragraph.\n\nSecond paragraph.\n"
        );
    }

    #[test]
    fn reads_base_jsonl_with_null_and_missing_fields() {
        let input = "{\"id\": \"a\", \"date\": null, \"title\": \"T\", \"text\": \"Body.\", \"source\": \"x\"}\n\n{\"id\": \"b\", \"text\": \"More.\"}\n";
        let articles = read_base_jsonl(input.as_bytes()).unwrap();
        assert_eq!(articles.len(), 2);
        assert_eq!(articles[0].date, None);
        assert_eq!(articles[1].title, None);
        assert!(read_base_jsonl("{\"id\": 1}".as_bytes()).is_err());
    }

    #[test]
    fn sentences_split_at_stops_but_not_after_abbreviations() {
        assert_eq!(
            split_sentences(
                "Mr. Kim met U.S. officials at 3 p.m. Friday. \"It went well,\" he said. Then he left."
            ),
            vec![
                "Mr. Kim met U.S. officials at 3 p.m. Friday.",
                "\"It went well,\" he said.",
                "Then he left."
            ]
        );
    }

    #[test]
    fn text_seen_in_an_earlier_base_article_is_dropped() {
        let pitch = "Sign up for our daily newsletter to get the news that matters most to you.";
        let article = |id: &str| {
            let story = SAMPLES.iter().find(|s| s.0 == id).unwrap().3;
            BaseArticle {
                id: id.into(),
                date: None,
                title: None,
                text: format!("{story}\n\n{pitch}"),
            }
        };
        let base = [article("vote"), article("court"), article("vote")];
        let corpus = Corpus::new(&base, 0);
        let sentences: Vec<usize> = corpus.docs.iter().map(|d| d.sentences).collect();
        // The pitch is kept once; the repeated article is dropped whole.
        assert_eq!(sentences, vec![11, 8]);
    }

    #[test]
    fn outlet_boilerplate_in_many_articles_is_kept_in_each_but_a_repeat_is_still_dropped() {
        let footer = "Do you have information you want to share with the Morning Star? Here is how to reach our newsroom securely. Learn more";
        let mut base: Vec<BaseArticle> = SAMPLES
            .iter()
            .map(|&(id, _, _, text)| BaseArticle {
                id: id.into(),
                date: None,
                title: None,
                text: format!("{text}\n\n{footer}"),
            })
            .collect();
        base.push(base[1].clone());
        let corpus = Corpus::new(&base, 0);
        assert_eq!(corpus.docs.len(), SAMPLES.len(), "the repeat is dropped");
        for (doc, sample) in corpus.docs.iter().zip(SAMPLES) {
            let own = split_paragraphs(sample.3).concat().len();
            assert_eq!(doc.sentences, own + 3, "{} keeps its footer", sample.0);
            assert!(doc.footer);
            assert_eq!(doc.paras.last().unwrap().join(" "), footer);
        }
    }

    fn by_id(articles: &[SynthArticle]) -> HashMap<&str, &SynthArticle> {
        articles.iter().map(|a| (a.id.as_str(), a)).collect()
    }

    /// The article whose story a negative was made from: the nearest earlier story that is not
    /// itself a negative.
    fn source_of<'a>(
        by_id: &HashMap<&str, &'a SynthArticle>,
        negative: &SynthArticle,
    ) -> &'a SynthArticle {
        let mut number: u64 = negative.story[1..].parse().unwrap();
        loop {
            number -= 1;
            let a = by_id[format!("{}-c0", story_id(number)).as_str()];
            if matches!(
                a.kind,
                CopyKind::Original | CopyKind::Unrelated | CopyKind::SharedFooter
            ) {
                return a;
            }
        }
    }

    fn paragraphs(text: &str) -> Vec<&str> {
        text.split("\n\n").collect()
    }

    /// Many base articles of made-up words that no two share, so that fresh text spliced from
    /// them shares next to nothing, as with a real base of thousands of articles (six samples
    /// are too few clauses for that).
    fn wordy_base() -> Vec<BaseArticle> {
        (0..300)
            .map(|a| {
                let sentence = |s: usize| {
                    let clause = |c: usize| -> String {
                        (0..6)
                            .map(|w| format!("q{a}x{s}x{c}x{w}"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    };
                    capitalize(&format!("{}, {}, {}.", clause(0), clause(1), clause(2)))
                };
                BaseArticle {
                    id: format!("w{a}"),
                    date: Some(format!("2020-01-{:02}", 1 + a % 28)),
                    title: None,
                    text: (0..20).map(sentence).collect::<Vec<_>>().join(" "),
                }
            })
            .collect()
    }

    fn generate_only(kind_share: impl Fn(&mut SynthConfig), seed: u64) -> Vec<SynthArticle> {
        let mut cfg = SynthConfig {
            hard_negatives: 0.0,
            shared_backgrounds: 0.0,
            quoted: 0.0,
            templates: 0.0,
            follow_ups: 0.0,
            footers: 0.0,
            ..config(seed, 200)
        };
        kind_share(&mut cfg);
        generate(&wordy_base(), &cfg).collect()
    }

    /// The articles of one negative kind, at least ten of them to judge the kind by.
    fn enough_of(articles: &[SynthArticle], kind: CopyKind) -> Vec<&SynthArticle> {
        let of_kind: Vec<&SynthArticle> = articles.iter().filter(|a| a.kind == kind).collect();
        assert!(of_kind.len() >= 10, "{kind:?}: {}", of_kind.len());
        of_kind
    }

    #[test]
    fn shared_background_is_one_verbatim_paragraph_and_the_rest_differs() {
        let articles = generate_only(|c| c.shared_backgrounds = 0.15, 21);
        let by_id = by_id(&articles);
        let negatives = enough_of(&articles, CopyKind::SharedBackground);
        for negative in negatives {
            let source = source_of(&by_id, negative);
            let shared: Vec<&str> = paragraphs(&negative.text)
                .into_iter()
                .filter(|p| paragraphs(&source.text).contains(p))
                .collect();
            assert_eq!(shared.len(), 1, "{} and {}", negative.id, source.id);
            let words = shared[0].split_whitespace().count();
            assert!(BOX_WORDS.contains(&words), "{words}");
            // Not the lede of either: a box sits in the middle or at the end.
            assert_ne!(paragraphs(&negative.text)[0], shared[0]);
            assert_ne!(paragraphs(&source.text)[0], shared[0]);
            let rest = |text: &str| text.replace(shared[0], "");
            let j = jaccard(&rest(&negative.text), &rest(&source.text));
            assert!(j < 0.03, "{} and {}: {j}", negative.id, source.id);
            // Copies of the source carry the box too (reworded), so they are no less tied.
            if source.kind == CopyKind::Original {
                assert!(by_id.contains_key(format!("{}-c1", source.story).as_str()));
            }
        }
    }

    #[test]
    fn footers_end_one_outlet_s_articles_and_copies_get_their_republisher_s() {
        for (outlet, footer) in FOOTERS {
            let words = footer.split_whitespace().count();
            assert!((50..=100).contains(&words), "{outlet}: {words} words");
        }
        let articles = generate_only(|c| c.footers = 0.5, 23);
        let by_id = by_id(&articles);
        let footer_of = |a: &SynthArticle| {
            let last = *paragraphs(&a.text).last().unwrap();
            FOOTERS.iter().position(|(_, f)| *f == last)
        };
        let mut stories_by_footer: HashMap<usize, HashSet<&str>> = HashMap::new();
        let mut copies_with_footer = 0;
        for a in &articles {
            match a.kind {
                CopyKind::SharedFooter => {
                    let footer = footer_of(a).expect("a shared-footer article ends with one");
                    stories_by_footer
                        .entry(footer)
                        .or_default()
                        .insert(&a.story);
                }
                CopyKind::Unrelated => assert_eq!(footer_of(a), None, "{}", a.id),
                CopyKind::Reword | CopyKind::Chrome | CopyKind::Extend | CopyKind::Rewrite => {
                    let original = by_id[format!("{}-c0", a.story).as_str()];
                    if let Some(footer) = footer_of(a) {
                        copies_with_footer += 1;
                        assert_ne!(footer_of(original), Some(footer), "{}", a.id);
                    }
                }
                _ => {}
            }
        }
        assert!(copies_with_footer >= 10, "{copies_with_footer}");
        assert!(
            stories_by_footer.values().any(|s| s.len() >= 5),
            "{stories_by_footer:?}"
        );
    }

    #[test]
    fn follow_up_opens_with_its_own_text_and_reuses_consecutive_paragraphs_of_its_story() {
        let articles = generate_only(|c| c.follow_ups = 0.15, 27);
        let by_id = by_id(&articles);
        let negatives = enough_of(&articles, CopyKind::FollowUp);
        let mut verbatim = 0;
        for negative in &negatives {
            let source = source_of(&by_id, negative);
            let own = paragraphs(&source.text);
            let paras = paragraphs(&negative.text);
            // Its opening is its own.
            assert!(jaccard(paras[0], &source.text) < 0.05, "{}", negative.id);
            // The reused paragraphs follow one another, in the source's order.
            let reused: Vec<usize> = paras
                .iter()
                .filter_map(|p| own.iter().position(|o| jaccard(p, o) > 0.5))
                .collect();
            assert!(
                (1..=3).contains(&reused.len()),
                "{}: {reused:?}",
                negative.id
            );
            let n = own.len();
            assert!(
                reused.windows(2).all(|w| w[1] == (w[0] + 1) % n),
                "{}: {reused:?}",
                negative.id
            );
            verbatim += usize::from(reused.iter().all(|&i| negative.text.contains(own[i])));
            let days = load::day_number(negative.date.as_deref().unwrap_or(""))
                .zip(load::day_number(source.date.as_deref().unwrap_or("")))
                .map(|(f, s)| f - s);
            assert!(days.is_none_or(|d| (0..=6).contains(&d)), "{days:?}");
            // Different stories, in the band where real follow-ups sit.
            let j = jaccard(&negative.text, &source.text);
            assert!(
                (0.05..0.45).contains(&j),
                "{} and {}: {j}",
                negative.id,
                source.id
            );
        }
        // Made-up words have no synonyms, so the light edits of this base leave them verbatim.
        assert_eq!(verbatim, negatives.len());
    }

    #[test]
    fn quoted_article_holds_two_or_three_sentences_of_its_source_inside() {
        let articles = generate_only(|c| c.quoted = 0.15, 25);
        let by_id = by_id(&articles);
        let negatives = enough_of(&articles, CopyKind::Quoted);
        for negative in negatives {
            let source = source_of(&by_id, negative);
            let paras = paragraphs(&negative.text);
            let at = paras.iter().position(|p| p.contains('“')).unwrap();
            assert!(at > 0 && at + 1 < paras.len(), "{at} of {}", paras.len());
            let quote = paras[at].split_once('“').unwrap().1.trim_end_matches('”');
            let own: String = source.text.split("\n\n").collect::<Vec<_>>().join(" ");
            assert!(own.contains(quote), "{}: {quote}", negative.id);
            let sentences = split_sentences(quote).len();
            assert!((2..=3).contains(&sentences), "{sentences}: {quote}");
            let rest = negative.text.replace(quote, "");
            let j = jaccard(&rest, &source.text);
            assert!(j < 0.03, "{} and {}: {j}", negative.id, source.id);
        }
    }

    #[test]
    fn template_items_share_their_wording_but_not_their_specifics() {
        let items: Vec<Draft> = (0..40)
            .map(|seed| template_item(Some("2017-03-01"), &mut Rng::derive(seed, &[])))
            .collect();
        let text = |d: &Draft| d.paras.concat().join(" ");
        let numbers = |t: &str| -> Vec<String> {
            t.split_whitespace()
                .filter(|w| w.contains(|c: char| c.is_ascii_digit()))
                .map(str::to_string)
                .collect()
        };
        let mut same_template = 0;
        for (i, a) in items.iter().enumerate() {
            let words = text(a).split_whitespace().count();
            assert!((60..=200).contains(&words), "{words}: {}", text(a));
            let date = a.date.as_deref().unwrap();
            assert!(("2017-01-30"..="2017-03-31").contains(&date), "{date}");
            for b in &items[i + 1..] {
                let family = |d: &Draft| d.title.as_ref().unwrap().contains("missing");
                if family(a) != family(b) {
                    continue;
                }
                same_template += 1;
                let j = jaccard(&text(a), &text(b));
                assert!(j > 0.15, "{j}: {}\n{}", text(a), text(b));
                assert_ne!(numbers(&text(a)), numbers(&text(b)));
            }
        }
        assert!(same_template >= 100, "{same_template}");
        let titles: HashSet<&str> = items.iter().filter_map(|d| d.title.as_deref()).collect();
        assert!(titles.len() >= 30, "{titles:?}");
        let articles = generate_only(|c| c.templates = 0.1, 27);
        assert!(
            articles
                .iter()
                .filter(|a| a.kind == CopyKind::Template)
                .count()
                >= 10
        );
    }

    #[test]
    fn footer_test_gives_different_stories_with_only_the_footer_in_common() {
        assert_eq!(TEST_FOOTER.split_whitespace().count(), 100);
        let base = wordy_base();
        let cfg = config(31, 30);
        let articles: Vec<SynthArticle> = footer_test(&base, &cfg).collect();
        assert_eq!(articles, footer_test(&base, &cfg).collect::<Vec<_>>());
        assert_eq!(articles.len(), 30);
        let stories: HashSet<&str> = articles.iter().map(|a| a.story.as_str()).collect();
        assert_eq!(stories.len(), 30);
        let own: Vec<String> = articles
            .iter()
            .map(|a| {
                assert_eq!(a.kind, CopyKind::SharedFooter);
                let own = a
                    .text
                    .strip_suffix(TEST_FOOTER)
                    .expect("ends with the footer");
                let words = own.split_whitespace().count();
                assert!((400..=700).contains(&words), "{words}");
                own.to_string()
            })
            .collect();
        for (i, a) in own.iter().enumerate() {
            for b in &own[i + 1..] {
                assert!(jaccard(a, b) < 0.03, "{}", jaccard(a, b));
            }
        }
    }

    #[test]
    fn rewording_tools_do_what_they_say() {
        let style = Style {
            spelling: Some(Spelling::American),
            split_hyphenated_names: true,
            curly_quotes: false,
            comma_inside_quotes: true,
            name_variants: vec![("Senate".into(), "Senat".into())],
        };
        let out = reword(
            "Kim Jong-un will organise a trip to the Senate's new centre.",
            &style,
            0.0,
            &mut Rng(1),
        );
        assert_eq!(
            out,
            "Kim Jong Un will organize a trip to the Senat's new center."
        );
        let mut toks = tokenize("On Friday, Kim used the car for the first time.");
        assert!(move_opener(&mut toks));
        assert_eq!(
            detokenize(&toks),
            "Kim used the car for the first time on Friday."
        );
        let mut toks = tokenize("\"We condemn it,\" a ministry official said.");
        assert!(invert_said(&mut toks));
        assert_eq!(
            detokenize(&toks),
            "\"We condemn it,\" said a ministry official."
        );
        let mut toks = tokenize("It used the acronym for North Korea's official name, the DPRK.");
        assert!(invert_possessive(&mut toks));
        assert_eq!(
            detokenize(&toks),
            "It used the acronym for the official name of North Korea, the DPRK."
        );
    }

    #[test]
    fn every_lexicon_key_has_one_entry() {
        let mut seen = HashSet::new();
        let twice: Vec<String> = LEXICON
            .by_first
            .values()
            .flatten()
            .map(|e| e.words.join(" "))
            .filter(|key| !seen.insert(key.clone()))
            .collect();
        assert!(twice.is_empty(), "listed twice: {twice:?}");
    }

    #[test]
    fn dates_shift_across_month_and_year_ends() {
        assert_eq!(shift_date("2024-02-28", 2).as_deref(), Some("2024-03-01"));
        assert_eq!(shift_date("2017-01-01", -1).as_deref(), Some("2016-12-31"));
        assert_eq!(shift_date("2017-13-01", 0), None);
    }
}

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
//! * Every base article is used once, in seeded order, as the original text of one story.
//!   Stories beyond the number of base articles are "fresh": stitched from runs of one or two
//!   sentences of many random base articles, so two different stories share next to no word
//!   3-shingles.
//! * Sentences that already occurred in an earlier base article (site boilerplate such as
//!   newsletter pitches, or a base article that is itself a copy) are removed first; otherwise
//!   different stories would share text and the labels would be wrong.
//! * A story either stands alone ([`CopyKind::Unrelated`]) or is published as an
//!   [`CopyKind::Original`] plus copies. A story with copies may be followed by a hard negative:
//!   a different story that borrows its names and a sentence or two.
//! * Articles are shuffled within batches of a few hundred stories, so that copies are close in
//!   the stream but not adjacent.

use std::collections::{HashMap, HashSet};
use std::io::BufRead;
use std::sync::LazyLock;

use anyhow::Context;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

/// One real article that synthetic stories are built from: a line of a base JSONL file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaseArticle {
    pub id: String,
    /// `YYYY-MM-DD`; anything else is treated as no date.
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
    /// The base text of a story that has copies, unchanged.
    Original,
    /// Light rewording as after a machine-translation round trip: synonyms, function words,
    /// British/American spelling, hyphenation and one-letter name variants, quote style, small
    /// word-order changes. Word 3-shingle Jaccard to the original is typically 0.3–0.6.
    Reword,
    /// Outlet page chrome around a lightly reworded copy: a headline with a section suffix, a
    /// date line, "loading…"/"Advertisement"/"scroll to top" lines, a photo caption, a byline.
    Chrome,
    /// A lightly reworded copy with paragraphs added (from another article or generic
    /// background) and/or up to about 30 % cut from the end.
    Extend,
    /// A heavy rewrite: new lede, sentences reordered, merged, split and dropped, most of them
    /// paraphrased. Jaccard to the original about 0.08–0.2.
    Rewrite,
    /// A different story that reuses the names of the story before it (story number one less)
    /// and one or two of its sentences verbatim. It has a story of its own.
    HardNegative,
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
/// evenly weighted kinds and about 5 % of articles are hard negatives.
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
        }
    }
}

impl SynthConfig {
    /// Chance that a story with copies is followed by a hard negative, chosen so that hard
    /// negatives make up `hard_negatives` of the articles in expectation.
    fn hard_negative_chance(&self) -> f64 {
        let copied = self.copied_stories.clamp(0.0, 1.0);
        let share = self.hard_negatives.clamp(0.0, 0.99);
        if copied <= 0.0 {
            return 0.0;
        }
        let mean_copies = (1 + self.max_copies.max(1)) as f64 / 2.0;
        let articles_per_story = 1.0 - copied + copied * (1.0 + mean_copies);
        (share * articles_per_story / (copied * (1.0 - share))).min(1.0)
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
    pub fn label(&self) -> Label {
        Label {
            id: self.id.clone(),
            story: self.story.clone(),
            kind: self.kind,
        }
    }
}

/// One line of a labels file, as read by `dedup eval --labels`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    pub id: String,
    pub story: String,
    pub kind: CopyKind,
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
    hard_negative: bool,
}

struct Planner<'a> {
    cfg: &'a SynthConfig,
    bases: usize,
    next_base: usize,
    next_story: u64,
    remaining: usize,
    hard_negative_chance: f64,
}

impl<'a> Planner<'a> {
    fn new(cfg: &'a SynthConfig, bases: usize) -> Self {
        Planner {
            cfg,
            bases,
            next_base: 0,
            next_story: 0,
            remaining: cfg.articles,
            hard_negative_chance: cfg.hard_negative_chance(),
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
        let mut hard_negative = rng.chance(self.hard_negative_chance);
        if !copied {
            copies.clear();
        }
        copies.truncate(self.remaining - 1);
        hard_negative &= !copies.is_empty() && self.remaining >= copies.len() + 2;
        self.remaining -= 1 + copies.len() + usize::from(hard_negative);
        self.next_story += 1 + u64::from(hard_negative);
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
            hard_negative,
        }
    }
}

fn story_id(story: u64) -> String {
    format!("s{story:06}")
}

// ---------------------------------------------------------------------------------------------
// The base corpus: articles split into paragraphs of sentences, borrowed from the base text.

struct Doc<'a> {
    date: Option<&'a str>,
    title: Option<&'a str>,
    paras: Vec<Vec<&'a str>>,
    sentences: usize,
}

struct Corpus<'a> {
    docs: Vec<Doc<'a>>,
    /// Seeded order in which base documents become stories.
    order: Vec<usize>,
}

/// A paragraph's sentences with their [`sentence_keys`].
type KeyedParagraph<'a> = Vec<(&'a str, Vec<u64>)>;

/// Word n-gram length at which a sentence counts as already seen in another base article: long
/// enough that ordinary phrases ("said in a statement on") do not match.
const SEEN_NGRAM: usize = 8;

impl<'a> Corpus<'a> {
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
        let mut seen: HashSet<u64> = HashSet::new();
        let mut docs = Vec::new();
        for (article, paras) in base.iter().zip(split) {
            let mut keys = Vec::new();
            let paras: Vec<Vec<&'a str>> = paras
                .into_iter()
                .map(|p| {
                    p.into_iter()
                        .filter_map(|(s, k)| {
                            let new = !k.iter().any(|h| seen.contains(h));
                            keys.extend(k);
                            new.then_some(s)
                        })
                        .collect::<Vec<_>>()
                })
                .filter(|p| !p.is_empty())
                .collect();
            seen.extend(keys);
            if paras.is_empty() {
                continue;
            }
            docs.push(Doc {
                date: article.date.as_deref().filter(|d| parse_ymd(d).is_some()),
                title: article
                    .title
                    .as_deref()
                    .map(str::trim)
                    .filter(|t| !t.is_empty()),
                sentences: paras.iter().map(Vec::len).sum(),
                paras,
            });
        }
        let mut order: Vec<usize> = (0..docs.len()).collect();
        Rng::derive(seed, &[ORDER]).shuffle(&mut order);
        Corpus { docs, order }
    }

    fn story(&self, source: Source, rng: &mut Rng) -> Story<'a> {
        match source {
            Source::Base(i) => {
                let doc = &self.docs[self.order[i]];
                Story {
                    date: doc.date.map(str::to_string),
                    title: doc.title.map(str::to_string),
                    paras: doc.paras.clone(),
                }
            }
            Source::Fresh => self.stitch(rng),
        }
    }

    fn random_doc(&self, rng: &mut Rng) -> &Doc<'a> {
        &self.docs[rng.below(self.docs.len())]
    }

    /// A fresh story: the lede of one base article followed by runs of one or two sentences of
    /// many others. Runs are short so that no fresh story shares more than a sliver of text
    /// with any base story or with another fresh story.
    fn stitch(&self, rng: &mut Rng) -> Story<'a> {
        let target = self.random_doc(rng).sentences.clamp(3, 60);
        let lede_doc = self.random_doc(rng);
        let mut sentences = vec![lede_doc.paras[0][0]];
        while sentences.len() < target {
            let doc = self.random_doc(rng);
            let para = rng.pick(&doc.paras);
            let start = rng.below(para.len());
            let end = (start + rng.range(1, 2)).min(para.len());
            sentences.extend_from_slice(&para[start..end]);
        }
        sentences.truncate(target);
        Story {
            date: lede_doc.date.map(str::to_string),
            title: headline(sentences[0]),
            paras: group(sentences, 3, rng),
        }
    }

    /// A title of some other article, for "Read more:" lines.
    fn other_title(&self, rng: &mut Rng) -> Option<&'a str> {
        self.random_doc(rng).title
    }
}

/// A story's original text, borrowed from the base corpus.
struct Story<'a> {
    date: Option<String>,
    title: Option<String>,
    paras: Vec<Vec<&'a str>>,
}

impl<'a> Story<'a> {
    fn sentences(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.paras.iter().flatten().copied()
    }
}

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
    "Mrs", "Ms", "Mt", "No", "Nov", "Oct", "Prof", "Rep", "Rev", "Sen", "Sep", "Sept", "Sgt",
    "Sr", "St", "vs",
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
        while j < chars.len() && matches!(chars[j].1, '"' | '\'' | '”' | '’' | ')' | '.' | '!' | '?')
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
        || ABBREVIATIONS.contains(&word)
}

/// Hashes of a sentence's word n-grams (or of the whole sentence when shorter), to recognise
/// text seen in an earlier base article.
fn sentence_keys(sentence: &str) -> Vec<u64> {
    let words: Vec<u64> = sentence
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| xxh3_64(w.to_lowercase().as_bytes()))
        .collect();
    let bytes = |gram: &[u64]| -> Vec<u8> { gram.iter().flat_map(|h| h.to_le_bytes()).collect() };
    if words.len() < SEEN_NGRAM {
        return vec![xxh3_64(&bytes(&words))];
    }
    words
        .windows(SEEN_NGRAM)
        .map(|gram| xxh3_64(&bytes(gram)))
        .collect()
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

/// A headline made from a lede: its first clause, at most a dozen words, no final stop (so the
/// seed-format reader takes it for a headline).
fn headline(sentence: &str) -> Option<String> {
    let mut words = Vec::new();
    for piece in sentence.split_whitespace().take(12) {
        let clause_ends = piece.ends_with([',', ';', ':', '.', '?', '!']);
        let core = piece.trim_matches(|c: char| !c.is_alphanumeric() && c != '$' && c != '%');
        if !core.is_empty() {
            words.push(core);
        }
        if clause_ends {
            break;
        }
    }
    while words
        .last()
        .is_some_and(|w| TRAILING_FUNCTION_WORDS.contains(&w.to_lowercase().as_str()))
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
    let story = corpus.story(plan.source, &mut rng);
    let original = Draft {
        date: story.date.clone(),
        title: story.title.clone(),
        paras: owned(&story.paras),
    };
    if plan.copies.is_empty() {
        return vec![original.into_article(plan.story, 0, CopyKind::Unrelated)];
    }
    let names = entities(story.sentences());
    let mut out = vec![original.into_article(plan.story, 0, CopyKind::Original)];
    for (i, &kind) in plan.copies.iter().enumerate() {
        let draft = match kind {
            CopyKind::Chrome => chrome_copy(corpus, &story, &names, &mut rng),
            CopyKind::Extend => extend_copy(corpus, &story, &names, &mut rng),
            CopyKind::Rewrite => rewrite_copy(&story, &names, &mut rng),
            CopyKind::Reword => reword_copy(&story, &names, &mut rng),
            other => unreachable!("the planner never makes a {other:?} copy"),
        };
        out.push(draft.into_article(plan.story, i + 1, kind));
    }
    if plan.hard_negative {
        let negative = plan.story + 1;
        let mut rng = Rng::derive(cfg.seed, &[RENDER, negative]);
        let draft = hard_negative(corpus, &story, &names, &mut rng);
        out.push(draft.into_article(negative, 0, CopyKind::HardNegative));
    }
    out
}

fn owned(paras: &[Vec<&str>]) -> Vec<Vec<String>> {
    paras
        .iter()
        .map(|p| p.iter().map(|s| s.to_string()).collect())
        .collect()
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
    let rate = 0.55 + 0.45 * rng.unit();
    let paras = reword_paras(story, &style, rate, rng);
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
    let outlet = *rng.pick(OUTLETS);
    let mut top: Vec<String> = Vec::new();
    let title = match &story.title {
        Some(t) if rng.chance(0.75) => Some(format!(
            "{}{}",
            reword(t, &style, rate, rng),
            rng.pick(SECTION_SUFFIXES)
        )),
        // A page whose headline the scraper missed starts with whatever chrome came first.
        _ => {
            top.push((*rng.pick(TOP_CHROME)).to_string());
            None
        }
    };
    if rng.chance(0.6) {
        if let Some(caption) = caption(&paras[0][0], rng) {
            top.push(caption);
        }
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
            _ => (*rng.pick(MID_CHROME)).to_string(),
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
    let words: Vec<&str> = lede.split_whitespace().take(14).collect();
    if words.len() < 5 {
        return None;
    }
    let text = words
        .join(" ")
        .trim_end_matches(|c: char| !c.is_alphanumeric())
        .to_string();
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
    let (cut, add) = (roll >= 0.5, roll < 0.5 || roll >= 0.8);
    if cut {
        cut_end(&mut paras, 0.1 + 0.2 * rng.unit());
    }
    if add {
        for _ in 0..rng.range(1, 3) {
            let para = if rng.chance(0.5) {
                let doc = corpus.random_doc(rng);
                let source = rng.pick(&doc.paras);
                let start = rng.below(source.len());
                let end = (start + rng.range(1, 3)).min(source.len());
                source[start..end].iter().map(|s| s.to_string()).collect()
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
    let sentence = rng
        .pick(BACKGROUND)
        .replace("{e}", name)
        .replace("{day}", *rng.pick(WEEKDAYS))
        .replace("{person}", &person(rng));
    capitalize(&sentence)
}

fn rewrite_copy(story: &Story, names: &[String], rng: &mut Rng) -> Draft {
    let style = Style::random(names, rng);
    let mut sentences: Vec<&str> = story.sentences().collect();
    let lede = sentences.remove(0);
    let drop = 0.2 + 0.2 * rng.unit();
    if sentences.len() > 3 {
        sentences.retain(|_| !rng.chance(drop));
    }
    for i in 1..sentences.len() {
        if rng.chance(0.3) {
            sentences.swap(i - 1, i);
        }
    }
    let heavy = 0.65 + 0.25 * rng.unit();
    let mut body: Vec<String> = sentences
        .into_iter()
        .map(|s| {
            if rng.chance(heavy) {
                paraphrase(s, &style, rng)
            } else {
                reword(s, &style, 0.5, rng)
            }
        })
        .collect();
    merge_and_split(&mut body, rng);
    let opener = rng.pick(REWRITE_OPENERS);
    body.insert(
        0,
        format!("{opener}{}", lower_first(&paraphrase(lede, &style, rng))),
    );
    if rng.chance(0.6) {
        let name = names.first().map_or("those involved", String::as_str);
        body.insert(1, rng.pick(REWRITE_FOLLOW_UPS).replace("{e}", name));
    }
    let title = if rng.chance(0.6) {
        headline(&body[0])
    } else {
        None
    };
    Draft {
        date: copy_date(story.date.as_deref(), 0.2, rng),
        title,
        paras: group(body, 3, rng),
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
    let body = corpus.stitch(rng);
    let own_names = entities(body.sentences());
    // Each of the body's most frequent names becomes one of the source's, through placeholders
    // so that a name swapped in is never swapped again.
    let swaps: Vec<(&str, &str)> = own_names
        .iter()
        .zip(names)
        .take(5)
        .map(|(from, to)| (from.as_str(), to.as_str()))
        .collect();
    let mut paras: Vec<Vec<String>> = body
        .paras
        .iter()
        .map(|p| p.iter().map(|s| swap_names(s, &swaps)).collect())
        .collect();
    let long: Vec<&str> = source
        .sentences()
        .filter(|s| s.split_whitespace().count() >= 6)
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
        source.sentences().collect()
    };
    rng.shuffle(&mut pool);
    for sentence in pool.into_iter().take(rng.range(1, 2)) {
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
        if !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        {
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
                    && !NOT_NAMES.contains(&w)
            };
            let next_capital = pieces.get(i + 1).is_some_and(|p| {
                capital(p.trim_matches(|c: char| !c.is_alphanumeric()))
            });
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
    "April", "August", "But", "December", "February", "Friday", "He", "I", "In", "It",
    "January", "July", "June", "March", "May", "Monday", "Mr", "Mrs", "Ms", "November",
    "October", "Saturday", "September", "She", "Sunday", "The", "They", "This", "Thursday",
    "Tuesday", "We", "Wednesday",
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
            {
                if let Some(variant) = name_variant(word) {
                    name_variants.push((word.to_string(), variant));
                }
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

#[derive(Clone, Debug, Default)]
struct Tok {
    lead: String,
    core: String,
    trail: String,
    /// Replaced by rewording; "a"/"an" before it may need fixing.
    changed: bool,
}

impl Tok {
    fn word(core: &str) -> Tok {
        Tok {
            core: core.to_string(),
            changed: true,
            ..Tok::default()
        }
    }

    fn plain(&self) -> bool {
        self.lead.is_empty() && self.trail.is_empty()
    }

    fn lower(&self) -> String {
        self.core.to_lowercase()
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
            Tok {
                lead: piece[..start].to_string(),
                core: piece[start..end.max(start)].to_string(),
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
    let mut toks = substitute(&tokenize(sentence), style, rate, rng);
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

/// Heavy paraphrase for rewrites: every substitution that applies, asides dropped, clauses
/// reordered.
fn paraphrase(sentence: &str, style: &Style, rng: &mut Rng) -> String {
    let mut toks = substitute(&tokenize(sentence), style, 1.0, rng);
    drop_asides(&mut toks);
    let _ = said_first(&mut toks) || move_opener(&mut toks) || attribution_first(&mut toks);
    invert_possessive(&mut toks);
    invert_said(&mut toks);
    restyle_quotes(&detokenize(&toks), style)
}

fn ends_clause(trail: &str) -> bool {
    trail.contains(['.', '!', '?', ':', ';'])
}

fn substitute(toks: &[Tok], style: &Style, rate: f64, rng: &mut Rng) -> Vec<Tok> {
    let lower: Vec<String> = toks.iter().map(Tok::lower).collect();
    let mut out: Vec<Tok> = Vec::with_capacity(toks.len() + 4);
    let mut i = 0;
    while i < toks.len() {
        let opens = i == 0 || ends_clause(&toks[i - 1].trail) || !toks[i].lead.is_empty();
        let capital = toks[i].core.starts_with(char::is_uppercase);
        // Capitalised words inside a sentence are names: "Bank" in "World Bank" stays.
        if opens || !capital {
            if let Some(entry) = LEXICON.longest_match(toks, &lower, i) {
                if rng.chance(rate) {
                    let len = entry.words.len();
                    out.extend(phrase(&toks[i..i + len], *rng.pick(&entry.alternatives)));
                    i += len;
                    continue;
                }
            }
            let after_say =
                i > 0 && toks[i - 1].trail.is_empty() && SAY.contains(&lower[i - 1].as_str());
            let droppable = toks[i].plain() && i > 0;
            match lower[i].as_str() {
                "that" if after_say && droppable && rng.chance(rate * 0.6) => {
                    i += 1;
                    continue;
                }
                w if droppable && DROPPABLE.contains(&w) && rng.chance(rate * 0.4) => {
                    i += 1;
                    continue;
                }
                "which" if i > 0 && toks[i - 1].trail.is_empty() && rng.chance(rate) => {
                    out.push(Tok {
                        core: "that".into(),
                        changed: true,
                        ..toks[i].clone()
                    });
                    i += 1;
                    continue;
                }
                _ => {}
            }
        }
        let mut tok = toks[i].clone();
        respell(&mut tok, &lower[i], style);
        if style.split_hyphenated_names && capital && tok.core.contains('-') {
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
        tok.core = format!("{variant}{possessive}");
        tok.changed = true;
        return;
    }
    if let Some(spelling) = style.spelling {
        if let Some(new) = respelled(lower, spelling) {
            tok.core = match_case(&tok.core, &new);
            tok.changed = true;
        }
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
        let vowel = toks[i].core.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']);
        let article = match toks[i - 1].core.as_str() {
            "a" | "an" => Some(if vowel { "an" } else { "a" }),
            "A" | "An" => Some(if vowel { "An" } else { "A" }),
            _ => None,
        };
        if let Some(a) = article {
            toks[i - 1].core = a.to_string();
        }
    }
}

fn restyle_quotes(text: &str, style: &Style) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut prev: Option<char> = None;
    for c in text.chars() {
        let opening = prev.is_none_or(|p| p.is_whitespace() || matches!(p, '(' | '[' | '—'));
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
    let Some(q) = (n.saturating_sub(7)..n - 1).rev().find(|&i| closes_quote(&toks[i])) else {
        return false;
    };
    // "said he" reads as archaic, so pronoun speakers stay where they are.
    let speaker_ok = |speaker: &[Tok]| {
        !speaker.is_empty()
            && speaker.len() <= 5
            && speaker.iter().all(|t| t.lead.is_empty())
            && speaker[..speaker.len() - 1].iter().all(Tok::plain)
            && !(speaker.len() == 1 && PRONOUNS.contains(&speaker[0].lower().as_str()))
    };
    let is_say = |t: &Tok| SAY.contains(&t.lower().as_str());
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
        {
            start -= 1;
        }
        if start > 0 && ARTICLES.contains(&toks[start - 1].lower().as_str()) {
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
        owner[last].core = name;
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
            || FUNCTION_WORDS.contains(&t.lower().as_str())
        {
            return None;
        }
        let next_breaks = toks
            .get(e + 1)
            .is_none_or(|n| PHRASE_BREAKS.contains(&n.lower().as_str()));
        if !t.trail.is_empty() || next_breaks {
            return Some(e);
        }
    }
    None
}

/// `On Friday, Kim used the car.` → `Kim used the car on Friday.`
fn move_opener(toks: &mut Vec<Tok>) -> bool {
    let n = toks.len();
    if n < 6 || !toks[0].lead.is_empty() || !OPENERS.contains(&toks[0].lower().as_str()) {
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
    if COMMON_OPENERS.contains(&toks[0].lower().as_str()) {
        lower_first_tok(&mut toks[0]);
    }
    attribution.append(toks);
    *toks = attribution;
    true
}

/// `The ministry said that it would act.` → `It would act, the ministry said.`
fn said_first(toks: &mut Vec<Tok>) -> bool {
    let n = toks.len();
    let Some(k) = (1..6.min(n)).find(|&k| SAY.contains(&toks[k].lower().as_str())) else {
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
    if n - (k + 1 + skip) < 5 {
        return false;
    }
    let said = toks[k].clone();
    let mut subject: Vec<Tok> = toks[..k].to_vec();
    let mut clause: Vec<Tok> = toks[k + 1 + skip..].to_vec();
    let end = std::mem::take(&mut clause.last_mut().expect("clause is long").trail);
    clause.last_mut().expect("clause is long").trail = ",".into();
    clause[0].core = capitalize(&clause[0].core);
    if COMMON_OPENERS.contains(&subject[0].lower().as_str()) {
        lower_first_tok(&mut subject[0]);
    }
    clause.extend(subject);
    clause.push(Tok { trail: end, ..said });
    *toks = clause;
    true
}

/// Drops `, which …,` and `, who …,` asides, as a rewriter tightening a sentence would.
fn drop_asides(toks: &mut Vec<Tok>) {
    let n = toks.len();
    let Some(i) = (0..n.saturating_sub(3))
        .find(|&i| toks[i].trail == "," && matches!(toks[i + 1].lower().as_str(), "which" | "who"))
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

fn lower_first_tok(tok: &mut Tok) {
    let lower = tok.lower();
    if COMMON_OPENERS.contains(&lower.as_str()) || OPENERS.contains(&lower.as_str()) {
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
    if COMMON_OPENERS.contains(&first.to_lowercase().as_str()) {
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
    // "towards" is British already; without this it would match "toward" + "s".
    if already.contains_key(lower) {
        return None;
    }
    for suffix in SPELLING_SUFFIXES {
        if let Some(stem) = lower.strip_suffix(suffix) {
            if let Some(other) = table.get(stem) {
                return Some(format!("{other}{suffix}"));
            }
        }
    }
    // -ise/-ize and -yse/-yze verbs, matched on a known stem so that "advertise" or "size"
    // never change.
    for (stem, endings) in [(IZE_STEMS, IZE_ENDINGS), (YZE_STEMS, YZE_ENDINGS)] {
        for &s in stem {
            let Some(rest) = lower.strip_prefix(s) else {
                continue;
            };
            let (from, into) = match (to, endings == IZE_ENDINGS) {
                (Spelling::British, true) => ("iz", "is"),
                (Spelling::American, true) => ("is", "iz"),
                (Spelling::British, false) => ("yz", "ys"),
                (Spelling::American, false) => ("ys", "yz"),
            };
            if let Some(ending) = rest.strip_prefix(from) {
                if endings.contains(&ending) {
                    return Some(format!("{s}{into}{ending}"));
                }
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
    by_first: HashMap<&'static str, Vec<Entry>>,
}

struct Entry {
    words: Vec<&'static str>,
    alternatives: Vec<&'static str>,
}

impl Lexicon {
    fn build() -> Lexicon {
        let mut by_first: HashMap<&'static str, Vec<Entry>> = HashMap::new();
        let mut add = |key: &'static str, alternatives: Vec<&'static str>| {
            let words: Vec<&'static str> = key.split(' ').collect();
            by_first
                .entry(words[0])
                .or_default()
                .push(Entry {
                    words,
                    alternatives,
                });
        };
        for group in SYNONYMS {
            for &key in *group {
                add(key, group.iter().copied().filter(|&w| w != key).collect());
            }
        }
        for &(key, alternatives) in ONE_WAY {
            add(key, alternatives.to_vec());
        }
        for entries in by_first.values_mut() {
            entries.sort_by_key(|e| std::cmp::Reverse(e.words.len()));
        }
        Lexicon { by_first }
    }

    /// The longest entry matching the words at `i`, with no punctuation inside the phrase.
    fn longest_match(&self, toks: &[Tok], lower: &[String], i: usize) -> Option<&Entry> {
        self.by_first.get(lower[i].as_str())?.iter().find(|e| {
            let n = e.words.len();
            i + n <= toks.len()
                && (1..n).all(|t| lower[i + t] == e.words[t] && toks[i + t].lead.is_empty())
                && toks[i..i + n - 1].iter().all(|t| t.trail.is_empty())
        })
    }
}

static LEXICON: LazyLock<Lexicon> = LazyLock::new(Lexicon::build);

// ---------------------------------------------------------------------------------------------
// Seeded randomness and calendar dates.

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 finaliser: a good 64-bit mixer.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// SplitMix64: tiny, fast, and good enough for sampling text edits.
#[derive(Clone, Debug)]
struct Rng(u64);

impl Rng {
    /// A generator for one purpose (`parts`), independent of every other purpose's.
    fn derive(seed: u64, parts: &[u64]) -> Rng {
        let state = parts
            .iter()
            .fold(mix64(seed), |s, &p| mix64(s ^ mix64(p.wrapping_add(GOLDEN))));
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

    fn pick<'t, T>(&mut self, items: &'t [T]) -> &'t T {
        &items[self.below(items.len())]
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

fn parse_ymd(date: &str) -> Option<(i64, i64, i64)> {
    let b = date.as_bytes();
    let shape = b.len() == 10
        && b.iter()
            .enumerate()
            .all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() });
    if !shape {
        return None;
    }
    let (y, m, d) = (
        date[..4].parse().ok()?,
        date[5..7].parse().ok()?,
        date[8..10].parse().ok()?,
    );
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y, m, d))
}

fn shift_date(date: &str, days: i64) -> Option<String> {
    let (y, m, d) = parse_ymd(date)?;
    Some(format_day(days_from_civil(y, m, d) + days))
}

/// A date in 2015–2024, for chrome copies of undated stories.
fn random_date(rng: &mut Rng) -> String {
    format_day(days_from_civil(2015, 1, 1) + rng.below(3653) as i64)
}

fn format_day(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

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
    &["announced", "unveiled"],
    &["revealed", "disclosed"],
    &["claimed", "asserted"],
    &["warned", "cautioned"],
    &["argued", "contended"],
    &["insisted", "maintained"],
    &["denied", "rejected"],
    &["explained", "clarified"],
    &["suggested", "indicated"],
    &["condemned", "denounced"],
    &["urged", "called on"],
    &["acknowledged", "admitted", "conceded"],
    &["described", "portrayed"],
    &["stressed", "underlined"],
    &["noted", "observed", "pointed out"],
    &["responded", "replied"],
    &["declared", "proclaimed"],
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
    &["helped", "assisted"],
    &["tried", "attempted"],
    &["got", "received", "obtained"],
    &["gave", "handed"],
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
    &["expect", "anticipate"],
    &["expected", "anticipated"],
    &["believe", "think"],
    &["believed", "thought"],
    &["sought", "pursued"],
    &["faced", "confronted"],
    &["visited", "toured"],
    &["launched", "initiated"],
    &["planned", "intended"],
    &["decided", "opted", "chose"],
    &["refused", "declined"],
    &["agreed", "consented"],
    &["approved", "endorsed"],
    &["backed", "supported"],
    &["blocked", "thwarted"],
    &["injured", "wounded"],
    &["arrested", "detained"],
    &["won", "secured"],
    &["happened", "occurred"],
    &["happen", "occur"],
    &["changed", "altered"],
    &["continued", "went on"],
    &["remained", "stayed"],
    &["remain", "stay"],
    &["included", "featured"],
    &["increase", "rise"],
    &["increases", "rises"],
    &["increased", "raised"],
    &["reduce", "decrease"],
    &["reduced", "lowered"],
    &["created", "established"],
    &["create", "establish"],
    &["improve", "enhance"],
    &["improved", "enhanced"],
    &["prevent", "avert"],
    &["protect", "safeguard"],
    &["seized", "captured"],
    &["investigate", "probe"],
    &["investigating", "probing"],
    &["discuss", "debate"],
    &["discussed", "debated"],
    &["confirmed", "verified"],
    &["ensure", "guarantee"],
    &["signed", "inked"],
    &["hired", "recruited"],
    &["died", "passed away"],
    &["boost", "bolster"],
    &["boosted", "bolstered"],
    &["attended", "took part in"],
    &["take part in", "participate in"],
    &["delayed", "postponed"],
    &["examined", "studied"],
    &["predicted", "forecast"],
    &["proposed", "put forward"],
    &["carried out", "conducted", "performed"],
    &["look into", "examine"],
    &["help", "assist"],
    &["used", "employed"],
    &["use", "employ"],
    &["made", "produced"],
    &["make", "produce"],
    &["want", "wish"],
    &["wanted", "wished"],
    &["seek", "pursue"],
    &["seeks", "pursues"],
    // Nouns.
    &["leader", "head"],
    &["leaders", "heads"],
    &["officials", "authorities"],
    &["government", "administration"],
    &["country", "nation"],
    &["countries", "nations"],
    &["car", "vehicle", "automobile"],
    &["cars", "vehicles", "automobiles"],
    &["trip", "journey"],
    &["gift", "present"],
    &["ties", "relations"],
    &["evidence", "proof"],
    &["attempt", "bid", "effort"],
    &["attempts", "efforts", "bids"],
    &["company", "firm"],
    &["companies", "firms"],
    &["children", "youngsters"],
    &["profits", "earnings"],
    &["growth", "expansion"],
    &["plan", "proposal", "scheme"],
    &["plans", "proposals", "schemes"],
    &["law", "legislation"],
    &["problem", "issue"],
    &["problems", "issues"],
    &["deal", "agreement", "accord"],
    &["talks", "negotiations"],
    &["war", "conflict"],
    &["fighting", "clashes"],
    &["attack", "assault"],
    &["attacks", "assaults"],
    &["soldiers", "troops"],
    &["weapons", "arms"],
    &["lawmakers", "legislators"],
    &["comments", "remarks"],
    &["move", "step"],
    &["decision", "ruling"],
    &["rules", "regulations"],
    &["workers", "employees"],
    &["worker", "employee"],
    &["spokesman", "spokesperson"],
    &["industry", "sector"],
    &["figures", "data"],
    &["area", "region"],
    &["areas", "regions"],
    &["homes", "houses"],
    &["money", "funds"],
    &["price", "cost"],
    &["prices", "costs"],
    &["film", "movie"],
    &["films", "movies"],
    &["fans", "supporters"],
    &["team", "squad"],
    &["match", "game"],
    &["players", "athletes"],
    &["victory", "triumph"],
    &["phone", "handset"],
    &["customers", "clients", "consumers"],
    &["internet", "web"],
    &["meeting", "gathering"],
    &["crisis", "emergency"],
    &["election", "poll"],
    &["candidate", "contender"],
    &["voters", "electors"],
    &["residents", "locals", "inhabitants"],
    &["city", "town"],
    &["doctors", "physicians"],
    &["students", "pupils"],
    &["survey", "study"],
    &["scientists", "researchers"],
    &["experts", "specialists"],
    &["analysts", "observers"],
    &["critics", "opponents"],
    &["allies", "partners"],
    &["rivals", "competitors"],
    &["sales", "revenues"],
    &["job", "post"],
    &["jobs", "positions"],
    &["amount", "sum"],
    &["number", "figure"],
    &["missile", "rocket"],
    &["missiles", "rockets"],
    &["incident", "episode"],
    &["accident", "crash"],
    &["charges", "accusations"],
    &["claims", "allegations"],
    &["court", "tribunal"],
    &["prison", "jail"],
    &["victims", "casualties"],
    &["funding", "financing"],
    &["taxes", "levies"],
    &["shortage", "lack"],
    &["concerns", "worries", "fears"],
    &["concern", "worry"],
    &["goal", "aim", "objective"],
    &["role", "part"],
    &["impact", "effect"],
    &["results", "outcomes"],
    &["result", "outcome"],
    &["reason", "cause"],
    &["idea", "notion"],
    &["event", "occasion"],
    &["statement", "declaration"],
    &["people", "individuals"],
    &["group", "organisation"],
    &["chance", "opportunity"],
    &["way", "manner"],
    &["order", "directive"],
    // Adjectives.
    &["big", "large"],
    &["huge", "massive", "enormous"],
    &["small", "little"],
    &["important", "significant", "crucial"],
    &["major", "principal"],
    &["main", "primary"],
    &["recent", "latest"],
    &["top", "senior", "prominent"],
    &["strong", "robust"],
    &["serious", "grave"],
    &["difficult", "tough"],
    &["possible", "potential"],
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
];

/// Words after which "that" may be dropped ("said that it would" → "said it would").
const SAY: &[&str] = &["said", "says", "added", "told", "stated", "noted", "believed"];

/// Words a translation round trip or a tightening edit often loses.
const DROPPABLE: &[&str] = &["also", "very", "just", "really", "actually", "still", "now"];

/// Words that open a movable adverbial ("On Friday, …").
const OPENERS: &[&str] = &[
    "after", "amid", "at", "before", "by", "despite", "during", "earlier", "following", "for",
    "in", "last", "later", "on", "since", "under", "while", "with",
];

/// Sentence-initial words that are not names and so may be lower-cased mid-sentence.
const COMMON_OPENERS: &[&str] = &[
    "a", "an", "he", "her", "his", "it", "its", "many", "most", "one", "our", "she", "some",
    "that", "the", "their", "there", "these", "they", "this", "those", "we",
];

const ARTICLES: &[&str] = &["a", "an", "the"];

const PRONOUNS: &[&str] = &["he", "i", "it", "she", "they", "we", "you"];

const FUNCTION_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "for", "from", "had", "has",
    "have", "in", "is", "it", "of", "on", "or", "that", "the", "to", "was", "were", "which",
    "who", "will", "with", "would",
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
    "apolog", "author", "capital", "categor", "central", "character", "civil", "colon", "critic",
    "democrat", "destabil", "digit", "emphas", "energ", "final", "global", "harmon", "hospital",
    "ideal", "industrial", "jeopard", "legal", "liberal", "local", "margin", "maxim", "memor",
    "minim", "mobil", "modern", "monopol", "national", "neutral", "normal", "optim", "organ",
    "penal", "polar", "priorit", "privat", "radical", "real", "recogn", "revolution", "scrutin",
    "social", "special", "stabil", "standard", "steril", "subsid", "summar", "symbol", "sympath",
    "synchron", "terror", "theor", "urban", "util", "vandal", "visual",
];

const IZE_ENDINGS: &[&str] = &["e", "ed", "es", "ing", "ation", "ations", "er", "ers"];

const YZE_STEMS: &[&str] = &["anal", "catal", "paral"];

const YZE_ENDINGS: &[&str] = &["e", "ed", "es", "ing"];

const REWRITE_OPENERS: &[&str] = &[
    "In a development that drew wide attention, ",
    "In a move closely watched by observers, ",
    "Marking a notable moment, ",
    "In the latest turn of events, ",
    "Amid growing scrutiny, ",
    "In news that quickly made headlines, ",
    "In a widely reported development, ",
    "Drawing fresh attention to the issue, ",
    "In what observers called a significant step, ",
    "As attention turned to the matter, ",
];

const REWRITE_FOLLOW_UPS: &[&str] = &[
    "The development puts {e} firmly in the spotlight.",
    "It is the latest chapter in a story that has drawn close attention to {e}.",
    "Observers say the episode could have lasting consequences for {e}.",
    "The news prompted a wave of reaction involving {e}.",
    "For {e}, the moment carries considerable symbolic weight.",
    "The episode has once again put the focus on {e}.",
];

const BACKGROUND: &[&str] = &[
    "{e} did not immediately respond to a request for comment.",
    "The developments come amid a wider debate over the issue.",
    "Analysts say the situation remains fluid and could change quickly.",
    "Officials are expected to release further details in the coming days.",
    "{e} declined to comment further when contacted on {day}.",
    "It was not immediately clear how the decision would affect {e}.",
    "Earlier this year, {e} was at the centre of a similar dispute.",
    "This story has been updated with additional details.",
    "Additional reporting by {person}.",
    "{e} has faced criticism over the matter in the past.",
    "The issue is likely to remain high on the agenda in the weeks ahead.",
    "Critics have long argued that {e} should do more to address the concerns.",
    "Supporters of {e} say the criticism is unfair.",
    "Markets and observers reacted cautiously to the news on {day}.",
    "A spokesperson for {e} said more information would be shared when available.",
    "The matter was first reported by local media on {day}.",
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
        let story = corpus.story(Source::Base(corpus.order.iter().position(|&d| d == 0).unwrap()), &mut Rng(0));
        let original = owned(&story.paras).concat().join(" ");
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
        let run = |seed| generate(&base, &config(seed, 150)).collect::<Vec<_>>();
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }

    #[test]
    fn yields_exactly_the_requested_articles_all_labelled_and_non_empty() {
        let base = base();
        for n in [0, 1, 2, 3, 17, 600] {
            let articles: Vec<SynthArticle> = generate(&base, &config(3, n)).collect();
            assert_eq!(articles.len(), n);
            let ids: HashSet<&str> = articles.iter().map(|a| a.id.as_str()).collect();
            assert_eq!(ids.len(), n, "ids are unique");
            for a in &articles {
                assert!(!a.text.trim().is_empty(), "{} is empty", a.id);
                assert!(a.id.starts_with(&format!("{}-c", a.story)));
                assert_eq!(a.label().kind, a.kind);
            }
        }
    }

    #[test]
    fn stories_are_consistent_with_their_kinds() {
        let base = base();
        let articles: Vec<SynthArticle> = generate(&base, &config(5, 800)).collect();
        let mut by_story: HashMap<&str, Vec<CopyKind>> = HashMap::new();
        for a in &articles {
            by_story.entry(&a.story).or_default().push(a.kind);
        }
        for kinds in by_story.values() {
            match kinds[..] {
                [CopyKind::Unrelated] | [CopyKind::HardNegative] => {}
                _ => {
                    let originals = kinds.iter().filter(|&&k| k == CopyKind::Original).count();
                    assert_eq!(originals, 1, "{kinds:?}");
                    assert!(kinds.len() >= 2 && kinds.len() <= 5, "{kinds:?}");
                }
            }
        }
        let share = |kind| {
            articles.iter().filter(|a| a.kind == kind).count() as f64 / articles.len() as f64
        };
        assert!((0.02..0.09).contains(&share(CopyKind::HardNegative)));
        assert!((0.2..0.45).contains(&share(CopyKind::Unrelated)));
    }

    #[test]
    fn reword_stays_in_the_machine_translation_band() {
        let sims = similarities(|_, s, n, r| reword_copy(s, n, r));
        assert!((0.3..=0.6).contains(&mean(&sims)), "mean {}", mean(&sims));
        assert!(sims.iter().all(|j| (0.15..0.8).contains(j)), "{sims:?}");
    }

    #[test]
    fn rewrite_is_much_further_from_the_original_than_reword() {
        let rewrite = similarities(|_, s, n, r| rewrite_copy(s, n, r));
        let reword = similarities(|_, s, n, r| reword_copy(s, n, r));
        assert!(mean(&rewrite) < mean(&reword) - 0.15);
        assert!((0.05..0.25).contains(&mean(&rewrite)), "mean {}", mean(&rewrite));
    }

    #[test]
    fn hard_negative_shares_a_verbatim_sentence_but_not_the_story() {
        let base = base();
        let articles: Vec<SynthArticle> = generate(&base, &config(11, 400)).collect();
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
            let paragraphs: HashSet<&str> = negative.text.split("\n\n").collect();
            assert!(
                split_sentences(&source.text.replace("\n\n", " "))
                    .iter()
                    .any(|s| paragraphs.contains(s)),
                "{} shares no sentence with {}",
                negative.id,
                source.id
            );
        }
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
            split_sentences("Mr. Kim met U.S. officials at 3 p.m. Friday. \"It went well,\" he said. Then he left."),
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
        let base = [
            BaseArticle {
                id: "a".into(),
                date: None,
                title: None,
                text: format!("The council approved the budget on Monday. {pitch}"),
            },
            BaseArticle {
                id: "b".into(),
                date: None,
                title: None,
                text: format!("Storms closed schools across the region. {pitch}"),
            },
        ];
        let corpus = Corpus::new(&base, 0);
        let sentences: Vec<usize> = corpus.docs.iter().map(|d| d.sentences).collect();
        assert_eq!(sentences, vec![2, 1]);
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
        assert_eq!(out, "Kim Jong Un will organize a trip to the Senat's new center.");
        let mut toks = tokenize("On Friday, Kim used the car for the first time.");
        assert!(move_opener(&mut toks));
        assert_eq!(detokenize(&toks), "Kim used the car for the first time on Friday.");
        let mut toks = tokenize("\"We condemn it,\" a ministry official said.");
        assert!(invert_said(&mut toks));
        assert_eq!(detokenize(&toks), "\"We condemn it,\" said a ministry official.");
        let mut toks = tokenize("It used the acronym for North Korea's official name, the DPRK.");
        assert!(invert_possessive(&mut toks));
        assert_eq!(
            detokenize(&toks),
            "It used the acronym for the official name of North Korea, the DPRK."
        );
    }

    #[test]
    fn every_lexicon_key_has_one_entry() {
        let mut keys: Vec<&str> = SYNONYMS.iter().flat_map(|g| g.iter().copied()).collect();
        keys.extend(ONE_WAY.iter().map(|&(k, _)| k));
        let unique: HashSet<&str> = keys.iter().copied().collect();
        assert_eq!(unique.len(), keys.len(), "a word is in two groups");
    }

    #[test]
    fn dates_shift_across_month_and_year_ends() {
        assert_eq!(shift_date("2024-02-28", 2).as_deref(), Some("2024-03-01"));
        assert_eq!(shift_date("2017-01-01", -1).as_deref(), Some("2016-12-31"));
        assert_eq!(shift_date("2017-13-01", 0), None);
    }
}

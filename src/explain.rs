//! Why two articles were (or were not) grouped: every number the pipeline used, for one pair.

use std::collections::HashMap;

use serde::Serialize;

use crate::Params;
use crate::load::Article;
use crate::lsh::collision_probability;
use crate::minhash;
use crate::normalize;
use crate::rule::{self, Verdict};
use crate::shingle::ShingleKind;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Side {
    pub path: String,
    pub id: String,
    pub words: u32,
    pub shingles: usize,
}

/// A run of words that both articles contain in the same order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Passage {
    pub words: usize,
    /// Word offsets where the run starts in each article.
    pub at_a: usize,
    pub at_b: usize,
    /// The run in normalised form (lower case, punctuation dropped).
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Explanation {
    pub a: Side,
    pub b: Side,
    pub shared_shingles: usize,
    pub jaccard: f64,
    /// Share of A's shingles found in B, and the other way round: a copy that was cut or
    /// extended scores high one way even when its Jaccard is modest.
    pub containment_a_in_b: f64,
    pub containment_b_in_a: f64,
    pub estimate: f64,
    /// Share of the shingles A shares with B that sit in verbatim runs of at least
    /// `rule::BLOCK_RUN` shingles, and the same for B: a footer, a background box or a quote is
    /// one long run, a rewrite many short ones. Measured here whatever decided.
    pub block_share_a: f64,
    pub block_share_b: f64,
    /// Share of the shingles A shares with B (by position) within A's densest stretch of
    /// `rule::PASSAGE` shingles, and the same for B (0 for an article under three such
    /// stretches long): a background paragraph stays one stretch even when reworded.
    pub passage_share_a: f64,
    pub passage_share_b: f64,
    /// How A's shingles divide between quotations and narration, shared or not, and the same
    /// for B; `null` with character shingles, which have no such marks.
    pub quoting_a: Option<rule::Quoting>,
    pub quoting_b: Option<rule::Quoting>,
    /// Names and numbers within `rule::SLOT_REACH` words of the shared wording in each article,
    /// and how many of them the other article lacks; `null` with character shingles.
    pub specifics: Option<rule::Specifics>,
    /// How far apart the two were published, when both dates are known.
    pub days_apart: Option<i64>,
    pub threshold: f64,
    pub duplicate: bool,
    /// Which part of the copy rule decided the pair (`rule::judge`).
    pub verdict: Verdict,
    /// Whether the pair is a close copy, which joins clusters transitively (`rule::is_close`);
    /// other copies join only a cluster's centre.
    pub close: bool,
    pub bands: usize,
    pub rows: usize,
    /// Bands whose keys agree: one is enough for LSH to propose the pair.
    pub shared_bands: usize,
    /// Agreeing 16-bit sketch values, and the fewest that let a colliding pair through to
    /// verification at this threshold.
    pub sketch_matches: usize,
    pub min_sketch_matches: usize,
    /// Whether the run would verify this pair: a shared band and enough sketch agreement.
    pub candidate: bool,
    /// Probability that LSH proposes a pair with this exact Jaccard under this banding.
    pub candidate_probability: f64,
    pub shared_passages: Vec<Passage>,
}

/// Passages listed, longest first.
pub const MAX_PASSAGES: usize = 12;

pub fn explain(a: &Article, b: &Article, params: &Params) -> Explanation {
    let (shingler, hasher) = (params.shingler(), params.hasher());
    let (sa, sb) = (shingler.shingle(&a.body), shingler.shingle(&b.body));
    let (ga, gb) = (hasher.sign(&sa.hashes), hasher.sign(&sb.hashes));
    let banding = params.banding();
    let (mut xa, mut xb) = (Vec::new(), Vec::new());
    minhash::sketch_into(&ga, &mut xa);
    minhash::sketch_into(&gb, &mut xb);
    let shared_bands = banding
        .keys(&xa)
        .zip(banding.keys(&xb))
        .filter(|(x, y)| x == y)
        .count();
    let sketch_matches = minhash::sketch_matches(&xa, &xb);
    let min_sketch_matches = minhash::min_sketch_matches(params.threshold, params.num_perm);
    let shared = rule::Shared::of(&sa.hashes, &sb.hashes);
    let (in_a, in_b) = (shared.within(&sa.sequence), shared.within(&sb.sequence));
    let days_apart = rule::days_apart(a.date.as_deref(), b.date.as_deref());
    let judgement = rule::judge(&sa, &sb, days_apart, params.threshold);
    let overlap = judgement.overlap;
    let jaccard = overlap.jaccard();
    let verdict = judgement.verdict;
    let min_run = match params.shingle {
        ShingleKind::Word => params.ngram,
        ShingleKind::Char => 3,
    };
    let side = |article: &Article, words, shingles| Side {
        path: article.path.clone(),
        id: article.id.clone(),
        words,
        shingles,
    };
    Explanation {
        a: side(a, sa.words, sa.hashes.len()),
        b: side(b, sb.words, sb.hashes.len()),
        shared_shingles: overlap.shared,
        jaccard,
        containment_a_in_b: overlap.containment_of_a(),
        containment_b_in_a: overlap.containment_of_b(),
        estimate: minhash::estimate(&ga, &gb),
        block_share_a: rule::block_share(&in_a),
        block_share_b: rule::block_share(&in_b),
        passage_share_a: rule::passage_share(&in_a),
        passage_share_b: rule::passage_share(&in_b),
        quoting_a: rule::Quoting::of(&sa, &in_a),
        quoting_b: rule::Quoting::of(&sb, &in_b),
        specifics: rule::Specifics::of(&sa, &sb, &in_a, &in_b),
        days_apart,
        threshold: params.threshold,
        duplicate: verdict.is_copy(),
        verdict,
        close: judgement.is_close(),
        bands: banding.bands,
        rows: banding.rows,
        shared_bands,
        sketch_matches,
        min_sketch_matches,
        candidate: shared_bands > 0 && sketch_matches >= min_sketch_matches,
        candidate_probability: collision_probability(jaccard, banding),
        shared_passages: shared_passages(&a.body, &b.body, min_run.max(1)),
    }
}

/// The longest runs of at least `min_words` words that appear in both texts, longest first.
/// Each word of A belongs to at most one run.
pub fn shared_passages(a: &str, b: &str, min_words: usize) -> Vec<Passage> {
    let (fa, fb) = (normalize::fold(a), normalize::fold(b));
    let wa: Vec<&str> = normalize::words(&fa).collect();
    let wb: Vec<&str> = normalize::words(&fb).collect();
    if wa.len() < min_words || wb.len() < min_words {
        return Vec::new();
    }
    let mut starts: HashMap<&[&str], Vec<usize>> = HashMap::new();
    for (j, gram) in wb.windows(min_words).enumerate() {
        starts.entry(gram).or_default().push(j);
    }
    let mut passages = Vec::new();
    let mut i = 0;
    while i + min_words <= wa.len() {
        let best = starts.get(&wa[i..i + min_words]).and_then(|js| {
            js.iter()
                .map(|&j| {
                    let len = wa[i..]
                        .iter()
                        .zip(&wb[j..])
                        .take_while(|(x, y)| x == y)
                        .count();
                    (len, j)
                })
                .max_by_key(|&(len, j)| (len, std::cmp::Reverse(j)))
        });
        match best {
            Some((len, j)) => {
                passages.push(Passage {
                    words: len,
                    at_a: i,
                    at_b: j,
                    text: wa[i..i + len].join(" "),
                });
                i += len;
            }
            None => i += 1,
        }
    }
    passages.sort_by(|x, y| y.words.cmp(&x.words).then(x.at_a.cmp(&y.at_a)));
    passages.truncate(MAX_PASSAGES);
    passages
}

/// The explanation as text for people; shared passages highlighted when `color` is on.
pub fn write_text(
    e: &Explanation,
    color: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let paint = crate::report::Paint { on: color };
    for (name, side) in [("A", &e.a), ("B", &e.b)] {
        writeln!(
            out,
            "{name}  {}  ({} words, {} shingles)",
            crate::report::escape_control(&side.path),
            side.words,
            side.shingles
        )?;
    }
    // The smaller article's containment in the larger is the larger of the two directions.
    let contained = 100.0 * e.containment_a_in_b.max(e.containment_b_in_a);
    let relaxed = rule::RELAXED_JACCARD * e.threshold;
    let blocks = 100.0 * e.block_share_a.max(e.block_share_b);
    let max_blocks = 100.0 * rule::max_block_share(e.jaccard, e.threshold);
    let near = if e.jaccard < rule::NEAR_THRESHOLD * e.threshold {
        format!(
            " this close to the threshold, under {:.3}",
            rule::NEAR_THRESHOLD * e.threshold
        )
    } else {
        String::new()
    };
    let verdict = match e.verdict {
        Verdict::Covered if e.close => paint.green(&format!(
            "copies: {contained:.1} % of the smaller article is in the other (a close copy: \
             joins clusters through its other copies)"
        )),
        Verdict::Covered => paint.green(&format!(
            "copies: {contained:.1} % of the smaller article is in the other, but only partly \
             (under {:.0} %) and {blocks:.1} % of what is shared in verbatim blocks (reused \
             paragraphs, not an edited reprint: {:.0} % or more), so it joins only a cluster's \
             centre, not a chain",
            100.0 * rule::CHAIN_CONTAINMENT,
            100.0 * rule::CHAIN_MAX_BLOCK_SHARE
        )),
        Verdict::Spread => paint.green(&format!(
            "copies: enough is shared, and only {blocks:.1} % of it in verbatim blocks (a \
             rewrite's wording is spread out; copies need under {max_blocks:.0} %)"
        )),
        Verdict::Apart => format!(
            "not copies: published {} days apart, and under {:.0} % of the smaller article is \
             in the other (a follow-up; copies within {} days, or mostly the same text)",
            e.days_apart.unwrap_or_default(),
            100.0 * rule::COVERED,
            rule::MAX_DAYS_APART
        ),
        Verdict::Blocks => format!(
            "not copies: {blocks:.1} % of what is shared sits in verbatim blocks of {}+ \
             shingles (a footer, background paragraph or reused paragraphs, or a quote; copies \
             need under {max_blocks:.0} %{near})",
            rule::BLOCK_RUN,
        ),
        Verdict::Passage => format!(
            "not copies: in each article {:.0} % or more of what is shared sits within one \
             passage of {} shingles (a background paragraph, reworded in one of them)",
            100.0 * rule::MAX_PASSAGE_SHARE,
            rule::PASSAGE
        ),
        Verdict::Quotes => format!(
            "not copies: in one article {:.0} % or more of what is shared is quoted and under \
             {:.0} % of its own narration is shared, and the other quotes {:.0} % or more of \
             it (two reports of the same statements)",
            100.0 * rule::MAX_QUOTED_SHARE,
            100.0 * rule::MIN_UNQUOTED_CONTAINMENT,
            100.0 * rule::MIN_OTHER_QUOTED_SHARE
        ),
        Verdict::Specifics => format!(
            "not copies: the names and numbers in the gaps of the shared wording differ (one \
             template filled twice: in each article at least {} differ, {:.0} % of those in \
             its gaps, {:.1} per 100 words)",
            rule::MIN_DIFFERING_SPECIFICS,
            100.0 * rule::TEMPLATE_GAP_SHARE,
            100.0 * rule::TEMPLATE_DENSITY
        ),
        Verdict::FollowUp => format!(
            "not copies: {contained:.1} % of the smaller article is in the other, but only \
             partly (under {:.0} %), {blocks:.1} % of it in verbatim blocks (whole paragraphs \
             reused, {:.0} % or more), published {} apart (a follow-up on the earlier \
             report; copies share it edited, or on the same day)",
            100.0 * rule::CHAIN_CONTAINMENT,
            100.0 * rule::CHAIN_MAX_BLOCK_SHARE,
            days(e.days_apart.unwrap_or_default())
        ),
        Verdict::TooShort => format!(
            "not copies: below the threshold, and the smaller article has under {} shingles \
             (copies from {relaxed:.3} need that many)",
            rule::MIN_CONTAINED_SHINGLES
        ),
        Verdict::NotContained => format!(
            "not copies: below the threshold, and only {contained:.1} % of the smaller article \
             is in the other (copies from {relaxed:.3} need {:.0} %)",
            100.0 * rule::MIN_CONTAINMENT
        ),
        Verdict::Below => "not copies: below the threshold".to_string(),
    };
    writeln!(
        out,
        "exact Jaccard      {:.4}  ({} shared shingles; threshold {})",
        e.jaccard, e.shared_shingles, e.threshold
    )?;
    writeln!(out, "containment A in B {:.4}", e.containment_a_in_b)?;
    writeln!(out, "containment B in A {:.4}", e.containment_b_in_a)?;
    writeln!(
        out,
        "in verbatim blocks A {:.4}, B {:.4}",
        e.block_share_a, e.block_share_b
    )?;
    writeln!(
        out,
        "in one passage     A {:.4}, B {:.4}",
        e.passage_share_a, e.passage_share_b
    )?;
    if let (Some(qa), Some(qb)) = (e.quoting_a, e.quoting_b) {
        writeln!(
            out,
            "quoted             A {:.4}, B {:.4} of the shared shingles; A {:.4}, B {:.4} of the \
             unquoted ones shared",
            qa.quoted_share(),
            qb.quoted_share(),
            qa.unquoted_containment(),
            qb.unquoted_containment()
        )?;
    }
    if let Some(s) = e.specifics {
        writeln!(
            out,
            "names and numbers  beside the shared wording, not in the other: A {} of {} ({} of {} \
             in its gaps, {:.1} per 100 words), B {} of {} ({} of {}, {:.1})",
            s.a.missing,
            s.a.beside,
            s.a.missing_in_gaps,
            s.a.in_gaps,
            100.0 * s.a.density(),
            s.b.missing,
            s.b.beside,
            s.b.missing_in_gaps,
            s.b.in_gaps,
            100.0 * s.b.density()
        )?;
    }
    if let Some(apart) = e.days_apart {
        writeln!(out, "published apart    {}", days(apart))?;
    }
    writeln!(out, "verdict            {verdict}")?;
    writeln!(out, "MinHash estimate   {:.4}", e.estimate)?;
    let candidate = match (e.shared_bands, e.candidate) {
        (0, _) => format!("no, none of {} bands agree", e.bands),
        (shared, true) => format!("yes, {shared} of {} bands agree", e.bands),
        (shared, false) => format!(
            "no: {shared} of {} bands agree, but only {} sketch values do (needs {})",
            e.bands, e.sketch_matches, e.min_sketch_matches
        ),
    };
    writeln!(
        out,
        "LSH candidate      {candidate} ({} bands × {} rows; a pair this similar is proposed with probability {:.3})",
        e.bands, e.rows, e.candidate_probability
    )?;
    if e.shared_passages.is_empty() {
        return writeln!(out, "no shared passages");
    }
    writeln!(out, "shared passages (longest first, as normalised words):")?;
    for p in &e.shared_passages {
        writeln!(
            out,
            "  {:>3} words  A@{:<5} B@{:<5} {}",
            p.words,
            p.at_a,
            p.at_b,
            paint.highlight(&crate::report::escape_control(&p.text))
        )?;
    }
    Ok(())
}

/// A number of days as a reader writes it.
fn days(days: i64) -> String {
    match days {
        1 => "1 day".to_string(),
        _ => format!("{days} days"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_longest_common_runs_longest_first() {
        let a = "The cat sat on the mat today. Dogs bark loudly at night in town.";
        let b = "Yesterday the cat sat on the mat. In town, dogs bark loudly at night!";
        let p = shared_passages(a, b, 3);
        let texts: Vec<&str> = p.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(
            texts,
            ["the cat sat on the mat", "dogs bark loudly at night"]
        );
        assert_eq!((p[0].at_a, p[0].at_b), (0, 1));
        assert_eq!((p[1].at_a, p[1].at_b), (7, 9));
    }

    #[test]
    fn runs_shorter_than_the_minimum_are_not_passages() {
        assert!(shared_passages("one two x", "one two y", 3).is_empty());
        assert!(shared_passages("a", "a", 3).is_empty());
    }
}

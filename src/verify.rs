//! Candidate verification: LSH only proposes pairs; the copy rule ([`crate::rule::judge`]) on
//! their exact shingles decides.
//!
//! Shingle sequences are written to an anonymous temporary file as articles are signed (about
//! 2 KB per article) and read back only for candidates, so memory does not grow with the corpus
//! and no article is parsed twice.

use std::io;

use rayon::prelude::*;

use crate::cluster::{Edge, UnionFind};
use crate::lsh::{PackedPair, unpack};
use crate::minhash::Sketches;
use crate::progress::Progress;
use crate::rule;
use crate::shingle::ShingleSet;
use crate::spill::SpillFile;

/// Most distinct articles of one chunk: chunks end where this many are reached. Their sets
/// must all be resident at once ([`RESIDENT_ARTICLES`]).
const CHUNK_ARTICLES: usize = 1 << 14;

/// Every article's shingles in document order (which the rule reads as well as the set), in
/// article order, on disk.
pub struct ShingleStore {
    file: SpillFile,
    /// The record being written, kept to spare an allocation per article.
    record: Vec<u8>,
}

impl ShingleStore {
    pub fn new() -> io::Result<Self> {
        Ok(ShingleStore {
            file: SpillFile::new()?,
            record: Vec::new(),
        })
    }

    /// Appends the next article's shingles.
    pub fn push(&mut self, shingles: &ShingleSet) -> io::Result<()> {
        self.record.clear();
        shingles.encode_into(&mut self.record);
        self.file.push(&self.record)
    }

    /// Makes everything pushed readable.
    pub fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }

    pub fn get(&self, article: u32) -> io::Result<ShingleSet> {
        let record = self.file.get(article as usize)?;
        ShingleSet::decode(&record)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "truncated shingle record"))
    }

    fn len(&self) -> usize {
        self.file.len()
    }
}

/// Most pairs verified at once. A story copied thousands of times proposes millions of pairs
/// among a few thousand articles; they are verified a chunk at a time so that once its copies
/// are joined, the rest of its pairs are skipped instead of verified.
const CHUNK_PAIRS: usize = 1 << 14;

/// Articles whose shingle sets stay in memory from one chunk to the next (about 4 KB each read
/// back, some 130 MB at most). Candidate pairs come sorted by their first article, so a chunk's
/// second articles are spread over the whole corpus, and the same ones recur chunk after
/// chunk: template items and an outlet's articles are candidates of dozens of others. Read
/// afresh for every chunk, the 2.2 M pairs of 200,000 generated articles read 1.2 M records,
/// and reading was a third of verifying them; twice as many held saved little more.
const RESIDENT_ARTICLES: usize = 1 << 15;

// A chunk one article over its bound still fits, so the store never outgrows the bound.
const _: () = assert!(CHUNK_ARTICLES < RESIDENT_ARTICLES);

/// The shingle sets read back so far, up to a number of them: the least recently used ones
/// make room for the next chunk's. Which are kept changes nothing but how often a record is
/// read.
struct Resident {
    sets: Vec<ShingleSet>,
    /// Per slot of `sets`: its article.
    article: Vec<u32>,
    /// Per slot of `sets`: the last chunk that used it.
    used: Vec<usize>,
    /// Per article: its slot, or [`Resident::ABSENT`].
    slot: Vec<u32>,
}

impl Resident {
    const ABSENT: u32 = u32::MAX;

    fn new(articles: usize) -> Self {
        Resident {
            sets: Vec::new(),
            article: Vec::new(),
            used: Vec::new(),
            slot: vec![Self::ABSENT; articles],
        }
    }

    /// Makes the sets of `docs` (distinct) resident for chunk `chunk` (counted up from 0),
    /// reading from `store` those that are not, into the slots of the least recently used
    /// others once `capacity` are held. The store does not shrink: a chunk larger than
    /// `capacity` (only in tests) leaves it that large.
    fn load(
        &mut self,
        docs: &[u32],
        chunk: usize,
        store: &ShingleStore,
        capacity: usize,
    ) -> io::Result<()> {
        let mut missing = Vec::new();
        for &d in docs {
            match self.slot[d as usize] {
                Self::ABSENT => missing.push(d),
                slot => self.used[slot as usize] = chunk,
            }
        }
        if missing.is_empty() {
            return Ok(());
        }
        let excess = (self.sets.len() + missing.len()).saturating_sub(capacity);
        let mut evicted: Vec<usize> = (0..self.sets.len())
            .filter(|&slot| self.used[slot] < chunk)
            .collect();
        let evict = excess.min(missing.len());
        if evicted.len() > evict {
            evicted.select_nth_unstable_by_key(evict, |&slot| (self.used[slot], slot));
            evicted.truncate(evict);
        }
        // Dropped before the reading, so that the two are never held together.
        for &slot in &evicted {
            self.slot[self.article[slot] as usize] = Self::ABSENT;
            self.sets[slot] = ShingleSet::default();
        }
        let read: Vec<ShingleSet> = missing
            .par_iter()
            .map(|&d| store.get(d))
            .collect::<io::Result<_>>()?;
        let mut evicted = evicted.into_iter();
        for (d, set) in missing.into_iter().zip(read) {
            let slot = match evicted.next() {
                Some(slot) => {
                    self.sets[slot] = set;
                    self.article[slot] = d;
                    self.used[slot] = chunk;
                    slot
                }
                None => {
                    self.sets.push(set);
                    self.article.push(d);
                    self.used.push(chunk);
                    self.sets.len() - 1
                }
            };
            self.slot[d as usize] = slot as u32;
        }
        Ok(())
    }

    fn get(&self, article: u32) -> &ShingleSet {
        let slot = self.slot[article as usize];
        debug_assert_ne!(slot, Self::ABSENT, "article {article} was not loaded");
        &self.sets[slot as usize]
    }
}

pub struct Verified {
    /// Pairs that count as copies at the threshold ([`rule::judge`]): close ones that joined
    /// two groups and the first loose one between two groups, or with `all_pairs` every one.
    pub edges: Vec<Edge>,
    /// The groups of close copies.
    pub sets: UnionFind,
    /// Pairs whose exact similarity was computed.
    pub checked: usize,
    /// The exact Jaccard of every one of those pairs, copies or not.
    pub scores: ScoreHistogram,
}

/// How the exact Jaccard of verified pairs is spread, in [`ScoreHistogram::BINS`] equal bins
/// over [0, 1]: what the threshold cut through, which counts alone do not show.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ScoreHistogram {
    /// Empty when nothing was verified.
    pub counts: Vec<u64>,
}

impl ScoreHistogram {
    /// Bins of 0.005: the default threshold and its relaxed bound fall on bin edges.
    pub const BINS: usize = 200;

    pub fn add(&mut self, jaccard: f64) {
        if self.counts.is_empty() {
            self.counts = vec![0; Self::BINS];
        }
        let bin = (jaccard * Self::BINS as f64) as usize;
        self.counts[bin.min(Self::BINS - 1)] += 1;
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }
}

/// Verifies `candidates` (sorted, distinct) among the articles of `store`; `days_apart` tells
/// how far apart two articles were published, where both dates are known. The estimate beside
/// each exact score comes from the articles' 16-bit sketches.
///
/// Pairs are taken in order, joining groups of close copies as they go ([`Edge::is_close`]): a
/// pair whose articles are already in one group is not verified, so a story copied thousands of
/// times costs work linear in its copies. The edges kept are the close pairs that joined two
/// groups, a spanning tree of each, and the first loose pair found between two groups, which
/// [`crate::cluster::clusters`] places around centres. The pairs of a chunk are verified in
/// parallel and then applied in order, and a pair whose articles the chunk's earlier pairs
/// grouped is dropped, so the edges are those of the one-at-a-time walk, whatever the chunk
/// size and thread count. With `all_pairs`, every candidate is verified and every copy kept.
pub fn verify(
    candidates: &[PackedPair],
    store: &ShingleStore,
    sketches: &Sketches,
    days_apart: impl Fn(u32, u32) -> Option<i64> + Sync,
    threshold: f64,
    all_pairs: bool,
    progress: &dyn Progress,
) -> io::Result<Verified> {
    let walk = Walk {
        all_pairs,
        articles: CHUNK_ARTICLES,
        pairs: CHUNK_PAIRS,
        resident: RESIDENT_ARTICLES,
    };
    verify_in_chunks(
        candidates, store, sketches, days_apart, threshold, walk, progress,
    )
}

/// Whether every pair is verified, the most articles and pairs of one chunk, and the most
/// articles held across chunks (all smaller in tests, to cross many chunks and evict).
#[derive(Clone, Copy)]
struct Walk {
    all_pairs: bool,
    articles: usize,
    pairs: usize,
    /// See [`Resident`].
    resident: usize,
}

fn verify_in_chunks(
    candidates: &[PackedPair],
    store: &ShingleStore,
    sketches: &Sketches,
    days_apart: impl Fn(u32, u32) -> Option<i64> + Sync,
    threshold: f64,
    walk: Walk,
    progress: &dyn Progress,
) -> io::Result<Verified> {
    let Walk {
        all_pairs,
        articles: chunk_articles,
        pairs: chunk_pairs,
        resident: resident_articles,
    } = walk;
    let articles = store.len();
    let mut resident = Resident::new(articles);
    let mut chunk = 0;
    let mut sets = UnionFind::new(articles);
    let mut linked = std::collections::HashSet::new();
    let mut edges = Vec::new();
    let mut checked = 0;
    let mut scores = ScoreHistogram::default();
    let mut rest = candidates;
    while !rest.is_empty() {
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        let mut docs: Vec<u32> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut taken = 0;
        for &packed in rest {
            if seen.len() >= chunk_articles || pairs.len() >= chunk_pairs {
                break;
            }
            taken += 1;
            let (a, b) = unpack(packed);
            if !all_pairs && sets.find(a) == sets.find(b) {
                continue;
            }
            for d in [a, b] {
                if seen.insert(d) {
                    docs.push(d);
                }
            }
            pairs.push((a, b));
        }
        rest = &rest[taken..];
        progress.advance(taken as u64);
        // In article order, as the records lie in the spill file.
        docs.sort_unstable();
        resident.load(&docs, chunk, store, resident_articles)?;
        chunk += 1;
        let set_of = |d: u32| resident.get(d);
        let scored: Vec<(f64, Option<Edge>)> = pairs
            .par_iter()
            .map(|&(a, b)| {
                let judgement = rule::judge(set_of(a), set_of(b), days_apart(a, b), threshold);
                let edge = judgement.is_copy().then(|| {
                    let estimate = sketches.get(a).estimate(sketches.get(b));
                    Edge::new(a, b, &judgement, estimate)
                });
                (judgement.overlap.jaccard(), edge)
            })
            .collect();
        checked += pairs.len();
        for (jaccard, edge) in scored {
            scores.add(jaccard);
            let Some(edge) = edge else { continue };
            let keep = if edge.is_close() {
                sets.union(edge.a, edge.b)
            } else {
                // Loose copies do not chain (`cluster::clusters`): one per pair of groups
                // is enough to place them, but every pair between groups must be read, as
                // it may be a close copy that joins them.
                let (ra, rb) = (sets.find(edge.a), sets.find(edge.b));
                ra != rb && linked.insert((ra.min(rb), ra.max(rb)))
            };
            if keep || all_pairs {
                edges.push(edge);
            }
        }
    }
    Ok(Verified {
        edges,
        sets,
        checked,
        scores,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::Unwatched;
    use crate::shingle::{ShingleKind, Shingler};
    use proptest::prelude::*;

    /// Undated articles of one length: the representative order is the input order.
    struct InputOrder;

    impl crate::cluster::RepresentativeKey for InputOrder {
        fn date(&self, _: u32) -> Option<&str> {
            None
        }
        fn words(&self, _: u32) -> u32 {
            0
        }
        fn fingerprint(&self, _: u32) -> u64 {
            0
        }
    }

    fn clusters(mut verified: Verified, all_pairs: bool) -> Vec<crate::cluster::Cluster> {
        crate::cluster::clusters(&mut verified.sets, verified.edges, &InputOrder, all_pairs)
    }

    fn members(clusters: &[crate::cluster::Cluster]) -> Vec<Vec<u32>> {
        clusters.iter().map(|c| c.members.clone()).collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// The oracle: given every pair as a candidate, the clusters are those of the pairs
        /// the copy rule accepts by exhaustive comparison, whatever the chunks and however few
        /// sets are held across them, though a pair inside a group of close copies is not
        /// read; each cluster's pairs are a spanning tree, the same for every chunk size; with
        /// `all_pairs`, the edges are exactly the accepted pairs.
        #[test]
        fn clusters_are_those_of_every_accepted_pair(
            stories in proptest::collection::vec(
                (proptest::collection::vec(0u32..400, 20..60), 1usize..6, 1usize..12),
                1..8,
            ),
            edits in proptest::collection::vec((0usize..60, 0u32..400), 0..40),
            small in (1usize..6, 1usize..8, 0usize..10),
        ) {
            // Copies of a few stories, each copy with a few words changed (more words, and
            // the copies are loose rather than close).
            let mut texts = Vec::new();
            let mut next_edit = edits.iter().cycle();
            for (words, copies, changes) in &stories {
                for _ in 0..*copies {
                    let mut words = words.clone();
                    for _ in 0..*changes {
                        if let Some(&(at, word)) = next_edit.next() {
                            let at = at % words.len();
                            words[at] = word;
                        }
                    }
                    texts.push(words.iter().map(|w| format!("w{w}")).collect::<Vec<_>>().join(" "));
                }
            }
            let shingler = Shingler { kind: ShingleKind::Word, size: 3, seed: 1 };
            let sets: Vec<ShingleSet> = texts.iter().map(|t| shingler.shingle(t)).collect();
            let mut store = ShingleStore::new().unwrap();
            let mut sketches = Sketches::new(1);
            for set in &sets {
                store.push(set).unwrap();
                sketches.push(&[0]);
            }
            store.flush().unwrap();
            let n = sets.len() as u32;
            let threshold = 0.3;
            let all: Vec<PackedPair> = (0..n)
                .flat_map(|a| (a + 1..n).map(move |b| crate::lsh::pack(a, b)))
                .collect();
            let accepted: Vec<(u32, u32)> = all
                .iter()
                .map(|&p| unpack(p))
                .filter(|&(a, b)| rule::judge(&sets[a as usize], &sets[b as usize], None, threshold).is_copy())
                .collect();
            let run = |(articles, pairs, resident): (usize, usize, usize), all_pairs: bool| {
                let walk = Walk { all_pairs, articles, pairs, resident };
                verify_in_chunks(&all, &store, &sketches, |_, _| None, threshold, walk, &Unwatched).unwrap()
            };
            let every = run((small.0 + 1, small.1, small.2), true);
            prop_assert_eq!(every.edges.iter().map(|e| (e.a, e.b)).collect::<Vec<_>>(), accepted);
            let expected = members(&clusters(every, true));
            let defaults = (CHUNK_ARTICLES, CHUNK_PAIRS, RESIDENT_ARTICLES);
            let whole = clusters(run(defaults, false), false);
            let chunked = clusters(run((small.0 + 1, small.1, small.2), false), false);
            prop_assert_eq!(members(&whole), expected.clone());
            prop_assert_eq!(&whole, &chunked);
            for cluster in &whole {
                prop_assert_eq!(cluster.pairs.len(), cluster.members.len() - 1);
            }
        }
    }

    #[test]
    fn store_returns_what_was_pushed_in_order() {
        let mut store = ShingleStore::new().unwrap();
        let sequences: [&[u32]; 3] = [&[9, 5, 1, 5], &[], &[2, 3]];
        let sets: Vec<ShingleSet> = sequences
            .iter()
            .enumerate()
            .map(|(words, s)| ShingleSet::from_sequence(s.to_vec(), words as u32))
            .collect();
        for set in &sets {
            store.push(set).unwrap();
        }
        store.flush().unwrap();
        for (i, set) in sets.iter().enumerate() {
            assert_eq!(&store.get(i as u32).unwrap(), set);
        }
        assert_eq!(store.get(0).unwrap().hashes, [1, 5, 9]);
    }

    #[test]
    fn resident_sets_make_room_by_dropping_the_least_recently_used() {
        let mut store = ShingleStore::new().unwrap();
        let sets: Vec<ShingleSet> = (0..4u32)
            .map(|i| ShingleSet::from_sequence(vec![i, i + 10, i + 20], 3))
            .collect();
        for set in &sets {
            store.push(set).unwrap();
        }
        store.flush().unwrap();
        let mut resident = Resident::new(sets.len());
        let held = |r: &Resident| -> Vec<u32> {
            (0..sets.len() as u32)
                .filter(|&d| r.slot[d as usize] != Resident::ABSENT)
                .collect()
        };
        resident.load(&[0, 1], 0, &store, 2).unwrap();
        let first_read = resident.get(1).hashes.as_ptr();
        resident.load(&[1], 1, &store, 2).unwrap();
        resident.load(&[2], 2, &store, 2).unwrap();
        assert_eq!(held(&resident), [1, 2]);
        // Held, not read again.
        assert_eq!(resident.get(1).hashes.as_ptr(), first_read);
        // A chunk that needs more than the room holds them all, and keeps what it uses.
        resident.load(&[0, 2, 3], 3, &store, 2).unwrap();
        assert_eq!(held(&resident), [0, 2, 3]);
        // Then one more: the store stays that large, and the first of the last chunk's goes.
        resident.load(&[1], 4, &store, 2).unwrap();
        assert_eq!(held(&resident), [0, 1, 3]);
        for d in [0, 1, 3] {
            assert_eq!(resident.get(d), &sets[d as usize]);
        }
    }

    #[test]
    fn histogram_bins_put_the_top_score_in_the_last_bin() {
        let mut h = ScoreHistogram::default();
        for j in [0.0, 0.0799, 0.08, 1.0] {
            h.add(j);
        }
        assert_eq!(h.counts.len(), ScoreHistogram::BINS);
        assert_eq!((h.counts[0], h.counts[15], h.counts[16]), (1, 1, 1));
        assert_eq!((h.counts[ScoreHistogram::BINS - 1], h.total()), (1, 4));
    }
}

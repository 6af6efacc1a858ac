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

/// Articles whose shingle sets are held at once (about 2 KB each, 32 MB in all). Chunks end
/// where this many distinct articles are reached.
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

pub struct Verified {
    /// Pairs that count as copies at the threshold ([`rule::judge`]): those that joined
    /// two clusters, or with `all_pairs` every one.
    pub edges: Vec<Edge>,
    /// Articles joined by those edges.
    pub sets: UnionFind,
    /// Pairs whose exact similarity was computed.
    pub checked: usize,
}

/// Verifies `candidates` (sorted, distinct) among the articles of `store`; `days_apart` tells
/// how far apart two articles were published, where both dates are known. The estimate beside
/// each exact score comes from the articles' 16-bit sketches.
///
/// Pairs are taken in order, joining clusters as they go: a pair whose articles are already
/// connected is not verified, so a story copied thousands of times costs work linear in its
/// copies, and the edges kept are the pairs that joined two clusters, a spanning tree of each.
/// The pairs of a chunk are verified in parallel and then applied in order, and a pair whose
/// articles the chunk's earlier pairs connected is dropped, so the edges are those of the
/// one-at-a-time walk, whatever the chunk size and thread count. With `all_pairs`, every
/// candidate is verified and every copy kept.
pub fn verify(
    candidates: &[PackedPair],
    store: &ShingleStore,
    sketches: &Sketches,
    days_apart: impl Fn(u32, u32) -> Option<i64> + Sync,
    threshold: f64,
    all_pairs: bool,
    progress: &dyn Progress,
) -> io::Result<Verified> {
    let articles = store.len();
    let mut sets = UnionFind::new(articles);
    let mut edges = Vec::new();
    let mut checked = 0;
    let mut rest = candidates;
    while !rest.is_empty() {
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        let mut docs: Vec<u32> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut taken = 0;
        for &packed in rest {
            if seen.len() >= CHUNK_ARTICLES || pairs.len() >= CHUNK_PAIRS {
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
        docs.sort_unstable();
        let loaded: Vec<ShingleSet> = docs
            .par_iter()
            .map(|&d| store.get(d))
            .collect::<io::Result<_>>()?;
        let set_of = |d: u32| &loaded[docs.binary_search(&d).expect("loaded above")];
        let found: Vec<Edge> = pairs
            .par_iter()
            .filter_map(|&(a, b)| {
                let judgement = rule::judge(set_of(a), set_of(b), days_apart(a, b), threshold);
                judgement.is_copy().then(|| {
                    let estimate = sketches.get(a).estimate(sketches.get(b));
                    Edge::new(a, b, &judgement, estimate)
                })
            })
            .collect();
        checked += pairs.len();
        for edge in found {
            if sets.union(edge.a, edge.b) || all_pairs {
                edges.push(edge);
            }
        }
    }
    Ok(Verified {
        edges,
        sets,
        checked,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
}

//! Candidate verification: LSH only proposes pairs; the exact Jaccard of their shingle sets
//! decides. Texts are read again from their origin, so no shingle set outlives its chunk.

use rayon::prelude::*;

use crate::cluster::{Edge, UnionFind};
use crate::load::{Corpus, LoadError, Origin};
use crate::lsh::{PackedPair, unpack};
use crate::minhash::{self, MinHasher};
use crate::progress::Progress;
use crate::shingle::{ShingleSet, Shingler};

/// Pairs verified together. Fixed, so that which pairs get skipped as already connected does
/// not depend on the number of threads.
const CHUNK_PAIRS: usize = 1 << 15;

pub struct Verified {
    /// Pairs at or above the threshold.
    pub edges: Vec<Edge>,
    /// Articles joined by those edges.
    pub sets: UnionFind,
    /// Pairs whose exact similarity was computed.
    pub checked: usize,
}

/// Everything needed to rebuild an article's shingles and signature.
pub struct Rebuild<'a> {
    pub corpus: &'a Corpus,
    pub shingler: Shingler,
    pub hasher: &'a MinHasher,
}

impl Rebuild<'_> {
    pub fn sketch(&self, origin: Origin) -> Result<(ShingleSet, Vec<u32>), LoadError> {
        let article = self.corpus.reload(origin)?;
        let shingles = self.shingler.shingle(&article.body);
        let signature = self.hasher.sign(&shingles.hashes);
        Ok((shingles, signature))
    }
}

/// Verifies `candidates` (sorted, distinct) among `origins.len()` articles.
///
/// Chunks are processed in order; a pair whose articles are already in one cluster when its
/// chunk starts is not checked again, which keeps a story copied thousands of times from
/// costing a quadratic number of comparisons. Small clusters have all their pairs checked.
pub fn verify(
    candidates: &[PackedPair],
    origins: &[Origin],
    rebuild: &Rebuild,
    threshold: f64,
    progress: &Progress,
) -> Result<Verified, LoadError> {
    let mut sets = UnionFind::new(origins.len());
    let mut edges = Vec::new();
    let mut checked = 0;
    for chunk in candidates.chunks(CHUNK_PAIRS) {
        let pairs: Vec<(u32, u32)> = chunk
            .iter()
            .map(|&p| unpack(p))
            .filter(|&(a, b)| sets.find(a) != sets.find(b))
            .collect();
        let mut docs: Vec<u32> = pairs.iter().flat_map(|&(a, b)| [a, b]).collect();
        docs.sort_unstable();
        docs.dedup();
        let sketches: Vec<(ShingleSet, Vec<u32>)> = docs
            .par_iter()
            .map(|&d| rebuild.sketch(origins[d as usize]))
            .collect::<Result<_, _>>()?;
        let sketch_of = |d: u32| &sketches[docs.binary_search(&d).expect("loaded above")];
        let found: Vec<Edge> = pairs
            .par_iter()
            .filter_map(|&(a, b)| {
                let (sa, ga) = sketch_of(a);
                let (sb, gb) = sketch_of(b);
                let jaccard = sa.jaccard(sb);
                (jaccard >= threshold).then(|| Edge {
                    a,
                    b,
                    jaccard,
                    estimate: minhash::estimate(ga, gb),
                })
            })
            .collect();
        checked += pairs.len();
        progress.advance(chunk.len() as u64);
        for edge in &found {
            sets.union(edge.a, edge.b);
        }
        edges.extend(found);
    }
    Ok(Verified {
        edges,
        sets,
        checked,
    })
}

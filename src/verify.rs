//! Candidate verification: LSH only proposes pairs; the exact Jaccard of their shingle sets
//! decides. Texts are read again from their origin, so no shingle set outlives its chunk.

use rayon::prelude::*;

use crate::cluster::{Edge, UnionFind};
use crate::load::{Corpus, LoadError, Origin};
use crate::lsh::{PackedPair, unpack};
use crate::minhash::{self, MinHasher};
use crate::progress::Progress;
use crate::shingle::{ShingleSet, Shingler};

/// Articles whose shingles are held at once (about 5 KB each). Chunks end where this many
/// distinct articles are reached; fixed, so that which pairs get skipped as already connected
/// does not depend on the number of threads.
const CHUNK_ARTICLES: usize = 1 << 15;

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
    let mut rest = candidates;
    while !rest.is_empty() {
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        let mut docs: Vec<u32> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut taken = 0;
        for &packed in rest {
            if seen.len() >= CHUNK_ARTICLES {
                break;
            }
            taken += 1;
            let (a, b) = unpack(packed);
            if sets.find(a) == sets.find(b) {
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

//! Locality-sensitive hashing by banding: articles whose signatures agree on every row of at
//! least one band become candidate pairs. Nothing here compares all pairs.

use rayon::prelude::*;
use serde::Serialize;
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// How a signature of `bands × rows` values is cut into bands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Banding {
    pub bands: usize,
    pub rows: usize,
}

/// Buckets larger than this are not expanded into all their pairs: every member is paired with
/// the first [`ANCHORS`] members instead. Keeps a band key shared by thousands of articles (a
/// wire story republished everywhere, or boilerplate) linear instead of quadratic; the anchors
/// still connect every true copy to the cluster.
pub const MAX_FULL_BUCKET: usize = 64;
pub const ANCHORS: usize = 8;

/// Probability that two articles of Jaccard similarity `s` share at least one band.
///
/// ```
/// use dedup::lsh::{Banding, collision_probability};
/// let b = Banding { bands: 20, rows: 5 };
/// assert!(collision_probability(0.8, b) > 0.99);
/// assert!(collision_probability(0.2, b) < 0.01);
/// ```
pub fn collision_probability(s: f64, banding: Banding) -> f64 {
    1.0 - (1.0 - s.powi(banding.rows as i32)).powi(banding.bands as i32)
}

impl Banding {
    /// The banding that minimises the weighted areas of false positives (below `threshold`)
    /// and false negatives (above it) under the collision curve, over all `bands × rows <=
    /// num_perm`, as datasketch's `MinHashLSH` chooses it. Recall is weighted above precision
    /// because every candidate is verified exactly afterwards: a false positive costs one
    /// comparison, a false negative loses a duplicate for good.
    ///
    /// ```
    /// use dedup::lsh::Banding;
    /// let b = Banding::optimal(0.5, 128);
    /// assert!(b.bands * b.rows <= 128);
    /// assert!(b.rows > 1);
    /// ```
    pub fn optimal(threshold: f64, num_perm: usize) -> Banding {
        const FALSE_POSITIVE_WEIGHT: f64 = 0.3;
        const FALSE_NEGATIVE_WEIGHT: f64 = 0.7;
        let mut best = (f64::INFINITY, Banding { bands: 1, rows: 1 });
        for bands in 1..=num_perm {
            for rows in 1..=num_perm / bands {
                let banding = Banding { bands, rows };
                let p = |s| collision_probability(s, banding);
                let false_pos = integrate(p, 0.0, threshold);
                let false_neg = integrate(|s| 1.0 - p(s), threshold, 1.0);
                let error = FALSE_POSITIVE_WEIGHT * false_pos + FALSE_NEGATIVE_WEIGHT * false_neg;
                if error < best.0 {
                    best = (error, banding);
                }
            }
        }
        best.1
    }

    /// One key per band: a seeded hash of the band's rows. Appends `bands` keys to `out`.
    pub fn keys_into(&self, signature: &[u32], seed: u64, out: &mut Vec<u32>) {
        debug_assert!(signature.len() >= self.bands * self.rows);
        let mut buf = Vec::with_capacity(self.rows * 4);
        for (band, rows) in signature
            .chunks_exact(self.rows)
            .take(self.bands)
            .enumerate()
        {
            buf.clear();
            for v in rows {
                buf.extend_from_slice(&v.to_le_bytes());
            }
            out.push(xxh3_64_with_seed(&buf, seed ^ band as u64) as u32);
        }
    }
}

/// Midpoint rule; the integrands are smooth and monotone, so 256 steps is plenty.
fn integrate(f: impl Fn(f64) -> f64, lo: f64, hi: f64) -> f64 {
    const STEPS: usize = 256;
    let h = (hi - lo) / STEPS as f64;
    (0..STEPS)
        .map(|i| f(lo + (i as f64 + 0.5) * h))
        .sum::<f64>()
        * h
}

/// A candidate pair `(a, b)` with `a < b`, packed so that sorting orders by `a` then `b`.
pub type PackedPair = u64;

pub fn pack(a: u32, b: u32) -> PackedPair {
    debug_assert!(a < b);
    (a as u64) << 32 | b as u64
}

pub fn unpack(p: PackedPair) -> (u32, u32) {
    ((p >> 32) as u32, p as u32)
}

/// All distinct candidate pairs that pass `screen`, sorted. `keys` holds `bands` keys per
/// article, article-major.
///
/// Each band is grouped by sorting (key, article) pairs, which needs no hash map of vectors and
/// yields members in article order, so the result does not depend on the thread count. A pair
/// is taken only in the first band where it is expanded, so each pair is screened once and
/// nothing needs deduplicating afterwards: copies of one story agree on most bands. Screening
/// as pairs are found keeps pairs that will never verify from taking memory.
pub fn candidate_pairs(
    keys: &[u32],
    bands: usize,
    screen: impl Fn(u32, u32) -> bool + Sync,
) -> Vec<PackedPair> {
    if bands == 0 {
        return Vec::new();
    }
    let n = keys.len() / bands;
    let key = |doc: u32, band: usize| keys[doc as usize * bands + band];
    // Per band, the articles that sat in an oversized bucket without being one of its
    // anchors: a pair of two such articles was not expanded in that band.
    let mut crowded: Vec<BitSet> = Vec::with_capacity(bands);
    let mut pairs: Vec<PackedPair> = Vec::new();
    for band in 0..bands {
        let mut column: Vec<u64> = (0..n as u32)
            .into_par_iter()
            .map(|doc| (key(doc, band) as u64) << 32 | doc as u64)
            .collect();
        column.par_sort_unstable();
        let mut in_crowd = BitSet::new(n);
        for bucket in column.chunk_by(|x, y| x >> 32 == y >> 32) {
            if bucket.len() > MAX_FULL_BUCKET {
                for &member in &bucket[ANCHORS..] {
                    in_crowd.insert(member as u32);
                }
            }
        }
        let earlier = &crowded;
        let expanded_before = |a: u32, b: u32| {
            (0..band).any(|j| {
                key(a, j) == key(b, j) && !(earlier[j].contains(a) && earlier[j].contains(b))
            })
        };
        let found: Vec<PackedPair> = column
            .par_chunk_by(|x, y| x >> 32 == y >> 32)
            .flat_map_iter(|bucket| {
                let mut out = Vec::new();
                emit_bucket_pairs(
                    bucket,
                    |a, b| !expanded_before(a, b) && screen(a, b),
                    &mut out,
                );
                out
            })
            .collect();
        pairs.extend(found);
        crowded.push(in_crowd);
    }
    pairs.par_sort_unstable();
    debug_assert!(pairs.windows(2).all(|w| w[0] < w[1]));
    pairs
}

/// One bit per article: a million articles take 125 KB per band instead of 1 MB as `bool`s.
struct BitSet(Vec<u64>);

impl BitSet {
    fn new(n: usize) -> Self {
        BitSet(vec![0; n.div_ceil(64)])
    }
    fn insert(&mut self, i: u32) {
        self.0[i as usize / 64] |= 1 << (i % 64);
    }
    fn contains(&self, i: u32) -> bool {
        self.0[i as usize / 64] & (1 << (i % 64)) != 0
    }
}

fn emit_bucket_pairs(bucket: &[u64], keep: impl Fn(u32, u32) -> bool, out: &mut Vec<PackedPair>) {
    let doc = |x: u64| x as u32;
    let anchors = if bucket.len() > MAX_FULL_BUCKET {
        ANCHORS
    } else {
        bucket.len()
    };
    for (i, &a) in bucket.iter().enumerate().take(anchors) {
        for &b in &bucket[i + 1..] {
            if keep(doc(a), doc(b)) {
                out.push(pack(doc(a), doc(b)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::minhash::{MinHasher, Scheme, splitmix64};

    #[test]
    fn collision_probability_matches_closed_form() {
        let b = Banding { bands: 4, rows: 2 };
        let s: f64 = 0.5;
        let expected = 1.0 - (1.0 - 0.25f64).powi(4);
        assert!((collision_probability(s, b) - expected).abs() < 1e-12);
        assert_eq!(collision_probability(0.0, b), 0.0);
        assert_eq!(collision_probability(1.0, b), 1.0);
    }

    #[test]
    fn optimal_banding_puts_the_steep_part_near_the_threshold() {
        for (t, n) in [(0.3, 128), (0.5, 128), (0.8, 256)] {
            let b = Banding::optimal(t, n);
            assert!(b.bands * b.rows <= n);
            // Far below the threshold rarely collides, far above almost always does.
            assert!(collision_probability(t / 3.0, b) < 0.2, "{t} {b:?}");
            assert!(
                collision_probability((t + 1.0) / 2.0, b) > 0.95,
                "{t} {b:?}"
            );
        }
    }

    #[test]
    fn observed_candidate_rate_matches_collision_probability() {
        // Many article pairs with Jaccard 0.4: the fraction that become candidates must match
        // the S-curve within sampling error.
        let hasher = MinHasher::new(Scheme::Oph, 128, 5);
        let banding = Banding { bands: 16, rows: 4 };
        let (shared, only) = (200u64, 150u64);
        let truth = shared as f64 / (shared + 2 * only) as f64;
        let trials = 400;
        let mut hits = 0;
        for t in 0..trials {
            let h = |i: u64| splitmix64((t * 1_000_003) ^ i);
            let common = (0..shared).map(h);
            let a: Vec<u64> = common
                .clone()
                .chain((0..only).map(|i| h(1 << 40 | i)))
                .collect();
            let b: Vec<u64> = common.chain((0..only).map(|i| h(2 << 40 | i))).collect();
            let mut keys = Vec::new();
            banding.keys_into(&hasher.sign(&a), 0, &mut keys);
            banding.keys_into(&hasher.sign(&b), 0, &mut keys);
            hits += candidate_pairs(&keys, banding.bands, |_, _| true).len();
        }
        let p = collision_probability(truth, banding);
        let observed = hits as f64 / trials as f64;
        let sd = (p * (1.0 - p) / trials as f64).sqrt();
        assert!(
            (observed - p).abs() < 4.0 * sd + 0.01,
            "p={p} observed={observed}"
        );
    }

    #[test]
    fn buckets_give_sorted_distinct_pairs() {
        // Three articles; 0 and 2 share band 0, 1 and 2 share band 1, 0 and 2 also share band 1.
        let keys = [7, 1, 8, 2, 7, 1];
        // article-major: doc0 = [7,1], doc1 = [8,2], doc2 = [7,1]
        let pairs: Vec<_> = candidate_pairs(&keys, 2, |_, _| true)
            .into_iter()
            .map(unpack)
            .collect();
        assert_eq!(pairs, vec![(0, 2)]);
    }

    #[test]
    fn huge_buckets_stay_linear_but_connected() {
        let n = 1000u32;
        let keys = vec![42u32; n as usize];
        let pairs = candidate_pairs(&keys, 1, |_, _| true);
        assert!(pairs.len() < ANCHORS * n as usize);
        // Every member is paired with the first one, so the bucket stays one component.
        for doc in 1..n {
            assert!(pairs.binary_search(&pack(0, doc)).is_ok());
        }
    }
}

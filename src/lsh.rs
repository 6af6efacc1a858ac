//! Locality-sensitive hashing by banding: articles whose signatures agree on every row of at
//! least one band become candidate pairs. Nothing here compares all pairs.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

use rayon::prelude::*;
use serde::Serialize;

use crate::minhash::{Sketch16, splitmix64};

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

    /// The key of one band: its rows of the 16-bit sketch. Two rows fill the 32 bits exactly,
    /// so the usual banding needs no stored keys at all; other row counts are mixed into 32
    /// bits.
    pub fn key(&self, sketch: &[Sketch16], band: usize) -> u32 {
        match &sketch[band * self.rows..][..self.rows] {
            [a, b] => u32::from(*a) << 16 | u32::from(*b),
            [a] => u32::from(*a),
            rows => rows
                .iter()
                .fold(band as u64, |h, &v| splitmix64(h ^ u64::from(v))) as u32,
        }
    }

    /// All band keys of one article's sketch.
    pub fn keys<'s>(&self, sketch: &'s [Sketch16]) -> impl Iterator<Item = u32> + 's {
        let banding = *self;
        (0..self.bands).map(move |band| banding.key(sketch, band))
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

/// Bands gathered in one sweep over the sketches. Article-major sketches put a band's rows 1 KB
/// apart from one article to the next, so reading one band at a time touches a new cache line
/// (and often a new page) per article; eight two-row bands are 32 contiguous bytes, so a sweep
/// reads each article's line once for eight bands. A sweep's columns take 8 bytes per article
/// per band.
const SWEEP_BANDS: usize = 8;

/// All distinct candidate pairs that pass `screen`, sorted. `sketches` holds `num_perm`
/// values per article, article-major.
///
/// Each band is grouped by a radix sort of (key, article) pairs, which needs no hash map of
/// vectors and yields members in article order. Copies of one story agree on most bands, so a
/// pair already taken is looked up in the set of pairs found so far instead of being screened
/// again; screening as pairs are found keeps pairs that will never verify from taking memory.
/// The set only grows between sweeps, and a pair is in the result when some band expands it
/// and it passes the screen, so the result does not depend on the thread count.
pub fn candidate_pairs(
    sketches: &[Sketch16],
    num_perm: usize,
    banding: Banding,
    screen: impl Fn(u32, u32) -> bool + Sync,
) -> Vec<PackedPair> {
    let n = sketches.len() / num_perm;
    let key =
        |doc: u32, band: usize| banding.key(&sketches[doc as usize * num_perm..][..num_perm], band);
    let mut found: HashSet<PackedPair, BuildHasherDefault<PairHasher>> = HashSet::default();
    for first in (0..banding.bands).step_by(SWEEP_BANDS) {
        let bands = first..(first + SWEEP_BANDS).min(banding.bands);
        let known = &found;
        let mut sweep: Vec<PackedPair> = gather_columns(n, bands, key)
            .into_par_iter()
            .map(radix_sort_by_high_half)
            .flat_map_iter(|column| {
                let mut out = Vec::new();
                for bucket in column.chunk_by(|x, y| x >> 32 == y >> 32) {
                    emit_bucket_pairs(
                        bucket,
                        |a, b| !known.contains(&pack(a, b)) && screen(a, b),
                        &mut out,
                    );
                }
                out
            })
            .collect();
        // Bands of one sweep may take the same new pair.
        sweep.par_sort_unstable();
        sweep.dedup();
        found.extend(sweep);
    }
    let mut pairs: Vec<PackedPair> = found.into_iter().collect();
    pairs.par_sort_unstable();
    pairs
}

/// Hashes packed pairs for the set of pairs found: one SplitMix64 round, since article
/// numbers are dense and std's SipHash is several times slower on a hot path.
#[derive(Default)]
struct PairHasher(u64);

impl Hasher for PairHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = splitmix64(self.0 ^ u64::from(b));
        }
    }
    fn write_u64(&mut self, pair: u64) {
        self.0 = splitmix64(pair);
    }
}

/// The `(key << 32 | article)` column of each band in `bands`, articles ascending, filled in
/// parallel over ranges of articles so that each article's sketch is read once per sweep.
fn gather_columns(
    n: usize,
    bands: std::ops::Range<usize>,
    key: impl Fn(u32, usize) -> u32 + Sync,
) -> Vec<Vec<u64>> {
    const ARTICLES_PER_TASK: usize = 1 << 14;
    let mut columns = vec![vec![0u64; n]; bands.len()];
    let mut tasks: Vec<Vec<&mut [u64]>> = Vec::new();
    for column in &mut columns {
        for (i, part) in column.chunks_mut(ARTICLES_PER_TASK).enumerate() {
            if tasks.len() <= i {
                tasks.push(Vec::with_capacity(bands.len()));
            }
            tasks[i].push(part);
        }
    }
    tasks
        .into_par_iter()
        .enumerate()
        .for_each(|(task, mut parts)| {
            let start = task * ARTICLES_PER_TASK;
            for offset in 0..parts[0].len() {
                let doc = (start + offset) as u32;
                for (part, band) in parts.iter_mut().zip(bands.clone()) {
                    part[offset] = u64::from(key(doc, band)) << 32 | u64::from(doc);
                }
            }
        });
    columns
}

/// Sorts by the upper 32 bits (the key), articles ascending within a key. Keys are MinHash
/// values, close to uniform, so one counting pass on the top bits leaves buckets of a few
/// items that an insertion sort finishes in cache; half the passes of a two-digit LSD radix.
fn radix_sort_by_high_half(items: Vec<u64>) -> Vec<u64> {
    // About one item per bucket, at most 2^16 buckets (256 KB of counts).
    let bits = (usize::BITS - items.len().leading_zeros()).clamp(1, 16);
    let digit = |x: u64| (x >> (64 - bits)) as usize;
    let mut starts = vec![0u32; (1 << bits) + 1];
    for &x in &items {
        starts[digit(x) + 1] += 1;
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    let mut sorted = vec![0u64; items.len()];
    let mut next = starts.clone();
    for &x in &items {
        let d = digit(x);
        sorted[next[d] as usize] = x;
        next[d] += 1;
    }
    for bucket in starts.windows(2) {
        sorted[bucket[0] as usize..bucket[1] as usize].sort_unstable();
    }
    sorted
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
    use crate::minhash::{self, MinHasher, Scheme};

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
            let h = |i: u64| splitmix64((t * 1_000_003) ^ i) as u32;
            let common = (0..shared).map(h);
            let a: Vec<u32> = common
                .clone()
                .chain((0..only).map(|i| h(1 << 40 | i)))
                .collect();
            let b: Vec<u32> = common.chain((0..only).map(|i| h(2 << 40 | i))).collect();
            let mut sketches = Vec::new();
            minhash::sketch_into(&hasher.sign(&a), &mut sketches);
            minhash::sketch_into(&hasher.sign(&b), &mut sketches);
            hits += candidate_pairs(&sketches, 128, banding, |_, _| true).len();
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
        // One row per band. Articles 0 and 2 agree on both bands, 1 and 2 on band 1 only.
        let sketches = [7, 1, 8, 5, 7, 5];
        let banding = Banding { bands: 2, rows: 1 };
        let pairs: Vec<_> = candidate_pairs(&sketches, 2, banding, |_, _| true)
            .into_iter()
            .map(unpack)
            .collect();
        assert_eq!(pairs, vec![(0, 2), (1, 2)]);
    }

    #[test]
    fn two_row_keys_are_the_rows_themselves() {
        let banding = Banding { bands: 2, rows: 2 };
        let keys: Vec<u32> = banding.keys(&[1, 2, 3, 4]).collect();
        assert_eq!(keys, [0x0001_0002, 0x0003_0004]);
        let three = Banding { bands: 1, rows: 3 };
        assert_ne!(three.key(&[1, 2, 3], 0), three.key(&[1, 2, 4], 0));
    }

    #[test]
    fn radix_sort_orders_by_key_then_article() {
        let items: Vec<u64> = [(5u64, 0u64), (1, 1), (70_000, 2), (5, 3), (1, 4), (0, 5)]
            .iter()
            .map(|&(k, d)| k << 32 | d)
            .collect();
        let mut expected = items.clone();
        expected.sort_unstable();
        assert_eq!(radix_sort_by_high_half(items), expected);
    }

    #[test]
    fn huge_buckets_stay_linear_but_connected() {
        let n = 1000u32;
        let sketches = vec![42; n as usize];
        let pairs = candidate_pairs(&sketches, 1, Banding { bands: 1, rows: 1 }, |_, _| true);
        assert!(pairs.len() < ANCHORS * n as usize);
        // Every member is paired with the first one, so the bucket stays one component.
        for doc in 1..n {
            assert!(pairs.binary_search(&pack(0, doc)).is_ok());
        }
    }
}

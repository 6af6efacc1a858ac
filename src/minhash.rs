//! MinHash signatures: fixed-size sketches whose agreement rate estimates Jaccard similarity.

use serde::{Deserialize, Serialize};

use crate::shingle::ShingleHash;

/// How the `num_perm` minima are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    /// One-permutation hashing with optimal densification (Shrivastava, ICML 2017): one hash
    /// per shingle splits the hash space into `num_perm` bins and keeps each bin's minimum;
    /// empty bins borrow from a pseudo-randomly chosen full bin. O(shingles + num_perm) per
    /// article instead of O(shingles × num_perm), with the same estimator variance as classic
    /// MinHash once articles have more shingles than bins. The default.
    Oph,
    /// `num_perm` independent universal hash functions (multiply-shift), as datasketch does.
    /// Kept for comparison; about `num_perm` times more hashing work.
    Classic,
}

/// Marks a bin that no shingle fell into (before densification).
const EMPTY: u32 = u32::MAX;

/// Computes signatures for one parameter set. Cheap to share between threads.
#[derive(Clone, Debug)]
pub struct MinHasher {
    scheme: Scheme,
    num_perm: usize,
    seed: u64,
    /// Classic scheme only: odd multipliers and offsets of the hash family.
    mul_add: Vec<(u64, u64)>,
    /// One-permutation hashing only: the first [`CACHED_PROBES`] bins of each bin's
    /// densification probe sequence, so that filling empty bins is a table walk instead of
    /// two SplitMix64 rounds per probe. Short articles leave most bins empty.
    probes: Vec<u32>,
}

/// Probes cached per bin. A bin is empty with probability `exp(-shingles / num_perm)`, so with
/// half the bins filled the 8 cached probes all miss for 1 empty bin in 256.
const CACHED_PROBES: usize = 8;

/// The increment of the SplitMix64 stream (2^64 divided by the golden ratio).
pub const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64: a fixed, seedable stream for deriving hash parameters reproducibly.
pub fn splitmix64(x: u64) -> u64 {
    mix64(x.wrapping_add(GOLDEN))
}

/// The SplitMix64 finaliser: a good 64-bit mixer. Also seeds the corpus generator's random
/// streams (tools/synth).
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The `attempt`-th bin that empty bin `bin` borrows from under densification.
fn probe(seed: u64, bin: usize, attempt: u64, num_perm: usize) -> usize {
    reduce(
        splitmix64(seed ^ splitmix64(((bin as u64) << 32) | attempt)),
        num_perm,
    )
}

/// Maps a uniform 64-bit value to `0..n` without the bias or cost of `%`.
fn reduce(x: u64, n: usize) -> usize {
    ((x as u128 * n as u128) >> 64) as usize
}

impl Scheme {
    /// As the flag takes it.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Oph => "oph",
            Scheme::Classic => "classic",
        }
    }
}

impl MinHasher {
    pub fn new(scheme: Scheme, num_perm: usize, seed: u64) -> Self {
        assert!(num_perm > 0, "num_perm is validated by the caller");
        let mul_add = match scheme {
            Scheme::Oph => Vec::new(),
            Scheme::Classic => (0..num_perm as u64)
                .map(|i| {
                    let a = splitmix64(seed ^ splitmix64(2 * i)) | 1;
                    let b = splitmix64(seed ^ splitmix64(2 * i + 1));
                    (a, b)
                })
                .collect(),
        };
        let probes = match scheme {
            Scheme::Oph => (0..num_perm)
                .flat_map(|bin| {
                    (0..CACHED_PROBES as u64)
                        .map(move |attempt| probe(seed, bin, attempt, num_perm))
                })
                .map(|j| j as u32)
                .collect(),
            Scheme::Classic => Vec::new(),
        };
        MinHasher {
            scheme,
            num_perm,
            seed,
            mul_add,
            probes,
        }
    }

    pub fn num_perm(&self) -> usize {
        self.num_perm
    }

    /// The signature of a sorted or unsorted set of shingle hashes.
    pub fn sign(&self, shingles: &[ShingleHash]) -> Vec<u32> {
        let mut sig = Vec::new();
        self.sign_into(shingles, &mut sig, &mut Vec::new());
        sig
    }

    /// The 16-bit sketch of a set ([`sketch_into`] of its signature), appended to `out`.
    /// Signs into buffers kept by the thread, since this runs once per article.
    pub fn sketch_into(&self, shingles: &[ShingleHash], out: &mut Vec<Sketch16>) {
        thread_local! {
            static BUFFERS: std::cell::RefCell<(Vec<u32>, Vec<u32>)> = Default::default();
        }
        BUFFERS.with_borrow_mut(|(sig, raw)| {
            self.sign_into(shingles, sig, raw);
            sketch_into(sig, out);
        });
    }

    /// `raw` is working space.
    fn sign_into(&self, shingles: &[ShingleHash], sig: &mut Vec<u32>, raw: &mut Vec<u32>) {
        sig.clear();
        sig.resize(self.num_perm, EMPTY);
        match self.scheme {
            Scheme::Oph => self.sign_oph(shingles, sig, raw),
            Scheme::Classic => self.sign_classic(shingles, sig),
        }
    }

    fn sign_oph(&self, shingles: &[ShingleHash], sig: &mut [u32], raw: &mut Vec<u32>) {
        let k = self.num_perm;
        for &h in shingles {
            // Remixing with the seed makes the signature a function of (set, seed) alone;
            // the high bits then pick the bin and the low bits are the value.
            let h = splitmix64(u64::from(h) ^ self.seed);
            let bin = reduce(h, k);
            sig[bin] = sig[bin].min(h as u32);
        }
        // Optimal densification: each empty bin follows its own pseudo-random probe sequence
        // until it lands on a bin that was filled by data (not by borrowing), which keeps
        // borrowed values independent across bins. Borrowed values are written to a copy so
        // that "filled by data" stays readable from `raw`.
        raw.clear();
        raw.extend_from_slice(sig);
        if raw.iter().all(|&v| v == EMPTY) {
            return;
        }
        for (i, slot) in sig.iter_mut().enumerate() {
            if *slot != EMPTY {
                continue;
            }
            let cached = &self.probes[i * CACHED_PROBES..][..CACHED_PROBES];
            let found = cached
                .iter()
                .map(|&j| j as usize)
                .find(|&j| raw[j] != EMPTY);
            let j = found.unwrap_or_else(|| {
                (CACHED_PROBES as u64..)
                    .map(|attempt| probe(self.seed, i, attempt, k))
                    .find(|&j| raw[j] != EMPTY)
                    .expect("probe sequences reach every bin, and one is filled")
            });
            *slot = raw[j];
        }
    }

    fn sign_classic(&self, shingles: &[ShingleHash], sig: &mut [u32]) {
        for &h in shingles {
            for (slot, &(a, b)) in sig.iter_mut().zip(&self.mul_add) {
                let v = (a.wrapping_mul(u64::from(h)).wrapping_add(b) >> 32) as u32;
                *slot = (*slot).min(v);
            }
        }
    }
}

/// The MinHash estimate of Jaccard similarity: the fraction of positions that agree.
pub fn estimate(a: &[u32], b: &[u32]) -> f64 {
    debug_assert_eq!(a.len(), b.len());
    if a.is_empty() {
        return 0.0;
    }
    let agree = a.iter().zip(b).filter(|(x, y)| x == y).count();
    agree as f64 / a.len() as f64
}

/// Bits of each MinHash value kept in the in-memory sketch that screens LSH candidates.
/// Unequal values agree on 16 bits by chance once in 65,536, so the sketch estimates Jaccard
/// almost as well as the full signature at half the memory.
pub type Sketch16 = u16;

/// A sketch as it is stored in an index: little-endian values, back to back.
pub fn encode_sketch(sketch: &[Sketch16]) -> Vec<u8> {
    sketch.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// A fingerprint of an article's content from its sketch, to break ties between articles
/// by what they say rather than where they stand in the input: two sketches that agree on
/// every value come from (nearly) one shingle set. 63 bits, so that it survives a signed
/// 64-bit column (the Spark job's) with the same value and order.
pub fn fingerprint(sketch: &[Sketch16]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(&encode_sketch(sketch)) >> 1
}

/// Reads back what [`encode_sketch`] wrote; `None` unless it holds exactly `num_perm` values.
pub fn decode_sketch(bytes: &[u8], num_perm: usize) -> Option<Vec<Sketch16>> {
    (bytes.len() == num_perm * 2).then(|| {
        bytes
            .chunks_exact(2)
            .map(|c| Sketch16::from_le_bytes([c[0], c[1]]))
            .collect()
    })
}

/// Appends the low 16 bits of each signature value to `out`.
pub fn sketch_into(signature: &[u32], out: &mut Vec<Sketch16>) {
    out.extend(signature.iter().map(|&v| v as Sketch16));
}

/// Every article's sketch, in article order: the one per-article array that stays in memory
/// until verification, at 2 bytes per value.
///
/// Each sketch is stored as two planes: the low byte of every value, then the high byte of
/// every value. Two values that agree also agree on their low bytes, so counting agreeing low
/// bytes bounds the full count from above: the LSH screen reads the 512-byte low plane of a
/// random article and stops there for the pairs far below the threshold, which is nearly all
/// of them. That halves the memory traffic of the stage that is bound by it.
///
/// Segments of a fixed size are filled one after another instead of one growing vector, so
/// no sketch ever moves: a reallocation would copy up to a gigabyte and briefly hold it twice,
/// and doubling leaves up to half of the last allocation unused.
pub struct Sketches {
    num_perm: usize,
    segments: Vec<Vec<u8>>,
    len: usize,
}

/// Articles per segment: 64 MB at 512 values, of which a small corpus only ever touches (and
/// so only ever keeps resident) what it writes.
const SEGMENT_ARTICLES: usize = 1 << 16;

/// One stored sketch: value `i` is `high[i] << 8 | low[i]`.
#[derive(Clone, Copy)]
pub struct SketchRef<'a> {
    low: &'a [u8],
    high: &'a [u8],
}

impl SketchRef<'_> {
    pub fn len(&self) -> usize {
        self.low.len()
    }

    pub fn is_empty(&self) -> bool {
        self.low.is_empty()
    }

    /// Values `range`, into `out` (cleared first).
    pub fn values_into(&self, range: std::ops::Range<usize>, out: &mut Vec<Sketch16>) {
        out.clear();
        out.extend(
            self.low[range.clone()]
                .iter()
                .zip(&self.high[range])
                .map(|(&l, &h)| Sketch16::from_le_bytes([l, h])),
        );
    }

    pub fn to_vec(&self) -> Vec<Sketch16> {
        let mut values = Vec::with_capacity(self.len());
        self.values_into(0..self.len(), &mut values);
        values
    }

    /// The bytes a screen of this sketch reads first, for prefetching.
    pub fn low_plane(&self) -> &[u8] {
        self.low
    }
}

impl Sketches {
    pub fn new(num_perm: usize) -> Self {
        Sketches {
            num_perm,
            segments: Vec::new(),
            len: 0,
        }
    }

    /// Sketches laid end to end, `num_perm` values each.
    pub fn from_values(num_perm: usize, values: &[Sketch16]) -> Self {
        let mut sketches = Sketches::new(num_perm);
        for sketch in values.chunks_exact(num_perm) {
            sketches.push(sketch);
        }
        sketches
    }

    pub fn push(&mut self, sketch: &[Sketch16]) {
        assert_eq!(sketch.len(), self.num_perm, "a sketch has num_perm values");
        if self.len.is_multiple_of(SEGMENT_ARTICLES) {
            self.segments
                .push(Vec::with_capacity(SEGMENT_ARTICLES * 2 * self.num_perm));
        }
        let segment = self.segments.last_mut().expect("a segment was just made");
        segment.extend(sketch.iter().map(|&v| v.to_le_bytes()[0]));
        segment.extend(sketch.iter().map(|&v| v.to_le_bytes()[1]));
        self.len += 1;
    }

    pub fn get(&self, article: u32) -> SketchRef<'_> {
        let article = article as usize;
        let k = self.num_perm;
        let segment = &self.segments[article / SEGMENT_ARTICLES];
        let (low, high) = segment[article % SEGMENT_ARTICLES * 2 * k..][..2 * k].split_at(k);
        SketchRef { low, high }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every article's [`fingerprint`], for callers that did not keep them from signing.
    pub fn fingerprints(&self) -> Vec<u64> {
        (0..self.len as u32)
            .map(|article| fingerprint(&self.get(article).to_vec()))
            .collect()
    }
}

/// Positions at which two sketches agree.
pub fn sketch_matches(a: &[Sketch16], b: &[Sketch16]) -> usize {
    count_agreeing(a, b)
}

/// Counts equal elements at equal positions. Summing 0/1 per lane over fixed-size chunks lets
/// the compiler use SIMD compares; this runs for every pair LSH proposes.
fn count_agreeing<T: Copy + Eq>(a: &[T], b: &[T]) -> usize {
    let ((a_chunks, a_tail), (b_chunks, b_tail)) = (a.as_chunks::<LANES>(), b.as_chunks::<LANES>());
    let whole: usize = a_chunks
        .iter()
        .zip(b_chunks)
        .map(|(x, y)| x.iter().zip(y).map(|(p, q)| u8::from(p == q)).sum::<u8>() as usize)
        .sum();
    whole + a_tail.iter().zip(b_tail).filter(|(x, y)| x == y).count()
}

/// Positions per chunk of a SIMD count: at most 32 fits the per-chunk `u8` sum.
const LANES: usize = 32;

impl SketchRef<'_> {
    /// Positions at which two stored sketches agree.
    pub fn matches(self, other: SketchRef) -> usize {
        let (a_low, a_low_tail) = self.low.as_chunks::<LANES>();
        let (a_high, a_high_tail) = self.high.as_chunks::<LANES>();
        let (b_low, b_low_tail) = other.low.as_chunks::<LANES>();
        let (b_high, b_high_tail) = other.high.as_chunks::<LANES>();
        let agree = |la: &[u8], ha: &[u8], lb: &[u8], hb: &[u8]| -> usize {
            let lanes = la.iter().zip(ha).zip(lb.iter().zip(hb));
            lanes
                .map(|((la, ha), (lb, hb))| u8::from((la == lb) & (ha == hb)))
                .sum::<u8>() as usize
        };
        let whole: usize = (a_low.iter().zip(a_high))
            .zip(b_low.iter().zip(b_high))
            .map(|((la, ha), (lb, hb))| agree(la, ha, lb, hb))
            .sum();
        whole + agree(a_low_tail, a_high_tail, b_low_tail, b_high_tail)
    }

    /// The Jaccard estimate of two stored sketches, as [`sketch_estimate`] gives it.
    pub fn estimate(self, other: SketchRef) -> f64 {
        if self.is_empty() {
            0.0
        } else {
            self.matches(other) as f64 / self.len() as f64
        }
    }

    /// Whether two stored sketches agree on at least `min_matches` positions. The low planes
    /// are compared first; only pairs whose low bytes agree often enough read the high planes.
    pub fn agrees_at_least(self, other: SketchRef, min_matches: usize) -> bool {
        count_agreeing(self.low, other.low) >= min_matches && self.matches(other) >= min_matches
    }
}

/// The Jaccard estimate from two sketches: like [`estimate`] on the full signatures, plus a
/// 1-in-65,536 chance per position of a false agreement.
pub fn sketch_estimate(a: &[Sketch16], b: &[Sketch16]) -> f64 {
    if a.is_empty() {
        0.0
    } else {
        sketch_matches(a, b) as f64 / a.len() as f64
    }
}

/// Standard deviations below the threshold a pair's sketch estimate may fall and still be
/// verified: a pair exactly at the threshold is screened out with probability about 2e-4.
const SCREEN_SIGMAS: f64 = 3.5;

/// The fewest agreeing sketch positions (of `num_perm`) for a pair to be worth verifying at
/// `threshold`. LSH alone proposes many pairs far below the threshold when it is low; this
/// screen drops them before any text is read again.
///
/// ```
/// let m = dedup::minhash::min_sketch_matches(0.5, 256);
/// assert!(m > 90 && m < 128);
/// ```
pub fn min_sketch_matches(threshold: f64, num_perm: usize) -> usize {
    let k = num_perm as f64;
    let sigma = (threshold * (1.0 - threshold) / k).sqrt();
    ((threshold - SCREEN_SIGMAS * sigma) * k).floor().max(0.0) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_sketches_read_back_only_at_their_length() {
        let sketch = [0, 7, Sketch16::MAX];
        let bytes = encode_sketch(&sketch);
        assert_eq!(decode_sketch(&bytes, 3).as_deref(), Some(&sketch[..]));
        assert_eq!(decode_sketch(&bytes, 2), None);
        assert_eq!(decode_sketch(&bytes[..5], 3), None);
    }

    #[test]
    fn sketches_are_found_across_segment_boundaries() {
        let n = SEGMENT_ARTICLES + 2;
        let values: Vec<Sketch16> = (0..n * 2).map(|v| v as Sketch16).collect();
        let sketches = Sketches::from_values(2, &values);
        assert_eq!(sketches.len(), n);
        for article in [0, SEGMENT_ARTICLES - 1, SEGMENT_ARTICLES, n - 1] {
            let first = (article * 2) as Sketch16;
            let stored = sketches.get(article as u32).to_vec();
            assert_eq!(stored, [first, first.wrapping_add(1)]);
        }
    }

    proptest::proptest! {
        /// The two-plane screen counts exactly what a plain comparison of the values counts,
        /// also when low bytes agree and high bytes do not (values drawn from 0, 1, 256, 257).
        #[test]
        fn stored_sketches_count_the_same_agreements_as_their_values(
            a in proptest::collection::vec(proptest::sample::select(vec![0u16, 1, 256, 257]), 70),
            b in proptest::collection::vec(proptest::sample::select(vec![0u16, 1, 256, 257]), 70),
            min_matches in 0usize..72,
        ) {
            let sketches = Sketches::from_values(70, &[a.clone(), b.clone()].concat());
            let (x, y) = (sketches.get(0), sketches.get(1));
            proptest::prop_assert_eq!(x.to_vec(), a.clone());
            proptest::prop_assert_eq!(x.matches(y), sketch_matches(&a, &b));
            proptest::prop_assert_eq!(
                x.agrees_at_least(y, min_matches),
                sketch_matches(&a, &b) >= min_matches
            );
        }
    }

    /// Two sets of random hashes with exactly `shared` common elements.
    fn pair(shared: usize, only: usize, salt: u64) -> (Vec<ShingleHash>, Vec<ShingleHash>) {
        let h = |i: u64| splitmix64(salt.wrapping_mul(1_000_003) ^ i) as ShingleHash;
        let common: Vec<ShingleHash> = (0..shared as u64).map(h).collect();
        let mut a = common.clone();
        let mut b = common;
        a.extend((0..only as u64).map(|i| h(1 << 40 | i)));
        b.extend((0..only as u64).map(|i| h(2 << 40 | i)));
        (a, b)
    }

    fn check_error_bound(scheme: Scheme) {
        let k = 256;
        let hasher = MinHasher::new(scheme, k, 42);
        for (shared, only) in [(300, 100), (100, 200), (40, 400)] {
            let truth = shared as f64 / (shared + 2 * only) as f64;
            let sigma = (truth * (1.0 - truth) / k as f64).sqrt();
            let trials = 40;
            let mut sum = 0.0;
            for t in 0..trials {
                let (a, b) = pair(shared, only, t);
                let est = estimate(&hasher.sign(&a), &hasher.sign(&b));
                // A single estimate stays within 5 sigma except with probability ~1e-6.
                assert!(
                    (est - truth).abs() < 5.0 * sigma + 1e-9,
                    "{scheme:?} J={truth} est={est}"
                );
                sum += est;
            }
            // The mean of independent trials is unbiased: within 4 sigma / sqrt(trials).
            let mean = sum / trials as f64;
            assert!(
                (mean - truth).abs() < 4.0 * sigma / (trials as f64).sqrt(),
                "{scheme:?} J={truth} mean={mean}"
            );
        }
    }

    #[test]
    fn oph_estimates_within_error_bound() {
        check_error_bound(Scheme::Oph);
    }

    #[test]
    fn classic_estimates_within_error_bound() {
        check_error_bound(Scheme::Classic);
    }

    #[test]
    fn identical_sets_agree_everywhere_and_disjoint_sets_almost_nowhere() {
        for scheme in [Scheme::Oph, Scheme::Classic] {
            let hasher = MinHasher::new(scheme, 128, 1);
            let (a, b) = pair(0, 500, 9);
            assert_eq!(estimate(&hasher.sign(&a), &hasher.sign(&a)), 1.0);
            assert!(estimate(&hasher.sign(&a), &hasher.sign(&b)) < 0.05);
        }
    }

    #[test]
    fn sketch_screen_keeps_pairs_at_the_threshold_and_drops_unrelated_ones() {
        let k = 256;
        let hasher = MinHasher::new(Scheme::Oph, k, 8);
        let threshold = 0.1;
        let min = min_sketch_matches(threshold, k);
        let matches = |shared, only, salt| {
            let (a, b) = pair(shared, only, salt);
            let (mut sa, mut sb) = (Vec::new(), Vec::new());
            sketch_into(&hasher.sign(&a), &mut sa);
            sketch_into(&hasher.sign(&b), &mut sb);
            sketch_matches(&sa, &sb)
        };
        // J = 50 / 500 = 0.1, exactly the threshold: all 200 trials pass.
        assert!((0..200).all(|t| matches(50, 225, t) >= min));
        // J = 2 / 598: essentially unrelated; all screened out.
        assert!((0..200).all(|t| matches(2, 298, 1000 + t) < min));
    }

    #[test]
    fn sparse_sets_are_densified_without_empty_bins() {
        let hasher = MinHasher::new(Scheme::Oph, 128, 3);
        let sig = hasher.sign(&[11, 22, 33]);
        assert!(sig.iter().all(|&v| v != EMPTY));
        assert!(hasher.sign(&[]).iter().all(|&v| v == EMPTY));
    }

    #[test]
    fn signatures_depend_on_seed_but_not_on_shingle_order() {
        let (mut a, _) = pair(200, 0, 5);
        for scheme in [Scheme::Oph, Scheme::Classic] {
            let s1 = MinHasher::new(scheme, 64, 10).sign(&a);
            let s2 = MinHasher::new(scheme, 64, 11).sign(&a);
            assert_ne!(s1, s2);
            a.reverse();
            assert_eq!(s1, MinHasher::new(scheme, 64, 10).sign(&a));
        }
    }
}

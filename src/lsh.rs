//! Locality-sensitive hashing by banding: articles whose signatures agree on every row of at
//! least one band become candidate pairs. Nothing here compares all pairs.

use rayon::prelude::*;
use serde::Serialize;

use crate::minhash::{Sketch16, Sketches, splitmix64};
use crate::radix;

/// How a signature of `bands × rows` values is cut into bands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Banding {
    pub bands: usize,
    pub rows: usize,
}

/// Buckets larger than this are not expanded into all their pairs: every member is paired with
/// the first [`ANCHORS`] members instead, first in [`content_order`], so that which members
/// anchor does not depend on where the articles stand in the input. Keeps a band key shared by
/// thousands of articles (a wire story republished everywhere, or boilerplate) linear instead
/// of quadratic; the anchors still connect every true copy to the cluster.
pub const MAX_FULL_BUCKET: usize = 64;
pub const ANCHORS: usize = 8;

/// How many of a bucket's first members (archived ones first, then the others in
/// [`content_order`]) pair with the later ones: all of them, or in an oversized bucket or a
/// [`common`](CommonRows) one the [`ANCHORS`]. Whether it is common is asked only of the
/// sizes where it matters: most buckets hold one article.
fn anchors_of(size: usize, common: impl FnOnce() -> bool) -> usize {
    if size > MAX_FULL_BUCKET || (size > ANCHORS && common()) {
        ANCHORS
    } else {
        size
    }
}

/// Articles from which a sketch value at one position is common: the minimum of that position
/// came from one shingle in this many articles (a footer, a template's wording, a widely
/// quoted sentence, or a story republished this often).
pub const COMMON_ARTICLES: u32 = 50;

/// Which sketch values of a band are common ([`COMMON_ARTICLES`]), counted over the banded
/// articles. A bucket whose key is made only of common values is anchored like an oversized
/// one, whatever its size. Template items, or the articles of one outlet, meet in many small
/// buckets of such keys, two pieces of wording that each recur across the template or the
/// outlet (its stock sentences, a county or a town from a short list), and every two members
/// of each were paired: at 200,000 generated articles, nearly half of all candidate pairs,
/// which the copy rule refused but for a few dozen. The copies of a much-republished story
/// still meet in them, as the bucket's first members are copies too. Only keys that are the
/// values themselves (one or two rows) are read; longer keys are hashed.
struct CommonRows {
    /// Per row of the band, the articles holding each 16-bit value.
    counts: Vec<Vec<u32>>,
    bound: u32,
}

impl CommonRows {
    /// Counts the values of a band's rows in `entries` (`key << 32 | place`).
    fn count(entries: &[u64], rows: usize) -> Option<Self> {
        // Fewer articles than the bound hold no common value, and need no counters.
        if rows > 2 || entries.len() < COMMON_ARTICLES as usize {
            return None;
        }
        let mut counts = vec![vec![0u32; 1 << 16]; rows];
        for &entry in entries {
            for (row, counts) in counts.iter_mut().enumerate() {
                counts[row_value(entry, row, rows)] += 1;
            }
        }
        // A value is held by chance by about one article in 65,536; eight times as many never
        // are, and from about 410,000 articles on that is the bound.
        let chance = ((8 * entries.len()) >> 16) as u32;
        Some(CommonRows {
            counts,
            bound: COMMON_ARTICLES.max(chance),
        })
    }

    fn is_common(&self, entry: u64) -> bool {
        let rows = self.counts.len();
        (0..rows).all(|row| self.counts[row][row_value(entry, row, rows)] >= self.bound)
    }
}

/// The 16-bit value of `row` in a band key of `rows` rows ([`Banding::key`]).
fn row_value(entry: u64, row: usize, rows: usize) -> usize {
    let key = (entry >> 32) as u32;
    (key >> (16 * (rows - 1 - row)) & 0xFFFF) as usize
}

/// The most bands in which one article is paired with the anchors of an oversized or common
/// bucket: its first bands in band order, after which such buckets pair it with nothing. A
/// reprint of a much-republished story meets the same copies as anchors in every band, so one band
/// would do; an item written from a template used thousands of times meets other anchors (other
/// items) in each of the hundred or so bands its template wording fills, and at a million
/// generated articles those pairs, all refused by the copy rule, were most of the candidates.
/// Eight bands leave room for an article whose first oversized buckets are its outlet's footer.
pub const MAX_ANCHORED_BANDS: u8 = 8;

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
        let (below, below_step) = midpoints(0.0, threshold);
        let (above, above_step) = midpoints(threshold, 1.0);
        let mut best = (f64::INFINITY, Banding { bands: 1, rows: 1 });
        // For a fixed row count, (1 - s^rows)^bands (the chance of no shared band) grows by
        // one factor per band, and s^rows by one factor per row, so each banding costs one
        // multiplication per sample point instead of calls to powi: this runs on every
        // start, before the first article, and powi alone took 2 % of a 20,000-article run.
        let (mut below_pow, mut above_pow) = (vec![1.0; below.len()], vec![1.0; above.len()]);
        for rows in 1..=num_perm {
            let per_band = |pow: &mut Vec<f64>, points: &[f64]| -> Vec<f64> {
                pow.iter_mut().zip(points).for_each(|(p, s)| *p *= s);
                pow.iter().map(|p| 1.0 - p).collect()
            };
            let (per_band_below, per_band_above) = (
                per_band(&mut below_pow, &below),
                per_band(&mut above_pow, &above),
            );
            let (mut miss_below, mut miss_above) = (per_band_below.clone(), per_band_above.clone());
            for bands in 1..=num_perm / rows {
                if bands > 1 {
                    for (miss, per_band) in [
                        (&mut miss_below, &per_band_below),
                        (&mut miss_above, &per_band_above),
                    ] {
                        miss.iter_mut().zip(per_band).for_each(|(m, q)| *m *= q);
                    }
                }
                let false_pos = miss_below.iter().map(|m| 1.0 - m).sum::<f64>() * below_step;
                let false_neg = miss_above.iter().sum::<f64>() * above_step;
                let error = FALSE_POSITIVE_WEIGHT * false_pos + FALSE_NEGATIVE_WEIGHT * false_neg;
                if error < best.0 {
                    best = (error, Banding { bands, rows });
                }
            }
        }
        best.1
    }

    /// The key of one band: its rows of the 16-bit sketch. Two rows fill the 32 bits exactly,
    /// so the usual banding needs no stored keys at all; other row counts are mixed into 32
    /// bits.
    pub fn key(&self, sketch: &[Sketch16], band: usize) -> u32 {
        self.key_of_rows(&sketch[band * self.rows..][..self.rows], band)
    }

    fn key_of_rows(&self, rows: &[Sketch16], band: usize) -> u32 {
        match rows {
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

/// The sample points of the midpoint rule on `lo..hi`, and their spacing. The integrands are
/// smooth and monotone, so 256 steps is plenty.
fn midpoints(lo: f64, hi: f64) -> (Vec<f64>, f64) {
    const STEPS: usize = 256;
    let h = (hi - lo) / STEPS as f64;
    ((0..STEPS).map(|i| lo + (i as f64 + 0.5) * h).collect(), h)
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
/// (and often a new page) per article; eight two-row bands are 16 contiguous bytes of each of
/// the sketch's two byte planes, so a sweep reads each article's lines once for eight bands.
/// A sweep's columns take 8 bytes per article per band.
const SWEEP_BANDS: usize = 8;

/// Proposals of one band held before they are looked up and screened: 512 KB per thread,
/// whatever the corpus. Holding a whole sweep's proposals instead would take 2 KB per article
/// when articles come in groups of near-identical copies, each group proposed by every band.
const PENDING_PAIRS: usize = 1 << 16;

/// Articles ordered by content: by the fingerprint of their sketch (`fingerprints`, one per
/// article, [`crate::minhash::fingerprint`]: the order that picks a cluster's centre), then by
/// number for identical sketches. Buckets list their members in this order, so reordering the
/// input changes no bucket's anchors, except among articles with one sketch, which are
/// interchangeable.
pub fn content_order(fingerprints: &[u64]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..fingerprints.len() as u32).collect();
    order.par_sort_unstable_by_key(|&doc| (fingerprints[doc as usize], doc));
    order
}

/// All distinct candidate pairs whose sketches agree on at least `min_matches` positions,
/// sorted.
pub fn candidate_pairs(
    sketches: &Sketches,
    banding: Banding,
    min_matches: usize,
) -> Vec<PackedPair> {
    candidate_pairs_with(
        sketches,
        &sketches.fingerprints(),
        banding,
        min_matches,
        &Archived::default(),
    )
}

/// The candidate pairs of the first `banded` articles of `sketches` (one per fingerprint in
/// `fingerprints`, [`content_order`]), among themselves and with the `archived` articles that
/// share their buckets (numbered from `banded` on, their sketches after those of the banded
/// ones), sorted. Two archived articles are never paired: the archive
/// was compared with itself when it was built.
///
/// Each band is grouped by a radix sort of (key, place) pairs, where an article's place is
/// where it stands in [`content_order`]: no hash map of vectors is needed, and members come in
/// that order. Copies of one story agree on most bands, so a
/// band's proposals are sorted `PENDING_PAIRS` at a time and looked up, in order, among the
/// pairs that earlier sweeps kept ([`FoundPairs`]), and only the others are screened: reads
/// that move forward through memory instead of a hash lookup per proposal, which at a million
/// articles was a cache miss a hundred million times over. A pair the screen rejected is
/// screened again when a later sweep proposes it (at a million generated articles, 58.4 M
/// distinct pairs were screened 60.3 M times). Screening proposals as they come keeps pairs
/// that will never verify from taking memory. The bands of a sweep are counted against
/// [`MAX_ANCHORED_BANDS`] one after the other, and every other step sorts, so the result does
/// not depend on the thread count.
pub(crate) fn candidate_pairs_with(
    sketches: &Sketches,
    fingerprints: &[u64],
    banding: Banding,
    min_matches: usize,
    archived: &Archived,
) -> Vec<PackedPair> {
    let mut columns: Vec<BandColumn> = (0..SWEEP_BANDS.min(banding.bands))
        .map(|_| BandColumn::default())
        .collect();
    let banded = fingerprints.len();
    let order = content_order(fingerprints);
    let mut found = FoundPairs::new(sketches.len());
    // By place, as the columns hold articles.
    let mut anchored_bands = vec![0u8; banded];
    let largest_article = sketches.len().saturating_sub(1) as u64;
    let article_bits = (u64::BITS - largest_article.leading_zeros()).max(1);
    for first in (0..banding.bands).step_by(SWEEP_BANDS) {
        let bands = first..(first + SWEEP_BANDS).min(banding.bands);
        let columns = &mut columns[..bands.len()];
        gather_columns(sketches, &order, banding, bands, columns);
        columns
            .par_iter_mut()
            .enumerate()
            .for_each(|(offset, column)| {
                column.sort_and_find_anchored(first + offset, banding.rows, archived)
            });
        // In band order, whatever the thread count.
        for column in columns.iter_mut() {
            column.decline_past_cap(&mut anchored_bands);
        }
        let known = &found;
        let mut kept: Vec<PackedPair> = columns
            .par_iter_mut()
            .enumerate()
            .flat_map_iter(|(offset, column)| {
                let band = first + offset;
                let BandColumn {
                    entries,
                    scratch,
                    declined,
                    anchors,
                    ..
                } = column;
                let mut kept = Vec::new();
                let mut pending = Vec::with_capacity(PENDING_PAIRS);
                let mut keep_new = |pending: &mut Vec<PackedPair>| {
                    sort_pairs(pending, scratch, article_bits);
                    let fresh: Vec<PackedPair> = pending
                        .iter()
                        .copied()
                        .filter(|&p| !known.contains(p))
                        .collect();
                    kept.extend(screen(&fresh, sketches, min_matches));
                    pending.clear();
                };
                let mut start = 0;
                let buckets = entries.chunk_by(|x, y| x >> 32 == y >> 32);
                for (bucket, &anchors) in buckets.zip(anchors.iter()) {
                    let archived = archived.bucket(band, (bucket[0] >> 32) as u32);
                    let declined = &declined[start..start + bucket.len()];
                    let members = Members {
                        archived,
                        bucket,
                        declined,
                        anchors,
                    };
                    emit_bucket_pairs(members, &order, &mut pending);
                    start += bucket.len();
                    if pending.len() >= PENDING_PAIRS {
                        keep_new(&mut pending);
                    }
                }
                keep_new(&mut pending);
                kept
            })
            .collect();
        // Bands of one sweep may keep the same new pair.
        kept.par_sort_unstable();
        kept.dedup();
        found.add(&kept);
    }
    found.pairs
}

/// The members that an archive (a persistent index) holds in the buckets of the articles being
/// checked against it: for each band key of theirs that the archive has, its archived articles
/// in archive order, cut to the first [`ANCHORS`] when the bucket, new articles included, has
/// more than [`MAX_FULL_BUCKET`] members, since the others would only be paired with archived
/// anchors.
#[derive(Debug, Default)]
pub struct Archived {
    /// `band << 32 | key`, sorted, one per bucket that holds archived articles.
    keys: Vec<u64>,
    /// `members[starts[i]..starts[i + 1]]` are the members kept of bucket `keys[i]`.
    starts: Vec<usize>,
    /// Archived members of the whole bucket, kept or not.
    totals: Vec<usize>,
    members: Vec<u32>,
}

/// An archive's part of one bucket: its first `members`, of `total` in all.
#[derive(Clone, Copy)]
struct ArchivedBucket<'a> {
    total: usize,
    members: &'a [u32],
}

impl Archived {
    /// Looks up every band key of `sketches` with `bucket(band, key)`, which gives the archived
    /// articles (by archive id, ascending) with that key. Keys are looked up band by band, and
    /// within a band by their low 16 bits first: the order in which an index stores its
    /// buckets, so that the lookups read it in one forward sweep.
    pub fn lookup<E>(
        sketches: &Sketches,
        banding: Banding,
        mut bucket: impl FnMut(usize, u32) -> Result<Vec<u32>, E>,
    ) -> Result<Archived, E> {
        let mut archived = Archived {
            starts: vec![0],
            ..Archived::default()
        };
        let mut values = Vec::with_capacity(banding.rows);
        let mut keys = Vec::with_capacity(sketches.len());
        for band in 0..banding.bands {
            keys.clear();
            for doc in 0..sketches.len() as u32 {
                sketches
                    .get(doc)
                    .values_into(band * banding.rows..(band + 1) * banding.rows, &mut values);
                keys.push(banding.key_of_rows(&values, band));
            }
            keys.sort_unstable_by_key(|&k| (k & 0xFFFF, k >> 16));
            let mut found = Vec::new();
            for same in keys.chunk_by(|x, y| x == y) {
                let ids = bucket(band, same[0])?;
                if ids.is_empty() {
                    continue;
                }
                // Whether the bucket is common is read later, from the checked articles: kept
                // here is what a bucket that is not may use.
                let kept = anchors_of(ids.len() + same.len(), || false).min(ids.len());
                found.push((same[0], ids.len(), ids[..kept].to_vec()));
            }
            found.sort_unstable_by_key(|f| f.0);
            for (key, total, ids) in found {
                archived.keys.push((band as u64) << 32 | u64::from(key));
                archived.totals.push(total);
                archived.members.extend(ids);
                archived.starts.push(archived.members.len());
            }
        }
        Ok(archived)
    }

    /// The archived articles that some bucket pairs with a checked one, ascending.
    pub fn ids(&self) -> Vec<u32> {
        let mut ids = self.members.clone();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Numbers the archived members as articles `first + i` for `ids[i]` (which holds them all,
    /// ascending): after the checked articles, so that one set of sketches holds both.
    pub fn renumber(&mut self, ids: &[u32], first: u32) {
        for member in &mut self.members {
            let i = ids.binary_search(member).expect("ids holds every member");
            *member = first + i as u32;
        }
    }

    fn bucket(&self, band: usize, key: u32) -> ArchivedBucket<'_> {
        let none = ArchivedBucket {
            total: 0,
            members: &[],
        };
        if self.keys.is_empty() {
            return none;
        }
        match self
            .keys
            .binary_search(&((band as u64) << 32 | u64::from(key)))
        {
            Ok(i) => ArchivedBucket {
                total: self.totals[i],
                members: &self.members[self.starts[i]..self.starts[i + 1]],
            },
            Err(_) => none,
        }
    }
}

/// The pairs kept so far, sorted, with where each article's pairs start: looking a pair up
/// reads two neighbouring offsets and a few pairs, instead of a galloping search through all
/// of them whose every step was a branch the processor could not predict.
struct FoundPairs {
    pairs: Vec<PackedPair>,
    /// `pairs[starts[a]..starts[a + 1]]` are the pairs whose first article is `a`.
    starts: Vec<usize>,
}

impl FoundPairs {
    fn new(articles: usize) -> Self {
        FoundPairs {
            pairs: Vec::new(),
            starts: vec![0; articles + 1],
        }
    }

    fn contains(&self, pair: PackedPair) -> bool {
        let a = unpack(pair).0 as usize;
        self.pairs[self.starts[a]..self.starts[a + 1]]
            .binary_search(&pair)
            .is_ok()
    }

    /// Adds `new` (sorted, none of them already in).
    fn add(&mut self, new: &[PackedPair]) {
        self.pairs = merge_sorted(&self.pairs, new);
        let mut next = 0;
        for (a, start) in self.starts.iter_mut().enumerate() {
            *start = next;
            while self
                .pairs
                .get(next)
                .is_some_and(|&p| unpack(p).0 as usize == a)
            {
                next += 1;
            }
        }
    }
}

/// The pairs of `pairs` (sorted) whose sketches agree on at least `min_matches` positions.
/// Both sketches are fetched a few pairs ahead, so that the memory latency overlaps the
/// comparisons instead of adding to them: the second article's is a random read, and the
/// first article's is too, nearly, since a batch of a few thousand fresh pairs spread over the
/// whole corpus seldom has two with the same first article (prefetching it too made the band
/// stage at a million articles 9 % faster). Only the low byte planes (512 bytes at 512 values)
/// are fetched: they alone rule out nearly every pair.
fn screen(pairs: &[PackedPair], sketches: &Sketches, min_matches: usize) -> Vec<PackedPair> {
    const AHEAD: usize = 8;
    let prefetch_both = |p: PackedPair| {
        let (a, b) = unpack(p);
        prefetch(sketches.get(a).low_plane());
        prefetch(sketches.get(b).low_plane());
    };
    pairs.iter().take(AHEAD).copied().for_each(prefetch_both);
    let mut kept = Vec::new();
    for (i, &p) in pairs.iter().enumerate() {
        if let Some(&next) = pairs.get(i + AHEAD) {
            prefetch_both(next);
        }
        let (a, b) = unpack(p);
        if sketches
            .get(a)
            .agrees_at_least(sketches.get(b), min_matches)
        {
            kept.push(p);
        }
    }
    kept
}

fn prefetch(values: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        const LINE: usize = 64;
        let start = values.as_ptr() as usize;
        let end = start + size_of_val(values);
        for line in (start & !(LINE - 1)..end).step_by(LINE) {
            // SAFETY: a prefetch is only a hint; it never faults, whatever the address.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(line as *const i8) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = values;
}

/// Sorts pairs of articles numbered below `2^article_bits`. A band's pairs come in bucket
/// order, that is at random; an LSD radix sort over the bits an article number can have
/// (four passes of 11 bits up to 4 M articles) does a fraction of a comparison sort's work on
/// the 65,536 pairs held at a time, which took a tenth of the band stage.
fn sort_pairs(items: &mut Vec<PackedPair>, scratch: &mut Vec<PackedPair>, article_bits: u32) {
    // Below this, the counting passes cost more than they save.
    const SMALL: usize = 4 * RADIX_DIGITS;
    if items.len() < SMALL {
        items.sort_unstable();
    } else {
        radix_sort_pairs(items, scratch, article_bits);
    }
}

const RADIX_DIGIT_BITS: u32 = 11;
const RADIX_DIGITS: usize = 1 << RADIX_DIGIT_BITS;

fn radix_sort_pairs(items: &mut Vec<PackedPair>, scratch: &mut Vec<PackedPair>, article_bits: u32) {
    let digits_per_article = article_bits.div_ceil(RADIX_DIGIT_BITS);
    let second = (0..digits_per_article).map(|d| d * RADIX_DIGIT_BITS);
    let first = second.clone().map(|shift| 32 + shift);
    for shift in second.chain(first) {
        radix::stable_pass::<_, RADIX_DIGITS>(items, scratch, |x| {
            (x >> shift) as usize & (RADIX_DIGITS - 1)
        });
    }
}

/// The union of two sorted, disjoint sequences, sorted.
fn merge_sorted(a: &[PackedPair], b: &[PackedPair]) -> Vec<PackedPair> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] < b[j] {
            out.push(a[i]);
            i += 1;
        } else {
            out.push(b[j]);
            j += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// One band of a sweep: its `(key << 32 | place)` entries ([`content_order`]), grouped by key
/// once sorted, and which of them draw no anchors ([`MAX_ANCHORED_BANDS`]).
#[derive(Default)]
struct BandColumn {
    entries: Vec<u64>,
    /// The scratch space of the sorts.
    scratch: Vec<u64>,
    /// Positions in `entries` of the members of oversized buckets that are not anchors,
    /// ascending.
    anchored: Vec<u32>,
    /// Per entry: whether its article is past [`MAX_ANCHORED_BANDS`] here.
    declined: Vec<bool>,
    /// Per bucket, in order: how many of its first members pair with the later ones.
    anchors: Vec<usize>,
}

impl BandColumn {
    fn sort_and_find_anchored(&mut self, band: usize, rows: usize, archived: &Archived) {
        sort_column(&mut self.entries, &mut self.scratch);
        let common = CommonRows::count(&self.entries, rows);
        self.anchored.clear();
        self.anchors.clear();
        let mut start = 0;
        for bucket in self.entries.chunk_by(|x, y| x >> 32 == y >> 32) {
            let archived = archived.bucket(band, (bucket[0] >> 32) as u32);
            let size = archived.total + bucket.len();
            let anchors = anchors_of(size, || {
                common.as_ref().is_some_and(|c| c.is_common(bucket[0]))
            });
            self.anchors.push(anchors);
            if anchors < size {
                // Checked members are anchors only after every archived one.
                let checked_anchors = anchors.saturating_sub(archived.total);
                self.anchored
                    .extend((start + checked_anchors..start + bucket.len()).map(|i| i as u32));
            }
            start += bucket.len();
        }
    }

    /// Counts this band against each anchored article's [`MAX_ANCHORED_BANDS`], declining it
    /// for the articles already at the cap.
    fn decline_past_cap(&mut self, anchored_bands: &mut [u8]) {
        self.declined.clear();
        self.declined.resize(self.entries.len(), false);
        for &i in &self.anchored {
            let place = self.entries[i as usize] as u32 as usize;
            if anchored_bands[place] < MAX_ANCHORED_BANDS {
                anchored_bands[place] += 1;
            } else {
                self.declined[i as usize] = true;
            }
        }
    }
}

/// Fills `columns[i]` with the `(key << 32 | place)` column of band `bands.start + i` over the
/// articles of `order` (the banded ones in [`content_order`]), by place, in parallel over
/// ranges of places so that each article's sketch is read once per sweep.
fn gather_columns(
    sketches: &Sketches,
    order: &[u32],
    banding: Banding,
    bands: std::ops::Range<usize>,
    columns: &mut [BandColumn],
) {
    let n = order.len();
    const ARTICLES_PER_TASK: usize = 1 << 14;
    let mut tasks: Vec<Vec<&mut [u64]>> = Vec::new();
    for column in columns.iter_mut() {
        let column = &mut column.entries;
        if column.len() != n {
            *column = vec![0; n];
        }
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
            let rows = banding.rows;
            let mut values = Vec::with_capacity(bands.len() * rows);
            for offset in 0..parts[0].len() {
                let place = start + offset;
                sketches
                    .get(order[place])
                    .values_into(bands.start * rows..bands.end * rows, &mut values);
                for ((part, band), band_rows) in parts
                    .iter_mut()
                    .zip(bands.clone())
                    .zip(values.chunks_exact(rows))
                {
                    let key = banding.key_of_rows(band_rows, band);
                    part[offset] = u64::from(key) << 32 | place as u64;
                }
            }
        });
}

/// Sorts a column by the upper 32 bits (the key), places ascending within a key: three stable
/// counting passes over the key, since the column comes in place order. A single
/// pass on the top bits followed by a comparison sort of each small bucket cost four times as
/// much at a million articles: nearly every bucket held a few items, each sorted by a call.
fn sort_column(items: &mut Vec<u64>, scratch: &mut Vec<u64>) {
    for shift in (32..64).step_by(RADIX_DIGIT_BITS as usize) {
        radix::stable_pass::<_, RADIX_DIGITS>(items, scratch, |x| {
            (x >> shift) as usize & (RADIX_DIGITS - 1)
        });
    }
}

/// Every member of a bucket paired with every later one, or, in an oversized or common bucket
/// ([`anchors_of`]), with the first [`ANCHORS`], except the members `declined` marks.
/// Archived members come first, so that the articles checked against an archive are anchored
/// to it. The bucket holds places in `order`; the pairs are of articles.
fn emit_bucket_pairs(members: Members, order: &[u32], out: &mut Vec<PackedPair>) {
    let Members {
        archived,
        bucket,
        declined,
        anchors,
    } = members;
    // Archived members are numbered after every banded one.
    for &a in archived.members.iter().take(anchors) {
        out.extend(drawing(bucket, declined, order).map(|b| pack(b, a)));
    }
    // Checked members are anchors only after every archived one.
    let anchors = anchors.saturating_sub(archived.total);
    for (i, &a) in bucket.iter().enumerate().take(anchors) {
        let a = order[a as u32 as usize];
        out.extend(
            drawing(&bucket[i + 1..], &declined[i + 1..], order).map(|b| pack(a.min(b), a.max(b))),
        );
    }
}

/// One bucket of a band: its archived members, its banded ones (places in `order`), which of
/// those are past [`MAX_ANCHORED_BANDS`], and how many of the first members are anchors.
struct Members<'a> {
    archived: ArchivedBucket<'a>,
    bucket: &'a [u64],
    declined: &'a [bool],
    anchors: usize,
}

/// The articles at the places of `members` that `declined` does not mark.
fn drawing<'a>(
    members: &'a [u64],
    declined: &'a [bool],
    order: &'a [u32],
) -> impl Iterator<Item = u32> + 'a {
    let members = members.iter().zip(declined);
    members
        .filter(|(_, declined)| !**declined)
        .map(|(&member, _)| order[member as u32 as usize])
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
    fn optimal_banding_is_the_least_weighted_error_of_all() {
        // Straight from the definition: both error areas by the midpoint rule on the closed form.
        let error = |t: f64, b: Banding| {
            let (below, h_below) = midpoints(0.0, t);
            let (above, h_above) = midpoints(t, 1.0);
            let fp: f64 = below
                .iter()
                .map(|&s| collision_probability(s, b))
                .sum::<f64>();
            let fn_: f64 = above
                .iter()
                .map(|&s| 1.0 - collision_probability(s, b))
                .sum();
            0.3 * fp * h_below + 0.7 * fn_ * h_above
        };
        for (t, n) in [(0.08, 512), (0.3, 128), (0.5, 256), (0.9, 64)] {
            let chosen = Banding::optimal(t, n);
            for bands in 1..=n {
                for rows in 1..=n / bands {
                    let other = Banding { bands, rows };
                    assert!(
                        error(t, chosen) <= error(t, other) + 1e-12,
                        "{t} {n}: {chosen:?} loses to {other:?}"
                    );
                }
            }
        }
        assert_eq!(
            Banding::optimal(0.08, 512),
            Banding {
                bands: 256,
                rows: 2
            }
        );
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
            hits += candidate_pairs(&Sketches::from_values(128, &sketches), banding, 0).len();
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
        let pairs: Vec<_> = candidate_pairs(&Sketches::from_values(2, &sketches), banding, 0)
            .into_iter()
            .map(unpack)
            .collect();
        assert_eq!(pairs, vec![(0, 2), (1, 2)]);
    }

    #[test]
    fn the_screen_keeps_exactly_the_pairs_agreeing_on_enough_values() {
        // Every article collides with every other on the first band; article 1 agrees with 0
        // on 6 of 8 values, article 2 with 0 on 3 and with 1 on 3.
        let values = [
            1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 0, 0, 1, 2, 3, 9, 9, 9, 9, 9,
        ];
        let sketches = Sketches::from_values(8, &values);
        let banding = Banding { bands: 4, rows: 2 };
        let pairs = |min| -> Vec<_> {
            candidate_pairs(&sketches, banding, min)
                .into_iter()
                .map(unpack)
                .collect()
        };
        assert_eq!(pairs(0), [(0, 1), (0, 2), (1, 2)]);
        assert_eq!(pairs(3), [(0, 1), (0, 2), (1, 2)]);
        assert_eq!(pairs(4), [(0, 1)]);
        assert_eq!(pairs(7), []);
    }

    proptest::proptest! {
        #[test]
        fn pairs_are_sorted_as_a_comparison_sort_sorts_them(
            article_bits in 1u32..=32,
            pairs in proptest::collection::vec((0u32..=u32::MAX, 0u32..=u32::MAX), 0..300),
        ) {
            // Article numbers of every width: one to three digits per article, and digits
            // that reach into the other article's half.
            let below = |x: u32| (u64::from(x) >> (32 - article_bits)) as u32;
            let mut items: Vec<PackedPair> =
                pairs.iter().map(|&(a, b)| (below(a) as u64) << 32 | below(b) as u64).collect();
            let mut expected = items.clone();
            expected.sort_unstable();
            radix_sort_pairs(&mut items, &mut Vec::new(), article_bits);
            proptest::prop_assert_eq!(items, expected);
        }

        #[test]
        fn found_pairs_hold_exactly_what_was_added(
            batches in proptest::collection::vec(
                proptest::collection::btree_set((0u32..12, 0u32..12), 0..20),
                1..4,
            ),
        ) {
            let mut found = FoundPairs::new(12);
            let mut expected = std::collections::BTreeSet::new();
            for batch in batches {
                let new: Vec<PackedPair> = batch
                    .into_iter()
                    .filter(|&(a, b)| a < b)
                    .map(|(a, b)| pack(a, b))
                    .filter(|&p| !found.contains(p))
                    .collect();
                found.add(&new);
                expected.extend(new);
                for a in 0..12 {
                    for b in a + 1..12 {
                        proptest::prop_assert_eq!(found.contains(pack(a, b)), expected.contains(&pack(a, b)));
                    }
                }
            }
            proptest::prop_assert_eq!(found.pairs, expected.into_iter().collect::<Vec<_>>());
        }
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
        let mut sorted = items;
        sort_column(&mut sorted, &mut Vec::new());
        assert_eq!(sorted, expected);
    }

    proptest::proptest! {
        /// Against the definition, with buckets large enough to be anchored: a pair is a
        /// candidate when some band's bucket pairs it (all pairs of a bucket of up to
        /// MAX_FULL_BUCKET members whose key is not made of values COMMON_ARTICLES hold, else
        /// each member with the first ANCHORS by the fingerprint of their sketches, then by
        /// number, in the first MAX_ANCHORED_BANDS bands where the member is anchored) and its
        /// sketches agree on enough values. Values mostly 0 make the all-zero buckets oversized
        /// in more bands than the cap and the zeros common; values 256 apart agree on their low
        /// bytes only.
        #[test]
        fn candidates_are_the_pairs_some_band_proposes_also_in_anchored_buckets(
            articles in proptest::collection::vec(
                proptest::collection::vec(
                    proptest::sample::select(vec![0u16, 0, 0, 0, 0, 1, 256]),
                    24,
                ),
                MAX_FULL_BUCKET..3 * MAX_FULL_BUCKET,
            ),
            min_matches in 0usize..6,
            rows in 1usize..=3,
        ) {
            let banding = Banding { bands: 24 / rows, rows };
            let values: Vec<u16> = articles.iter().flatten().copied().collect();
            let sketches = Sketches::from_values(24, &values);
            let found = candidate_pairs(&sketches, banding, min_matches);
            let mut expected = std::collections::BTreeSet::new();
            let mut anchored_bands = vec![0; articles.len()];
            let mut by_content: Vec<u32> = (0..articles.len() as u32).collect();
            by_content.sort_by_key(|&doc| (minhash::fingerprint(&articles[doc as usize]), doc));
            for band in 0..banding.bands {
                let mut buckets = std::collections::BTreeMap::<u32, Vec<u32>>::new();
                for &doc in &by_content {
                    let key = banding.key(&articles[doc as usize], band);
                    buckets.entry(key).or_default().push(doc);
                }
                // A value of the band's rows held by enough articles is common; keys of more
                // than two rows are hashed and never read as common.
                let mut held = std::collections::HashMap::<(usize, u16), u32>::new();
                let band_rows = band * rows..(band + 1) * rows;
                for article in &articles {
                    for (row, &value) in band_rows.clone().zip(&article[band_rows.clone()]) {
                        *held.entry((row, value)).or_default() += 1;
                    }
                }
                let bound = COMMON_ARTICLES.max(((8 * articles.len()) >> 16) as u32);
                for members in buckets.values() {
                    let mut members = members.clone();
                    let first = &articles[members[0] as usize];
                    let common =
                        rows <= 2 && band_rows.clone().all(|row| held[&(row, first[row])] >= bound);
                    let anchored = members.len() > MAX_FULL_BUCKET
                        || (common && members.len() > ANCHORS);
                    let anchors = if anchored {
                        let mut index = 0;
                        members.retain(|&b| {
                            index += 1;
                            let count = &mut anchored_bands[b as usize];
                            index <= ANCHORS || {
                                *count += 1;
                                *count <= MAX_ANCHORED_BANDS
                            }
                        });
                        ANCHORS
                    } else {
                        members.len()
                    };
                    for (i, &a) in members.iter().enumerate().take(anchors) {
                        for &b in &members[i + 1..] {
                            let agree = minhash::sketch_matches(&articles[a as usize], &articles[b as usize]);
                            if agree >= min_matches {
                                expected.insert(pack(a.min(b), a.max(b)));
                            }
                        }
                    }
                }
            }
            let expected: Vec<PackedPair> = expected.into_iter().collect();
            proptest::prop_assert_eq!(found, expected);
        }
    }

    #[test]
    fn an_article_draws_anchors_in_its_first_capped_bands_only() {
        // Band b's oversized bucket holds articles 8b.., and its anchors are the first eight of
        // them in content order: an article of the bucket in every band meets other anchors
        // in each.
        let (bands, n) = (16u32, 200u32);
        let values: Vec<u16> = (0..n)
            .flat_map(|doc| {
                (0..bands).map(move |band| if doc < 8 * band { doc as u16 + 1 } else { 0 })
            })
            .collect();
        let sketches = Sketches::from_values(bands as usize, &values);
        let banding = Banding {
            bands: bands as usize,
            rows: 1,
        };
        let pairs = candidate_pairs(&sketches, banding, 0);
        let partners = |doc: u32| -> std::collections::BTreeSet<u32> {
            pairs
                .iter()
                .map(|&p| unpack(p))
                .filter_map(|(a, b)| match (a == doc, b == doc) {
                    (true, _) => Some(b),
                    (_, true) => Some(a),
                    _ => None,
                })
                .collect()
        };
        let order = content_order(&sketches.fingerprints());
        let in_bucket = |band: u32| order.iter().copied().filter(move |&doc| doc >= 8 * band);
        // In every bucket, and the last of them in content order: never an anchor.
        let last = in_bucket(bands - 1).next_back().unwrap();
        let first_bands_anchors = (0..u32::from(MAX_ANCHORED_BANDS))
            .flat_map(|band| in_bucket(band).take(ANCHORS))
            .collect();
        assert_eq!(partners(last), first_bands_anchors);
        assert!(
            first_bands_anchors.len() > ANCHORS,
            "other anchors in other bands"
        );
    }

    #[test]
    fn anchors_do_not_depend_on_the_input_order() {
        // One oversized bucket in band 0, members otherwise distinct: reversing the input
        // pairs the same articles.
        let n = 150u16;
        let sketch = |i: u16| [0, i + 1];
        let pairs_of = |docs: &[u16]| -> std::collections::BTreeSet<(u16, u16)> {
            let values: Vec<u16> = docs.iter().flat_map(|&i| sketch(i)).collect();
            let sketches = Sketches::from_values(2, &values);
            candidate_pairs(&sketches, Banding { bands: 2, rows: 1 }, 0)
                .into_iter()
                .map(|p| {
                    let (a, b) = unpack(p);
                    let (x, y) = (docs[a as usize], docs[b as usize]);
                    (x.min(y), x.max(y))
                })
                .collect()
        };
        let forward: Vec<u16> = (0..n).collect();
        let backward: Vec<u16> = (0..n).rev().collect();
        let pairs = pairs_of(&forward);
        assert_eq!(
            pairs.len(),
            ANCHORS * n as usize - ANCHORS * (ANCHORS + 1) / 2
        );
        assert_eq!(pairs, pairs_of(&backward));
    }

    #[test]
    fn huge_buckets_stay_linear_but_connected() {
        let n = 1000u32;
        let sketches = vec![42; n as usize];
        let sketches = Sketches::from_values(1, &sketches);
        let pairs = candidate_pairs(&sketches, Banding { bands: 1, rows: 1 }, 0);
        assert!(pairs.len() < ANCHORS * n as usize);
        // Every member is paired with the first one, so the bucket stays one component.
        for doc in 1..n {
            assert!(pairs.binary_search(&pack(0, doc)).is_ok());
        }
    }
}

//! Shingling: turns an article body into the set of hashed n-grams that similarity is measured on.

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::marks::{Marker, Marks};
use crate::normalize;
use crate::radix;

/// What an n-gram is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShingleKind {
    /// n consecutive words: robust to layout, sensitive to rewording. The default.
    Word,
    /// n consecutive characters of the word stream (single spaces between words): survives
    /// inflection and spelling variants better, at the cost of more shingles per article.
    Char,
}

impl ShingleKind {
    /// As the flag takes it.
    pub fn name(self) -> &'static str {
        match self {
            ShingleKind::Word => "word",
            ShingleKind::Char => "char",
        }
    }

    pub fn default_size(self) -> usize {
        match self {
            ShingleKind::Word => 3,
            ShingleKind::Char => 5,
        }
    }
}

/// Longest word n-gram accepted; keeps the hashing buffer on the stack.
pub const MAX_WORD_NGRAM: usize = 16;

/// A shingle's hash. 32 bits are plenty: two articles of 500 shingles share a false match
/// once in about 17,000 pairs, which moves no Jaccard score by a visible amount, and sets take
/// half the memory and sort faster than with 64 bits.
pub type ShingleHash = u32;

/// An article's shingles: in document order, as the copy rule reads where shared wording
/// sits, and as a sorted, distinct set, as Jaccard and MinHash need them; plus its word count
/// and what the rule reads beside the wording ([`Marks`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShingleSet {
    pub sequence: Vec<ShingleHash>,
    pub hashes: Vec<ShingleHash>,
    pub words: u32,
    pub marks: Marks,
}

impl ShingleSet {
    /// The set of a sequence read back from storage.
    pub fn from_sequence(sequence: Vec<ShingleHash>, words: u32) -> Self {
        let mut hashes = sequence.clone();
        sort_hashes(&mut hashes);
        hashes.dedup();
        ShingleSet {
            sequence,
            hashes,
            words,
            marks: Marks::default(),
        }
    }

    pub fn with_marks(self, marks: Marks) -> Self {
        ShingleSet { marks, ..self }
    }

    /// The form stored on disk (the verification spill file, the index), appended to `out`:
    /// the word count, the marks, then the sequence ([`encode_set`]). The set is rebuilt on
    /// reading.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.extend(self.words.to_le_bytes());
        self.marks.encode_into(out);
        encode_set_into(&self.sequence, out);
    }

    /// Reads back what [`ShingleSet::encode_into`] wrote; `None` if the bytes are not such a
    /// record.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let (words, rest) = bytes.split_first_chunk::<4>()?;
        let (marks, sequence) = Marks::decode(rest)?;
        Some(
            Self::from_sequence(decode_set(sequence)?, u32::from_le_bytes(*words))
                .with_marks(marks),
        )
    }

    /// Exact Jaccard similarity |A ∩ B| / |A ∪ B| by a merge of the two sorted sets.
    pub fn jaccard(&self, other: &ShingleSet) -> f64 {
        crate::rule::Overlap::of(&self.hashes, &other.hashes).jaccard()
    }

    /// Containment |A ∩ B| / |A|: how much of `self` reappears in `other`.
    pub fn containment_in(&self, other: &ShingleSet) -> f64 {
        if self.hashes.is_empty() {
            0.0
        } else {
            self.intersection_len(other) as f64 / self.hashes.len() as f64
        }
    }

    pub fn intersection_len(&self, other: &ShingleSet) -> usize {
        intersection_len(&self.hashes, &other.hashes)
    }
}

/// Size of the intersection of two sorted, distinct hash sets.
pub fn intersection_len(a: &[ShingleHash], b: &[ShingleHash]) -> usize {
    let (mut in_blocks, mut in_tails) = (0, 0);
    intersect(
        a,
        b,
        |_, mask| in_blocks += mask.count_ones() as usize,
        |_| in_tails += 1,
    );
    in_blocks + in_tails
}

/// The intersection of two sorted, distinct hash sets, in order.
pub fn intersection(a: &[ShingleHash], b: &[ShingleHash]) -> Vec<ShingleHash> {
    // Room for the largest intersection: growing it by doubling cost more than the room.
    let mut values = Vec::with_capacity(a.len().min(b.len()));
    let mut push_block = |start: usize, mut mask: u32| {
        while mask != 0 {
            values.push(a[start + mask.trailing_zeros() as usize]);
            mask &= mask - 1;
        }
    };
    let mut rest = Vec::new();
    intersect(a, b, &mut push_block, |value| rest.push(value));
    values.extend(rest);
    values
}

/// Walks the intersection of two sorted, distinct sets: `on_block(start, mask)` for blocks of
/// four values of `a` from `start` (bit k set when `a[start + k]` is shared; blocks come in
/// order), then `on_value` for each shared value of the tails, in order.
fn intersect(
    a: &[ShingleHash],
    b: &[ShingleHash],
    on_block: impl FnMut(usize, u32),
    on_value: impl FnMut(ShingleHash),
) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE2 is part of the x86_64 baseline.
    let (i, j) = unsafe { intersection_blocks_sse2(a, b, on_block) };
    #[cfg(not(target_arch = "x86_64"))]
    let (i, j) = {
        let _ = on_block;
        (0, 0)
    };
    merge_each(&a[i..], &b[j..], on_value);
}

/// Counts shared values four against four: each block of `a` is compared with every rotation
/// of the current block of `b`, and the block whose last value is smaller moves on (both on a
/// tie). Every shared value is met in exactly one comparison of blocks, since the values are
/// distinct and no two steps compare the same pair of blocks. Against the branchy merge this
/// replaces one unpredictable branch per value by one per four. Hands each block's matches to
/// `on_block` (see [`intersect`]) and returns where the blocks stopped in `a` and `b`, for a
/// merge of the rest.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn intersection_blocks_sse2(
    a: &[ShingleHash],
    b: &[ShingleHash],
    mut on_block: impl FnMut(usize, u32),
) -> (usize, usize) {
    use std::arch::x86_64::*;
    let (mut i, mut j) = (0, 0);
    while i + 4 <= a.len() && j + 4 <= b.len() {
        // SAFETY: both blocks are in bounds (checked by the loop condition); loads are
        // unaligned.
        let (va, vb) = unsafe {
            (
                _mm_loadu_si128(a.as_ptr().add(i).cast()),
                _mm_loadu_si128(b.as_ptr().add(j).cast()),
            )
        };
        let rotations = [
            vb,
            _mm_shuffle_epi32::<0b00_11_10_01>(vb),
            _mm_shuffle_epi32::<0b01_00_11_10>(vb),
            _mm_shuffle_epi32::<0b10_01_00_11>(vb),
        ];
        let equal = rotations.iter().fold(_mm_setzero_si128(), |m, &r| {
            _mm_or_si128(m, _mm_cmpeq_epi32(va, r))
        });
        let mask = _mm_movemask_ps(_mm_castsi128_ps(equal)) as u32;
        if mask != 0 {
            on_block(i, mask);
        }
        let (last_a, last_b) = (a[i + 3], b[j + 3]);
        if last_a <= last_b {
            i += 4;
        }
        if last_b <= last_a {
            j += 4;
        }
    }
    (i, j)
}

/// The shared values of two sorted, distinct hash sets, by one merge pass.
fn merge_each(a: &[ShingleHash], b: &[ShingleHash], mut on_value: impl FnMut(ShingleHash)) {
    // A branchy merge beats the branch-free one here: the branch-free loop is bound by the
    // latency of its index updates (measured 3.3 µs against 1.7 µs for 2 x 500 shingles).
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                on_value(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
}

/// Hashes n-grams of normalised text with seeded xxh3.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shingler {
    pub kind: ShingleKind,
    pub size: usize,
    pub seed: u64,
}

impl Shingler {
    /// The article's shingle set, sorted and distinct, as exact Jaccard needs it.
    pub fn shingle(&self, body: &str) -> ShingleSet {
        match self.kind {
            ShingleKind::Word => self.word_shingles(&normalize::fold_marked(body)),
            ShingleKind::Char => {
                let (sequence, words) = self.char_shingles(&normalize::fold(body));
                ShingleSet::from_sequence(sequence, words)
            }
        }
    }

    /// The article's shingles in document order, its word count and its marks.
    fn word_shingles(&self, folded: &normalize::Folded) -> ShingleSet {
        let text = folded.text.as_str();
        // Sized for English words plus their spaces, so that the vector is not regrown about
        // eight times over for a typical article.
        let mut word_hashes: Vec<u64> = Vec::with_capacity(text.len() / 5 + 1);
        let mut marker = Marker::new();
        let mut end = 0;
        for word in normalize::words(text) {
            // Words are slices of the text, so where one starts is a pointer difference.
            let start = word.as_ptr() as usize - text.as_ptr() as usize;
            marker.gap(&text[end..start]);
            marker.word(word, folded.is_capital(start));
            end = start + word.len();
            word_hashes.push(xxh3_64_with_seed(word.as_bytes(), self.seed));
        }
        // An article shorter than one n-gram still has content: it becomes one shingle.
        let n = self
            .size
            .clamp(1, MAX_WORD_NGRAM)
            .min(word_hashes.len().max(1));
        let seed = self.seed;
        let grams = word_hashes.windows(n);
        // The usual sizes hash a buffer of fixed length, which the compiler turns into a few
        // loads; a length known only at run time called memcpy for every word of the corpus.
        let hashes = match n {
            2 => grams.map(|gram| hash_gram::<16>(gram, seed)).collect(),
            3 => grams.map(|gram| hash_gram::<24>(gram, seed)).collect(),
            4 => grams.map(|gram| hash_gram::<32>(gram, seed)).collect(),
            5 => grams.map(|gram| hash_gram::<40>(gram, seed)).collect(),
            _ => grams
                .map(|gram| hash_gram::<{ MAX_WORD_NGRAM * 8 }>(gram, seed))
                .collect(),
        };
        ShingleSet::from_sequence(hashes, word_hashes.len() as u32).with_marks(marker.finish(n))
    }

    fn char_shingles(&self, folded: &str) -> (Vec<ShingleHash>, u32) {
        let mut stream = String::with_capacity(folded.len());
        let mut words = 0u32;
        for w in normalize::words(folded) {
            if words > 0 {
                stream.push(' ');
            }
            stream.push_str(w);
            words += 1;
        }
        let starts: Vec<usize> = stream.char_indices().map(|(i, _)| i).collect();
        let n = self.size.max(1).min(starts.len().max(1));
        let hashes = if starts.is_empty() {
            Vec::new()
        } else {
            (0..=starts.len() - n)
                .map(|i| {
                    let end = starts.get(i + n).copied().unwrap_or(stream.len());
                    xxh3_64_with_seed(&stream.as_bytes()[starts[i]..end], self.seed) as ShingleHash
                })
                .collect()
        };
        (hashes, words)
    }
}

/// The hash of one word n-gram: xxh3 of its word hashes, little-endian, back to back. `BYTES`
/// is 8 n, or room for the longest n-gram, of which only the first 8 n bytes are hashed.
fn hash_gram<const BYTES: usize>(gram: &[u64], seed: u64) -> ShingleHash {
    let mut buf = [0u8; BYTES];
    for (slot, h) in buf.chunks_exact_mut(8).zip(gram) {
        slot.copy_from_slice(&h.to_le_bytes());
    }
    xxh3_64_with_seed(&buf[..gram.len() * 8], seed) as ShingleHash
}

/// A shingle set as it is stored on disk (the verification spill file, the index):
/// little-endian hashes, back to back.
pub fn encode_set(set: &[ShingleHash]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(size_of_val(set));
    encode_set_into(set, &mut bytes);
    bytes
}

/// [`encode_set`], appended to `out`.
pub fn encode_set_into(set: &[ShingleHash], out: &mut Vec<u8>) {
    out.extend(set.iter().flat_map(|h| h.to_le_bytes()));
}

/// Reads back what [`encode_set`] wrote; `None` if the length is not a whole number of hashes.
pub fn decode_set(bytes: &[u8]) -> Option<Vec<ShingleHash>> {
    bytes.len().is_multiple_of(4).then(|| {
        bytes
            .chunks_exact(4)
            .map(|c| ShingleHash::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    })
}

/// Sorts an article's shingle hashes. Articles hold a few hundred, where an LSD radix sort on
/// bytes does about a third of the work of a comparison sort; tiny sets are not worth its
/// counting passes.
fn sort_hashes(hashes: &mut Vec<ShingleHash>) {
    const SMALL: usize = 64;
    if hashes.len() <= SMALL {
        hashes.sort_unstable();
        return;
    }
    let mut scratch = Vec::with_capacity(hashes.len());
    for shift in (0..ShingleHash::BITS).step_by(8) {
        radix::stable_pass::<_, 256>(hashes, &mut scratch, |h| (h >> shift) as usize & 0xFF);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Values from a small range, so that the sets share many of them and runs of
        /// consecutive values.
        #[test]
        fn block_intersection_finds_what_a_search_finds(
            a in proptest::collection::btree_set(0u32..300, 0..200),
            b in proptest::collection::btree_set(0u32..300, 0..200),
        ) {
            let (a, b): (Vec<u32>, Vec<u32>) = (a.into_iter().collect(), b.into_iter().collect());
            let expected = a.iter().filter(|x| b.binary_search(x).is_ok()).count();
            proptest::prop_assert_eq!(intersection_len(&a, &b), expected);
            proptest::prop_assert_eq!(intersection_len(&b, &a), expected);
            let values: Vec<u32> = a.iter().copied().filter(|x| b.binary_search(x).is_ok()).collect();
            proptest::prop_assert_eq!(intersection(&a, &b), values.clone());
            proptest::prop_assert_eq!(intersection(&b, &a), values);
        }
    }

    fn words3() -> Shingler {
        Shingler {
            kind: ShingleKind::Word,
            size: 3,
            seed: 7,
        }
    }

    #[test]
    fn word_trigrams_count_distinct_windows() {
        let s = words3().shingle("a b c d a b c");
        // windows: abc bcd cda dab abc -> 4 distinct
        assert_eq!(s.hashes.len(), 4);
        assert_eq!(s.words, 7);
    }

    #[test]
    fn jaccard_of_known_overlap() {
        let sh = words3();
        let a = sh.shingle("one two three four five");
        let b = sh.shingle("one two three four six");
        // {123,234,345} vs {123,234,346}: 2 shared of 4
        assert!((a.jaccard(&b) - 0.5).abs() < 1e-12);
        assert!((a.containment_in(&b) - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(a.jaccard(&a), 1.0);
    }

    #[test]
    fn layout_and_typography_do_not_change_shingles() {
        let sh = words3();
        // Only the marks see capitals: they are where names are.
        let (typeset, plain) = (
            sh.shingle("Kim Jong-un’s “car”,\n\nsaid KCNA."),
            sh.shingle("kim jong un's \"car\" said kcna"),
        );
        assert_eq!(
            (typeset.sequence, typeset.words),
            (plain.sequence, plain.words)
        );
    }

    #[test]
    fn short_text_is_one_shingle_and_empty_text_none() {
        let sh = words3();
        assert_eq!(sh.shingle("breaking news").hashes.len(), 1);
        assert!(sh.shingle(" ... ").hashes.is_empty());
    }

    #[test]
    fn stored_sets_read_back_whole_and_truncated_ones_do_not() {
        let set = [0, 7, ShingleHash::MAX];
        let bytes = encode_set(&set);
        assert_eq!(decode_set(&bytes).as_deref(), Some(&set[..]));
        assert_eq!(decode_set(&bytes[..5]), None);
    }

    #[test]
    fn radix_sort_matches_a_comparison_sort() {
        for len in [0, 1, 64, 65, 500, 3000] {
            let mut hashes: Vec<ShingleHash> = (0..len as u64)
                .map(|i| crate::minhash::splitmix64(i ^ 99) as ShingleHash)
                .chain([0, ShingleHash::MAX, 7, 7])
                .collect();
            let mut expected = hashes.clone();
            expected.sort_unstable();
            sort_hashes(&mut hashes);
            assert_eq!(hashes, expected, "{len} hashes");
        }
    }

    #[test]
    fn seed_changes_hashes() {
        let a = words3().shingle("one two three");
        let b = Shingler {
            seed: 8,
            ..words3()
        }
        .shingle("one two three");
        assert_ne!(a.hashes, b.hashes);
    }

    #[test]
    fn char_shingles_cover_multibyte_text() {
        let sh = Shingler {
            kind: ShingleKind::Char,
            size: 3,
            seed: 1,
        };
        let s = sh.shingle("Путин, Ким");
        // "путин ким" has 9 chars -> 7 trigrams
        assert_eq!(s.hashes.len(), 7);
        assert_eq!(s.words, 2);
    }
}

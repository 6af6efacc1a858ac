//! Shingles common in the corpus, which do not propose candidate pairs.
//!
//! An outlet's footer, a standard background paragraph or a template's wording recurs in
//! hundreds of articles. Signed like the rest, it makes LSH propose every two of them: 2.85 M
//! candidate pairs in the 20,000-article footer test, every one verified and refused by the copy
//! rule. So articles are counted per shingle as they are read, and a shingle found in
//! [`COMMON_ARTICLES`] or more does not sign, unless it is nearly all of an article (a story
//! republished that often is nothing but common shingles, and its copies must still meet).
//! Verification still reads every shingle: being common only stops a shingle proposing pairs.
//!
//! Counts are kept per slot of a fixed table (a count-min sketch of one row), so they take the
//! same 64 MB whatever the corpus, add up across threads, shards or Spark partitions in any
//! order, and a slot's count only ever overstates its shingles' (a rare shingle sharing a slot
//! with common ones is taken as common too, which drops it from every article's signature alike).

use std::sync::atomic::{AtomicU8, Ordering};

use crate::shingle::ShingleHash;

/// Articles from which a shingle is common. A footer, a background box or a template's wording
/// is in hundreds of articles; a phrase of one story, even a much-copied one, in far fewer. On
/// the generated corpora (`bench/RESULTS.md`, "Ninth round") 200 takes two thirds of the
/// candidate pairs away and leaves accuracy as it was; 1,000 takes little, 50 cost copies at
/// 200,000 articles.
pub const COMMON_ARTICLES: u8 = 200;

/// Share of an article's shingles that must be its own (not common) for it to sign with them
/// alone. A copy of a story republished hundreds of times is almost all common shingles, with a
/// few edits of its own: signed on those edits, it would meet none of the other copies.
pub const MIN_OWN_SHARE: f64 = 0.2;

/// Slots are the top 26 bits of a shingle hash: 64 M counters of one byte.
const SLOT_SHIFT: u32 = ShingleHash::BITS - 26;
/// Counters of an [`ArticleCounts`], and the length of the table [`ArticleCounts::add_into`]
/// adds to.
pub const SLOTS: usize = 1 << (ShingleHash::BITS - SLOT_SHIFT);

/// The slot that counts `shingle`.
pub fn slot(shingle: ShingleHash) -> u32 {
    shingle >> SLOT_SHIFT
}

/// How many articles hold each slot's shingles, up to [`COMMON_ARTICLES`].
pub struct ArticleCounts {
    slots: Box<[AtomicU8]>,
}

impl Default for ArticleCounts {
    fn default() -> Self {
        // Zeroed memory is mapped as it is touched, so a small corpus costs a few pages.
        let zeroed = vec![0u8; SLOTS].into_boxed_slice();
        // SAFETY: `AtomicU8` has the same size, alignment and bit validity as `u8`.
        let slots = unsafe { Box::from_raw(Box::into_raw(zeroed) as *mut [AtomicU8]) };
        ArticleCounts { slots }
    }
}

impl ArticleCounts {
    /// Counts one article: `shingles` are its distinct shingle hashes. May run on many threads
    /// at once.
    pub fn count(&self, shingles: &[ShingleHash]) {
        for &shingle in shingles {
            let count = &self.slots[slot(shingle) as usize];
            // Saturating, so that no thread count or corpus size wraps a counter.
            let _ = count.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n < COMMON_ARTICLES).then_some(n + 1)
            });
        }
    }

    /// Adds these counts to `totals`, [`SLOTS`] counters counted elsewhere (another shard's),
    /// saturating as counting does.
    pub fn add_into(&self, totals: &mut [u8]) {
        assert_eq!(totals.len(), SLOTS, "a table of SLOTS counters");
        for (total, count) in totals.iter_mut().zip(&self.slots) {
            *total = total
                .saturating_add(count.load(Ordering::Relaxed))
                .min(COMMON_ARTICLES);
        }
    }

    /// The slots counted in [`COMMON_ARTICLES`] articles or more.
    pub fn common(&self) -> Common {
        Common::from_slots(
            self.slots
                .iter()
                .enumerate()
                .filter(|(_, n)| n.load(Ordering::Relaxed) >= COMMON_ARTICLES)
                .map(|(slot, _)| slot as u32),
        )
    }
}

/// The common slots, one bit each (8 MB when any is set).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Common {
    /// Empty when no slot is common.
    bits: Vec<u64>,
}

impl Common {
    /// The slots given (any order, repeats allowed) are common: how a sharded job that summed
    /// its counts elsewhere hands them over.
    pub fn from_slots(slots: impl IntoIterator<Item = u32>) -> Self {
        let mut bits = Vec::new();
        for slot in slots {
            if bits.is_empty() {
                bits = vec![0u64; SLOTS / 64];
            }
            bits[slot as usize / 64] |= 1 << (slot % 64);
        }
        Common { bits }
    }

    /// The common slots, in order.
    pub fn slots(&self) -> impl Iterator<Item = u32> + '_ {
        self.bits.iter().enumerate().flat_map(|(word, &bits)| {
            (0..64)
                .filter(move |bit| bits >> bit & 1 == 1)
                .map(move |bit| (word * 64 + bit) as u32)
        })
    }

    pub fn is_empty(&self) -> bool {
        self.bits.is_empty()
    }

    pub fn is_common(&self, shingle: ShingleHash) -> bool {
        let slot = slot(shingle) as usize;
        self.bits
            .get(slot / 64)
            .is_some_and(|bits| bits >> (slot % 64) & 1 == 1)
    }

    /// What an article with the distinct shingles `shingles` signs with: its own ones, when
    /// they are at least [`MIN_OWN_SHARE`] of it, else all of them. `own` is working space.
    pub fn signed<'a>(
        &self,
        shingles: &'a [ShingleHash],
        own: &'a mut Vec<ShingleHash>,
    ) -> &'a [ShingleHash] {
        if self.is_empty() {
            return shingles;
        }
        own.clear();
        own.extend(shingles.iter().copied().filter(|&s| !self.is_common(s)));
        if own.len() == shingles.len() || (own.len() as f64) < MIN_OWN_SHARE * shingles.len() as f64
        {
            shingles
        } else {
            own
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shingle hashes that fall in distinct slots.
    fn spread(range: std::ops::Range<u32>) -> Vec<ShingleHash> {
        range.map(|i| i << SLOT_SHIFT).collect()
    }

    #[test]
    fn a_shingle_in_enough_articles_is_common() {
        let counts = ArticleCounts::default();
        let footer = spread(0..10);
        for i in 0..COMMON_ARTICLES as u32 {
            let mut article = spread(1000 + i * 100..1000 + i * 100 + 90);
            article.extend(&footer);
            counts.count(&article);
        }
        let common = counts.common();
        assert!(footer.iter().all(|&s| common.is_common(s)));
        assert!(!common.is_common(1000 << SLOT_SHIFT));
        assert_eq!(common.slots().count(), footer.len());
    }

    #[test]
    fn one_short_of_the_bound_is_not_common() {
        let counts = ArticleCounts::default();
        for _ in 1..COMMON_ARTICLES {
            counts.count(&spread(0..5));
        }
        assert!(counts.common().is_empty());
    }

    #[test]
    fn counts_saturate_instead_of_wrapping() {
        let counts = ArticleCounts::default();
        for _ in 0..1000 {
            counts.count(&spread(0..1));
        }
        assert!(counts.common().is_common(0));
    }

    #[test]
    fn counting_on_many_threads_gives_the_same_common_slots() {
        use rayon::prelude::*;
        let articles: Vec<Vec<ShingleHash>> = (0..600u32)
            .map(|i| {
                spread(i % 7..i % 7 + 3)
                    .into_iter()
                    .chain(spread(50 + i..51 + i))
                    .collect()
            })
            .collect();
        let one = ArticleCounts::default();
        articles.iter().for_each(|a| one.count(a));
        let many = ArticleCounts::default();
        articles.par_iter().for_each(|a| many.count(a));
        assert_eq!(one.common(), many.common());
        assert_eq!(Common::from_slots(one.common().slots()), one.common());

        // Counted in two shards and added up, as a sharded job does.
        let (left, right) = (ArticleCounts::default(), ArticleCounts::default());
        let (l, r) = articles.split_at(250);
        l.iter().for_each(|a| left.count(a));
        r.iter().for_each(|a| right.count(a));
        let mut totals = vec![0u8; SLOTS];
        left.add_into(&mut totals);
        right.add_into(&mut totals);
        let summed = (0..SLOTS as u32).filter(|&s| totals[s as usize] >= COMMON_ARTICLES);
        assert_eq!(Common::from_slots(summed), one.common());
    }

    #[test]
    fn an_article_signs_with_its_own_shingles_unless_it_is_mostly_common() {
        let common = Common::from_slots(0..100);
        let footer = spread(0..20);
        let mut own = Vec::new();

        let mut article = spread(200..300);
        article.extend(&footer);
        assert_eq!(common.signed(&article, &mut own), &spread(200..300)[..]);

        // A copy of a much-republished story: its few edits are not what it is.
        let mut copy = spread(0..95);
        copy.extend(spread(500..505));
        assert_eq!(common.signed(&copy, &mut own), &copy[..]);

        let nothing_common = spread(300..400);
        assert_eq!(
            common.signed(&nothing_common, &mut own),
            &nothing_common[..]
        );
        assert_eq!(Common::default().signed(&article, &mut own), &article[..]);
    }
}

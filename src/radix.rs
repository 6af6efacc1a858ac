//! The step that the LSD radix sorts on hot paths share: an article's shingle hashes, a
//! band's proposed pairs.

/// One pass of an LSD radix sort: `items` ordered by `digit` (below `BUCKETS`), keeping the
/// order of items with equal digits. `scratch` is working space, left holding garbage.
#[inline]
pub(crate) fn stable_pass<T: Copy + Default, const BUCKETS: usize>(
    items: &mut Vec<T>,
    scratch: &mut Vec<T>,
    digit: impl Fn(T) -> usize,
) {
    let mut starts = [0u32; BUCKETS];
    for &x in items.iter() {
        starts[digit(x)] += 1;
    }
    let mut total = 0;
    for slot in starts.iter_mut() {
        (*slot, total) = (total, total + *slot);
    }
    scratch.resize(items.len(), T::default());
    for &x in items.iter() {
        let d = digit(x);
        scratch[starts[d] as usize] = x;
        starts[d] += 1;
    }
    std::mem::swap(items, scratch);
}

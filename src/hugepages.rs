//! Asks the kernel for 2 MB pages on the large arrays that later stages read at random.
//!
//! Sketches take 1 KB per article and are compared in random pairs; the band columns are
//! scattered into by a radix sort. With 4 KB pages nearly every such access also misses the
//! TLB. Linux usually grants transparent huge pages only on request (`madvise` mode), and it
//! backs a range with them only on pages touched after the request, so the request is made
//! whenever a vector has grown and before the new part is written. Elsewhere this does
//! nothing: it is a hint, and results never depend on it.

/// Requests huge pages for the whole capacity of `v`.
pub fn advise<T>(v: &Vec<T>) {
    #[cfg(target_os = "linux")]
    {
        const HUGE_PAGE: usize = 2 << 20;
        let start = v.as_ptr() as usize;
        let end = start + v.capacity() * size_of::<T>();
        let aligned = start.next_multiple_of(HUGE_PAGE);
        if end >= aligned + HUGE_PAGE {
            let len = (end - aligned) / HUGE_PAGE * HUGE_PAGE;
            // SAFETY: the range lies inside the vector's own allocation, and MADV_HUGEPAGE
            // changes how pages are backed, never their contents. A refusal is harmless.
            unsafe { libc::madvise(aligned as *mut libc::c_void, len, libc::MADV_HUGEPAGE) };
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = v;
}

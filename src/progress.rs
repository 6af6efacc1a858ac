//! Progress of a long run, for whoever shows it: the library reports stages and counts, and
//! draws nothing itself (the binary draws a progress bar from them).

/// Told as a run goes. Every method does nothing unless implemented.
pub trait Progress: Sync {
    /// A stage starts; `unit` names what [`Progress::advance`] counts.
    fn stage(&self, _name: &'static str, _unit: &'static str) {}
    fn advance(&self, _by: u64) {}
    /// The run is over.
    fn finish(&self) {}
}

/// Nobody is watching.
pub struct Unwatched;

impl Progress for Unwatched {}

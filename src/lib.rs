//! `dedup` finds reworded copies of the same news story in a corpus.
//!
//! The pipeline, one module per stage: [`load`] → [`normalize`] → [`shingle`] → [`minhash`] →
//! [`lsh`] → [`verify`] (by the copy [`rule`]) → [`cluster`] → [`report`]. [`find_duplicates`] runs it for a [`Config`];
//! nothing in the library parses flags or exits the process.

pub mod cluster;
pub mod eval;
pub mod explain;
pub mod html;
pub mod index;
pub mod load;
pub mod lsh;
pub mod marks;
pub mod minhash;
mod model;
pub mod normalize;
mod pipeline;
pub mod progress;
mod radix;
pub mod report;
pub mod rule;
pub mod shingle;
mod spill;
pub mod verify;

/// The allocator the CLI and the Python extension set as their global one (the library sets
/// none). Verification reads millions of shingle sets back and drops them again from rayon's
/// threads, beside the band stage's batches; with glibc's allocator, at a million generated
/// articles, finding free blocks in a fragmented heap took a tenth of the run
/// (`bench/RESULTS.md`, "Eleventh round"). mimalloc's per-thread free lists do not fragment
/// that way.
#[cfg(feature = "mimalloc")]
pub use mimalloc::MiMalloc as Allocator;
pub use model::{
    ArticleMeta, Asked, Config, DEFAULT_NUM_PERM, DEFAULT_SEED, DEFAULT_THRESHOLD, Outcome, Params,
    ParamsError, Setting, Stats,
};
pub use pipeline::{
    Error, Signed, Signer, add_corpus, check, find_duplicates, find_duplicates_in,
    find_duplicates_with,
};

//! `dedup` finds reworded copies of the same news story in a corpus.
//!
//! The pipeline, one module per stage: [`load`] → [`normalize`] → [`shingle`] → [`minhash`] →
//! [`lsh`] → [`verify`] (by the copy [`rule`]) → [`cluster`] → [`report`]. [`find_duplicates`] runs it for a [`Config`];
//! nothing in the library parses flags or exits the process.

pub mod cluster;
pub mod eval;
pub mod explain;
pub mod index;
pub mod load;
pub mod lsh;
pub mod minhash;
pub mod normalize;
mod pipeline;
pub mod progress;
mod radix;
pub mod report;
pub mod rule;
pub mod shingle;
mod spill;
pub mod synth;
pub mod verify;

pub use pipeline::{
    ArticleMeta, Error, Outcome, Signed, Signer, Stats, add_corpus, check, find_duplicates,
};

use serde::{Deserialize, Serialize};

use crate::load::{Input, JsonFields};
use crate::lsh::Banding;
use crate::minhash::Scheme;
use crate::shingle::ShingleKind;

/// Default similarity threshold on exact word-3-shingle Jaccard. See the README section
/// "Choosing the threshold" for the measurements behind it.
pub const DEFAULT_THRESHOLD: f64 = 0.08;
pub const DEFAULT_NUM_PERM: usize = 512;
pub const DEFAULT_SEED: u64 = 42;

/// Every setting that changes which articles are grouped. Echoed in machine-readable output.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Params {
    pub shingle: ShingleKind,
    pub ngram: usize,
    pub minhash: Scheme,
    pub num_perm: usize,
    pub bands: usize,
    pub rows: usize,
    pub threshold: f64,
    pub seed: u64,
}

impl Params {
    pub fn banding(&self) -> Banding {
        Banding {
            bands: self.bands,
            rows: self.rows,
        }
    }
}

/// A plain description of one run, built from the command line by the binary.
#[derive(Clone, Debug)]
pub struct Config {
    pub inputs: Vec<Input>,
    pub fields: JsonFields,
    pub params: Params,
    /// Verify every candidate pair and keep every copy, instead of only the pairs that join
    /// two clusters: quadratic in the copies of a story republished many times.
    pub all_pairs: bool,
    /// Show a progress bar on standard error.
    pub progress: bool,
}

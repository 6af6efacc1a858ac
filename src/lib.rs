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
pub mod minhash;
pub mod normalize;
mod pipeline;
pub mod progress;
mod radix;
pub mod report;
pub mod rule;
pub mod shingle;
mod spill;
pub mod verify;

pub use pipeline::{
    ArticleMeta, Outcome, Signed, Signer, Stats, find_duplicates, find_duplicates_in,
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

/// Settings as a user asks for them, by flag or keyword: the n-gram size and the banding may
/// be left for [`Requested::resolve`] to derive. The defaults are the CLI's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Requested {
    pub shingle: ShingleKind,
    pub ngram: Option<usize>,
    pub minhash: Scheme,
    pub num_perm: usize,
    pub bands: Option<usize>,
    pub rows: Option<usize>,
    pub threshold: f64,
    pub seed: u64,
}

impl Default for Requested {
    fn default() -> Self {
        Requested {
            shingle: ShingleKind::Word,
            ngram: None,
            minhash: Scheme::Oph,
            num_perm: DEFAULT_NUM_PERM,
            bands: None,
            rows: None,
            threshold: DEFAULT_THRESHOLD,
            seed: DEFAULT_SEED,
        }
    }
}

/// A setting out of range; the message names it as the JSON `parameters` do.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SettingsError(String);

impl Requested {
    /// Checks every setting and derives what was left open.
    pub fn resolve(&self) -> Result<Params, SettingsError> {
        let s = self;
        let fail = |message: String| Err(SettingsError(message));
        if !(s.threshold > 0.0 && s.threshold <= 1.0) {
            return fail(format!("threshold must be in (0, 1], got {}", s.threshold));
        }
        if !(1..=8192).contains(&s.num_perm) {
            return fail(format!(
                "num_perm must be between 1 and 8192, got {}",
                s.num_perm
            ));
        }
        let shingle = s.shingle;
        let ngram = s.ngram.unwrap_or(shingle.default_size());
        let max_ngram = match shingle {
            ShingleKind::Word => shingle::MAX_WORD_NGRAM,
            ShingleKind::Char => 64,
        };
        if !(1..=max_ngram).contains(&ngram) {
            return fail(format!(
                "ngram must be between 1 and {max_ngram} for {shingle:?} shingles, got {ngram}"
            ));
        }
        let n = s.num_perm;
        let banding = match (s.bands, s.rows) {
            (Some(0), _) | (_, Some(0)) => return fail("bands and rows must be at least 1".into()),
            (Some(bands), Some(rows)) => Banding { bands, rows },
            (Some(bands), None) => Banding {
                bands,
                rows: n / bands,
            },
            (None, Some(rows)) => Banding {
                bands: n / rows,
                rows,
            },
            (None, None) => Banding::optimal(s.threshold, n),
        };
        if banding.bands == 0 || banding.rows == 0 || banding.bands * banding.rows > n {
            return fail(format!(
                "bands × rows must fit in num_perm {n} (got {} × {})",
                s.bands.unwrap_or(banding.bands),
                s.rows.unwrap_or(banding.rows)
            ));
        }
        Ok(Params {
            shingle,
            ngram,
            minhash: s.minhash,
            num_perm: n,
            bands: banding.bands,
            rows: banding.rows,
            threshold: s.threshold,
            seed: s.seed,
        })
    }
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
    /// Show a progress bar on standard error.
    pub progress: bool,
}

//! What the stages share: the settings of a run ([`Params`], [`Config`]) and what it finds
//! ([`ArticleMeta`], [`Outcome`]). The stage modules do not depend on it; the pipeline, the
//! index and the reporters do.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::cluster::Cluster;
use crate::load::{Input, JsonFields, Skip};
use crate::lsh::Banding;
use crate::minhash::{MinHasher, Scheme};
use crate::shingle::{MAX_WORD_NGRAM, ShingleKind, Shingler};

/// Default similarity threshold on exact word-3-shingle Jaccard. See the README section
/// "Choosing the threshold" for the measurements behind it.
pub const DEFAULT_THRESHOLD: f64 = 0.08;
pub const DEFAULT_NUM_PERM: usize = 512;
pub const DEFAULT_SEED: u64 = 42;
/// More values per article than this would take more memory than the rest of the run.
pub const MAX_NUM_PERM: usize = 8192;
pub const MAX_CHAR_NGRAM: usize = 64;

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

/// Settings as they are asked for: what is not given is the default, or derived from the rest.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Asked {
    pub shingle: ShingleKind,
    /// The shingle kind's usual size when `None`.
    pub ngram: Option<usize>,
    pub minhash: Scheme,
    pub num_perm: usize,
    /// Both `None`: the banding that suits `threshold` ([`Banding::optimal`]); one of them:
    /// the other as large as `num_perm` allows.
    pub bands: Option<usize>,
    pub rows: Option<usize>,
    pub threshold: f64,
    pub seed: u64,
}

impl Default for Asked {
    fn default() -> Self {
        Asked {
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

/// One setting, by its name on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setting {
    Threshold,
    Shingle,
    Ngram,
    NumPerm,
    Bands,
    Rows,
    Minhash,
    Seed,
}

impl Setting {
    pub const ALL: [Setting; 8] = [
        Setting::Threshold,
        Setting::Shingle,
        Setting::Ngram,
        Setting::NumPerm,
        Setting::Bands,
        Setting::Rows,
        Setting::Minhash,
        Setting::Seed,
    ];

    /// The flag's name without its dashes, as `--help` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Setting::Threshold => "threshold",
            Setting::Shingle => "shingle",
            Setting::Ngram => "ngram",
            Setting::NumPerm => "num-perm",
            Setting::Bands => "bands",
            Setting::Rows => "rows",
            Setting::Minhash => "minhash",
            Setting::Seed => "seed",
        }
    }

    /// The setting's value in `params`, as it would be typed.
    pub fn value(self, params: &Params) -> String {
        match self {
            Setting::Threshold => params.threshold.to_string(),
            Setting::Shingle => params.shingle.name().to_string(),
            Setting::Ngram => params.ngram.to_string(),
            Setting::NumPerm => params.num_perm.to_string(),
            Setting::Bands => params.bands.to_string(),
            Setting::Rows => params.rows.to_string(),
            Setting::Minhash => params.minhash.name().to_string(),
            Setting::Seed => params.seed.to_string(),
        }
    }
}

/// Settings that cannot be run, with the reason. Shown with the settings named as flags
/// (`--num-perm`); [`ParamsError::naming`] names them as another front end spells them.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamsError(Problem);

#[derive(Debug, Clone, PartialEq)]
enum Problem {
    Threshold(f64),
    NumPerm(usize),
    Ngram {
        kind: ShingleKind,
        max: usize,
        got: usize,
    },
    ZeroBanding,
    Banding {
        num_perm: usize,
        bands: usize,
        rows: usize,
    },
}

impl ParamsError {
    /// The reason, with each setting named by `name`: a Python keyword, say, rather than the
    /// flag a Python user never typed.
    pub fn naming(&self, name: impl Fn(Setting) -> String) -> String {
        let (bands, rows, num_perm) = (
            name(Setting::Bands),
            name(Setting::Rows),
            name(Setting::NumPerm),
        );
        match self.0 {
            Problem::Threshold(got) => {
                format!("{} must be in (0, 1], got {got}", name(Setting::Threshold))
            }
            Problem::NumPerm(got) => {
                format!("{num_perm} must be between 1 and {MAX_NUM_PERM}, got {got}")
            }
            Problem::Ngram { kind, max, got } => format!(
                "{} must be between 1 and {max} for {} shingles, got {got}",
                name(Setting::Ngram),
                kind.name()
            ),
            Problem::ZeroBanding => format!("{bands} and {rows} must be at least 1"),
            Problem::Banding {
                num_perm: n,
                bands: b,
                rows: r,
            } => format!("{bands} × {rows} must fit in {num_perm} {n} (got {b} × {r})"),
        }
    }
}

impl std::fmt::Display for ParamsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.naming(|s| format!("--{}", s.name())))
    }
}

impl std::error::Error for ParamsError {}

impl Params {
    /// The settings `asked` for, with the banding derived, if they can be run.
    pub fn new(asked: &Asked) -> Result<Params, ParamsError> {
        let n = asked.num_perm;
        // Checked before the banding is derived from them.
        let bad_threshold = !(asked.threshold > 0.0 && asked.threshold <= 1.0);
        if bad_threshold || !(1..=MAX_NUM_PERM).contains(&n) {
            Self::with_banding(asked, 1, 1).validate()?;
        }
        let banding = match (asked.bands, asked.rows) {
            (Some(bands), Some(rows)) => Banding { bands, rows },
            (Some(bands), None) => Banding {
                bands,
                rows: n.checked_div(bands).unwrap_or(0),
            },
            (None, Some(rows)) => Banding {
                bands: n.checked_div(rows).unwrap_or(0),
                rows,
            },
            (None, None) => Banding::optimal(asked.threshold, n),
        };
        let params = Self::with_banding(asked, banding.bands, banding.rows);
        match (asked.bands, asked.rows) {
            (Some(0), _) | (_, Some(0)) => Err(ParamsError(Problem::ZeroBanding)),
            _ if banding.bands == 0 || banding.rows == 0 => Err(ParamsError(Problem::Banding {
                num_perm: n,
                bands: asked.bands.unwrap_or(banding.bands),
                rows: asked.rows.unwrap_or(banding.rows),
            })),
            _ => params.validate().map(|()| params),
        }
    }

    fn with_banding(asked: &Asked, bands: usize, rows: usize) -> Params {
        Params {
            shingle: asked.shingle,
            ngram: asked.ngram.unwrap_or(asked.shingle.default_size()),
            minhash: asked.minhash,
            num_perm: asked.num_perm,
            bands,
            rows,
            threshold: asked.threshold,
            seed: asked.seed,
        }
    }

    /// Whether these settings can be run: every stage relies on it, so settings from anywhere
    /// (flags, a library caller, an index file) are checked before the first article.
    pub fn validate(&self) -> Result<(), ParamsError> {
        let fail = |problem| Err(ParamsError(problem));
        if !(self.threshold > 0.0 && self.threshold <= 1.0) {
            return fail(Problem::Threshold(self.threshold));
        }
        if !(1..=MAX_NUM_PERM).contains(&self.num_perm) {
            return fail(Problem::NumPerm(self.num_perm));
        }
        let max_ngram = match self.shingle {
            ShingleKind::Word => MAX_WORD_NGRAM,
            ShingleKind::Char => MAX_CHAR_NGRAM,
        };
        if !(1..=max_ngram).contains(&self.ngram) {
            return fail(Problem::Ngram {
                kind: self.shingle,
                max: max_ngram,
                got: self.ngram,
            });
        }
        let fits = self
            .bands
            .checked_mul(self.rows)
            .is_some_and(|used| used <= self.num_perm);
        if self.bands == 0 || self.rows == 0 || !fits {
            return fail(Problem::Banding {
                num_perm: self.num_perm,
                bands: self.bands,
                rows: self.rows,
            });
        }
        Ok(())
    }

    /// The settings whose values differ between `self` and `other`, in flag order.
    pub fn diff(&self, other: &Params) -> Vec<Setting> {
        Setting::ALL
            .into_iter()
            .filter(|s| s.value(self) != s.value(other))
            .collect()
    }

    pub fn banding(&self) -> Banding {
        Banding {
            bands: self.bands,
            rows: self.rows,
        }
    }

    pub fn shingler(&self) -> Shingler {
        Shingler {
            kind: self.shingle,
            size: self.ngram,
            seed: self.seed,
        }
    }

    pub fn hasher(&self) -> MinHasher {
        MinHasher::new(self.minhash, self.num_perm, self.seed)
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
}

/// What is reported of an article: no text, no shingles. Also what an index stores of it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleMeta {
    pub id: String,
    pub path: String,
    /// The line of a JSONL member, which `path` ends in as `:LINE`; 0 for a whole file.
    /// Indexes written before it was stored read as 0.
    #[serde(default)]
    pub line: u32,
    pub date: Option<String>,
    pub title: Option<String>,
    pub words: u32,
    /// Found in a persistent index rather than among the inputs (`dedup check`).
    #[serde(skip)]
    pub indexed: bool,
}

/// Counts and timings of one run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Stats {
    pub files: usize,
    pub candidate_pairs: usize,
    pub verified_pairs: usize,
    pub duplicate_pairs: usize,
    /// The exact Jaccard of the verified pairs.
    #[serde(skip)]
    pub scores: crate::verify::ScoreHistogram,
    #[serde(skip)]
    pub read_and_sign: Duration,
    #[serde(skip)]
    pub band: Duration,
    #[serde(skip)]
    pub verify: Duration,
    #[serde(skip)]
    pub total: Duration,
}

/// The result of a run, ready for a reporter.
#[derive(Debug)]
pub struct Outcome {
    pub params: Params,
    pub articles: Vec<ArticleMeta>,
    pub skipped: Vec<Skip>,
    /// Articles that were read, with something to warn about them.
    pub warnings: Vec<Skip>,
    pub clusters: Vec<Cluster>,
    pub stats: Stats,
}

impl Outcome {
    pub fn duplicates_found(&self) -> bool {
        !self.clusters.is_empty()
    }

    pub fn singletons(&self) -> impl Iterator<Item = u32> + '_ {
        let mut clustered = vec![false; self.articles.len()];
        for c in &self.clusters {
            for &m in &c.members {
                clustered[m as usize] = true;
            }
        }
        (0..self.articles.len() as u32).filter(move |&a| !clustered[a as usize])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(bands: Option<usize>, rows: Option<usize>) -> Asked {
        Asked {
            bands,
            rows,
            ..Asked::default()
        }
    }

    #[test]
    fn banding_is_derived_from_what_is_given() {
        let p = Params::new(&asked(Some(64), None)).unwrap();
        assert_eq!((p.bands, p.rows), (64, 8));
        let p = Params::new(&asked(None, Some(4))).unwrap();
        assert_eq!((p.bands, p.rows), (128, 4));
        let p = Params::new(&asked(None, None)).unwrap();
        assert_eq!((p.bands, p.rows), (256, 2));
    }

    #[test]
    fn impossible_settings_are_refused_with_the_flag_named() {
        let refused = |a: Asked| Params::new(&a).unwrap_err().to_string();
        assert!(refused(asked(Some(0), None)).contains("--bands and --rows"));
        assert!(refused(asked(Some(1024), None)).contains("must fit in --num-perm 512"));
        assert!(refused(asked(Some(300), Some(2))).contains("(got 300 × 2)"));
        let zero = Asked {
            num_perm: 0,
            ..Asked::default()
        };
        assert!(refused(zero).contains("--num-perm"));
        let t = Asked {
            threshold: 0.0,
            ..Asked::default()
        };
        assert!(refused(t).contains("--threshold"));
        let n = Asked {
            ngram: Some(17),
            ..Asked::default()
        };
        assert!(refused(n).contains("--ngram must be between 1 and 16 for word"));
        // Read from a damaged index, not typed: an overflowing product too.
        let mut p = Params::new(&Asked::default()).unwrap();
        p.bands = usize::MAX;
        assert!(p.validate().is_err());
    }

    #[test]
    fn diff_names_the_settings_that_differ() {
        let a = Params::new(&Asked::default()).unwrap();
        let b = Params {
            seed: 7,
            threshold: 0.2,
            ..a
        };
        assert_eq!(a.diff(&a), []);
        assert_eq!(a.diff(&b), [Setting::Threshold, Setting::Seed]);
    }
}

//! Runs the stages in order and gathers what the reporter needs.

use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::cluster::{self, Cluster, RepresentativeKey};
use crate::load::{Article, Corpus, Item, LoadError, Skip};
use crate::lsh;
use crate::minhash::{self, MinHasher, Sketch16, Sketches};
use crate::progress::Progress;
use crate::rule;
use crate::shingle::{ShingleSet, Shingler};
use crate::spill::SpillFile;
use crate::verify::{self, ScoreHistogram, ShingleStore};
use crate::{Config, Params};

/// Raw text read per batch: big enough to keep both cores busy (about a thousand articles),
/// small enough that the reader and the signers overlap from the first batch on and that a
/// few batches in flight stay small beside the sketches. 16 MB batches left a 60 MB corpus
/// only four, and cost 73 MB more peak memory at a million articles.
pub(crate) const BATCH_BYTES: usize = 4 << 20;

/// What is reported of an article: no text, no shingles. Also what an index stores of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
    pub scores: ScoreHistogram,
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

impl ArticleMeta {
    /// The file an annotation points at, and the line in it (1 for a whole file). Taken from
    /// the line number, not by parsing the path: a text file may be named `notes:12`.
    pub fn location(&self) -> (&str, u32) {
        match self.line {
            0 => (&self.path, 1),
            line => {
                let suffix = format!(":{line}");
                (self.path.strip_suffix(&suffix).unwrap_or(&self.path), line)
            }
        }
    }

    /// A compact binary form for the metadata spill file, appended to `out`: length-prefixed
    /// strings.
    fn encode_into(&self, out: &mut Vec<u8>) {
        for field in [
            Some(&self.id),
            Some(&self.path),
            self.date.as_ref(),
            self.title.as_ref(),
        ] {
            match field {
                Some(text) => {
                    out.extend((text.len() as u32).to_le_bytes());
                    out.extend(text.as_bytes());
                }
                None => out.extend(NO_TEXT.to_le_bytes()),
            }
        }
        out.extend(self.words.to_le_bytes());
        out.extend(self.line.to_le_bytes());
    }

    /// Reads back what [`ArticleMeta::encode_into`] wrote; `None` if the bytes are not such a record.
    fn decode(bytes: &[u8]) -> Option<ArticleMeta> {
        let mut rest = bytes;
        let mut take = |n: usize| -> Option<&[u8]> {
            let (head, tail) = rest.split_at_checked(n)?;
            rest = tail;
            Some(head)
        };
        let mut texts = [None, None, None, None];
        for text in &mut texts {
            let len = u32::from_le_bytes(take(4)?.try_into().ok()?);
            if len != NO_TEXT {
                *text = Some(String::from_utf8(take(len as usize)?.to_vec()).ok()?);
            }
        }
        let words = u32::from_le_bytes(take(4)?.try_into().ok()?);
        let line = u32::from_le_bytes(take(4)?.try_into().ok()?);
        let [id, path, date, title] = texts;
        Some(ArticleMeta {
            id: id?,
            path: path?,
            line,
            date,
            title,
            words,
            indexed: false,
        })
    }
}

/// Length prefix of an absent field in [`ArticleMeta::encode`].
const NO_TEXT: u32 = u32::MAX;

/// What choosing a cluster's representative needs of each article: 16 bytes, while the rest
/// of its metadata (id, path, title: a few hundred bytes) waits in a spill file until the
/// sketches are freed, so the two never share the memory peak.
#[derive(Default)]
struct Ranks {
    /// `YYYY-MM-DD`, as the loader normalises every date.
    dates: Vec<Option<[u8; 10]>>,
    words: Vec<u32>,
}

impl Ranks {
    fn push(&mut self, meta: &ArticleMeta) {
        self.dates.push(
            meta.date
                .as_deref()
                .and_then(|d| d.as_bytes().try_into().ok()),
        );
        self.words.push(meta.words);
    }
}

impl RepresentativeKey for Ranks {
    fn date(&self, a: u32) -> Option<&str> {
        std::str::from_utf8(self.dates[a as usize].as_ref()?).ok()
    }
    fn words(&self, a: u32) -> u32 {
        self.words[a as usize]
    }
}

impl RepresentativeKey for Vec<ArticleMeta> {
    fn date(&self, a: u32) -> Option<&str> {
        self[a as usize].date.as_deref()
    }
    fn words(&self, a: u32) -> u32 {
        self[a as usize].words
    }
    fn indexed(&self, a: u32) -> bool {
        self[a as usize].indexed
    }
}

/// What LSH and verification need of one article, besides its metadata.
pub struct Signed {
    pub meta: ArticleMeta,
    pub shingles: ShingleSet,
    /// The low 16 bits of each MinHash value: band keys come from it, and it screens and
    /// estimates pairs.
    pub sketch: Vec<Sketch16>,
    /// What to warn about the article, though it was read.
    pub warning: Option<Skip>,
}

/// Turns a parsed article into its metadata, shingle set and sketch.
pub struct Signer<'a> {
    pub shingler: Shingler,
    pub hasher: &'a MinHasher,
}

impl<'a> Signer<'a> {
    pub fn new(params: &Params, hasher: &'a MinHasher) -> Self {
        Signer {
            shingler: Shingler {
                kind: params.shingle,
                size: params.ngram,
                seed: params.seed,
            },
            hasher,
        }
    }

    /// Signs a batch from the loader in parallel, keeping its order.
    pub fn sign_batch(&self, batch: Vec<Item>) -> Vec<Result<Signed, Skip>> {
        batch
            .into_par_iter()
            .map(|item| self.sign_item(item))
            .collect()
    }

    pub fn sign_item(&self, item: Item) -> Result<Signed, Skip> {
        match item {
            Item::Article(article) => self.sign(article),
            Item::Skipped(skip) => Err(skip),
        }
    }

    /// An article with no words left to compare is skipped, with the reason.
    pub fn sign(&self, article: Article) -> Result<Signed, Skip> {
        let shingles = self.shingler.shingle(&article.body);
        if shingles.hashes.is_empty() {
            return Err(Skip {
                path: article.path,
                reason: "no words in the body (after headline and page chrome)".into(),
            });
        }
        let mut sketch = Vec::with_capacity(self.hasher.num_perm());
        self.hasher.sketch_into(&shingles.hashes, &mut sketch);
        Ok(Signed {
            warning: article.warning.map(|reason| Skip {
                path: article.path.clone(),
                reason,
            }),
            meta: ArticleMeta {
                id: article.id,
                path: article.path,
                line: article.line,
                date: article.date,
                title: article.title,
                words: shingles.words,
                indexed: false,
            },
            shingles,
            sketch,
        })
    }
}

fn spill_error(error: std::io::Error) -> LoadError {
    LoadError::Io {
        path: format!(
            "temporary file for shingle sets in {}",
            std::env::temp_dir().display()
        ),
        error,
    }
}

/// Runs the whole pipeline on `config.inputs`.
pub fn find_duplicates(config: &Config) -> Result<Outcome, LoadError> {
    let started = Instant::now();
    let params = config.params;
    let progress = Progress::new(config.progress);
    let corpus = Corpus::open(&config.inputs, config.fields.clone())?;
    let hasher = MinHasher::for_params(&params);
    let banding = params.banding();
    let signer = Signer::new(&params, &hasher);

    progress.stage("reading", "articles");
    let mut metas = SpillFile::new().map_err(spill_error)?;
    let mut ranks = Ranks::default();
    let mut store = ShingleStore::new().map_err(spill_error)?;
    let mut skipped = Vec::new();
    let mut warnings = Vec::new();
    let mut sketches = Sketches::new(params.num_perm);
    let mut record = Vec::new();
    corpus.for_each_batch(
        BATCH_BYTES,
        |item| signer.sign_item(item),
        |signed| {
            progress.advance(signed.len() as u64);
            for result in signed {
                match result {
                    Ok(signed) => {
                        warnings.extend(signed.warning);
                        ranks.push(&signed.meta);
                        record.clear();
                        signed.meta.encode_into(&mut record);
                        metas.push(&record).map_err(spill_error)?;
                        store.push(&signed.shingles).map_err(spill_error)?;
                        sketches.push(&signed.sketch);
                    }
                    Err(skip) => skipped.push(skip),
                }
            }
            Ok(())
        },
    )?;
    let read_and_sign = started.elapsed();

    let banded = Instant::now();
    let k = params.num_perm;
    let min_matches = minhash::min_sketch_matches(params.threshold, k);
    let candidates = lsh::candidate_pairs(&sketches, banding, min_matches);
    let band = banded.elapsed();

    let verifying = Instant::now();
    progress.stage("verifying", "pairs");
    store.flush().map_err(spill_error)?;
    let days_apart = |a, b| rule::days_apart(ranks.date(a), ranks.date(b));
    let mut verified = verify::verify(
        &candidates,
        &store,
        &sketches,
        days_apart,
        params.threshold,
        &progress,
    )
    .map_err(spill_error)?;
    let duplicate_pairs = verified.edges.len();
    let clusters = cluster::components(&mut verified.sets, verified.edges, &ranks);
    let verify = verifying.elapsed();
    drop((sketches, store));
    let articles = metas
        .into_records(ArticleMeta::decode)
        .map_err(spill_error)?
        .into_iter()
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| {
            spill_error(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "article metadata read back damaged",
            ))
        })?;
    progress.finish();

    Ok(Outcome {
        params,
        stats: Stats {
            files: corpus.file_count(),
            candidate_pairs: candidates.len(),
            verified_pairs: verified.checked,
            duplicate_pairs,
            scores: verified.scores,
            read_and_sign,
            band,
            verify,
            total: started.elapsed(),
        },
        articles,
        skipped,
        warnings,
        clusters,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_survives_the_spill_file_byte_for_byte() {
        let articles = [
            ArticleMeta {
                id: "s1".into(),
                path: "feed.jsonl:7".into(),
                line: 0,
                date: Some("2024-03-16".into()),
                title: Some("Kim’s “car” — a gift".into()),
                words: 333,
                indexed: false,
            },
            ArticleMeta {
                id: String::new(),
                path: "a.txt".into(),
                line: 0,
                date: None,
                title: None,
                words: 1,
                indexed: false,
            },
        ];
        for meta in &articles {
            let mut bytes = Vec::new();
            meta.encode_into(&mut bytes);
            assert_eq!(ArticleMeta::decode(&bytes).as_ref(), Some(meta));
            assert_eq!(ArticleMeta::decode(&bytes[..bytes.len() - 1]), None);
        }
    }

    #[test]
    fn ranks_keep_what_the_representative_is_chosen_by() {
        let mut ranks = Ranks::default();
        for (date, words) in [(Some("2024-03-16"), 10), (None, 20)] {
            ranks.push(&ArticleMeta {
                id: "x".into(),
                path: "x".into(),
                line: 0,
                date: date.map(str::to_string),
                title: None,
                words,
                indexed: false,
            });
        }
        assert_eq!(ranks.date(0), Some("2024-03-16"));
        assert_eq!((ranks.date(1), ranks.words(1)), (None, 20));
    }
}

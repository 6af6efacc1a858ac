//! Runs the stages in order and gathers what the reporter needs.

use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::Serialize;

use crate::cluster::{self, Cluster, RepresentativeKey};
use crate::load::{Article, Corpus, Item, LoadError, Origin, Skip};
use crate::lsh::{self, Banding};
use crate::minhash::{self, MinHasher, Sketch16};
use crate::progress::Progress;
use crate::shingle::{ShingleSet, Shingler};
use crate::verify::{self, Rebuild};
use crate::{Config, Params};

/// Raw text read per batch: big enough to keep both cores busy, small enough that the corpus
/// is never in memory at once.
const BATCH_BYTES: usize = 16 << 20;

/// What is reported of an article: no text, no shingles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArticleMeta {
    pub id: String,
    pub path: String,
    pub date: Option<String>,
    pub title: Option<String>,
    pub words: u32,
    /// Found in a persistent index rather than among the inputs (`dedup check`).
    pub indexed: bool,
}

/// Counts and timings of one run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Stats {
    pub files: usize,
    pub candidate_pairs: usize,
    pub verified_pairs: usize,
    pub duplicate_pairs: usize,
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

/// What LSH needs of one article, besides its metadata.
pub struct Signed {
    pub meta: ArticleMeta,
    pub origin: Origin,
    pub band_keys: Vec<u32>,
    pub sketch: Vec<Sketch16>,
}

/// Turns a parsed article into its metadata, band keys and sketch.
pub struct Signer<'a> {
    pub shingler: Shingler,
    pub hasher: &'a MinHasher,
    pub banding: Banding,
    pub seed: u64,
}

impl Signer<'_> {
    /// An article with no words left to compare is skipped, with the reason.
    pub fn sign(&self, article: Article) -> Result<Signed, Skip> {
        let shingles = self.shingler.shingle_unsorted(&article.body);
        self.sign_shingles(article, &shingles)
    }

    /// Like [`Signer::sign`], and also returns the sorted shingle set.
    pub fn sign_keeping_shingles(&self, article: Article) -> Result<(Signed, ShingleSet), Skip> {
        let shingles = self.shingler.shingle(&article.body);
        Ok((self.sign_shingles(article, &shingles)?, shingles))
    }

    fn sign_shingles(&self, article: Article, shingles: &ShingleSet) -> Result<Signed, Skip> {
        if shingles.hashes.is_empty() {
            return Err(Skip {
                path: article.path,
                reason: "no words in the body (after headline and page chrome)".into(),
            });
        }
        let signature = self.hasher.sign(&shingles.hashes);
        let mut band_keys = Vec::with_capacity(self.banding.bands);
        self.banding
            .keys_into(&signature, self.seed, &mut band_keys);
        let mut sketch = Vec::with_capacity(signature.len());
        minhash::sketch_into(&signature, &mut sketch);
        Ok(Signed {
            meta: ArticleMeta {
                id: article.id,
                path: article.path,
                date: article.date,
                title: article.title,
                words: shingles.words,
                indexed: false,
            },
            origin: article.origin,
            band_keys,
            sketch,
        })
    }
}

/// Runs the whole pipeline on `config.inputs`.
pub fn find_duplicates(config: &Config) -> Result<Outcome, LoadError> {
    let started = Instant::now();
    let params = config.params;
    let progress = Progress::new(config.progress);
    let corpus = Corpus::open(&config.inputs, config.fields.clone())?;
    let shingler = Shingler {
        kind: params.shingle,
        size: params.ngram,
        seed: params.seed,
    };
    let hasher = MinHasher::new(params.minhash, params.num_perm, params.seed);
    let banding = params.banding();
    let signer = Signer {
        shingler,
        hasher: &hasher,
        banding,
        seed: params.seed,
    };

    progress.stage("reading", "articles");
    let mut articles = Vec::new();
    // Kept beside the metadata: only verification needs them, and reports never do.
    let mut origins: Vec<Origin> = Vec::new();
    let mut skipped = Vec::new();
    let mut keys: Vec<u32> = Vec::new();
    let mut sketches: Vec<Sketch16> = Vec::new();
    for batch in corpus.batches(BATCH_BYTES) {
        let signed: Vec<Result<Signed, Skip>> = batch
            .into_par_iter()
            .map(|item| match item {
                Item::Article(article) => signer.sign(article),
                Item::Skipped(skip) => Err(skip),
            })
            .collect();
        progress.advance(signed.len() as u64);
        for result in signed {
            match result {
                Ok(signed) => {
                    articles.push(signed.meta);
                    origins.push(signed.origin);
                    keys.extend(signed.band_keys);
                    sketches.extend(signed.sketch);
                }
                Err(skip) => skipped.push(skip),
            }
        }
    }
    let read_and_sign = started.elapsed();

    let banded = Instant::now();
    let k = params.num_perm;
    let min_matches = minhash::min_sketch_matches(params.threshold, k);
    let sketch = |a: u32| &sketches[a as usize * k..][..k];
    let candidates = lsh::candidate_pairs(&keys, banding.bands, |a, b| {
        minhash::sketch_matches(sketch(a), sketch(b)) >= min_matches
    });
    drop(keys);
    drop(sketches);
    let band = banded.elapsed();

    let verifying = Instant::now();
    progress.stage("verifying", "pairs");
    let rebuild = Rebuild {
        corpus: &corpus,
        shingler,
        hasher: &hasher,
    };
    let mut verified =
        verify::verify(&candidates, &origins, &rebuild, params.threshold, &progress)?;
    let duplicate_pairs = verified.edges.len();
    let clusters = cluster::components(&mut verified.sets, verified.edges, &articles);
    let verify = verifying.elapsed();
    progress.finish();

    Ok(Outcome {
        params,
        stats: Stats {
            files: corpus.file_count(),
            candidate_pairs: candidates.len(),
            verified_pairs: verified.checked,
            duplicate_pairs,
            read_and_sign,
            band,
            verify,
            total: started.elapsed(),
        },
        articles,
        skipped,
        clusters,
    })
}

//! A persistent index of signed articles, so that new articles can be checked against an
//! archive without reading the archive again.
//!
//! Stored in [redb](https://docs.rs/redb): one file, copy-on-write B-trees, and atomic commits,
//! so a crash or Ctrl-C in the middle of `index add` leaves the index as it was before. Each
//! article keeps what verification needs: its metadata, its 16-bit MinHash sketch (to screen
//! candidates), its sorted shingle hashes (for the exact Jaccard), and one entry per band in a
//! multimap from band key to article.

use std::path::{Path, PathBuf};
use std::time::Instant;

use redb::{
    Database, MultimapTableDefinition, ReadableDatabase, ReadableTableMetadata, TableDefinition,
};

use crate::cluster::{self, Edge, UnionFind};
use crate::load::{Corpus, Skip};
use crate::lsh;
use crate::minhash::{self, MinHasher, Sketch16};
use crate::progress::Progress;
use crate::shingle::{self, ShingleHash};
use crate::{ArticleMeta, Outcome, Params, Signed, Signer, Stats};

/// Bumped whenever the layout below changes; older files are refused with a clear message.
pub const FORMAT_VERSION: u32 = 1;

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const ARTICLES: TableDefinition<u32, &[u8]> = TableDefinition::new("articles");
const SKETCHES: TableDefinition<u32, &[u8]> = TableDefinition::new("sketches");
const SHINGLES: TableDefinition<u32, &[u8]> = TableDefinition::new("shingles");
/// `band << 32 | key` → articles with that key in that band.
const BANDS: MultimapTableDefinition<u64, u32> = MultimapTableDefinition::new("bands");

const KEY_FORMAT: &str = "format_version";
const KEY_PARAMS: &str = "params";
const KEY_MAGIC: &str = "magic";
const MAGIC: &[u8] = b"dedup-index";

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("{path}: {reason}")]
    Unusable { path: String, reason: String },
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// An article ready to be stored: metadata, band keys, sketch and sorted shingles.
pub struct Entry {
    pub article: ArticleMeta,
    pub band_keys: Vec<u32>,
    pub sketch: Vec<Sketch16>,
    pub shingles: Vec<ShingleHash>,
}

pub struct Index {
    db: Database,
    path: PathBuf,
    params: Params,
}

fn band_key(band: usize, key: u32) -> u64 {
    (band as u64) << 32 | key as u64
}

fn to_bytes_u16(values: &[u16]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn to_bytes_u32(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

impl Index {
    fn unusable(path: &Path, reason: impl std::fmt::Display) -> IndexError {
        IndexError::Unusable {
            path: path.display().to_string(),
            reason: reason.to_string(),
        }
    }

    /// Creates a new, empty index at `path` with `params`. The file appears only once it is
    /// complete: it is written next to `path` and renamed over it by [`Index::finish`].
    pub fn create(path: &Path, params: Params) -> Result<(Index, PathBuf), IndexError> {
        let staging = path.with_extension(format!("partial-{}", std::process::id()));
        let db = Database::create(&staging).map_err(|e| Self::unusable(&staging, e))?;
        let index = Index {
            db,
            path: staging.clone(),
            params,
        };
        let txn = index.db.begin_write().map_err(|e| index.err(e))?;
        {
            let mut meta = txn.open_table(META).map_err(|e| index.err(e))?;
            let params_json = serde_json::to_vec(&params).expect("params serialise");
            let version = FORMAT_VERSION.to_le_bytes();
            for (key, value) in [
                (KEY_MAGIC, MAGIC),
                (KEY_FORMAT, &version[..]),
                (KEY_PARAMS, &params_json[..]),
            ] {
                meta.insert(key, value).map_err(|e| index.err(e))?;
            }
            // Create the other tables so that a reader of an empty index finds them.
            txn.open_table(ARTICLES).map_err(|e| index.err(e))?;
            txn.open_table(SKETCHES).map_err(|e| index.err(e))?;
            txn.open_table(SHINGLES).map_err(|e| index.err(e))?;
            txn.open_multimap_table(BANDS).map_err(|e| index.err(e))?;
        }
        txn.commit().map_err(|e| index.err(e))?;
        Ok((index, staging))
    }

    /// Moves a freshly built index from its staging file to `path`, replacing what was there.
    pub fn finish(self, staging: &Path, path: &Path) -> Result<(), IndexError> {
        drop(self.db);
        std::fs::rename(staging, path).map_err(|source| IndexError::Io {
            path: path.display().to_string(),
            source,
        })
    }

    /// Opens an existing index, checking that it is one and that this version can read it.
    pub fn open(path: &Path) -> Result<Index, IndexError> {
        if !path.is_file() {
            return Err(Self::unusable(path, "no such index file"));
        }
        // redb trusts a file it opens and may panic on damage it did not write itself; checking
        // every page's checksum first turns such damage into an error, for one read of the file.
        let db = redb::Builder::new()
            .set_check_integrity_on_open(true)
            .open(path)
            .map_err(|e| Self::unusable(path, format!("not a dedup index, or damaged ({e})")))?;
        let read = |db: &Database| -> Result<Params, String> {
            let txn = db.begin_read().map_err(|e| e.to_string())?;
            let meta = txn.open_table(META).map_err(|e| e.to_string())?;
            let get = |key| -> Result<Vec<u8>, String> {
                Ok(meta
                    .get(key)
                    .map_err(|e| e.to_string())?
                    .ok_or_else(|| format!("missing {key}"))?
                    .value()
                    .to_vec())
            };
            if get(KEY_MAGIC)? != MAGIC {
                return Err("not a dedup index".into());
            }
            let version = get(KEY_FORMAT)?;
            let version = u32::from_le_bytes(version.try_into().map_err(|_| "bad version")?);
            if version != FORMAT_VERSION {
                return Err(format!(
                    "index format {version}, but this dedup reads format {FORMAT_VERSION}; rebuild it with `dedup index build`"
                ));
            }
            serde_json::from_slice(&get(KEY_PARAMS)?).map_err(|e| format!("bad parameters: {e}"))
        };
        let params = read(&db).map_err(|reason| {
            Self::unusable(path, format!("not a dedup index, or damaged ({reason})"))
        })?;
        Ok(Index {
            db,
            path: path.to_path_buf(),
            params,
        })
    }

    fn err(&self, e: impl std::fmt::Display) -> IndexError {
        Self::unusable(&self.path, format!("damaged or unwritable ({e})"))
    }

    pub fn params(&self) -> &Params {
        &self.params
    }

    pub fn len(&self) -> Result<u32, IndexError> {
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let articles = txn.open_table(ARTICLES).map_err(|e| self.err(e))?;
        Ok(articles.len().map_err(|e| self.err(e))? as u32)
    }

    pub fn is_empty(&self) -> Result<bool, IndexError> {
        Ok(self.len()? == 0)
    }

    /// Adds entries in one transaction: either all of them are in the index afterwards, or,
    /// if the process dies first, none are. Inputs that are not articles are passed through
    /// as skips.
    pub fn add(
        &mut self,
        entries: impl IntoIterator<Item = Result<Entry, Skip>>,
    ) -> Result<(u32, Vec<Skip>), IndexError> {
        let txn = self.db.begin_write().map_err(|e| self.err(e))?;
        let mut added = 0;
        let mut skipped = Vec::new();
        {
            let mut articles = txn.open_table(ARTICLES).map_err(|e| self.err(e))?;
            let mut sketches = txn.open_table(SKETCHES).map_err(|e| self.err(e))?;
            let mut shingles = txn.open_table(SHINGLES).map_err(|e| self.err(e))?;
            let mut bands = txn.open_multimap_table(BANDS).map_err(|e| self.err(e))?;
            let mut next = articles.len().map_err(|e| self.err(e))? as u32;
            for entry in entries {
                let entry = match entry {
                    Ok(entry) => entry,
                    Err(skip) => {
                        skipped.push(skip);
                        continue;
                    }
                };
                let meta = serde_json::to_vec(&entry.article).expect("metadata serialises");
                articles
                    .insert(next, meta.as_slice())
                    .map_err(|e| self.err(e))?;
                sketches
                    .insert(next, to_bytes_u16(&entry.sketch).as_slice())
                    .map_err(|e| self.err(e))?;
                shingles
                    .insert(next, to_bytes_u32(&entry.shingles).as_slice())
                    .map_err(|e| self.err(e))?;
                for (band, &key) in entry.band_keys.iter().enumerate() {
                    bands
                        .insert(band_key(band, key), next)
                        .map_err(|e| self.err(e))?;
                }
                next += 1;
                added += 1;
            }
        }
        txn.commit().map_err(|e| self.err(e))?;
        Ok((added, skipped))
    }

    /// A read-only view for lookups; many can run in parallel.
    pub fn reader(&self) -> Result<Reader, IndexError> {
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        Ok(Reader {
            articles: txn.open_table(ARTICLES).map_err(|e| self.err(e))?,
            sketches: txn.open_table(SKETCHES).map_err(|e| self.err(e))?,
            shingles: txn.open_table(SHINGLES).map_err(|e| self.err(e))?,
            bands: txn.open_multimap_table(BANDS).map_err(|e| self.err(e))?,
            path: self.path.display().to_string(),
        })
    }
}

/// Lookups in one consistent snapshot of the index.
pub struct Reader {
    articles: redb::ReadOnlyTable<u32, &'static [u8]>,
    sketches: redb::ReadOnlyTable<u32, &'static [u8]>,
    shingles: redb::ReadOnlyTable<u32, &'static [u8]>,
    bands: redb::ReadOnlyMultimapTable<u64, u32>,
    path: String,
}

impl Reader {
    fn err(&self, e: impl std::fmt::Display) -> IndexError {
        IndexError::Unusable {
            path: self.path.clone(),
            reason: format!("damaged ({e})"),
        }
    }

    fn bytes(
        &self,
        table: &redb::ReadOnlyTable<u32, &'static [u8]>,
        id: u32,
    ) -> Result<Vec<u8>, IndexError> {
        Ok(table
            .get(id)
            .map_err(|e| self.err(e))?
            .ok_or_else(|| self.err(format!("article {id} is missing")))?
            .value()
            .to_vec())
    }

    /// Indexed articles that share a band with these keys, in id order.
    pub fn colliding(&self, band_keys: impl Iterator<Item = u32>) -> Result<Vec<u32>, IndexError> {
        let mut ids = Vec::new();
        for (band, key) in band_keys.enumerate() {
            for id in self
                .bands
                .get(band_key(band, key))
                .map_err(|e| self.err(e))?
            {
                ids.push(id.map_err(|e| self.err(e))?.value());
            }
        }
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    /// An indexed article's metadata, marked as indexed.
    pub fn article(&self, id: u32) -> Result<ArticleMeta, IndexError> {
        let article: ArticleMeta =
            serde_json::from_slice(&self.bytes(&self.articles, id)?).map_err(|e| self.err(e))?;
        Ok(ArticleMeta {
            indexed: true,
            ..article
        })
    }

    pub fn sketch(&self, id: u32) -> Result<Vec<Sketch16>, IndexError> {
        let bytes = self.bytes(&self.sketches, id)?;
        Ok(bytes
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect())
    }

    pub fn shingles(&self, id: u32) -> Result<Vec<ShingleHash>, IndexError> {
        let bytes = self.bytes(&self.shingles, id)?;
        if bytes.len() % 4 != 0 {
            return Err(self.err(format!("article {id} has a truncated shingle set")));
        }
        Ok(bytes
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect())
    }
}

/// Raw text per batch while indexing or checking.
const BATCH_BYTES: usize = 16 << 20;

/// Signs and stores every article of `corpus`, in one transaction.
pub fn add_corpus(
    index: &mut Index,
    corpus: &Corpus,
    progress: &Progress,
) -> Result<(u32, Vec<Skip>), IndexError> {
    let params = *index.params();
    let hasher = MinHasher::for_params(&params);
    let signer = Signer::new(&params, &hasher);
    progress.stage("indexing", "articles");
    let banding = params.banding();
    let entries = corpus.batches(BATCH_BYTES).flat_map(|batch| {
        let entries: Vec<Result<Entry, Skip>> = signer
            .sign_batch(batch)
            .into_iter()
            .map(|signed| {
                let signed = signed?;
                Ok(Entry {
                    band_keys: banding.keys(&signed.sketch).collect(),
                    article: signed.meta,
                    sketch: signed.sketch,
                    shingles: signed.shingles.hashes,
                })
            })
            .collect();
        progress.advance(entries.len() as u64);
        entries
    });
    let added = index.add(entries);
    progress.finish();
    added
}

/// Checks the articles of `corpus` against the index and against each other. Every cluster of
/// the outcome holds at least one new article; indexed members are marked `indexed`.
pub fn check(
    index: &Index,
    corpus: &Corpus,
    threshold: f64,
    progress: &Progress,
) -> Result<Outcome, IndexError> {
    let started = Instant::now();
    let params = Params {
        threshold,
        ..*index.params()
    };
    let hasher = MinHasher::for_params(&params);
    let signer = Signer::new(&params, &hasher);
    progress.stage("reading", "articles");
    // New articles are kept whole in memory: a check is about a day's news, not an archive.
    let mut fresh: Vec<Signed> = Vec::new();
    let mut skipped = Vec::new();
    for batch in corpus.batches(BATCH_BYTES) {
        let signed = signer.sign_batch(batch);
        progress.advance(signed.len() as u64);
        for result in signed {
            match result {
                Ok(f) => fresh.push(f),
                Err(s) => skipped.push(s),
            }
        }
    }
    let read_and_sign = started.elapsed();

    let banded = Instant::now();
    let k = params.num_perm;
    let min_matches = minhash::min_sketch_matches(threshold, k);
    let sketches: Vec<Sketch16> = fresh
        .iter()
        .flat_map(|f| f.sketch.iter().copied())
        .collect();
    let among_new = lsh::candidate_pairs(&sketches, k, params.banding(), |a, b| {
        minhash::sketch_matches(&fresh[a as usize].sketch, &fresh[b as usize].sketch) >= min_matches
    });
    let reader = index.reader()?;
    let mut against_index: Vec<(u32, u32)> = Vec::new();
    for (i, f) in fresh.iter().enumerate() {
        for id in reader.colliding(params.banding().keys(&f.sketch))? {
            if minhash::sketch_matches(&f.sketch, &reader.sketch(id)?) >= min_matches {
                against_index.push((i as u32, id));
            }
        }
    }
    let band = banded.elapsed();

    let verifying = Instant::now();
    progress.stage("verifying", "pairs");
    let n = fresh.len() as u32;
    let mut articles: Vec<ArticleMeta> = fresh.iter().map(|f| f.meta.clone()).collect();
    let mut edges = Vec::new();
    for (a, b) in among_new.iter().map(|&p| lsh::unpack(p)) {
        let (fa, fb) = (&fresh[a as usize], &fresh[b as usize]);
        let jaccard = fa.shingles.jaccard(&fb.shingles);
        if jaccard >= threshold {
            edges.push(Edge {
                a,
                b,
                jaccard,
                estimate: minhash::sketch_estimate(&fa.sketch, &fb.sketch),
            });
        }
    }
    // Indexed articles get local numbers after the new ones, in the order first matched.
    let mut local: std::collections::BTreeMap<u32, u32> = std::collections::BTreeMap::new();
    for &(a, id) in &against_index {
        let f = &fresh[a as usize];
        let jaccard = shingle::jaccard(&f.shingles.hashes, &reader.shingles(id)?);
        if jaccard < threshold {
            continue;
        }
        let next = n + local.len() as u32;
        let b = *local.entry(id).or_insert(next);
        if b == next {
            articles.push(reader.article(id)?);
        }
        edges.push(Edge {
            a,
            b,
            jaccard,
            estimate: minhash::sketch_estimate(&f.sketch, &reader.sketch(id)?),
        });
    }
    progress.advance((among_new.len() + against_index.len()) as u64);
    let mut sets = UnionFind::new(articles.len());
    for e in &edges {
        sets.union(e.a, e.b);
    }
    let duplicate_pairs = edges.len();
    let clusters = cluster::components(&mut sets, edges, &articles);
    progress.finish();
    Ok(Outcome {
        params,
        stats: Stats {
            files: corpus.file_count(),
            candidate_pairs: among_new.len() + against_index.len(),
            verified_pairs: among_new.len() + against_index.len(),
            duplicate_pairs,
            read_and_sign,
            band,
            verify: verifying.elapsed(),
            total: started.elapsed(),
        },
        articles,
        skipped,
        clusters,
    })
}

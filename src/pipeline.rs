//! Runs the stages in order and gathers what the reporter needs.

use std::time::Instant;

use rayon::prelude::*;

use crate::cluster::{self, Ranks, RepresentativeKey};
use crate::index::{Added, Entry, Index, IndexError, Reader};
use crate::load::{Article, Articles, Corpus, Item, LoadError, Skip};
use crate::lsh::{self, Archived};
use crate::minhash::{self, MinHasher, Sketch16, Sketches};
use crate::model::{ArticleMeta, Config, Outcome, Params, ParamsError, Stats};
use crate::progress::{Progress, Unwatched};
use crate::rule;
use crate::shingle::{ShingleSet, Shingler};
use crate::spill::SpillFile;
use crate::verify::{self, ShingleStore};

/// Raw text read per batch: big enough to keep both cores busy (about a thousand articles),
/// small enough that the reader and the signers overlap from the first batch on and that a
/// few batches in flight stay small beside the sketches. 16 MB batches left a 60 MB corpus
/// only four, and cost 73 MB more peak memory at a million articles.
pub(crate) const BATCH_BYTES: usize = 4 << 20;

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

/// What LSH and verification need of one article, besides its metadata.
pub struct Signed {
    pub meta: ArticleMeta,
    pub shingles: ShingleSet,
    /// The low 16 bits of each MinHash value: band keys come from it, and it screens and
    /// estimates pairs.
    pub sketch: Vec<Sketch16>,
    /// [`minhash::fingerprint`] of the sketch: what orders equal candidates for a cluster's
    /// centre.
    pub fingerprint: u64,
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
            shingler: params.shingler(),
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
            fingerprint: minhash::fingerprint(&sketch),
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

/// Why a run or a check stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error(transparent)]
    Params(#[from] ParamsError),
}

/// Runs the whole pipeline on `config.inputs`.
pub fn find_duplicates(config: &Config) -> Result<Outcome, Error> {
    find_duplicates_with(config, &Unwatched)
}

/// Runs the whole pipeline on `config.inputs`, telling `progress` how far it got.
pub fn find_duplicates_with(config: &Config, progress: &dyn Progress) -> Result<Outcome, Error> {
    config.params.validate()?;
    let mut corpus = Corpus::open(&config.inputs, config.fields.clone())?;
    run(&mut corpus, config.params, None, config.all_pairs, progress)
}

/// Runs the whole pipeline on the articles of `source`, files or texts in memory alike, as
/// [`find_duplicates_with`] does on `config.inputs`.
pub fn find_duplicates_in(
    source: &mut impl Articles,
    params: Params,
    all_pairs: bool,
    progress: &dyn Progress,
) -> Result<Outcome, Error> {
    params.validate()?;
    run(source, params, None, all_pairs, progress)
}

/// Checks the articles of `source` against the index and against each other, at the index's
/// settings: the same stages as [`find_duplicates`], whose buckets also hold the indexed
/// articles that share them. Every cluster of the outcome holds at least one new article;
/// indexed members are marked `indexed` and numbered after the new articles. `all_pairs` as
/// for [`Config::all_pairs`].
pub fn check(
    index: &Index,
    source: &mut impl Articles,
    all_pairs: bool,
    progress: &dyn Progress,
) -> Result<Outcome, Error> {
    let reader = index.reader()?;
    run(source, *index.params(), Some(&reader), all_pairs, progress)
}

/// Signs and stores every article of `source` in one transaction, reading, signing and
/// storing in overlapping stages.
///
/// A source that fails part way (texts in memory can) leaves the articles before the failure
/// added; a binding that must not commit part of its input checks it first.
pub fn add_corpus(
    index: &mut Index,
    source: &mut (impl Articles + Send),
    progress: &dyn Progress,
) -> Result<Added, Error> {
    let params = *index.params();
    let hasher = params.hasher();
    let signer = Signer::new(&params, &hasher);
    progress.stage("indexing", "articles");
    let (sender, batches) = std::sync::mpsc::sync_channel(1);
    let read_all = std::sync::atomic::AtomicBool::new(false);
    let (added, warnings) = std::thread::scope(|scope| {
        let (signer, read_all) = (&signer, &read_all);
        let reader = scope.spawn(move || {
            let mut warnings = Vec::new();
            let read = source.for_each_batch(
                |item| {
                    signer.sign_item(item).map(|signed| {
                        let entry = Entry {
                            article: signed.meta,
                            sketch: signed.sketch,
                            shingles: signed.shingles,
                        };
                        (entry, signed.warning)
                    })
                },
                |batch| {
                    progress.advance(batch.len() as u64);
                    // Warnings are taken in input order, here rather than while signing.
                    let entries: Vec<Result<Entry, Skip>> = batch
                        .into_iter()
                        .map(|signed| {
                            signed.map(|(entry, warning)| {
                                warnings.extend(warning);
                                entry
                            })
                        })
                        .collect();
                    // The index stopped taking entries: its error is the one reported.
                    sender.send(entries).map_err(|_| ReadError::Stopped)
                },
            );
            // A failed source ends the entries as the end of the inputs does.
            let (ended, failed) = match read {
                Ok(()) => (true, None),
                Err(ReadError::Stopped) => (false, None),
                Err(ReadError::Source(e)) => (true, Some(e)),
            };
            read_all.store(ended, std::sync::atomic::Ordering::Release);
            (warnings, failed)
        });
        let mut batches = batches.into_iter();
        // Entries end with the reader's last batch, or with a panic of the reader's, which
        // must not commit what came before it.
        let added = index.add(
            std::iter::from_fn(move || {
                let next = batches.next();
                if next.is_none() && !read_all.load(std::sync::atomic::Ordering::Acquire) {
                    panic!("reading the inputs stopped before their end");
                }
                next
            })
            .flatten(),
        );
        // A reader that panicked has already made the add fail; its warnings do not matter.
        (added, reader.join().unwrap_or_default())
    });
    progress.finish();
    let added = added?;
    match warnings {
        (_, Some(failed)) => Err(failed.into()),
        (warnings, None) => Ok(Added { warnings, ..added }),
    }
}

/// Why the articles of an add stopped being read before their end: the index stopped taking
/// them (its error is the one reported), or the source failed.
#[derive(Debug)]
enum ReadError {
    Stopped,
    Source(LoadError),
}

impl From<LoadError> for ReadError {
    fn from(e: LoadError) -> Self {
        ReadError::Source(e)
    }
}

/// What reading leaves for the later stages: every article's sketch in memory, its shingle set
/// and its metadata in spill files.
struct Read {
    metas: SpillFile,
    ranks: Ranks,
    store: ShingleStore,
    sketches: Sketches,
    skipped: Vec<Skip>,
    /// Articles that were read, with something to warn about them.
    warnings: Vec<Skip>,
}

fn read(
    source: &mut impl Articles,
    signer: &Signer,
    progress: &dyn Progress,
) -> Result<Read, LoadError> {
    progress.stage("reading", "articles");
    let mut read = Read {
        metas: SpillFile::new().map_err(spill_error)?,
        ranks: Ranks::default(),
        store: ShingleStore::new().map_err(spill_error)?,
        sketches: Sketches::new(signer.hasher.num_perm()),
        skipped: Vec::new(),
        warnings: Vec::new(),
    };
    let mut record = Vec::new();
    source.for_each_batch(
        |item| signer.sign_item(item),
        |signed| {
            progress.advance(signed.len() as u64);
            for result in signed {
                match result {
                    Ok(signed) => {
                        read.warnings.extend(signed.warning);
                        read.ranks.push(
                            signed.meta.date.as_deref(),
                            signed.meta.words,
                            signed.fingerprint,
                        );
                        record.clear();
                        signed.meta.encode_into(&mut record);
                        read.metas.push(&record).map_err(spill_error)?;
                        read.store.push(&signed.shingles).map_err(spill_error)?;
                        read.sketches.push(&signed.sketch);
                    }
                    Err(skip) => read.skipped.push(skip),
                }
            }
            Ok(())
        },
    )?;
    Ok(read)
}

/// The stages after reading: candidates, screen, verify, cluster. With an index, the
/// candidates' buckets hold the indexed articles that share them too (numbered after the new
/// ones), whose sketches and shingle sets are read from the index as they are needed.
fn run(
    source: &mut impl Articles,
    params: Params,
    index: Option<&Reader>,
    all_pairs: bool,
    progress: &dyn Progress,
) -> Result<Outcome, Error> {
    let started = Instant::now();
    let hasher = params.hasher();
    let banding = params.banding();
    let signer = Signer::new(&params, &hasher);
    let Read {
        metas,
        mut ranks,
        mut store,
        mut sketches,
        skipped,
        warnings,
    } = read(source, &signer, progress)?;
    let read_and_sign = started.elapsed();

    let banded = Instant::now();
    let new = sketches.len();
    let mut archived = Archived::default();
    let mut indexed = Vec::new();
    let mut fingerprints_indexed = Vec::new();
    if let Some(index) = index {
        archived = Archived::lookup(&sketches, banding, index.buckets())?;
        indexed = archived.ids();
        archived.renumber(&indexed, new as u32);
        // In id order, which reads the index forward.
        for &id in &indexed {
            let sketch = index.sketch(id)?;
            fingerprints_indexed.push(minhash::fingerprint(&sketch));
            sketches.push(&sketch);
        }
    }
    let min_matches = minhash::min_sketch_matches(params.threshold, params.num_perm);
    // The new articles' fingerprints, as the signer computed them; the indexed ones follow.
    let fingerprints = &ranks.fingerprints()[..new];
    let candidates =
        lsh::candidate_pairs_with(&sketches, fingerprints, banding, min_matches, &archived);
    drop(archived);
    let band = banded.elapsed();

    let verifying = Instant::now();
    progress.stage("verifying", "pairs");
    // Indexed articles that some candidate pairs need their shingle sets, and their dates for
    // the copy rule; the others hold an empty place.
    let mut metas_indexed: Vec<Option<ArticleMeta>> = vec![None; indexed.len()];
    if let Some(index) = index {
        let mut wanted = vec![false; indexed.len()];
        for &pair in &candidates {
            let (_, b) = lsh::unpack(pair);
            if let Some(w) = (b as usize).checked_sub(new) {
                wanted[w] = true;
            }
        }
        for (j, (&id, wanted)) in indexed.iter().zip(wanted).enumerate() {
            let set = if wanted {
                metas_indexed[j] = Some(index.article(id)?);
                index.shingles(id)?
            } else {
                ShingleSet::default()
            };
            store.push(&set).map_err(spill_error)?;
        }
    }
    ranks.indexed_from(new as u32);
    for (meta, fingerprint) in metas_indexed.iter().zip(fingerprints_indexed) {
        let meta = meta.as_ref();
        ranks.push(
            meta.and_then(|m| m.date.as_deref()),
            meta.map_or(0, |m| m.words),
            fingerprint,
        );
    }
    store.flush().map_err(spill_error)?;
    let days_apart = |a, b| rule::days_apart(ranks.date(a), ranks.date(b));
    let mut verified = verify::verify(
        &candidates,
        &store,
        &sketches,
        days_apart,
        params.threshold,
        all_pairs,
        progress,
    )
    .map_err(spill_error)?;
    let mut clusters = cluster::clusters(&mut verified.sets, verified.edges, &ranks, all_pairs);
    let duplicate_pairs = clusters.iter().map(|c| c.pairs.len()).sum();
    // Indexed articles clustered with a new one; only they are reported.
    let mut is_joined = vec![false; indexed.len()];
    for &member in clusters.iter().flat_map(|c| &c.members) {
        if let Some(j) = (member as usize).checked_sub(new) {
            is_joined[j] = true;
        }
    }
    let joined: Vec<Option<ArticleMeta>> = metas_indexed
        .into_iter()
        .zip(is_joined)
        .map(|(meta, joined)| meta.filter(|_| joined))
        .collect();
    let verify = verifying.elapsed();
    drop((sketches, store));
    let mut articles = metas
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
    if !indexed.is_empty() {
        // Joined indexed articles are numbered after the new ones, in id order: the same
        // order as before, so clusters keep their members in order.
        let mut number = vec![u32::MAX; indexed.len()];
        for (j, meta) in joined.into_iter().enumerate() {
            if let Some(meta) = meta {
                number[j] = articles.len() as u32;
                articles.push(meta);
            }
        }
        let renumber = |a: &mut u32| {
            if let Some(j) = (*a as usize).checked_sub(new) {
                *a = number[j];
            }
        };
        for cluster in &mut clusters {
            cluster.members.iter_mut().for_each(renumber);
            renumber(&mut cluster.representative);
            for edge in &mut cluster.pairs {
                renumber(&mut edge.a);
                renumber(&mut edge.b);
            }
        }
    }
    progress.finish();

    Ok(Outcome {
        params,
        stats: Stats {
            files: source.file_count(),
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

    /// The default copy rule on short sketches, for small test corpora.
    const SMALL: Params = Params {
        shingle: crate::shingle::ShingleKind::Word,
        ngram: 3,
        minhash: crate::minhash::Scheme::Oph,
        num_perm: 128,
        bands: 64,
        rows: 2,
        threshold: 0.08,
        seed: 42,
    };

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

    /// Texts in memory are read as the same fields on JSONL lines are: same report, byte for
    /// byte, blank and wordless texts included.
    #[test]
    fn texts_in_memory_report_as_the_same_jsonl_file() {
        use crate::load::{Input, JsonFields, TextArticle, Texts};
        use crate::report::{Format, ReportOptions};
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seeds");
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        let mut texts: Vec<TextArticle> = files
            .iter()
            .map(|f| {
                let seed = crate::load::parse_seed(&std::fs::read_to_string(f).unwrap());
                TextArticle {
                    id: None,
                    date: seed.date,
                    title: seed.title,
                    text: seed.body,
                }
            })
            .collect();
        texts[1].id = Some(" wire-7 ".into());
        texts.push(TextArticle::default());
        texts.push(TextArticle {
            text: "Scroll to top\n\n".into(),
            date: Some("not a date".into()),
            ..TextArticle::default()
        });
        let scratch = tempfile::tempdir().unwrap();
        let jsonl = scratch.path().join("corpus.jsonl");
        let lines: Vec<String> = texts
            .iter()
            .map(|t| {
                serde_json::json!({"id": t.id, "date": t.date, "title": t.title, "text": t.text})
                    .to_string()
            })
            .collect();
        std::fs::write(&jsonl, lines.join("\n")).unwrap();
        let params = SMALL;
        let options = ReportOptions {
            format: Format::Json,
            color: false,
            singletons: true,
            timings: false,
        };
        let report = |outcome: &Outcome| {
            let mut out = Vec::new();
            crate::report::write(outcome, &options, &mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        let from_file = find_duplicates(&Config {
            inputs: vec![Input::Path(jsonl.clone())],
            fields: JsonFields::default(),
            params,
            all_pairs: false,
        })
        .unwrap();
        // Two articles a batch, so that numbering across batches is exercised.
        let batches: Vec<Result<Vec<TextArticle>, LoadError>> =
            texts.chunks(2).map(|c| Ok(c.to_vec())).collect();
        let mut source = Texts::new(jsonl.display().to_string(), batches.into_iter());
        let in_memory = find_duplicates_in(&mut source, params, false, &Unwatched).unwrap();
        assert!(!from_file.clusters.is_empty());
        assert_eq!(from_file.skipped.len(), 2);
        assert_eq!(report(&in_memory), report(&from_file));
    }

    #[test]
    fn a_failing_source_fails_the_run() {
        use crate::load::{TextArticle, Texts};
        let batches = vec![
            Ok(vec![TextArticle {
                text: "some words to sign here".into(),
                ..TextArticle::default()
            }]),
            Err(LoadError::NotAnArticle {
                path: "texts[1]".into(),
                reason: "not a string".into(),
            }),
        ];
        let mut source = Texts::new("texts", batches.into_iter());
        let params = SMALL;
        let run = find_duplicates_in(&mut source, params, false, &Unwatched);
        assert_eq!(
            run.unwrap_err().to_string(),
            "texts[1]: not a string".to_string()
        );
    }
}

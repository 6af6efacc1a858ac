//! The Python extension `dedup._native`: a thin layer over the library. Python hands over
//! batches of texts; everything else is the CLI's own code, run with the GIL released.
//! The Python-facing API (argument handling, Arrow tables, docs) is in `dedup/__init__.py`.

use std::sync::{Arc, Mutex};

use pyo3::exceptions::{PyOSError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyInt, PyList, PyString, PyTuple};
use rayon::prelude::*;

use dedup::load::{LoadError, TextArticle, Texts};
use dedup::minhash::{self, Scheme};
use dedup::progress::Unwatched;
use dedup::report::{self, Format, ReportOptions};
use dedup::rule;
use dedup::shingle::{ShingleKind, ShingleSet};
use dedup::{Asked, Outcome, Params, Signer};

/// See [`dedup::Allocator`]. Every allocation of this extension is its own and freed by it:
/// none crosses to Python's allocator, which Python's objects keep.
#[global_allocator]
static ALLOCATOR: dedup::Allocator = dedup::Allocator;

/// The settings keywords of every function, resolved as the CLI resolves its flags.
#[allow(clippy::too_many_arguments)]
fn params(
    threshold: f64,
    shingle: &str,
    ngram: Option<usize>,
    minhash: &str,
    num_perm: usize,
    bands: Option<usize>,
    rows: Option<usize>,
    seed: u64,
) -> PyResult<Params> {
    let asked = Asked {
        shingle: match shingle {
            "word" => ShingleKind::Word,
            "char" => ShingleKind::Char,
            other => {
                return Err(PyValueError::new_err(format!(
                    "shingle must be \"word\" or \"char\", got {other:?}"
                )));
            }
        },
        ngram,
        minhash: match minhash {
            "oph" => Scheme::Oph,
            "classic" => Scheme::Classic,
            other => {
                return Err(PyValueError::new_err(format!(
                    "minhash must be \"oph\" or \"classic\", got {other:?}"
                )));
            }
        },
        num_perm,
        bands,
        rows,
        threshold,
        seed,
    };
    // Named as the keywords a Python caller typed, not as the CLI's flags.
    Params::new(&asked).map_err(|e| PyValueError::new_err(e.naming(|s| s.name().replace('-', "_"))))
}

/// Runs `work` on `threads` worker threads (all cores when `None`) without the GIL.
fn without_gil<T: Send>(
    py: Python<'_>,
    threads: Option<usize>,
    work: impl FnOnce() -> T + Send,
) -> PyResult<T> {
    match threads {
        None => Ok(py.detach(work)),
        Some(0) => Err(PyValueError::new_err("threads must be at least 1")),
        Some(n) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| PyOSError::new_err(format!("could not start threads: {e}")))?;
            Ok(py.detach(|| pool.install(work)))
        }
    }
}

/// `texts[i]` as a Rust string, or the exception that names it.
fn text_at(field: &str, index: usize, value: &Bound<'_, PyAny>) -> PyResult<String> {
    let s = value.cast::<PyString>().map_err(|_| {
        PyTypeError::new_err(format!(
            "{field}[{index}] is {}, not a str",
            describe(value)
        ))
    })?;
    s.to_cow().map(|c| c.into_owned()).map_err(|_| {
        PyValueError::new_err(format!(
            "{field}[{index}] is not valid Unicode (it holds a lone surrogate)"
        ))
    })
}

fn describe(value: &Bound<'_, PyAny>) -> String {
    if value.is_none() {
        "None".into()
    } else {
        format!(
            "of type {}",
            value
                .get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_else(|_| "?".into())
        )
    }
}

/// An optional field: `None` stays missing; ids may also be ints, as in JSONL.
fn field_at(
    field: &str,
    index: usize,
    value: &Bound<'_, PyAny>,
    ints: bool,
) -> PyResult<Option<String>> {
    if value.is_none() {
        return Ok(None);
    }
    if ints && value.is_instance_of::<PyInt>() {
        return Ok(Some(value.str()?.to_cow()?.into_owned()));
    }
    text_at(field, index, value).map(Some)
}

/// One batch from Python: `(first, texts, ids, dates, titles)`, each a list or `None`.
fn read_batch(batch: &Bound<'_, PyTuple>) -> PyResult<Vec<TextArticle>> {
    let first: usize = batch.get_item(0)?.extract()?;
    let column = |i: usize| -> PyResult<Option<Bound<'_, PyList>>> {
        let item = batch.get_item(i)?;
        if item.is_none() {
            Ok(None)
        } else {
            Ok(Some(item.cast_into::<PyList>()?))
        }
    };
    let texts = column(1)?.ok_or_else(|| PyTypeError::new_err("a batch without texts"))?;
    let (ids, dates, titles) = (column(2)?, column(3)?, column(4)?);
    let mut out = Vec::with_capacity(texts.len());
    for (i, text) in texts.iter().enumerate() {
        let at = first + i;
        let optional = |col: &Option<Bound<'_, PyList>>, name: &str, ints: bool| match col {
            Some(col) => field_at(name, at, &col.get_item(i)?, ints),
            None => Ok(None),
        };
        let id = match &ids {
            Some(col) => {
                let value = col.get_item(i)?;
                if value.is_none() {
                    return Err(PyTypeError::new_err(format!(
                        "ids[{at}] is None, not a str or int"
                    )));
                }
                field_at("ids", at, &value, true)?
            }
            None => None,
        };
        out.push(TextArticle {
            id,
            date: optional(&dates, "dates", false)?,
            title: optional(&titles, "titles", false)?,
            text: text_at("texts", at, &text)?,
        });
    }
    Ok(out)
}

/// Texts pulled from a Python iterator of batches, taking the GIL only while a batch is
/// copied out. The first Python error is kept to be raised as it was.
fn python_texts(
    name: String,
    batches: Py<PyAny>,
    failure: Arc<Mutex<Option<PyErr>>>,
) -> Texts<impl Iterator<Item = Result<Vec<TextArticle>, LoadError>> + Send> {
    let mut done = false;
    let next = std::iter::from_fn(move || {
        if done {
            return None;
        }
        let pulled = Python::attach(|py| -> PyResult<Option<Vec<TextArticle>>> {
            match batches.bind(py).call_method0("__next__") {
                Ok(batch) => read_batch(batch.cast::<PyTuple>()?).map(Some),
                Err(e) if e.is_instance_of::<pyo3::exceptions::PyStopIteration>(py) => Ok(None),
                Err(e) => Err(e),
            }
        });
        match pulled {
            Ok(Some(batch)) => Some(Ok(batch)),
            Ok(None) => None,
            Err(err) => {
                done = true;
                let reason = err.to_string();
                *failure.lock().expect("not poisoned") = Some(err);
                Some(Err(LoadError::NotAnArticle {
                    path: "texts".into(),
                    reason,
                }))
            }
        }
    });
    Texts::new(name, next)
}

/// The outcome of a run: articles, skips, clusters, and the report writer.
#[pyclass(module = "dedup._native", frozen)]
struct Run {
    outcome: Outcome,
    name: String,
}

/// The 0-based input position of an article, from the `NAME:POSITION` path it was given;
/// `None` for an article found in an index.
fn position(name: &str, path: &str) -> Option<usize> {
    path.strip_prefix(name)
        .and_then(|rest| rest.strip_prefix(':'))
        .and_then(|n| n.parse::<usize>().ok())
        .and_then(|n| n.checked_sub(1))
}

#[pymethods]
impl Run {
    /// The report as `dedup --format json` writes it; `singletons` as `--singletons`.
    fn to_json(&self, py: Python<'_>, singletons: bool) -> PyResult<String> {
        let options = ReportOptions {
            format: Format::Json,
            color: false,
            singletons,
            // As the CLI does when its output is not a terminal and --stats is not given.
            timings: false,
        };
        let bytes = py.detach(|| {
            let mut out = Vec::new();
            report::write(&self.outcome, &options, &mut out).map(|()| out)
        })?;
        String::from_utf8(bytes).map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// `(position, id)` of every article that was compared, in input order; the position of
    /// an article found in the index (`Index.check`) is `None`.
    fn articles(&self) -> Vec<(Option<usize>, String)> {
        self.outcome
            .articles
            .iter()
            .map(|a| {
                (
                    position(&self.name, &a.path).filter(|_| !a.indexed),
                    a.id.clone(),
                )
            })
            .collect()
    }

    /// `(position, reason)` of every text that had nothing to compare.
    fn skipped(&self) -> Vec<Skipped> {
        skipped_positions(&self.name, &self.outcome.skipped)
    }

    /// `(position, reason)` of every text that was compared with something to warn about.
    fn warnings(&self) -> Vec<Skipped> {
        skipped_positions(&self.name, &self.outcome.warnings)
    }

    /// Each cluster as `(members, representative, pairs)`, in article numbers (indices into
    /// `articles()`); a pair is [`PairFields`].
    #[allow(clippy::type_complexity)]
    fn clusters(&self) -> Vec<(Vec<u32>, u32, Vec<PairFields>)> {
        self.outcome
            .clusters
            .iter()
            .map(|c| {
                let pairs = c
                    .pairs
                    .iter()
                    .map(|e| {
                        (
                            e.a,
                            e.b,
                            e.jaccard,
                            e.estimate,
                            e.containment,
                            e.block_share,
                            e.passage_share,
                            e.quoted_share,
                            e.verdict.name(),
                            e.is_close(),
                        )
                    })
                    .collect();
                (c.members.clone(), c.representative, pairs)
            })
            .collect()
    }

    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = &self.outcome.stats;
        let d = PyDict::new(py);
        d.set_item("candidate_pairs", s.candidate_pairs)?;
        d.set_item("verified_pairs", s.verified_pairs)?;
        d.set_item("duplicate_pairs", s.duplicate_pairs)?;
        d.set_item("seconds", s.total.as_secs_f64())?;
        Ok(d)
    }
}

/// Runs the pipeline on batches from Python (see `dedup/__init__.py`).
#[pyfunction]
#[pyo3(signature = (batches, name, threshold, shingle, ngram, minhash, num_perm, bands, rows, seed, threads))]
#[allow(clippy::too_many_arguments)]
fn find_duplicates(
    py: Python<'_>,
    batches: Py<PyAny>,
    name: String,
    threshold: f64,
    shingle: &str,
    ngram: Option<usize>,
    minhash: &str,
    num_perm: usize,
    bands: Option<usize>,
    rows: Option<usize>,
    seed: u64,
    threads: Option<usize>,
) -> PyResult<Run> {
    let params = params(
        threshold, shingle, ngram, minhash, num_perm, bands, rows, seed,
    )?;
    let failure = Arc::new(Mutex::new(None));
    let mut source = python_texts(name.clone(), batches, failure.clone());
    let ran = without_gil(py, threads, || {
        dedup::find_duplicates_in(&mut source, params, false, &Unwatched)
    })?;
    match ran {
        Ok(outcome) => Ok(Run { outcome, name }),
        Err(err) => Err(failure
            .lock()
            .expect("not poisoned")
            .take()
            .unwrap_or_else(|| PyOSError::new_err(err.to_string()))),
    }
}

/// `dedup explain --format json` for two texts, as a JSON string.
#[pyfunction]
#[pyo3(signature = (a, b, threshold, shingle, ngram, minhash, num_perm, bands, rows, seed))]
#[allow(clippy::too_many_arguments)]
fn explain(
    py: Python<'_>,
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    threshold: f64,
    shingle: &str,
    ngram: Option<usize>,
    minhash: &str,
    num_perm: usize,
    bands: Option<usize>,
    rows: Option<usize>,
    seed: u64,
) -> PyResult<String> {
    let params = params(
        threshold, shingle, ngram, minhash, num_perm, bands, rows, seed,
    )?;
    let article = |name: &str, value: &Bound<'_, PyAny>| -> PyResult<_> {
        let text = value.cast::<PyString>().map_err(|_| {
            PyTypeError::new_err(format!("{name} is {}, not a str", describe(value)))
        })?;
        let text = text.to_cow()?.into_owned();
        Ok(TextArticle {
            text,
            ..TextArticle::default()
        }
        .into_article(name, 1))
    };
    let (a, b) = (article("a", a)?, article("b", b)?);
    let explanation = py.detach(|| dedup::explain::explain(&a, &b, &params));
    serde_json::to_string(&explanation).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// Signs texts (a list of `str` or `None`): per text its 16-bit sketch and LSH band keys, as
/// little-endian bytes for Arrow buffers, its word count, and whether it had words to sign.
#[pyfunction]
#[pyo3(signature = (texts, threshold, shingle, ngram, minhash, num_perm, bands, rows, seed, threads))]
#[allow(clippy::too_many_arguments)]
fn sign_batch<'py>(
    py: Python<'py>,
    texts: &Bound<'py, PyList>,
    threshold: f64,
    shingle: &str,
    ngram: Option<usize>,
    minhash: &str,
    num_perm: usize,
    bands: Option<usize>,
    rows: Option<usize>,
    seed: u64,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyTuple>> {
    let params = params(
        threshold, shingle, ngram, minhash, num_perm, bands, rows, seed,
    )?;
    let texts = optional_texts(texts)?;
    let banding = params.banding();
    let signed = without_gil(py, threads, || {
        let hasher = params.hasher();
        let signer = Signer::new(&params, &hasher);
        texts
            .into_par_iter()
            .map(|text| {
                let article = TextArticle {
                    text: text?,
                    ..TextArticle::default()
                }
                .into_article("batch", 1);
                let signed = signer.sign(article).ok()?;
                let keys: Vec<u32> = banding.keys(&signed.sketch).collect();
                Some((signed.sketch, keys, signed.meta.words))
            })
            .collect::<Vec<_>>()
    })?;
    let n = signed.len();
    let mut sketches = Vec::with_capacity(n * params.num_perm * 2);
    let mut keys = Vec::with_capacity(n * params.bands * 4);
    let mut words = Vec::with_capacity(n * 4);
    let mut valid = Vec::with_capacity(n);
    for row in &signed {
        match row {
            Some((sketch, band_keys, w)) => {
                sketches.extend(sketch.iter().flat_map(|v| v.to_le_bytes()));
                keys.extend(band_keys.iter().flat_map(|k| k.to_le_bytes()));
                words.extend(w.to_le_bytes());
                valid.push(true);
            }
            None => {
                sketches.resize(sketches.len() + params.num_perm * 2, 0);
                keys.resize(keys.len() + params.bands * 4, 0);
                words.extend(0u32.to_le_bytes());
                valid.push(false);
            }
        }
    }
    (
        PyBytes::new(py, &sketches),
        PyBytes::new(py, &keys),
        PyBytes::new(py, &words),
        valid,
        params.num_perm,
        params.bands,
    )
        .into_pyobject(py)
}

/// `None` stays `None` (a null row out); anything else must be a `str`.
fn optional_texts(texts: &Bound<'_, PyList>) -> PyResult<Vec<Option<String>>> {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            if t.is_none() {
                Ok(None)
            } else {
                text_at("texts", i, &t).map(Some)
            }
        })
        .collect()
}

/// Jaccard, containment, estimate, and whether the pair counts as a copy.
type PairVerdict = (f64, f64, f64, bool);

/// A cluster's pair as `Pair` in `dedup/__init__.py` takes it: `(a, b, jaccard, estimate,
/// containment, block_share, passage_share, quoted_share, verdict, close)`, the fields of a
/// pair in the JSON report, in its order.
type PairFields = (
    u32,
    u32,
    f64,
    f64,
    f64,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    &'static str,
    bool,
);

/// Verifies candidate pairs `(a[i], b[i])` by the copy rule of the run: per pair its exact
/// Jaccard, containment of the smaller in the larger, 16-bit sketch estimate, and whether it
/// counts as a copy. `a_dates` and `b_dates`, when given, are the texts' dates (read as the
/// CLI reads a date field), which the rule reads for pairs published days apart. A pair with a
/// `None` side gives `None`.
#[pyfunction]
#[pyo3(signature = (a, b, a_dates, b_dates, threshold, shingle, ngram, minhash, num_perm, bands, rows, seed, threads))]
#[allow(clippy::too_many_arguments)]
fn verify_pairs(
    py: Python<'_>,
    a: &Bound<'_, PyList>,
    b: &Bound<'_, PyList>,
    a_dates: Option<Vec<Option<String>>>,
    b_dates: Option<Vec<Option<String>>>,
    threshold: f64,
    shingle: &str,
    ngram: Option<usize>,
    minhash: &str,
    num_perm: usize,
    bands: Option<usize>,
    rows: Option<usize>,
    seed: u64,
    threads: Option<usize>,
) -> PyResult<Vec<Option<PairVerdict>>> {
    let params = params(
        threshold, shingle, ngram, minhash, num_perm, bands, rows, seed,
    )?;
    if a.len() != b.len() {
        return Err(PyValueError::new_err(format!(
            "a has {} texts and b has {}: pairs are a[i] with b[i]",
            a.len(),
            b.len()
        )));
    }
    let (a, b) = (optional_texts(a)?, optional_texts(b)?);
    let dates = |name: &str, given: Option<Vec<Option<String>>>| match given {
        Some(d) if d.len() != a.len() => Err(PyValueError::new_err(format!(
            "{name} has {} dates for {} pairs",
            d.len(),
            a.len()
        ))),
        Some(d) => Ok(d),
        None => Ok(vec![None; a.len()]),
    };
    let (a_dates, b_dates) = (dates("a_dates", a_dates)?, dates("b_dates", b_dates)?);
    without_gil(py, threads, || {
        let hasher = params.hasher();
        let signer = Signer::new(&params, &hasher);
        let sign = |text: String, date: Option<String>| {
            let article = TextArticle {
                text,
                date,
                ..TextArticle::default()
            }
            .into_article("pair", 1);
            signer.sign(article).ok()
        };
        a.into_par_iter()
            .zip(b)
            .zip(a_dates.into_par_iter().zip(b_dates))
            .map(|((x, y), (x_date, y_date))| {
                let (x, y) = (x?, y?);
                match (sign(x, x_date), sign(y, y_date)) {
                    (Some(x), Some(y)) => {
                        let days = rule::days_apart(x.meta.date.as_deref(), y.meta.date.as_deref());
                        let judged = rule::judge(&x.shingles, &y.shingles, days, params.threshold);
                        Some((
                            judged.overlap.jaccard(),
                            judged.overlap.containment_of_smaller(),
                            minhash::sketch_estimate(&x.sketch, &y.sketch),
                            judged.is_copy(),
                        ))
                    }
                    // A side with no words shares nothing.
                    _ => Some((0.0, 0.0, 0.0, false)),
                }
            })
            .collect()
    })
}

/// A column of Arrow strings or binaries as Spark hands it over, by its two buffers:
/// `n + 1` little-endian `i32` offsets and the values they index. Nulls arrive as empty values.
fn arrow_values<'a>(name: &str, offsets: &[u8], data: &'a [u8]) -> PyResult<Vec<&'a [u8]>> {
    let offsets: Vec<usize> = offsets
        .chunks_exact(4)
        .map(|o| i32::from_le_bytes(o.try_into().expect("4 bytes")) as usize)
        .collect();
    offsets
        .windows(2)
        .enumerate()
        .map(|(row, w)| {
            data.get(w[0]..w[1]).ok_or_else(|| {
                PyValueError::new_err(format!(
                    "{name}[{row}]: offsets {}..{} past the {} bytes of the column",
                    w[0],
                    w[1],
                    data.len()
                ))
            })
        })
        .collect()
}

fn arrow_strings<'a>(name: &str, offsets: &[u8], data: &'a [u8]) -> PyResult<Vec<&'a str>> {
    arrow_values(name, offsets, data)?
        .into_iter()
        .enumerate()
        .map(|(row, v)| {
            std::str::from_utf8(v)
                .map_err(|e| PyValueError::new_err(format!("{name}[{row}] is not UTF-8: {e}")))
        })
        .collect()
}

/// Values written as the two buffers of an Arrow column: `i32` offsets and the bytes.
#[derive(Default)]
struct ArrowColumn {
    offsets: Vec<u8>,
    data: Vec<u8>,
}

impl ArrowColumn {
    fn push(&mut self, value: &[u8]) {
        if self.offsets.is_empty() {
            self.offsets.extend(0i32.to_le_bytes());
        }
        self.data.extend_from_slice(value);
        let end = i32::try_from(self.data.len()).expect("a batch under 2 GB per column");
        self.offsets.extend(end.to_le_bytes());
    }

    fn into_py<'py>(mut self, py: Python<'py>) -> (Bound<'py, PyBytes>, Bound<'py, PyBytes>) {
        if self.offsets.is_empty() {
            self.offsets.extend(0i32.to_le_bytes());
        }
        (
            PyBytes::new(py, &self.offsets),
            PyBytes::new(py, &self.data),
        )
    }
}

/// A column given beside the texts, row for row.
fn beside<'a>(
    name: &str,
    column: &'a Option<(Bound<'_, PyBytes>, Bound<'_, PyBytes>)>,
    rows: usize,
) -> PyResult<Option<Vec<&'a str>>> {
    let Some((offsets, data)) = column else {
        return Ok(None);
    };
    let values = arrow_strings(name, offsets.as_bytes(), data.as_bytes())?;
    if values.len() != rows {
        return Err(PyValueError::new_err(format!(
            "{name} has {} rows and texts {rows}",
            values.len()
        )));
    }
    Ok(Some(values))
}

/// One row of a batch to sign, read as the CLI reads it.
enum Row {
    /// A line with nothing on it, which the CLI passes over without a word.
    Blank,
    Skipped(String),
    Article(TextArticle),
}

/// Signs an Arrow batch for the Spark job: `texts` are JSONL lines, parsed with the CLI's own
/// reader under `jsonl_fields` (text, id, date, title field names), or, without them, the
/// texts of a table whose `ids`, `dates` and `titles` come as columns. Per row: a status
/// (0 article, 1 blank line, 2 skipped: the reason is in `reasons`), the id, the date
/// (`YYYY-MM-DD`) and the title as the CLI normalises them (empty when missing), the word
/// count, the 16-bit sketch, the band keys as `band << 32 | key` (`i64`), and the shingle set
/// as `ShingleSet::encode_into` writes it, for the copy rule. Columns are Arrow buffers; no
/// Python object is made per row.
#[pyfunction]
#[pyo3(signature = (texts, ids, dates, titles, jsonl_fields, threshold, shingle, ngram, minhash, num_perm, bands, rows, seed, threads))]
#[allow(clippy::too_many_arguments)]
fn sign_arrow<'py>(
    py: Python<'py>,
    texts: (Bound<'py, PyBytes>, Bound<'py, PyBytes>),
    ids: Option<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)>,
    dates: Option<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)>,
    titles: Option<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)>,
    jsonl_fields: Option<(String, String, String, String)>,
    threshold: f64,
    shingle: &str,
    ngram: Option<usize>,
    minhash: &str,
    num_perm: usize,
    bands: Option<usize>,
    rows: Option<usize>,
    seed: u64,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyTuple>> {
    let params = params(
        threshold, shingle, ngram, minhash, num_perm, bands, rows, seed,
    )?;
    let texts_in = arrow_strings("texts", texts.0.as_bytes(), texts.1.as_bytes())?;
    let (ids_in, dates_in, titles_in) = (
        beside("ids", &ids, texts_in.len())?,
        beside("dates", &dates, texts_in.len())?,
        beside("titles", &titles, texts_in.len())?,
    );
    let fields = jsonl_fields.map(|(text, id, date, title)| dedup::load::JsonFields {
        text,
        id,
        date,
        title,
    });
    let given = |col: &Option<Vec<&str>>, i: usize| col.as_ref().map(|c| c[i].to_string());
    let banding = params.banding();
    let signed = without_gil(py, threads, || {
        let hasher = params.hasher();
        let signer = Signer::new(&params, &hasher);
        (0..texts_in.len())
            .into_par_iter()
            .map(|i| {
                let line = texts_in[i];
                let row = match &fields {
                    Some(_) if line.bytes().all(|b| b.is_ascii_whitespace()) => Row::Blank,
                    Some(fields) => match dedup::load::parse_json_record(line.as_bytes(), fields) {
                        // The JSONL reader's record, read as a text article is: the fields
                        // are already trimmed and the body cleaned, which a second pass keeps.
                        Ok(record) => Row::Article(TextArticle {
                            id: record.id,
                            date: record.date.or(record.invalid_date),
                            title: record.title,
                            text: record.body,
                        }),
                        Err(reason) => Row::Skipped(reason),
                    },
                    None => Row::Article(TextArticle {
                        id: given(&ids_in, i),
                        date: given(&dates_in, i),
                        title: given(&titles_in, i),
                        text: line.to_string(),
                    }),
                };
                match row {
                    Row::Article(text) => {
                        let has_id = text.id.as_deref().is_some_and(|s| !s.trim().is_empty());
                        match signer.sign(text.into_article("row", 1)) {
                            Ok(signed) => {
                                let keys: Vec<u32> = banding.keys(&signed.sketch).collect();
                                Ok((signed, has_id, keys))
                            }
                            Err(skip) => Err(Some(skip.reason)),
                        }
                    }
                    Row::Skipped(reason) => Err(Some(reason)),
                    Row::Blank => Err(None),
                }
            })
            .collect::<Vec<_>>()
    })?;
    let n = signed.len();
    let mut status = Vec::with_capacity(n);
    let mut reasons = Vec::new();
    let mut warnings = Vec::new();
    let mut id_col = ArrowColumn::default();
    let mut date_col = ArrowColumn::default();
    let mut title_col = ArrowColumn::default();
    let mut shingle_col = ArrowColumn::default();
    let mut words = Vec::with_capacity(n * 4);
    let mut fingerprints = Vec::with_capacity(n * 8);
    let mut sketches = Vec::with_capacity(n * params.num_perm * 2);
    let mut keys = Vec::with_capacity(n * params.bands * 8);
    let mut record = Vec::new();
    for (row, result) in signed.into_iter().enumerate() {
        match result {
            Ok((signed, has_id, band_keys)) => {
                status.push(0u8);
                let meta = &signed.meta;
                id_col.push(if has_id { meta.id.as_bytes() } else { b"" });
                date_col.push(meta.date.as_deref().unwrap_or("").as_bytes());
                title_col.push(meta.title.as_deref().unwrap_or("").as_bytes());
                if let Some(warning) = signed.warning {
                    warnings.push((row, warning.reason));
                }
                record.clear();
                signed.shingles.encode_into(&mut record);
                shingle_col.push(&record);
                words.extend(meta.words.to_le_bytes());
                fingerprints.extend(signed.fingerprint.to_le_bytes());
                sketches.extend(signed.sketch.iter().flat_map(|v| v.to_le_bytes()));
                keys.extend(
                    band_keys.iter().enumerate().flat_map(|(band, &key)| {
                        ((band as i64) << 32 | i64::from(key)).to_le_bytes()
                    }),
                );
            }
            Err(reason) => {
                status.push(if reason.is_some() { 2 } else { 1 });
                if let Some(reason) = reason {
                    reasons.push((row, reason));
                }
                for col in [&mut id_col, &mut date_col, &mut title_col, &mut shingle_col] {
                    col.push(b"");
                }
                words.extend(0u32.to_le_bytes());
                fingerprints.extend(0u64.to_le_bytes());
                sketches.resize(sketches.len() + params.num_perm * 2, 0);
                keys.resize(keys.len() + params.bands * 8, 0);
            }
        }
    }
    let out = PyDict::new(py);
    out.set_item("status", PyBytes::new(py, &status))?;
    out.set_item("reasons", reasons)?;
    out.set_item("warnings", warnings)?;
    out.set_item("ids", id_col.into_py(py))?;
    out.set_item("dates", date_col.into_py(py))?;
    out.set_item("titles", title_col.into_py(py))?;
    out.set_item("shingles", shingle_col.into_py(py))?;
    out.set_item("words", PyBytes::new(py, &words))?;
    out.set_item("fingerprints", PyBytes::new(py, &fingerprints))?;
    out.set_item("sketches", PyBytes::new(py, &sketches))?;
    out.set_item("keys", PyBytes::new(py, &keys))?;
    (out,).into_pyobject(py)
}

/// Judges pairs by the copy rule of a run, from the shingle sets [`sign_arrow`] wrote and the
/// dates it normalised (empty when unknown), all as Arrow buffers: per pair its Jaccard,
/// containment of the smaller, shares in verbatim blocks, in one passage and in quotation marks
/// (each NaN where the rule did not read it), whether it is a copy and whether a close one
/// ([`rule::is_close`]), and the verdict's name as the JSON report writes it.
#[pyfunction]
#[pyo3(signature = (a, b, a_dates, b_dates, threshold, threads))]
#[allow(clippy::type_complexity)]
fn judge_arrow<'py>(
    py: Python<'py>,
    a: (Bound<'py, PyBytes>, Bound<'py, PyBytes>),
    b: (Bound<'py, PyBytes>, Bound<'py, PyBytes>),
    a_dates: (Bound<'py, PyBytes>, Bound<'py, PyBytes>),
    b_dates: (Bound<'py, PyBytes>, Bound<'py, PyBytes>),
    threshold: f64,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyTuple>> {
    let a = arrow_values("a", a.0.as_bytes(), a.1.as_bytes())?;
    let b = arrow_values("b", b.0.as_bytes(), b.1.as_bytes())?;
    let a_dates = arrow_strings("a_dates", a_dates.0.as_bytes(), a_dates.1.as_bytes())?;
    let b_dates = arrow_strings("b_dates", b_dates.0.as_bytes(), b_dates.1.as_bytes())?;
    if [b.len(), a_dates.len(), b_dates.len()]
        .iter()
        .any(|&n| n != a.len())
    {
        return Err(PyValueError::new_err(
            "a, b, a_dates and b_dates must have one row per pair",
        ));
    }
    let judged = without_gil(py, threads, || {
        (0..a.len())
            .into_par_iter()
            .map(|i| {
                let decode = |side: &str, bytes: &[u8]| {
                    ShingleSet::decode(bytes)
                        .ok_or_else(|| format!("{side}[{i}] is not a shingle set of sign_arrow"))
                };
                let (x, y) = (decode("a", a[i])?, decode("b", b[i])?);
                let days = rule::days_apart(known(a_dates[i]), known(b_dates[i]));
                Ok(rule::judge(&x, &y, days, threshold))
            })
            .collect::<Result<Vec<_>, String>>()
    })?
    .map_err(PyValueError::new_err)?;
    let mut jaccard = Vec::with_capacity(judged.len() * 8);
    let mut containment = Vec::with_capacity(judged.len() * 8);
    let mut block_share = Vec::with_capacity(judged.len() * 8);
    let mut passage_share = Vec::with_capacity(judged.len() * 8);
    let mut quoted_share = Vec::with_capacity(judged.len() * 8);
    let mut copy = Vec::with_capacity(judged.len());
    let mut close = Vec::with_capacity(judged.len());
    let mut verdicts = ArrowColumn::default();
    for j in &judged {
        jaccard.extend(j.overlap.jaccard().to_le_bytes());
        containment.extend(j.overlap.containment_of_smaller().to_le_bytes());
        block_share.extend(j.block_share.unwrap_or(f64::NAN).to_le_bytes());
        passage_share.extend(j.passage_share.unwrap_or(f64::NAN).to_le_bytes());
        quoted_share.extend(j.quoted_share.unwrap_or(f64::NAN).to_le_bytes());
        copy.push(u8::from(j.is_copy()));
        close.push(u8::from(j.is_close()));
        verdicts.push(j.verdict.name().as_bytes());
    }
    (
        PyBytes::new(py, &jaccard),
        PyBytes::new(py, &containment),
        PyBytes::new(py, &block_share),
        PyBytes::new(py, &passage_share),
        PyBytes::new(py, &quoted_share),
        PyBytes::new(py, &copy),
        PyBytes::new(py, &close),
        verdicts.into_py(py),
    )
        .into_pyobject(py)
}

/// Little-endian fixed-width values of an Arrow column's data buffer.
fn arrow_fixed<const W: usize>(name: &str, data: &[u8], rows: usize) -> PyResult<Vec<[u8; W]>> {
    let values: Vec<[u8; W]> = data
        .chunks_exact(W)
        .take(rows)
        .map(|c| c.try_into().expect("W bytes"))
        .collect();
    if values.len() != rows {
        return Err(PyValueError::new_err(format!(
            "{name}: {} bytes hold fewer than {rows} values of {W} bytes",
            data.len()
        )));
    }
    Ok(values)
}

/// Places the copy pairs of whole connected components into the CLI's clusters
/// ([`dedup::cluster::centres`]), from Arrow buffers, one row per pair: its component, its two
/// input positions, whether it is a close copy (`u8`), and each end's date (empty when unknown),
/// length in words (`i32`) and content fingerprint (`i64`, [`dedup::minhash::fingerprint`]).
/// Every pair of a component must be given in the same call.
/// Returns, for every article in a cluster, its position and its cluster's smallest position,
/// as `i64` buffers.
#[pyfunction]
#[pyo3(signature = (rows, component, a, b, close, a_dates, b_dates, a_words, b_words, a_fingerprints, b_fingerprints))]
#[allow(clippy::too_many_arguments)]
fn place_arrow<'py>(
    py: Python<'py>,
    rows: usize,
    component: Bound<'py, PyBytes>,
    a: Bound<'py, PyBytes>,
    b: Bound<'py, PyBytes>,
    close: Bound<'py, PyBytes>,
    a_dates: (Bound<'py, PyBytes>, Bound<'py, PyBytes>),
    b_dates: (Bound<'py, PyBytes>, Bound<'py, PyBytes>),
    a_words: Bound<'py, PyBytes>,
    b_words: Bound<'py, PyBytes>,
    a_fingerprints: Bound<'py, PyBytes>,
    b_fingerprints: Bound<'py, PyBytes>,
) -> PyResult<Bound<'py, PyTuple>> {
    let int = |name, bytes: &Bound<'py, PyBytes>| -> PyResult<Vec<i64>> {
        Ok(arrow_fixed::<8>(name, bytes.as_bytes(), rows)?
            .into_iter()
            .map(i64::from_le_bytes)
            .collect())
    };
    let words = |name, bytes: &Bound<'py, PyBytes>| -> PyResult<Vec<u32>> {
        Ok(arrow_fixed::<4>(name, bytes.as_bytes(), rows)?
            .into_iter()
            .map(|w| i32::from_le_bytes(w).max(0) as u32)
            .collect())
    };
    let (component, a, b) = (int("component", &component)?, int("a", &a)?, int("b", &b)?);
    let close = arrow_fixed::<1>("close", close.as_bytes(), rows)?;
    let a_dates = arrow_strings("a_dates", a_dates.0.as_bytes(), a_dates.1.as_bytes())?;
    let b_dates = arrow_strings("b_dates", b_dates.0.as_bytes(), b_dates.1.as_bytes())?;
    let (a_words, b_words) = (words("a_words", &a_words)?, words("b_words", &b_words)?);
    let a_fingerprints = int("a_fingerprints", &a_fingerprints)?;
    let b_fingerprints = int("b_fingerprints", &b_fingerprints)?;
    if a_dates.len() != rows || b_dates.len() != rows {
        return Err(PyValueError::new_err(
            "a_dates and b_dates must have one row per pair",
        ));
    }
    let mut by_component: Vec<usize> = (0..rows).collect();
    by_component.sort_by_key(|&i| component[i]);
    let (mut nodes, mut clusters) = (Vec::new(), Vec::new());
    for pairs in by_component.chunk_by(|&x, &y| component[x] == component[y]) {
        let mut ends: Vec<(i64, &str, u32, i64)> = pairs
            .iter()
            .flat_map(|&i| {
                [
                    (a[i], a_dates[i], a_words[i], a_fingerprints[i]),
                    (b[i], b_dates[i], b_words[i], b_fingerprints[i]),
                ]
            })
            .collect();
        ends.sort_by_key(|e| e.0);
        ends.dedup_by_key(|e| e.0);
        // Ranks among the component's positions keep the input order the representative
        // rule falls back on.
        let rank = |p: i64| ends.binary_search_by_key(&p, |e| e.0).expect("an end") as u32;
        let mut key = dedup::cluster::Ranks::default();
        for &(_, date, words, fingerprint) in &ends {
            key.push(known(date), words, fingerprint as u64);
        }
        let mut groups = dedup::cluster::UnionFind::new(ends.len());
        let mut loose = Vec::new();
        for &i in pairs {
            let (x, y) = (rank(a[i]), rank(b[i]));
            if close[i][0] != 0 {
                groups.union(x, y);
            } else {
                loose.push((x, y));
            }
        }
        let centre = dedup::cluster::centres(&mut groups, loose, &key);
        let mut first: Vec<Option<usize>> = vec![None; ends.len()];
        let mut size = vec![0usize; ends.len()];
        for (member, c) in centre.iter().enumerate() {
            if let Some(c) = c {
                first[*c as usize].get_or_insert(member);
                size[*c as usize] += 1;
            }
        }
        for (member, c) in centre.iter().enumerate() {
            if let Some(c) = c.map(|c| c as usize).filter(|&c| size[c] > 1) {
                nodes.extend(ends[member].0.to_le_bytes());
                clusters.extend(ends[first[c].expect("counted")].0.to_le_bytes());
            }
        }
    }
    (PyBytes::new(py, &nodes), PyBytes::new(py, &clusters)).into_pyobject(py)
}

/// A date column's value: empty when the article has none.
fn known(date: &str) -> Option<&str> {
    (!date.is_empty()).then_some(date)
}

/// The settings resolved as a run resolves them (the JSON report's `parameters`), with what
/// candidate pairs are formed by: the sketch screen's fewest agreeing positions and the
/// anchored-bucket rule (oversized buckets, and buckets of common values).
#[pyfunction]
#[pyo3(signature = (threshold, shingle, ngram, minhash, num_perm, bands, rows, seed))]
#[allow(clippy::too_many_arguments)]
fn resolve(
    threshold: f64,
    shingle: &str,
    ngram: Option<usize>,
    minhash: &str,
    num_perm: usize,
    bands: Option<usize>,
    rows: Option<usize>,
    seed: u64,
) -> PyResult<(String, usize, usize, usize, u8, u32)> {
    let params = params(
        threshold, shingle, ngram, minhash, num_perm, bands, rows, seed,
    )?;
    let json = serde_json::to_string(&params).map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok((
        json,
        minhash::min_sketch_matches(params.threshold, params.num_perm),
        dedup::lsh::MAX_FULL_BUCKET,
        dedup::lsh::ANCHORS,
        dedup::lsh::MAX_ANCHORED_BANDS,
        dedup::lsh::COMMON_ARTICLES,
    ))
}

/// Every text of a Python batch iterator, checked and copied out before anything is written,
/// so that bad input raises without leaving part of it in an index.
fn all_texts(batches: &Bound<'_, PyAny>) -> PyResult<Vec<TextArticle>> {
    let mut texts = Vec::new();
    for batch in batches.try_iter()? {
        texts.extend(read_batch(batch?.cast::<PyTuple>()?)?);
    }
    Ok(texts)
}

fn index_error(e: impl std::fmt::Display) -> PyErr {
    PyOSError::new_err(e.to_string())
}

/// A persistent index: the redb file of `dedup index build`, `index add` and `check`.
#[pyclass(module = "dedup._native", frozen)]
struct Index {
    index: Mutex<dedup::index::Index>,
}

#[pymethods]
impl Index {
    /// Creates the index at `path` from texts (replacing any file there).
    #[staticmethod]
    #[pyo3(signature = (path, batches, name, threshold, shingle, ngram, minhash, num_perm, bands, rows, seed, threads))]
    #[allow(clippy::too_many_arguments)]
    fn build(
        py: Python<'_>,
        path: std::path::PathBuf,
        batches: &Bound<'_, PyAny>,
        name: String,
        threshold: f64,
        shingle: &str,
        ngram: Option<usize>,
        minhash: &str,
        num_perm: usize,
        bands: Option<usize>,
        rows: Option<usize>,
        seed: u64,
        threads: Option<usize>,
    ) -> PyResult<(Index, Added)> {
        let params = params(
            threshold, shingle, ngram, minhash, num_perm, bands, rows, seed,
        )?;
        let texts = all_texts(batches)?;
        let built = without_gil(py, threads, || {
            // A failed build drops the index, which removes its staging file.
            let mut index = dedup::index::Index::create(&path, params)?;
            let mut source = Texts::new(name.clone(), std::iter::once(Ok(texts)));
            let added = dedup::add_corpus(&mut index, &mut source, &Unwatched)?;
            index.finish(&path)?;
            Ok::<_, dedup::Error>(added)
        })?
        .map_err(index_error)?;
        let index = dedup::index::Index::open(&path).map_err(index_error)?;
        Ok((
            Index {
                index: Mutex::new(index),
            },
            added(&name, &built),
        ))
    }

    #[staticmethod]
    fn open(path: std::path::PathBuf) -> PyResult<Index> {
        let index = dedup::index::Index::open(&path).map_err(index_error)?;
        Ok(Index {
            index: Mutex::new(index),
        })
    }

    /// The settings the index was built with, as the JSON `parameters`.
    fn params(&self) -> PyResult<String> {
        let index = self.index.lock().expect("not poisoned");
        serde_json::to_string(index.params()).map_err(|e| PyValueError::new_err(e.to_string()))
    }

    fn __len__(&self) -> PyResult<usize> {
        let index = self.index.lock().expect("not poisoned");
        Ok(index.len().map_err(index_error)? as usize)
    }

    /// Adds texts in one transaction.
    #[pyo3(signature = (batches, name, threads))]
    fn add(
        &self,
        py: Python<'_>,
        batches: &Bound<'_, PyAny>,
        name: String,
        threads: Option<usize>,
    ) -> PyResult<Added> {
        let texts = all_texts(batches)?;
        let done = without_gil(py, threads, || {
            let mut index = self.index.lock().expect("not poisoned");
            let mut source = Texts::new(name.clone(), std::iter::once(Ok(texts)));
            dedup::add_corpus(&mut index, &mut source, &Unwatched)
        })?
        .map_err(index_error)?;
        Ok(added(&name, &done))
    }

    /// Checks texts against the index and each other, as `dedup check` does.
    #[pyo3(signature = (batches, name, threads))]
    fn check(
        &self,
        py: Python<'_>,
        batches: Py<PyAny>,
        name: String,
        threads: Option<usize>,
    ) -> PyResult<Run> {
        let failure = Arc::new(Mutex::new(None));
        let mut source = python_texts(name.clone(), batches, failure.clone());
        let ran = without_gil(py, threads, || {
            let index = self.index.lock().expect("not poisoned");
            dedup::check(&index, &mut source, false, &Unwatched)
        })?;
        match ran {
            Ok(outcome) => Ok(Run { outcome, name }),
            Err(err) => Err(failure
                .lock()
                .expect("not poisoned")
                .take()
                .unwrap_or_else(|| index_error(err))),
        }
    }
}

/// A text that was not compared: its position and the reason.
type Skipped = (Option<usize>, String);

/// What a build or an add did, as `dedup index` reports it: `(added, already_indexed,
/// skipped, warnings)`, the last two by position.
type Added = (u32, u32, Vec<Skipped>, Vec<Skipped>);

fn added(name: &str, done: &dedup::index::Added) -> Added {
    (
        done.added,
        done.already_indexed,
        skipped_positions(name, &done.skipped),
        skipped_positions(name, &done.warnings),
    )
}

fn skipped_positions(name: &str, skipped: &[dedup::load::Skip]) -> Vec<Skipped> {
    skipped
        .iter()
        .map(|s| (position(name, &s.path), s.reason.clone()))
        .collect()
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(find_duplicates, m)?)?;
    m.add_function(wrap_pyfunction!(explain, m)?)?;
    m.add_function(wrap_pyfunction!(sign_batch, m)?)?;
    m.add_function(wrap_pyfunction!(verify_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(sign_arrow, m)?)?;
    m.add_function(wrap_pyfunction!(judge_arrow, m)?)?;
    m.add_function(wrap_pyfunction!(resolve, m)?)?;
    m.add_function(wrap_pyfunction!(place_arrow, m)?)?;
    m.add_class::<Run>()?;
    m.add_class::<Index>()?;
    m.add("DEFAULT_THRESHOLD", dedup::DEFAULT_THRESHOLD)?;
    m.add("DEFAULT_NUM_PERM", dedup::DEFAULT_NUM_PERM)?;
    m.add("DEFAULT_SEED", dedup::DEFAULT_SEED)?;
    m.add("VERSION", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

//! Input discovery and parsing: seed-format text files, JSONL, and standard input.
//!
//! Inputs are streamed in bounded batches, standard input included; an article's text is not
//! kept after it is signed.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use std::borrow::Cow;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A path given on the command line, or `-` for standard input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Path(PathBuf),
    Stdin,
}

/// Field names read from JSONL objects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonFields {
    pub text: String,
    pub id: String,
    pub date: String,
    pub title: String,
}

impl Default for JsonFields {
    fn default() -> Self {
        JsonFields {
            text: "text".into(),
            id: "id".into(),
            date: "date".into(),
            title: "title".into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Not `#[source]`: the message already says it, and `{:#}` would say it twice.
    #[error("{path}: {error}")]
    Io { path: String, error: io::Error },
    #[error("{path}: {reason}")]
    NotAnArticle { path: String, reason: String },
    #[error("{path}: changed while dedup was running ({reason})")]
    Changed { path: String, reason: String },
}

/// An input that was not turned into an article, and why. Every one is reported.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Skip {
    pub path: String,
    pub reason: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    /// One article per file: optional ` date YYYY-MM-DD` prefix, optional headline, body.
    Seed,
    /// One JSON object per line.
    Jsonl,
}

#[derive(Debug)]
struct Source {
    /// `None` for standard input.
    path: Option<PathBuf>,
    display: String,
    format: Format,
}

/// One parsed article. `body` is what similarity is computed on: no date, headline or chrome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Article {
    /// 1-based line number in a JSONL input; 0 for a whole file.
    pub line: u32,
    pub id: String,
    pub path: String,
    pub date: Option<String>,
    pub title: Option<String>,
    pub body: String,
    /// Something about the article a user should know, though it was read (a date that is
    /// not a date).
    pub warning: Option<String>,
}

#[derive(Debug)]
pub enum Item {
    Article(Article),
    Skipped(Skip),
}

/// The set of input files, resolved once in a deterministic order.
#[derive(Debug)]
pub struct Corpus {
    sources: Vec<Source>,
    fields: JsonFields,
    /// Skips found while walking directories (unreadable folders, symlink loops).
    walk_skips: Vec<Skip>,
}

/// A path as reported. Names that are not UTF-8 keep their bytes apart as `\xNN` escapes: a
/// lossy conversion gave two such files the same "unique" path.
pub fn shown(path: &Path) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let bytes = path.as_os_str().as_bytes();
        if std::str::from_utf8(bytes).is_err() {
            return bytes.utf8_chunks().fold(String::new(), |mut out, chunk| {
                out.push_str(chunk.valid());
                for b in chunk.invalid() {
                    out.push_str(&format!("\\x{b:02X}"));
                }
                out
            });
        }
    }
    path.display().to_string()
}

fn is_jsonl(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("jsonl" | "ndjson")
    )
}

fn is_hidden(entry: &walkdir::DirEntry) -> bool {
    entry.depth() > 0 && entry.file_name().to_string_lossy().starts_with('.')
}

impl Corpus {
    /// Resolves the inputs: directories are walked recursively in file-name order (hidden files
    /// and folders are left out, as ripgrep and fd do), files are taken as given. A path that
    /// does not exist is an error; problems inside a directory are recorded as skips.
    pub fn open(inputs: &[Input], fields: JsonFields) -> Result<Corpus, LoadError> {
        let mut sources = Vec::new();
        let mut walk_skips = Vec::new();
        for input in inputs {
            match input {
                Input::Stdin => sources.push(Source {
                    path: None,
                    display: "<stdin>".into(),
                    format: Format::Jsonl,
                }),
                Input::Path(path) => {
                    let meta = std::fs::metadata(path).map_err(|error| LoadError::Io {
                        path: shown(path),
                        error,
                    })?;
                    if meta.is_dir() {
                        walk_dir(path, &mut sources, &mut walk_skips);
                    } else if is_device(&meta.file_type()) {
                        // Read like a file, /dev/zero never ends. Pipes are read:
                        // `<(zcat feed.gz)` is one.
                        walk_skips.push(Skip {
                            path: shown(path),
                            reason: "a device or socket, not a file".into(),
                        });
                    } else {
                        sources.push(source_for(path.clone()));
                    }
                }
            }
        }
        // A file named twice (directly and inside a folder given too) is one article, not a
        // pair of copies of itself.
        let mut seen = std::collections::HashSet::new();
        sources.retain(|s| match &s.path {
            Some(path) => seen.insert(std::fs::canonicalize(path).unwrap_or_else(|_| path.clone())),
            None => true,
        });
        Ok(Corpus {
            sources,
            fields,
            walk_skips,
        })
    }

    /// Loads the one article that `spec` names: a text file, or `FILE.jsonl:LINE`.
    pub fn read_one(spec: &str, fields: &JsonFields) -> Result<Article, LoadError> {
        let not_article = |reason: &str| LoadError::NotAnArticle {
            path: spec.to_string(),
            reason: reason.to_string(),
        };
        let (path, line) = match spec.rsplit_once(':') {
            Some((path, line))
                if !Path::new(spec).exists()
                    && !line.is_empty()
                    && line.bytes().all(|b| b.is_ascii_digit()) =>
            {
                // Past u32, no file has that line; `0` is not a line either.
                match line.parse::<u32>() {
                    Ok(n) if n > 0 => (path, Some(n)),
                    _ if Path::new(path).exists() => return Err(not_article("no such line")),
                    _ => (path, None),
                }
            }
            _ => (spec, None),
        };
        let corpus = Corpus::open(&[Input::Path(path.into())], fields.clone())?;
        match (corpus.sources.as_slice(), line) {
            ([only], None) if only.format == Format::Jsonl => {
                return Err(not_article(
                    "holds many articles; name one as FILE.jsonl:LINE",
                ));
            }
            ([_], _) => {}
            _ => return Err(not_article("is a directory; name one article file")),
        }
        for item in corpus.batches(BATCH_BYTES_ONE).flatten() {
            match item {
                Item::Article(a) if line.is_none_or(|n| a.line == n) => return Ok(a),
                Item::Skipped(s) if line.is_none() || s.path == spec => {
                    return Err(LoadError::NotAnArticle {
                        path: s.path,
                        reason: s.reason,
                    });
                }
                _ => {}
            }
        }
        Err(not_article("no such line"))
    }

    /// Number of input files (JSONL files count once).
    pub fn file_count(&self) -> usize {
        self.sources.len()
    }

    /// Streams the corpus in batches of about `batch_bytes` of raw text. Batches are parsed in
    /// parallel; items keep input order.
    pub fn batches(&self, batch_bytes: usize) -> Batches<'_> {
        Batches {
            corpus: self,
            next_source: 0,
            open_jsonl: None,
            walk_skips: self.walk_skips.clone(),
            batch_bytes,
        }
    }

    /// Hands every batch to `each`, in order, after `map` has turned each of its items into
    /// a `T` in parallel. Three stages overlap, each on a thread of its own: reading (serial),
    /// parsing and mapping (on the rayon pool), and `each` (serial). When mapping ran on the
    /// thread that consumed the batches, a core idled while `each` stored the last batch; when
    /// reading did, while the next batch was read. Stops at the first error `each` returns.
    pub fn for_each_batch<T: Send, E>(
        &self,
        batch_bytes: usize,
        map: impl Fn(Item) -> T + Sync,
        mut each: impl FnMut(Vec<T>) -> Result<(), E>,
    ) -> Result<(), E> {
        std::thread::scope(|scope| {
            // One batch in flight between stages: enough to overlap, and memory stays at a
            // few batches.
            let (raw_sender, raw_batches) = std::sync::mpsc::sync_channel(1);
            let (sender, batches) = std::sync::mpsc::sync_channel(1);
            // Parsed batches hand their text buffers back to the reader: a fresh 4 MB buffer
            // per batch was mapped, faulted in and zeroed page by page, 3 GB over a million
            // articles.
            let (spare_sender, spare_buffers) = std::sync::mpsc::sync_channel(2);
            scope.spawn(move || {
                let mut reader = self.batches(batch_bytes);
                while let Some(raw) = reader.next_raw(spare_buffers.try_recv().unwrap_or_default())
                {
                    if raw_sender.send(raw).is_err() {
                        break;
                    }
                }
            });
            let map = &map;
            scope.spawn(move || {
                for raw in raw_batches {
                    let (items, buffer) = self.parse_batch(raw, map);
                    // A buffer grown for a huge line, a full channel or a finished reader:
                    // the buffer is simply freed.
                    if buffer.capacity() <= 2 * batch_bytes {
                        let _ = spare_sender.try_send(buffer);
                    }
                    if sender.send(items).is_err() {
                        break;
                    }
                }
            });
            batches.into_iter().try_for_each(&mut each)
        })
    }

    /// Parses a batch in parallel and maps each item, keeping input order. Also returns the
    /// batch's text buffer, for reuse.
    fn parse_batch<T: Send>(
        &self,
        raw: RawBatch,
        map: impl Fn(Item) -> T + Sync,
    ) -> (Vec<T>, Vec<u8>) {
        let RawBatch { text, units } = raw;
        let items = units
            .into_par_iter()
            .map(|unit| {
                map(match unit {
                    Unit::File(index) => read_seed_file(&self.sources[index as usize]),
                    Unit::Line { source, line, span } => parse_json_line(
                        &text[span],
                        line,
                        &self.sources[source as usize],
                        &self.fields,
                    ),
                    Unit::Skipped(skip) => Item::Skipped(skip),
                })
            })
            .collect();
        (items, text)
    }
}

/// Batch size when looking for one article: small, since the rest is thrown away.
const BATCH_BYTES_ONE: usize = 1 << 20;

fn is_device(file_type: &std::fs::FileType) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        file_type.is_char_device() || file_type.is_block_device() || file_type.is_socket()
    }
    #[cfg(not(unix))]
    {
        let _ = file_type;
        false
    }
}

fn source_for(path: PathBuf) -> Source {
    Source {
        display: shown(&path),
        format: if is_jsonl(&path) {
            Format::Jsonl
        } else {
            Format::Seed
        },
        path: Some(path),
    }
}

fn walk_dir(root: &Path, sources: &mut Vec<Source>, skips: &mut Vec<Skip>) {
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !is_hidden(e));
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_file() => sources.push(source_for(e.into_path())),
            Ok(e) if e.file_type().is_dir() => {}
            // Sockets, FIFOs and devices are not articles, but were named by the walk.
            Ok(e) => skips.push(Skip {
                path: shown(e.path()),
                reason: "not a regular file (socket, FIFO or device)".into(),
            }),
            Err(err) => {
                let path = shown(err.path().unwrap_or(root));
                let reason = if err.loop_ancestor().is_some() {
                    "symbolic link loop".to_string()
                } else {
                    err.io_error()
                        .map(|e| e.to_string())
                        .unwrap_or_else(|| err.to_string())
                };
                skips.push(Skip { path, reason });
            }
        }
    }
}

/// The longest JSONL line read, and the largest text file: a longer one is skipped, read past
/// without being kept, so that a 3 GB line on standard input or a sparse 10 GB file is a
/// warning, not an allocation failure.
pub const MAX_LINE_BYTES: usize = 256 << 20;

enum Line {
    /// A line of this many bytes, its `\n` included, was appended.
    Read(usize),
    /// A line of this many bytes was longer than the limit, and read past.
    TooLong(u64),
    End,
}

/// Appends the next line of `reader`, with its `\n`, to `text`, unless it is longer than `max`
/// bytes: then nothing is appended, and the rest of the line is read without being kept.
fn read_line_bounded(reader: &mut dyn BufRead, text: &mut Vec<u8>, max: usize) -> io::Result<Line> {
    let start = text.len();
    let mut total = 0u64;
    loop {
        let buffer = match reader.fill_buf() {
            Ok(buffer) => buffer,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                text.truncate(start);
                return Err(e);
            }
        };
        if buffer.is_empty() {
            break;
        }
        let (taken, ended) = match memchr::memchr(b'\n', buffer) {
            Some(at) => (at + 1, true),
            None => (buffer.len(), false),
        };
        total += taken as u64;
        if total <= max as u64 {
            text.extend_from_slice(&buffer[..taken]);
        } else {
            text.truncate(start);
        }
        reader.consume(taken);
        if ended {
            break;
        }
    }
    Ok(match total {
        0 => Line::End,
        n if n > max as u64 => Line::TooLong(n),
        n => Line::Read(n as usize),
    })
}

/// Raw input waiting to be parsed in parallel: the lines of a batch share one buffer, so
/// reading a line costs a copy into it and no allocation of its own.
pub struct RawBatch {
    text: Vec<u8>,
    units: Vec<Unit>,
}

enum Unit {
    File(u32),
    Line {
        source: u32,
        line: u32,
        span: std::ops::Range<usize>,
    },
    Skipped(Skip),
}

pub struct Batches<'a> {
    corpus: &'a Corpus,
    next_source: usize,
    open_jsonl: Option<OpenJsonl>,
    walk_skips: Vec<Skip>,
    batch_bytes: usize,
}

struct OpenJsonl {
    source: u32,
    reader: Box<dyn BufRead>,
    offset: u64,
    line: u32,
    /// Lines with something on them: a file without any is reported as empty.
    articles: u32,
}

impl Batches<'_> {
    fn open_jsonl(&mut self, index: u32, source: &Source) -> Result<(), Skip> {
        let reader: Box<dyn BufRead> = match &source.path {
            None => Box::new(io::stdin().lock()),
            Some(path) => {
                let file = File::open(path).map_err(|e| Skip {
                    path: source.display.clone(),
                    reason: e.to_string(),
                })?;
                let mut reader = BufReader::with_capacity(1 << 20, file);
                // Its lines are not separated by a `\n` byte: every line would be skipped.
                if let Ok([0xFF, 0xFE, ..] | [0xFE, 0xFF, ..]) = reader.fill_buf() {
                    return Err(Skip {
                        path: source.display.clone(),
                        reason: "UTF-16 JSONL is not supported; convert it to UTF-8".into(),
                    });
                }
                Box::new(reader)
            }
        };
        self.open_jsonl = Some(OpenJsonl {
            source: index,
            reader,
            offset: 0,
            line: 0,
            articles: 0,
        });
        Ok(())
    }
}

impl Iterator for Batches<'_> {
    type Item = Vec<Item>;

    fn next(&mut self) -> Option<Vec<Item>> {
        let raw = self.next_raw(Vec::new())?;
        Some(self.corpus.parse_batch(raw, |item| item).0)
    }
}

impl Batches<'_> {
    /// Reads the next batch without parsing it, into `text` (emptied first).
    fn next_raw(&mut self, mut text: Vec<u8>) -> Option<RawBatch> {
        let mut units: Vec<Unit> = std::mem::take(&mut self.walk_skips)
            .into_iter()
            .map(Unit::Skipped)
            .collect();
        // A line that crosses the batch limit is read whole.
        text.clear();
        text.reserve(self.batch_bytes + (64 << 10));
        let mut bytes = 0usize;
        while bytes < self.batch_bytes {
            if let Some(open) = &mut self.open_jsonl {
                let start = text.len();
                match read_line_bounded(&mut *open.reader, &mut text, MAX_LINE_BYTES) {
                    Ok(Line::End) => {
                        if open.articles == 0 {
                            let display = &self.corpus.sources[open.source as usize].display;
                            units.push(Unit::Skipped(Skip {
                                path: display.clone(),
                                reason: "empty file".into(),
                            }));
                        }
                        self.open_jsonl = None;
                    }
                    Ok(Line::TooLong(n)) => {
                        open.line += 1;
                        open.offset += n;
                        open.articles += 1;
                        let display = &self.corpus.sources[open.source as usize].display;
                        units.push(Unit::Skipped(Skip {
                            path: format!("{display}:{}", open.line),
                            reason: format!(
                                "line of {n} bytes, longer than the {} MB a JSONL line may have",
                                MAX_LINE_BYTES >> 20
                            ),
                        }));
                    }
                    Ok(Line::Read(n)) => {
                        open.line += 1;
                        open.offset += n as u64;
                        bytes += n;
                        if text[start..].iter().all(u8::is_ascii_whitespace) {
                            text.truncate(start);
                        } else {
                            open.articles += 1;
                            units.push(Unit::Line {
                                source: open.source,
                                line: open.line,
                                span: start..text.len(),
                            });
                        }
                    }
                    Err(e) => {
                        text.truncate(start);
                        let display = &self.corpus.sources[open.source as usize].display;
                        units.push(Unit::Skipped(Skip {
                            path: display.clone(),
                            reason: format!("read failed after byte {}: {e}", open.offset),
                        }));
                        self.open_jsonl = None;
                    }
                }
                continue;
            }
            let corpus = self.corpus;
            let Some(source) = corpus.sources.get(self.next_source) else {
                break;
            };
            let index = self.next_source as u32;
            self.next_source += 1;
            match source.format {
                Format::Seed => {
                    // Whole files are read inside the parallel stage; count a typical size.
                    bytes += 4096;
                    units.push(Unit::File(index));
                }
                Format::Jsonl => {
                    if let Err(skip) = self.open_jsonl(index, source) {
                        units.push(Unit::Skipped(skip));
                    }
                }
            }
        }
        if units.is_empty() {
            return None;
        }
        Some(RawBatch { text, units })
    }
}

fn skip(path: impl Into<String>, reason: impl Into<String>) -> Item {
    Item::Skipped(Skip {
        path: path.into(),
        reason: reason.into(),
    })
}

/// Checks that bytes are text, naming the reason when they are not.
/// A leading UTF-8 byte order mark, which Windows editors write, is not part of the text.
fn as_text(bytes: &[u8]) -> Result<&str, String> {
    if bytes.contains(&0) {
        return Err("binary file (contains NUL bytes)".into());
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.valid_up_to()
        )
    })
}

/// UTF-16 text behind its byte order mark, which Windows tools write as "Unicode"; `None`
/// when there is no such mark.
fn utf16_text(bytes: &[u8]) -> Option<Result<String, String>> {
    let from: fn([u8; 2]) -> u16 = match bytes {
        [0xFF, 0xFE, ..] => u16::from_le_bytes,
        [0xFE, 0xFF, ..] => u16::from_be_bytes,
        _ => return None,
    };
    let rest = &bytes[2..];
    let units = rest.chunks(2).map(|pair| match *pair {
        [a, b] => Ok(from([a, b])),
        _ => Err(()),
    });
    let units: Result<Vec<u16>, ()> = units.collect();
    Some(
        units
            .ok()
            .and_then(|units| String::from_utf16(&units).ok())
            .ok_or_else(|| {
                "not UTF-16 text, although it starts with a UTF-16 byte order mark".into()
            }),
    )
}

fn read_seed_file(source: &Source) -> Item {
    let Some(path) = &source.path else {
        unreachable!("standard input is read as JSONL");
    };
    let mut bytes = Vec::new();
    let read = File::open(path)
        .and_then(|file| file.take(MAX_LINE_BYTES as u64 + 1).read_to_end(&mut bytes));
    if let Err(e) = read {
        return skip(&source.display, e.to_string());
    }
    if bytes.len() > MAX_LINE_BYTES {
        return skip(
            &source.display,
            format!(
                "larger than the {} MB a text file may have",
                MAX_LINE_BYTES >> 20
            ),
        );
    }
    let decoded;
    let text = match utf16_text(&bytes) {
        Some(Ok(text)) => {
            decoded = text;
            decoded.as_str()
        }
        Some(Err(reason)) => return skip(&source.display, reason),
        None => match as_text(&bytes) {
            Ok(t) => t,
            Err(reason) => return skip(&source.display, reason),
        },
    };
    if text.trim().is_empty() {
        return skip(&source.display, "empty file");
    }
    let parsed = parse_seed(text);
    let id = path
        .file_stem()
        .map(|s| shown(Path::new(s)))
        .unwrap_or_else(|| source.display.clone());
    Item::Article(Article {
        line: 0,
        id,
        path: source.display.clone(),
        date: parsed.date,
        title: parsed.title,
        body: parsed.body,
        warning: None,
    })
}

fn parse_json_line(bytes: &[u8], line: u32, source: &Source, fields: &JsonFields) -> Item {
    let path = format!("{}:{}", source.display, line);
    match parse_json_record(bytes, fields) {
        Ok(record) => Item::Article(Article {
            line,
            id: record.id.unwrap_or_else(|| path.clone()),
            path,
            date: record.date,
            title: record.title,
            body: record.body,
            warning: record.invalid_date.as_deref().map(not_a_date),
        }),
        Err(reason) => skip(path, reason),
    }
}

/// The warning about a date field that is not a date, which leaves its article undated.
fn not_a_date(date: &str) -> String {
    let shown: String = date.chars().take(40).collect();
    let cut = if shown.len() < date.len() { "…" } else { "" };
    format!("date {shown:?}{cut} is not YYYY-MM-DD; read as undated")
}

/// The fields of one JSONL line.
#[derive(Debug, PartialEq, Eq)]
pub struct JsonRecord {
    pub id: Option<String>,
    pub date: Option<String>,
    pub title: Option<String>,
    pub body: String,
    /// The date field's value when it is not a date, which leaves the article undated.
    pub invalid_date: Option<String>,
}

/// Parses one JSONL line; the error is the reason it is not an article.
///
/// Only the four fields an article needs are kept; the rest are skipped as they are parsed,
/// and strings without escapes are not copied. Building the whole object as a
/// `serde_json::Value` first allocated every key and value of every line.
pub fn parse_json_record(bytes: &[u8], fields: &JsonFields) -> Result<JsonRecord, String> {
    let mut deserializer = serde_json::Deserializer::from_str(as_text(bytes)?);
    let parsed = deserializer
        .deserialize_map(RecordVisitor { fields })
        .and_then(|record| deserializer.end().map(|()| record));
    let [text, id, date, title] = match parsed {
        Ok(values) => values,
        Err(e) if e.classify() == serde_json::error::Category::Data => {
            return Err("not a JSON object".into());
        }
        Err(e) => return Err(format!("invalid JSON: {e}")),
    };
    let body = match text {
        Some(FieldValue::Text(s)) => clean_body(s.len(), s.lines()),
        Some(_) => return Err(format!("field \"{}\" is not a string", fields.text)),
        None => return Err(format!("no \"{}\" field", fields.text)),
    };
    let string_field = |value: Option<FieldValue>| match value? {
        FieldValue::Text(s) => nonblank(&s),
        FieldValue::Number(n) => Some(n.to_string()),
        FieldValue::Other => None,
    };
    let date_text = string_field(date);
    let date = date_text.as_deref().and_then(parse_date);
    Ok(JsonRecord {
        id: string_field(id),
        invalid_date: date_text.filter(|_| date.is_none()),
        date,
        title: string_field(title),
        body,
    })
}

/// A field's value trimmed, or `None` when nothing is left.
fn nonblank(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_string())
}

/// One article handed over as text by a program (the Python package) rather than read from a
/// file. Its fields are read as a JSONL line's would be, so the same articles give the same
/// report either way.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TextArticle {
    pub id: Option<String>,
    pub date: Option<String>,
    pub title: Option<String>,
    pub text: String,
}

impl TextArticle {
    /// The article at 1-based `position` of the input named `name`; its path is
    /// `NAME:POSITION`, as a JSONL line's is `FILE:LINE`.
    pub fn into_article(self, name: &str, position: u32) -> Article {
        let path = format!("{name}:{position}");
        let date_text = self.date.as_deref().and_then(nonblank);
        let date = date_text.as_deref().and_then(parse_date);
        Article {
            line: position,
            id: self
                .id
                .as_deref()
                .and_then(nonblank)
                .unwrap_or_else(|| path.clone()),
            path,
            warning: date_text
                .filter(|_| date.is_none())
                .as_deref()
                .map(not_a_date),
            date,
            title: self.title.as_deref().and_then(nonblank),
            body: clean_body(self.text.len(), self.text.lines()),
        }
    }
}

/// Where a run's articles come from: files and standard input ([`Corpus`]), or texts in
/// memory ([`Texts`]). Both feed the same pipeline.
pub trait Articles {
    /// Inputs counted as files in the report.
    fn file_count(&self) -> usize;

    /// Hands every batch to `each`, in input order, after `map` has turned each of its items
    /// into a `T` in parallel. Stops at the first error of the source or of `each`.
    fn for_each_batch<T: Send, E: From<LoadError>>(
        &mut self,
        map: impl Fn(Item) -> T + Sync,
        each: impl FnMut(Vec<T>) -> Result<(), E>,
    ) -> Result<(), E>;
}

impl Articles for Corpus {
    fn file_count(&self) -> usize {
        Corpus::file_count(self)
    }

    fn for_each_batch<T: Send, E: From<LoadError>>(
        &mut self,
        map: impl Fn(Item) -> T + Sync,
        each: impl FnMut(Vec<T>) -> Result<(), E>,
    ) -> Result<(), E> {
        Corpus::for_each_batch(self, crate::pipeline::BATCH_BYTES, map, each)
    }
}

/// Articles handed over in memory, a batch at a time, by an iterator that may fail (a
/// binding reports bad input through it). The articles are numbered from 1 across batches.
pub struct Texts<I> {
    name: String,
    batches: I,
}

impl<I> Texts<I>
where
    I: Iterator<Item = Result<Vec<TextArticle>, LoadError>> + Send,
{
    /// `name` stands where a file name would in each article's path.
    pub fn new(name: impl Into<String>, batches: I) -> Self {
        Texts {
            name: name.into(),
            batches,
        }
    }
}

impl<I> Articles for Texts<I>
where
    I: Iterator<Item = Result<Vec<TextArticle>, LoadError>> + Send,
{
    fn file_count(&self) -> usize {
        1
    }

    /// The next batch is taken from the iterator on a thread of its own while this one is
    /// parsed and mapped, so that a binding handing over texts overlaps with signing.
    fn for_each_batch<T: Send, E: From<LoadError>>(
        &mut self,
        map: impl Fn(Item) -> T + Sync,
        mut each: impl FnMut(Vec<T>) -> Result<(), E>,
    ) -> Result<(), E> {
        let (name, batches) = (&self.name, &mut self.batches);
        std::thread::scope(|scope| {
            let (sender, received) = std::sync::mpsc::sync_channel(1);
            scope.spawn(move || {
                for batch in batches {
                    let failed = batch.is_err();
                    if sender.send(batch).is_err() || failed {
                        break;
                    }
                }
            });
            let mut next = 1u32;
            for batch in received {
                let batch = batch?;
                let first = next;
                next += batch.len() as u32;
                let mapped = batch
                    .into_par_iter()
                    .enumerate()
                    .map(|(i, text)| map(Item::Article(text.into_article(name, first + i as u32))))
                    .collect();
                each(mapped)?;
            }
            Ok(())
        })
    }
}

/// Collects the values of the text, id, date and title fields of a JSON object, in that
/// order. A later duplicate key wins, as it does in `serde_json::Value`.
struct RecordVisitor<'f> {
    fields: &'f JsonFields,
}

impl<'de> Visitor<'de> for RecordVisitor<'_> {
    type Value = [Option<FieldValue<'de>>; 4];

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let f = self.fields;
        let names = [&f.text, &f.id, &f.date, &f.title];
        let mut values: Self::Value = Default::default();
        // JSON keys are strings, which FieldValue borrows when it can.
        while let Some(key) = map.next_key::<FieldValue>()? {
            let key = match &key {
                FieldValue::Text(key) => key.as_ref(),
                _ => "",
            };
            let mut wanted = names.iter().enumerate().filter(|(_, name)| ***name == key);
            match wanted.next() {
                Some((first, _)) => {
                    let value: FieldValue = map.next_value()?;
                    // One field may be named for two roles (`--id-field title`).
                    for (other, _) in wanted {
                        values[other] = Some(value.clone());
                    }
                    values[first] = Some(value);
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(values)
    }
}

/// The value of a field an article is read from, or a key; anything but a string or a
/// number is `Other`, and only named in an error. Strings without escapes are borrowed from
/// the line.
#[derive(Clone)]
enum FieldValue<'a> {
    Text(Cow<'a, str>),
    Number(serde_json::Number),
    Other,
}

impl<'de> Deserialize<'de> for FieldValue<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ValueVisitor;
        impl<'de> Visitor<'de> for ValueVisitor {
            type Value = FieldValue<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(FieldValue::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(FieldValue::Text(Cow::Owned(v.to_owned())))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(FieldValue::Number(v.into()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(FieldValue::Number(v.into()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
                Ok(serde_json::Number::from_f64(v).map_or(FieldValue::Other, FieldValue::Number))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(FieldValue::Other)
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(FieldValue::Other)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(FieldValue::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(FieldValue::Other)
            }
        }
        deserializer.deserialize_any(ValueVisitor)
    }
}

/// What the seed format splits a file into.
#[derive(Debug, PartialEq, Eq)]
pub struct SeedParts {
    pub date: Option<String>,
    pub title: Option<String>,
    pub body: String,
}

/// Parses the seed format: an optional ` date YYYY-MM-DD` prefix on the first line, then on
/// that same line either a headline, a line of page chrome, or the start of the body.
///
/// The first line is a headline when it reads like one: at most [`MAX_HEADLINE_WORDS`] words,
/// not ending a sentence, and followed by more text. A lede paragraph ("... last September.")
/// stays in the body.
pub fn parse_seed(text: &str) -> SeedParts {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default();
    let (date, first) = split_date_prefix(first);
    let rest: Vec<&str> = lines.collect();
    let has_more = rest.iter().any(|l| !l.trim().is_empty());
    let first = first.trim();
    let title =
        (has_more && !is_chrome(first) && looks_like_headline(first)).then(|| first.to_string());
    let body_first = if title.is_some() { None } else { Some(first) };
    SeedParts {
        date,
        title,
        body: clean_body(text.len(), body_first.into_iter().chain(rest)),
    }
}

pub const MAX_HEADLINE_WORDS: usize = 30;

fn looks_like_headline(line: &str) -> bool {
    let words = line.split_whitespace().count();
    let ends_sentence = line.ends_with(['.', '!', '?', '"', '\u{201D}', ':', ';', ',']);
    (1..=MAX_HEADLINE_WORDS).contains(&words) && !ends_sentence
}

/// Splits `" date 2024-03-16 rest"` into the date and the rest of the line.
fn split_date_prefix(line: &str) -> (Option<String>, &str) {
    let trimmed = line.trim_start();
    if let Some(after) = trimmed.strip_prefix("date ") {
        let after = after.trim_start();
        if let Some(date) = after.get(..10).and_then(parse_date) {
            return (Some(date), &after[10..]);
        }
    }
    (None, line)
}

/// Accepts `YYYY-MM-DD`, optionally followed by a time (`2017-02-07T10:00:00Z`), and returns
/// the date part. Anything else is not a date we can order by.
pub fn parse_date(s: &str) -> Option<String> {
    Some(date_part(s)?.to_string())
}

/// What [`parse_date`] returns, without copying it: [`day_number`] runs on every pair judged.
fn date_part(s: &str) -> Option<&str> {
    let date = s.trim().get(..10)?;
    let b = date.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if !(digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10)) {
        return None;
    }
    let month: u32 = date[5..7].parse().ok()?;
    let day: u32 = date[8..10].parse().ok()?;
    let rest = &s.trim()[10..];
    let clean_end = rest.is_empty() || rest.starts_with(['T', ' ']);
    ((1..=12).contains(&month) && (1..=31).contains(&day) && clean_end).then_some(date)
}

/// Days since 1970-01-01 of a date that [`parse_date`] accepts, in the proleptic Gregorian
/// calendar; `None` for anything else.
pub fn day_number(date: &str) -> Option<i64> {
    let date = date_part(date)?;
    let field = |range: std::ops::Range<usize>| date[range].parse::<i64>().ok();
    let (year, month, day) = (field(0..4)?, field(5..7)?, field(8..10)?);
    // Counted from March, so that the leap day ends a year (H. Hinnant's days_from_civil).
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    Some(era * 146_097 + day_of_era - 719_468)
}

/// Lines that page scrapers pick up from the site around an article. They are dropped only when
/// a whole line is nothing else, so an article that talks about "loading" is untouched.
const CHROME: &[&str] = &[
    "advertisement",
    "back to top",
    "click here",
    "continue reading",
    "loading",
    "print",
    "read more",
    "related",
    "related articles",
    "scroll to top",
    "share",
    "share this",
    "share this article",
    "show more",
    "sign up",
    "skip to content",
    "skip to main content",
    "sponsored",
    "subscribe",
    "top",
];

/// Characters in the longest [`CHROME`] line (all of them are ASCII).
const LONGEST_CHROME: usize = {
    let mut i = 0;
    let mut longest = 0;
    while i < CHROME.len() {
        if CHROME[i].len() > longest {
            longest = CHROME[i].len();
        }
        i += 1;
    }
    longest
};

pub fn is_chrome(line: &str) -> bool {
    let core =
        line.trim_matches(|c: char| c.is_ascii_punctuation() || c == '…' || c.is_whitespace());
    // Lower-casing never shortens a text in characters, so a longer line cannot match; this
    // spares every paragraph of every article an allocation.
    if core.chars().nth(LONGEST_CHROME).is_some() {
        return false;
    }
    CHROME.binary_search(&core.to_lowercase().as_str()).is_ok()
}

/// Joins body lines without page chrome.
/// `capacity`: the length of the text the lines come from, which the body never exceeds.
fn clean_body<'l>(capacity: usize, lines: impl IntoIterator<Item = &'l str>) -> String {
    let mut body = String::with_capacity(capacity);
    for line in lines {
        if line.trim().is_empty() || is_chrome(line) {
            continue;
        }
        if !body.is_empty() {
            body.push('\n');
        }
        body.push_str(line.trim_end());
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed(name: &str) -> SeedParts {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seeds");
        let file = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(name))
            .unwrap();
        parse_seed(&std::fs::read_to_string(file).unwrap())
    }

    #[test]
    fn chrome_list_is_sorted_for_binary_search() {
        assert!(CHROME.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn seed_000_date_prefix_with_loading_chrome() {
        let s = seed("000");
        assert_eq!(s.date.as_deref(), Some("2024-03-16"));
        assert_eq!(s.title, None);
        assert!(!s.body.contains("loading"));
        assert!(s.body.starts_with("Kim Jong-un started using a car"));
    }

    #[test]
    fn seed_001_headline_without_date_and_scroll_to_top_dropped() {
        let s = seed("001");
        assert_eq!(s.date, None);
        assert_eq!(
            s.title.as_deref(),
            Some(
                "Kim Jong Un travels in a luxurious Russian limousine that Putin gave him | Politics News"
            )
        );
        assert!(s.body.starts_with("State media say"));
        assert!(!s.body.contains("scroll to top"));
        assert!(s.body.ends_with("the official added."));
    }

    #[test]
    fn seed_002_lede_on_the_date_line_stays_in_the_body() {
        let s = seed("002");
        assert_eq!(s.date.as_deref(), Some("2024-03-16"));
        assert_eq!(s.title, None);
        assert!(s.body.starts_with("Kim Jong Un made headlines"));
    }

    #[test]
    fn seed_003_caption_line_is_taken_as_headline() {
        let s = seed("003");
        assert_eq!(s.date.as_deref(), Some("2024-02-20"));
        assert!(s.title.as_deref().unwrap().ends_with("- Yonhap"));
        assert!(s.body.starts_with("Vladimir Putin has given Kim Jong-un"));
    }

    #[test]
    fn seed_004_quoted_lede_is_body() {
        let s = seed("004");
        assert_eq!(s.date.as_deref(), Some("2024-02-20"));
        assert_eq!(s.title, None);
        assert!(s.body.starts_with("Kim Jong-un was “gifted"));
    }

    #[test]
    fn malformed_date_prefix_is_left_as_text() {
        let s = parse_seed(" date 2024-13-45 Headline here\n\nBody text.");
        assert_eq!(s.date, None);
        assert_eq!(
            parse_date("2017-02-07T10:00:00Z").as_deref(),
            Some("2017-02-07")
        );
        assert_eq!(parse_date("2017/2/7"), None);
    }

    #[test]
    fn day_numbers_count_calendar_days_of_the_dates_parse_date_takes() {
        assert_eq!(day_number("1970-01-01"), Some(0));
        assert_eq!(day_number("2000-03-01"), Some(11_017));
        assert_eq!(day_number("1969-12-31T23:00:00Z"), Some(-1));
        assert_eq!(
            day_number("2024-02-29").zip(day_number("2024-03-01")),
            Some((19_782, 19_783))
        );
        for not_a_date in ["2017/02/07", "2017-13-01", "someday", ""] {
            assert_eq!(day_number(not_a_date), None, "{not_a_date}");
        }
    }

    #[test]
    fn byte_order_mark_is_ignored() {
        assert_eq!(
            as_text(b"\xEF\xBB\xBF date 2024-01-02 x"),
            Ok(" date 2024-01-02 x")
        );
        let record =
            parse_json_record(b"\xEF\xBB\xBF{\"text\": \"a b c\"}", &JsonFields::default());
        assert_eq!(record.unwrap().body, "a b c");
    }

    #[test]
    fn json_records_keep_the_last_duplicate_key_escapes_and_numbers() {
        let line =
            br#"{"text": "first", "id": 7, "skip": {"text": "inner"}, "text": "tab\tthen \u00e9"}"#;
        let record = parse_json_record(line, &JsonFields::default()).unwrap();
        assert_eq!(record.body, "tab\tthen \u{e9}");
        assert_eq!(record.id.as_deref(), Some("7"));
        let float = parse_json_record(br#"{"text": "x", "id": 1.5e3}"#, &JsonFields::default());
        assert_eq!(float.unwrap().id.as_deref(), Some("1500.0"));
    }

    #[test]
    fn one_json_field_can_serve_two_roles() {
        let fields = JsonFields {
            id: "title".into(),
            ..JsonFields::default()
        };
        let record = parse_json_record(br#"{"title": " Headline ", "text": "body"}"#, &fields);
        let record = record.unwrap();
        assert_eq!(record.id.as_deref(), Some("Headline"));
        assert_eq!(record.title.as_deref(), Some("Headline"));
    }

    #[test]
    fn single_line_file_is_body_not_headline() {
        let s = parse_seed("Just one short line");
        assert_eq!(s.title, None);
        assert_eq!(s.body, "Just one short line");
    }
}

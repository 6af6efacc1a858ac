//! A persistent index of signed articles, so that new articles can be checked against an
//! archive without reading the archive again.
//!
//! Stored in [redb](https://docs.rs/redb): one file, copy-on-write B-trees, and atomic commits,
//! so a crash or Ctrl-C in the middle of `index add` leaves the index as it was before. Each
//! article keeps what verification needs: its metadata, its 16-bit MinHash sketch (to screen
//! candidates) and its sorted shingle hashes (for the exact Jaccard).
//!
//! Band keys are not stored one B-tree entry per band and article: that is 256 entries per
//! article, most of the file and nearly all of the build time. The keys of a band are grouped
//! into 65,536 buckets by their low 16 bits instead, and a bucket holds (high 16 bits, article)
//! records. The bucket table has at most `bands × 65,536` entries however large the archive
//! grows (a million articles put about 15 records in each), and an add rewrites each bucket it
//! touches once.
//!
//! Opening reads a few pages, not the whole file, so damage is caught where it is read: every
//! value ends in an xxh3 checksum of its table, its key and its bytes, checked on every read,
//! and every redb call runs under `guarded`, because redb trusts its file and may panic on
//! damage it did not write itself.

use std::cell::Cell;
use std::fmt::Display;
use std::ops::Range;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use redb::{
    Database, Key, ReadOnlyDatabase, ReadOnlyTable, ReadTransaction, ReadableDatabase,
    ReadableTable, ReadableTableMetadata, TableDefinition, TableHandle, WriteTransaction,
};
use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed, xxh3_128};

use crate::load::Skip;
use crate::lsh::Banding;
use crate::minhash::{self, Sketch16};
use crate::shingle::ShingleSet;
use crate::{ArticleMeta, Params};

/// Bumped whenever the layout below changes; older files are refused with a clear message.
pub const FORMAT_VERSION: u32 = 4;

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const ARTICLES: TableDefinition<u32, &[u8]> = TableDefinition::new("articles");
const SKETCHES: TableDefinition<u32, &[u8]> = TableDefinition::new("sketches");
const SHINGLES: TableDefinition<u32, &[u8]> = TableDefinition::new("shingles");
/// `band << 16 | low 16 bits of a band key` → records of (high 16 bits, article id), sorted.
const BUCKETS: TableDefinition<u32, &[u8]> = TableDefinition::new("buckets");
/// [`identity`] of each article → its id, so that adding the same files again, as a retried
/// daily add does, adds nothing. Indexes written before it existed get it filled on their
/// next add.
const SEEN: TableDefinition<u128, &[u8]> = TableDefinition::new("seen");

const KEY_FORMAT: &str = "format_version";
const KEY_PARAMS: &str = "params";
const KEY_MAGIC: &str = "magic";
/// Kept in the meta table rather than taken from the articles table's length, which redb
/// stores without a checksum of ours: the next article id comes from it.
const KEY_COUNT: &str = "articles";
const MAGIC: &[u8] = b"dedup-index";

/// Bytes of one bucket record: the high 16 bits of the band key, then the article id.
const RECORD: usize = 6;

/// Band keys held in memory at once while an add fills the buckets (8 bytes each); an add of
/// more articles than fit reads their sketches back once per group of bands.
const KEYS_PER_PASS: usize = 32 << 20;

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("{path}: {reason}")]
    Unusable { path: String, reason: String },
    /// Not `#[source]`: the message already says it, and `{:#}` would say it twice.
    #[error("{path}: {error}")]
    Io { path: String, error: std::io::Error },
    /// redb holds a lock on the file while a process has it open: an add excludes every other
    /// open, a check excludes adds.
    #[error(
        "{path}: index is in use by another process (an `index add` or a `check`); try again when it has finished"
    )]
    Busy { path: String },
}

/// An article ready to be stored: metadata, sketch and shingles.
pub struct Entry {
    pub article: ArticleMeta,
    pub sketch: Vec<Sketch16>,
    pub shingles: ShingleSet,
}

/// The database behind an index: writable for `index add`, read-only for a check, which then
/// leaves the file as it is, shares it with other checks and works on a read-only mount.
enum Store {
    Writable(Database),
    ReadOnly(ReadOnlyDatabase),
    /// Opened by a check to finish the repair an interrupted add left for it, and never
    /// closed: closing a file that was repaired from damage can panic inside redb while it
    /// unwinds, which aborts the process. The process exits soon after a check, which frees
    /// it; the next open repairs again, quickly, from what each commit saved.
    Repaired(std::mem::ManuallyDrop<Database>),
}

impl Store {
    fn begin_read(&self) -> Result<ReadTransaction, redb::TransactionError> {
        match self {
            Store::Writable(db) => db.begin_read(),
            Store::ReadOnly(db) => db.begin_read(),
            Store::Repaired(db) => db.begin_read(),
        }
    }
}

pub struct Index {
    /// Only `None` while dropping, which has to happen under [`guarded`].
    db: Option<Store>,
    path: PathBuf,
    params: Params,
    /// A new index's file until [`Index::finish`] moves it into place; removed if the build
    /// fails or is dropped.
    staging: Option<tempfile::TempPath>,
    /// Set once the file was found damaged, here or by a [`Reader`]. redb writes to a file as
    /// it closes it, and can panic doing so on a damaged one, then again while it unwinds,
    /// which aborts the process: such a file is left open until the process exits instead.
    damage_seen: Arc<AtomicBool>,
}

/// What an add did with its inputs.
#[derive(Debug, Default)]
pub struct Added {
    pub added: u32,
    /// Articles with the same path, metadata and shingles as one already in the index.
    pub already_indexed: u32,
    pub skipped: Vec<Skip>,
    /// Articles that were added, with something to warn about them.
    pub warnings: Vec<Skip>,
}

/// Turns redb's many error types into the reason of an [`IndexError`].
trait Reason<T> {
    fn reason(self) -> Result<T, String>;
}

impl<T, E: Display> Reason<T> for Result<T, E> {
    fn reason(self) -> Result<T, String> {
        self.map_err(|e| e.to_string())
    }
}

thread_local! {
    static IN_STORAGE: Cell<bool> = const { Cell::new(false) };
}

/// Whether this thread is inside a call into redb, whose panics the index turns into errors
/// (a damaged file). A panic hook that stays silent then gives one line on standard error
/// instead of a panic report and a backtrace; the binary installs one.
pub fn in_storage_call() -> bool {
    IN_STORAGE.get()
}

/// A panic of the caller's code run inside [`guarded`], passed through as a panic.
struct Relayed(Box<dyn std::any::Any + Send>);

/// Runs `f`, turning a panic inside redb into an error with the panic's message.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let outer = IN_STORAGE.replace(true);
    let outcome = panic::catch_unwind(AssertUnwindSafe(f));
    IN_STORAGE.set(outer);
    outcome
        .map_err(|payload| {
            match payload.downcast::<Relayed>() {
                // Outside every storage call, the caller's panic goes on as it was raised.
                Ok(relayed) if !outer => panic::resume_unwind(relayed.0),
                Ok(relayed) => panic::resume_unwind(relayed),
                Err(payload) => payload,
            }
        })
        .map_err(|payload| {
            let message = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
                .unwrap_or("unknown cause");
            format!(
                "redb panicked: {}",
                message.lines().next().unwrap_or_default()
            )
        })
}

/// Runs the caller's `f` inside a [`guarded`] call: a panic in it is not redb's, so it is
/// reported as any panic is and passed on, not turned into a damaged index.
fn unguarded<T>(f: impl FnOnce() -> T) -> T {
    let outer = IN_STORAGE.replace(false);
    let outcome = panic::catch_unwind(AssertUnwindSafe(f));
    IN_STORAGE.set(outer);
    outcome.unwrap_or_else(|payload| panic::resume_unwind(Box::new(Relayed(payload))))
}

/// redb objects take locks as they drop, which panic once an earlier panic poisoned them.
fn drop_quietly<T>(value: T) {
    let _ = guarded(move || drop(value));
}

/// A redb object that is not dropped while its thread unwinds from a panic, but leaked: redb's
/// destructors can panic again on a damaged file then, and a panic during unwinding aborts
/// the process (an add on such a file ended with status 134 instead of an error).
struct Unwound<T>(std::mem::ManuallyDrop<T>);

impl<T> Unwound<T> {
    fn new(value: T) -> Self {
        Unwound(std::mem::ManuallyDrop::new(value))
    }

    fn into_inner(mut self) -> T {
        // SAFETY: the value is taken once, and `self` is forgotten so that it is not dropped.
        let value = unsafe { std::mem::ManuallyDrop::take(&mut self.0) };
        std::mem::forget(self);
        value
    }
}

impl<T> std::ops::Deref for Unwound<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> std::ops::DerefMut for Unwound<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T> Drop for Unwound<T> {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            // SAFETY: dropped once, here; `into_inner` forgets `self` after taking the value.
            unsafe { std::mem::ManuallyDrop::drop(&mut self.0) }
        }
    }
}

/// Checksum of a value as stored under `key` in `table`: a value read under another key or
/// from another table (a damaged page pointer) fails it as surely as flipped bytes do.
fn checksum(table: &str, key: &[u8], payload: &[u8]) -> u64 {
    xxh3_64_with_seed(payload, xxh3_64_with_seed(key, xxh3_64(table.as_bytes())))
}

/// `payload` followed by its checksum, as stored.
fn seal(table: &str, key: &[u8], mut payload: Vec<u8>) -> Vec<u8> {
    let sum = checksum(table, key, &payload);
    payload.extend_from_slice(&sum.to_le_bytes());
    payload
}

/// The payload of a stored value, if its checksum holds.
fn unseal<'v>(table: &str, key: &[u8], stored: &'v [u8]) -> Option<&'v [u8]> {
    let (payload, sum) = stored.split_at_checked(stored.len().checked_sub(8)?)?;
    (checksum(table, key, payload).to_le_bytes() == sum).then_some(payload)
}

/// The value under `key`, checked and decoded; `None` when there is none.
fn get_sealed<'k, K: Key + 'static, T>(
    table: &impl ReadableTable<K, &'static [u8]>,
    name: &str,
    key: K::SelfType<'k>,
    decode: impl FnOnce(&[u8]) -> Option<T>,
) -> Result<Option<T>, String> {
    guarded(|| {
        let Some(stored) = table.get(&key).reason()? else {
            return Ok(None);
        };
        let payload = unseal(name, K::as_bytes(&key).as_ref(), stored.value())
            .ok_or_else(|| format!("entry {key:?} of table {name} fails its checksum"))?;
        decode(payload)
            .map(Some)
            .ok_or_else(|| format!("entry {key:?} of table {name} is malformed"))
    })?
}

fn u32_of(bytes: &[u8]) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.try_into().ok()?))
}

fn bucket_of(band: usize, key: u32) -> u32 {
    (band as u32) << 16 | key & 0xFFFF
}

/// Bucket records as `high 16 bits << 32 | article id`, in stored order.
fn records(bytes: &[u8]) -> Option<Vec<u64>> {
    bytes.len().is_multiple_of(RECORD).then(|| {
        bytes
            .chunks_exact(RECORD)
            .map(|r| {
                u64::from(u16::from_le_bytes([r[0], r[1]])) << 32
                    | u64::from(u32::from_le_bytes([r[2], r[3], r[4], r[5]]))
            })
            .collect()
    })
}

fn records_bytes(records: &[u64]) -> Vec<u8> {
    records
        .iter()
        .flat_map(|&r| {
            let mut record = [0; RECORD];
            record[..2].copy_from_slice(&((r >> 32) as u16).to_le_bytes());
            record[2..].copy_from_slice(&(r as u32).to_le_bytes());
            record
        })
        .collect()
}

fn damaged(path: &Path, reason: impl Display) -> IndexError {
    IndexError::Unusable {
        path: path.display().to_string(),
        reason: format!("not a dedup index, or damaged ({reason})"),
    }
}

fn unwritable(path: &Path, reason: impl Display) -> IndexError {
    IndexError::Unusable {
        path: path.display().to_string(),
        reason: format!("damaged or unwritable ({reason})"),
    }
}

/// What an open that redb refused was for.
#[derive(Clone, Copy)]
enum Opening {
    Reading,
    Writing,
    /// A read-only open of a file that an interrupted add left to be repaired.
    Recovering,
}

/// Why redb could not open the file: a lock held by another process and missing permissions
/// are not damage, and saying so keeps operators from deleting a healthy archive.
fn open_failed(path: &Path, e: redb::DatabaseError, opening: Opening) -> IndexError {
    let denied = |io: &std::io::Error| {
        matches!(
            io.kind(),
            std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
        )
    };
    match e {
        redb::DatabaseError::DatabaseAlreadyOpen => IndexError::Busy {
            path: path.display().to_string(),
        },
        redb::DatabaseError::Storage(redb::StorageError::Io(io)) if denied(&io) => {
            IndexError::Unusable {
                path: path.display().to_string(),
                reason: match opening {
                    Opening::Reading => format!("cannot open the index for reading ({io})"),
                    Opening::Writing => format!("cannot open the index for writing ({io})"),
                    Opening::Recovering => format!(
                        "needs write access to recover from an interrupted add ({io}); its committed data is intact"
                    ),
                },
            }
        }
        e => damaged(path, e),
    }
}
/// The number of articles, which is also the next article's id.
fn count(meta: &impl ReadableTable<&'static str, &'static [u8]>) -> Result<u32, String> {
    get_sealed(meta, META.name(), KEY_COUNT, u32_of)?.ok_or_else(|| "missing article count".into())
}

impl Index {
    /// Creates a new, empty index to be moved to `path` by [`Index::finish`], so that the file
    /// appears only once it is complete. It is written to a file that this call creates
    /// exclusively, under an unpredictable hidden name in the same folder: a leftover of an
    /// earlier build is never reused, and a symbolic link planted there is never followed.
    pub fn create(path: &Path, params: Params) -> Result<Index, IndexError> {
        let io_error = |at: &Path, error| IndexError::Io {
            path: at.display().to_string(),
            error,
        };
        // Checked before any work is done: a build of an archive takes a while.
        if path.is_dir() {
            return Err(IndexError::Unusable {
                path: path.display().to_string(),
                reason: "is a directory; name the index file to write".into(),
            });
        }
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let (file, staging) = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".partial")
            .tempfile_in(folder)
            .map_err(|e| io_error(folder, e))?
            .into_parts();
        let db = redb::backends::FileBackend::new(file)
            .and_then(|backend| redb::Builder::new().create_with_backend(backend))
            .map_err(|e| unwritable(&staging, e))?;
        let index = Index {
            db: Some(Store::Writable(db)),
            path: staging.to_path_buf(),
            params,
            staging: Some(staging),
            damage_seen: Arc::default(),
        };
        let params_json = serde_json::to_vec(&params).expect("params serialise");
        let entries = [
            (KEY_MAGIC, MAGIC.to_vec()),
            (KEY_FORMAT, FORMAT_VERSION.to_le_bytes().to_vec()),
            (KEY_PARAMS, params_json),
            (KEY_COUNT, 0u32.to_le_bytes().to_vec()),
        ];
        let txn = index
            .writable()?
            .begin_write()
            .map_err(|e| index.unwritable(e))?;
        {
            let mut meta = txn.open_table(META).map_err(|e| index.unwritable(e))?;
            for (key, value) in entries {
                let sealed = seal(META.name(), key.as_bytes(), value);
                meta.insert(key, sealed.as_slice())
                    .map_err(|e| index.unwritable(e))?;
            }
            // Create the other tables so that a reader of an empty index finds them.
            for table in [ARTICLES, SKETCHES, SHINGLES, BUCKETS] {
                txn.open_table(table).map_err(|e| index.unwritable(e))?;
            }
            txn.open_table(SEEN).map_err(|e| index.unwritable(e))?;
        }
        txn.commit().map_err(|e| index.unwritable(e))?;
        Ok(index)
    }

    /// Moves a freshly built index from its staging file to `path`, replacing what was there.
    pub fn finish(mut self, path: &Path) -> Result<(), IndexError> {
        drop_quietly(self.db.take());
        let staging = self
            .staging
            .take()
            .expect("only a created index is finished");
        // A failed move drops the staging file's path, which removes it.
        staging.persist(path).map_err(|e| IndexError::Io {
            path: path.display().to_string(),
            error: e.error,
        })?;
        Ok(())
    }

    /// Opens an existing index to add to it, checking that it is one and that this version can
    /// read it, and that every page of it is intact. An add writes where redb's allocator
    /// says, and some damage found only while committing panics inside redb as it unwinds,
    /// which aborts the process; reading the whole file first costs one pass over it and
    /// turns that into the one-line "damaged" error. Lookups read less and check as they go.
    pub fn open(path: &Path) -> Result<Index, IndexError> {
        Self::open_with(path, || {
            let mut db =
                Database::open(path).map_err(|e| open_failed(path, e, Opening::Writing))?;
            match db.check_integrity() {
                Ok(true) => Ok(Store::Writable(db)),
                Ok(false) => {
                    std::mem::forget(db);
                    Err(damaged(
                        path,
                        "its pages fail their checksums (redb repaired what it could; rebuild \
                         the index or restore it from a copy)",
                    ))
                }
                Err(e) => {
                    std::mem::forget(db);
                    Err(damaged(path, e.to_string()))
                }
            }
        })
    }

    /// Opens an existing index for lookups only, as [`Index::open`] does otherwise.
    pub fn open_read_only(path: &Path) -> Result<Index, IndexError> {
        Self::open_with(path, || {
            let builder = redb::Builder::new();
            match builder.open_read_only(path) {
                // An add that was killed before it committed left the file to be repaired,
                // which only a writer can do. Adds save what the repair needs with each
                // commit, so this does not read the whole file.
                Err(redb::DatabaseError::RepairAborted) => Database::open(path)
                    .map(|db| Store::Repaired(std::mem::ManuallyDrop::new(db)))
                    .map_err(|e| open_failed(path, e, Opening::Recovering)),
                opened => opened
                    .map(Store::ReadOnly)
                    .map_err(|e| open_failed(path, e, Opening::Reading)),
            }
        })
    }

    fn open_with(
        path: &Path,
        open: impl FnOnce() -> Result<Store, IndexError>,
    ) -> Result<Index, IndexError> {
        if !path.is_file() {
            return Err(IndexError::Unusable {
                path: path.display().to_string(),
                reason: "no such index file".into(),
            });
        }
        let db = guarded(open)
            .map_err(|r| damaged(path, r))
            .and_then(|opened| opened)?;
        let opened = guarded(|| -> Result<Params, String> {
            let params = {
                let txn = db.begin_read().reason()?;
                let meta = txn.open_table(META).reason()?;
                // Format 1 stored the magic and the version without a checksum; taking them
                // either way tells an old index from a damaged one.
                let get = |key: &'static str| -> Result<Vec<u8>, String> {
                    let guard = meta
                        .get(key)
                        .reason()?
                        .ok_or_else(|| format!("missing {key}"))?;
                    let stored = guard.value();
                    Ok(unseal(META.name(), key.as_bytes(), stored)
                        .unwrap_or(stored)
                        .to_vec())
                };
                if get(KEY_MAGIC)? != MAGIC {
                    return Err("not a dedup index".into());
                }
                let version = u32_of(&get(KEY_FORMAT)?).ok_or("bad version")?;
                if version != FORMAT_VERSION {
                    return Err(format!(
                        "index format {version}, but this dedup reads format {FORMAT_VERSION}; rebuild it with `dedup index build`"
                    ));
                }
                let params = get_sealed(&meta, META.name(), KEY_PARAMS, |json| {
                    serde_json::from_slice::<Params>(json).ok()
                })?
                .ok_or("missing params")?;
                // Every stage relies on valid settings; stored ones are as untrusted as the
                // rest of the file.
                params
                    .validate()
                    .map_err(|e| format!("impossible settings stored: {e}"))?;
                count(&meta)?;
                params
            };
            Ok(params)
        });
        let params = match opened.and_then(|read| read) {
            Ok(params) => params,
            Err(reason) => {
                if let Store::Writable(db) = db {
                    // See `damage_seen`.
                    std::mem::forget(db);
                } else {
                    drop_quietly(db);
                }
                return Err(damaged(path, reason));
            }
        };
        Ok(Index {
            db: Some(db),
            path: path.to_path_buf(),
            params,
            staging: None,
            damage_seen: Arc::default(),
        })
    }

    fn db(&self) -> &Store {
        self.db
            .as_ref()
            .expect("the database is open until the index drops")
    }

    fn writable(&self) -> Result<&Database, IndexError> {
        match self.db() {
            Store::Writable(db) => Ok(db),
            Store::ReadOnly(_) | Store::Repaired(_) => Err(self.unwritable("opened read-only")),
        }
    }

    fn unwritable(&self, e: impl Display) -> IndexError {
        self.damage_seen.store(true, Ordering::Relaxed);
        unwritable(&self.path, e)
    }

    fn damaged(&self, reason: impl Display) -> IndexError {
        self.damage_seen.store(true, Ordering::Relaxed);
        damaged(&self.path, reason)
    }

    pub fn params(&self) -> &Params {
        &self.params
    }

    pub fn len(&self) -> Result<u32, IndexError> {
        guarded(|| {
            let txn = self.db().begin_read().reason()?;
            count(&txn.open_table(META).reason()?)
        })
        .and_then(|read| read)
        .map_err(|r| self.damaged(r))
    }

    pub fn is_empty(&self) -> Result<bool, IndexError> {
        Ok(self.len()? == 0)
    }

    /// Adds entries in one transaction: either all of them are in the index afterwards, or,
    /// if the process dies first, none are. Inputs that are not articles are passed through
    /// as skips; an article already in the index, with the same path, metadata and shingles,
    /// is counted and not added again.
    pub fn add(
        &mut self,
        entries: impl IntoIterator<Item = Result<Entry, Skip>>,
    ) -> Result<Added, IndexError> {
        let (db, params) = (self.writable()?, self.params);
        let added = guarded(|| -> Result<Added, String> {
            let mut txn = Unwound::new(db.begin_write().reason()?);
            // Saves the allocator state with the commit, so that opening the index after an
            // add was killed is not a repair that reads the whole file.
            txn.set_quick_repair(true);
            let mut done = Added::default();
            let added = {
                let mut meta = txn.open_table(META).map(Unwound::new).reason()?;
                let mut articles = txn.open_table(ARTICLES).map(Unwound::new).reason()?;
                let mut sketches = txn.open_table(SKETCHES).map(Unwound::new).reason()?;
                let mut shingles = txn.open_table(SHINGLES).map(Unwound::new).reason()?;
                let mut seen = txn.open_table(SEEN).map(Unwound::new).reason()?;
                let first = count(&*meta)?;
                if first > 0 && seen.is_empty().reason()? {
                    fill_seen(&mut seen, &*articles, &*shingles, first)?;
                }
                let mut next = first;
                let mut entries = entries.into_iter();
                while let Some(entry) = unguarded(|| entries.next()) {
                    let entry = match entry {
                        Ok(entry) => entry,
                        Err(skip) => {
                            done.skipped.push(skip);
                            continue;
                        }
                    };
                    let key = next.to_le_bytes();
                    let article = serde_json::to_vec(&entry.article).expect("metadata serialises");
                    let mut set = Vec::new();
                    entry.shingles.encode_into(&mut set);
                    let identity = identity(&entry.article.path, &set);
                    if get_sealed(&*seen, SEEN.name(), identity, u32_of)?.is_some() {
                        done.already_indexed += 1;
                        continue;
                    }
                    let sealed = seal(SEEN.name(), &identity.to_le_bytes(), key.to_vec());
                    seen.insert(identity, sealed.as_slice()).reason()?;
                    let values = [
                        (&mut articles, ARTICLES.name(), article),
                        (
                            &mut sketches,
                            SKETCHES.name(),
                            minhash::encode_sketch(&entry.sketch),
                        ),
                        (&mut shingles, SHINGLES.name(), set),
                    ];
                    for (table, name, value) in values {
                        table
                            .insert(next, seal(name, &key, value).as_slice())
                            .reason()?;
                    }
                    next = next.checked_add(1).ok_or("more than 2^32 articles")?;
                }
                let sealed = seal(
                    META.name(),
                    KEY_COUNT.as_bytes(),
                    next.to_le_bytes().to_vec(),
                );
                meta.insert(KEY_COUNT, sealed.as_slice()).reason()?;
                first..next
            };
            fill_buckets(&txn, params.banding(), params.num_perm, added.clone())?;
            txn.into_inner().commit().reason()?;
            done.added = added.len() as u32;
            Ok(done)
        })
        .and_then(|written| written);
        added.map_err(|r| self.unwritable(r))
    }

    /// A read-only view for lookups; many can run in parallel.
    pub fn reader(&self) -> Result<Reader, IndexError> {
        let tables = guarded(|| -> Result<Tables, String> {
            let txn = self.db().begin_read().reason()?;
            Ok(Tables {
                articles: txn.open_table(ARTICLES).reason()?,
                sketches: txn.open_table(SKETCHES).reason()?,
                shingles: txn.open_table(SHINGLES).reason()?,
                buckets: txn.open_table(BUCKETS).reason()?,
            })
        })
        .and_then(|opened| opened)
        .map_err(|r| self.damaged(r))?;
        Ok(Reader {
            tables: Some(tables),
            path: self.path.clone(),
            damage_seen: self.damage_seen.clone(),
            num_perm: self.params.num_perm,
        })
    }
}

impl Drop for Index {
    fn drop(&mut self) {
        match self.db.take() {
            Some(Store::Writable(db)) if self.damage_seen.load(Ordering::Relaxed) => {
                std::mem::forget(db)
            }
            db => drop_quietly(db),
        }
    }
}

/// An article as the index tells repeats: its path and its words.
fn identity(path: &str, encoded_shingles: &[u8]) -> u128 {
    xxh3_128(&[path.as_bytes(), &[0xFF], encoded_shingles].concat())
}

/// Records the [`identity`] of articles `0..count`, stored by a version that did not.
fn fill_seen(
    seen: &mut redb::Table<u128, &'static [u8]>,
    articles: &impl ReadableTable<u32, &'static [u8]>,
    shingles: &impl ReadableTable<u32, &'static [u8]>,
    count: u32,
) -> Result<(), String> {
    for id in 0..count {
        let path = get_sealed(articles, ARTICLES.name(), id, |json| {
            serde_json::from_slice::<ArticleMeta>(json).ok()
        })?
        .ok_or_else(|| format!("article {id} is missing from {}", ARTICLES.name()))?
        .path;
        let set = get_sealed(shingles, SHINGLES.name(), id, |b| Some(b.to_vec()))?
            .ok_or_else(|| format!("article {id} is missing from {}", SHINGLES.name()))?;
        let key = identity(&path, &set);
        let sealed = seal(SEEN.name(), &key.to_le_bytes(), id.to_le_bytes().to_vec());
        seen.insert(key, sealed.as_slice()).reason()?;
    }
    Ok(())
}

/// Files the band keys of the articles `ids`, just stored, into their buckets. The keys are
/// sorted first, so that each bucket is read and written once and the buckets are written in
/// key order, which fills redb's pages instead of splitting them at random.
fn fill_buckets(
    txn: &WriteTransaction,
    banding: Banding,
    num_perm: usize,
    ids: Range<u32>,
) -> Result<(), String> {
    if ids.is_empty() {
        return Ok(());
    }
    let sketches = txn.open_table(SKETCHES).map(Unwound::new).reason()?;
    let mut buckets = txn.open_table(BUCKETS).map(Unwound::new).reason()?;
    let per_pass = (KEYS_PER_PASS / ids.len()).clamp(1, banding.bands);
    for first_band in (0..banding.bands).step_by(per_pass) {
        let bands = first_band..(first_band + per_pass).min(banding.bands);
        // One list per band of `low 16 bits << 48 | high 16 bits << 32 | id`: sorted, each
        // bucket is a run, in record order.
        let mut keys: Vec<Vec<u64>> = bands
            .clone()
            .map(|_| Vec::with_capacity(ids.len()))
            .collect();
        for id in ids.clone() {
            let sketch = get_sealed(&*sketches, SKETCHES.name(), id, |b| {
                minhash::decode_sketch(b, num_perm)
            })?
            .ok_or_else(|| format!("article {id} has no sketch"))?;
            for (list, band) in keys.iter_mut().zip(bands.clone()) {
                let key = banding.key(&sketch, band);
                list.push(
                    u64::from(key & 0xFFFF) << 48 | u64::from(key >> 16) << 32 | u64::from(id),
                );
            }
        }
        keys.par_iter_mut().for_each(|list| list.sort_unstable());
        for (band, list) in bands.zip(&keys) {
            for run in list.chunk_by(|a, b| a >> 48 == b >> 48) {
                let bucket = bucket_of(band, (run[0] >> 48) as u32);
                // Buckets only hold articles added before this add: none in a new index.
                let mut merged = match ids.start {
                    0 => Vec::new(),
                    _ => {
                        get_sealed(&*buckets, BUCKETS.name(), bucket, records)?.unwrap_or_default()
                    }
                };
                merged.extend(run.iter().map(|k| k & 0xFFFF_FFFF_FFFF));
                // Earlier articles have smaller ids, but may have larger high bits.
                merged.sort_unstable();
                let sealed = seal(
                    BUCKETS.name(),
                    &bucket.to_le_bytes(),
                    records_bytes(&merged),
                );
                buckets.insert(bucket, sealed.as_slice()).reason()?;
            }
        }
    }
    Ok(())
}

struct Tables {
    articles: ReadOnlyTable<u32, &'static [u8]>,
    sketches: ReadOnlyTable<u32, &'static [u8]>,
    shingles: ReadOnlyTable<u32, &'static [u8]>,
    buckets: ReadOnlyTable<u32, &'static [u8]>,
}

/// Lookups in one consistent snapshot of the index.
pub struct Reader {
    /// Only `None` while dropping, which has to happen under [`guarded`].
    tables: Option<Tables>,
    path: PathBuf,
    /// Shared with the [`Index`], which must not close a file found damaged.
    damage_seen: Arc<AtomicBool>,
    num_perm: usize,
}

impl Drop for Reader {
    fn drop(&mut self) {
        drop_quietly(self.tables.take());
    }
}

impl Reader {
    fn tables(&self) -> &Tables {
        self.tables
            .as_ref()
            .expect("the tables are open until the reader drops")
    }

    /// An indexed article's value from `table`, checked and decoded; every indexed article has
    /// one, so a missing value is damage too.
    fn get<T>(
        &self,
        table: &ReadOnlyTable<u32, &'static [u8]>,
        name: &str,
        id: u32,
        decode: impl FnOnce(&[u8]) -> Option<T>,
    ) -> Result<T, IndexError> {
        get_sealed(table, name, id, decode)
            .and_then(|value| value.ok_or_else(|| format!("article {id} is missing from {name}")))
            .map_err(|r| self.damaged(r))
    }

    fn damaged(&self, reason: impl Display) -> IndexError {
        self.damage_seen.store(true, Ordering::Relaxed);
        damaged(&self.path, reason)
    }

    /// A lookup of the indexed articles whose key in `band` is `key`, ascending. Lookups in
    /// the order of the bucket table (band, then the key's low 16 bits) read it in one forward
    /// sweep, each bucket once: on a cold cache that is the difference between seconds and
    /// minutes at a million articles.
    pub fn buckets(&self) -> impl FnMut(usize, u32) -> Result<Vec<u32>, IndexError> + '_ {
        let mut last: Option<(u32, Vec<u64>)> = None;
        move |band, key| {
            let bucket = bucket_of(band, key);
            if last.as_ref().is_none_or(|(b, _)| *b != bucket) {
                let found = get_sealed(&self.tables().buckets, BUCKETS.name(), bucket, records)
                    .map_err(|r| self.damaged(r))?;
                last = Some((bucket, found.unwrap_or_default()));
            }
            let records = last.as_ref().map_or(&[][..], |(_, r)| r);
            // Records are sorted by high bits, then id.
            let high = u64::from(key >> 16);
            let start = records.partition_point(|&r| r >> 32 < high);
            Ok(records[start..]
                .iter()
                .take_while(|&&r| r >> 32 == high)
                .map(|&r| r as u32)
                .collect())
        }
    }

    /// An indexed article's metadata, marked as indexed.
    pub fn article(&self, id: u32) -> Result<ArticleMeta, IndexError> {
        let article: ArticleMeta =
            self.get(&self.tables().articles, ARTICLES.name(), id, |json| {
                serde_json::from_slice(json).ok()
            })?;
        Ok(ArticleMeta {
            indexed: true,
            ..article
        })
    }

    pub fn sketch(&self, id: u32) -> Result<Vec<Sketch16>, IndexError> {
        self.get(&self.tables().sketches, SKETCHES.name(), id, |b| {
            minhash::decode_sketch(b, self.num_perm)
        })
    }

    pub fn shingles(&self, id: u32) -> Result<ShingleSet, IndexError> {
        self.get(
            &self.tables().shingles,
            SHINGLES.name(),
            id,
            ShingleSet::decode,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_only_accepted_as_stored() {
        let stored = seal("sketches", &7u32.to_le_bytes(), vec![1, 2, 3, 4]);
        assert_eq!(
            unseal("sketches", &7u32.to_le_bytes(), &stored),
            Some(&[1, 2, 3, 4][..])
        );
        let mut flipped = stored.clone();
        flipped[1] ^= 0x10;
        // Flipped bytes, another article's key, another table, a cut-off value: all refused.
        assert_eq!(unseal("sketches", &7u32.to_le_bytes(), &flipped), None);
        assert_eq!(unseal("sketches", &8u32.to_le_bytes(), &stored), None);
        assert_eq!(unseal("shingles", &7u32.to_le_bytes(), &stored), None);
        assert_eq!(unseal("sketches", &7u32.to_le_bytes(), &stored[1..]), None);
        assert_eq!(unseal("sketches", &7u32.to_le_bytes(), &stored[..7]), None);
    }

    #[test]
    fn a_panic_becomes_an_error_with_its_message() {
        let caught = guarded(|| -> u32 { panic!("page 12 out of range\nsecond line") });
        assert_eq!(
            caught,
            Err("redb panicked: page 12 out of range".to_string())
        );
        assert_eq!(guarded(|| 5), Ok(5));
    }

    #[test]
    fn a_panic_of_the_callers_code_is_passed_on_not_blamed_on_redb() {
        let caught = panic::catch_unwind(|| {
            guarded(|| guarded(|| unguarded(|| -> u32 { panic!("bad input") })))
        });
        let payload = caught.expect_err("the panic reaches the caller");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"bad input"));
    }

    #[test]
    fn bucket_records_survive_the_round_trip() {
        let records_in = vec![3 << 32 | 9, 0xFFFF << 32 | 0xFFFF_FFFF, 0];
        assert_eq!(records(&records_bytes(&records_in)), Some(records_in));
        assert_eq!(records(&[0; RECORD + 1]), None);
    }
}

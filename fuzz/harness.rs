//! What the fuzz targets check, shared with `cargo test`.
//!
//! The fuzz targets call these functions on every generated input; `tests/bad_inputs.rs`
//! includes this file by path and calls them on the inputs committed under
//! `fixtures/bad/fuzz/<target>/`, so the regressions run on a stable toolchain too.
//! Besides "no panic", each function asserts properties a user relies on, so that the
//! fuzzers look for wrong answers as well as crashes.

use dedup::load::{self, JsonFields, MAX_HEADLINE_WORDS};
use dedup::normalize;
use dedup::shingle::{ShingleKind, Shingler};
use unicode_segmentation::UnicodeSegmentation;

/// `seed_format`: any UTF-8 text read as a seed-format file, and its body shingled.
pub fn seed_format(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parts = load::parse_seed(text);
    if let Some(date) = &parts.date {
        assert_valid_date(date);
    }
    if let Some(title) = &parts.title {
        // A headline is reported on one line of the table and never counts towards similarity.
        assert!(!title.contains('\n'), "headline spans lines: {title:?}");
        let words = title.split_whitespace().count();
        assert!(
            (1..=MAX_HEADLINE_WORDS).contains(&words),
            "headline of {words} words: {title:?}"
        );
        assert!(!load::is_chrome(title), "page chrome taken as headline");
    }
    assert_clean_body(&parts.body);
    assert_shingles_consistent(&parts.body);
}

/// `jsonl_record`: any bytes as one JSONL line, with the default field names.
pub fn jsonl_record(data: &[u8]) {
    let fields = JsonFields::default();
    let parsed = load::parse_json_record(data, &fields);
    match &parsed {
        Ok(record) => {
            assert_clean_body(&record.body);
            if let Some(date) = &record.date {
                assert_valid_date(date);
            }
            for value in [&record.id, &record.title].into_iter().flatten() {
                assert!(!value.is_empty() && value.trim() == value, "{value:?}");
            }
            assert_shingles_consistent(&record.body);
        }
        // The reason ends up in a one-line warning: `dedup: warning: skipped PATH: REASON`.
        Err(reason) => assert!(
            !reason.trim().is_empty() && !reason.contains('\n'),
            "reason {reason:?}"
        ),
    }
    // The loader hands lines over with their terminator (Windows files end them in CRLF),
    // and Notepad starts the first line of a file with a byte order mark.
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let mut variants = vec![[data, b"\n"].concat(), [data, b"\r\n"].concat()];
    if !data.starts_with(BOM) {
        variants.push([BOM, data].concat());
    }
    for variant in variants {
        let again = load::parse_json_record(&variant, &fields);
        assert_eq!(
            parsed.is_ok(),
            again.is_ok(),
            "{variant:?} changed the outcome: {parsed:?} vs {again:?}"
        );
        if let (Ok(a), Ok(b)) = (&parsed, &again) {
            assert_eq!(a, b, "{variant:?} changed the record");
        }
    }
}

fn assert_valid_date(date: &str) {
    assert_eq!(
        load::parse_date(date).as_deref(),
        Some(date),
        "reported date is not YYYY-MM-DD: {date:?}"
    );
}

/// Bodies are what similarity is computed on: no blank lines, no page chrome, no trailing
/// blanks (they would not change shingles, but the loader promises to strip them).
fn assert_clean_body(body: &str) {
    if body.is_empty() {
        return;
    }
    for line in body.split('\n') {
        assert!(!line.trim().is_empty(), "blank line kept in {body:?}");
        assert!(!load::is_chrome(line), "chrome line {line:?} kept");
        assert_eq!(line, line.trim_end(), "trailing blanks kept");
    }
}

fn assert_shingles_consistent(body: &str) {
    let folded = normalize::fold(body);
    let words: Vec<&str> = normalize::words(&folded).collect();
    // The fast splitter claims to give exactly the UAX #29 words; a difference would make the
    // same story shingle differently depending on which path its characters take. One known,
    // harmless difference is allowed: UAX #29 (WB4) glues a combining mark that follows a space
    // or tab to it, and a mark that is Alphabetic (a vowel sign, U+082C) then makes " \u{82c}"
    // a word; cutting at ASCII whitespace first gives "\u{82c}".
    let reference: Vec<&str> = folded
        .unicode_words()
        .map(|w| w.trim_start_matches([' ', '\t']))
        .collect();
    assert_eq!(words, reference, "word splitter disagrees with UAX #29");
    for kind in [ShingleKind::Word, ShingleKind::Char] {
        let shingler = Shingler {
            kind,
            size: kind.default_size(),
            seed: dedup::DEFAULT_SEED,
        };
        let set = shingler.shingle(body);
        assert_eq!(set.words as usize, words.len(), "{kind:?} word count");
        assert!(
            set.hashes.windows(2).all(|w| w[0] < w[1]),
            "{kind:?} shingles not sorted and distinct"
        );
        // An article with any word is signed; one with none is skipped as empty.
        assert_eq!(set.hashes.is_empty(), words.is_empty(), "{kind:?}");
        if !set.hashes.is_empty() {
            assert_eq!(set.jaccard(&set), 1.0);
        }
    }
}

/// An index file of arbitrary bytes: opening it either fails or gives an index whose every
/// lookup either fails or answers, and to which an add either fails or adds; nothing panics
/// or aborts, and every failure is the one-line `PATH: not a dedup index, or damaged (...)`
/// (`PATH: damaged or unwritable (...)` for an add) a user sees.
pub fn index_file(data: &[u8]) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    // Each open gets a copy of its own: an open that repaired the file keeps it, and its lock.
    let copy = || {
        let path = std::env::temp_dir().join(format!(
            "dedup-fuzz-index-{}-{}.idx",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, data).expect("the temporary directory is writable");
        let prefix = format!("{}: not a dedup index, or damaged (", path.display());
        (path, prefix)
    };
    // Checks open read-only, adds read-write; each open repairs or refuses differently.
    for open in [
        dedup::index::Index::open_read_only,
        dedup::index::Index::open,
    ] {
        let (path, prefix) = copy();
        index_lookups(&prefix, open(&path));
        let _ = std::fs::remove_file(&path);
    }
    let (path, prefix) = copy();
    if let Some(mut index) = answered(&prefix, dedup::index::Index::open(&path)) {
        let entry = dedup::index::Entry {
            article: dedup::ArticleMeta {
                id: "new".into(),
                path: "new.txt".into(),
                line: 0,
                date: None,
                title: None,
                words: 3,
                indexed: false,
            },
            sketch: vec![7; index.params().num_perm],
            shingles: dedup::shingle::ShingleSet::from_sequence(vec![1, 2, 3], 3),
        };
        let unwritable = format!("{}: damaged or unwritable (", path.display());
        answered(&unwritable, index.add([Ok(entry)]));
    }
    let _ = std::fs::remove_file(&path);
}

fn index_lookups(prefix: &str, opened: Result<dedup::index::Index, dedup::index::IndexError>) {
    if let Some(index) = answered(prefix, opened)
        && let (Some(len), Some(reader)) = (
            answered(prefix, index.len()),
            answered(prefix, index.reader()),
        )
    {
        for id in 0..len.min(4) {
            answered(prefix, reader.article(id));
            answered(prefix, reader.shingles(id));
            if let Some(sketch) = answered(prefix, reader.sketch(id)) {
                let banding = index.params().banding();
                let mut buckets = reader.buckets();
                for (band, key) in banding.keys(&sketch).enumerate() {
                    answered(prefix, buckets(band, key));
                }
            }
        }
    }
}

/// The answer of an index lookup, or `None` once its error is known to be the message a user
/// should see for a damaged file.
fn answered<T>(prefix: &str, result: Result<T, dedup::index::IndexError>) -> Option<T> {
    result
        .map_err(|e| {
            let message = e.to_string();
            assert!(
                message.starts_with(prefix) && message.ends_with(')') && !message.contains('\n'),
                "{message:?}"
            );
        })
        .ok()
}

//! The bad-input matrix: what a real corpus folder or feed picks up (empty, binary and
//! mis-encoded files, huge lines, deep or looping folders, unreadable files, broken JSONL),
//! run through the real binary.
//!
//! Whatever the input, a user can rely on the same things, and [`accounted`] checks them on
//! every run: dedup does not panic, exits 0 (2 only when a path on the command line does not
//! exist), prints one warning line per skipped input naming it and the reason, and accounts for
//! every input: `inputs.articles + inputs.skipped` is the number of inputs given (one per text
//! file, one per non-blank JSONL line).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use tempfile::TempDir;

/// The fuzz targets' checks, replayed on the inputs the fuzzers found.
#[path = "../fuzz/harness.rs"]
mod harness;

mod common;
use common::{Member, Report, SkippedInput, dedup, seeds};

impl Report {
    /// Every article, clustered or not (runs always ask for `--singletons`).
    fn articles(&self) -> impl Iterator<Item = &Member> {
        self.clusters
            .iter()
            .flat_map(|c| &c.members)
            .chain(self.singletons.iter().flatten())
    }

    /// The article whose path ends with `suffix`.
    fn article(&self, suffix: &str) -> &Member {
        let mut found = self.articles().filter(|m| m.path.ends_with(suffix));
        let member = found
            .next()
            .unwrap_or_else(|| panic!("no article {suffix}: {self:#?}"));
        assert!(found.next().is_none(), "two articles end with {suffix}");
        member
    }

    /// Why the input whose path ends with `suffix` was skipped.
    fn reason(&self, suffix: &str) -> &str {
        let mut found = self
            .inputs
            .skipped_inputs
            .iter()
            .filter(|s| s.path.ends_with(suffix));
        let skip = found.next().unwrap_or_else(|| {
            panic!(
                "{suffix} was not skipped: {:#?}",
                self.inputs.skipped_inputs
            )
        });
        assert!(found.next().is_none(), "{suffix} skipped twice");
        &skip.reason
    }
}

/// Skip warnings printed one per line before the rest are summarised in one line; mirrors
/// `MAX_SKIP_WARNINGS` in src/main.rs.
const WARNED_INDIVIDUALLY: usize = 20;

/// `dedup --format json --singletons PATHS...`, checked by [`accounted_run`].
fn accounted(paths: &[&Path], inputs: usize) -> Report {
    let mut cmd = dedup();
    cmd.args(paths);
    accounted_run(cmd, inputs)
}

/// Runs `cmd` with `--format json --singletons` and checks what holds for any input: no
/// panic, exit status 0, valid JSON, `inputs` inputs each either an article or skipped, and
/// exactly one warning line per skipped input naming the path and the reason.
fn accounted_run(mut cmd: Command, inputs: usize) -> Report {
    let out = cmd
        .args(["--format", "json", "--singletons"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Warnings escape control characters: nothing reaches the terminal raw.
    assert!(!stderr.contains(['\x1b', '\x07', '\r']), "{stderr:?}");
    // Rust's panic message, not the bare word: file names in warnings may contain that.
    assert!(!stderr.contains("panicked at"), "dedup panicked:\n{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let report: Report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not a JSON report ({e}):\n{stderr}"));
    let counts = &report.inputs;
    assert_eq!(counts.skipped, counts.skipped_inputs.len());
    assert_eq!(
        counts.articles + counts.skipped,
        inputs,
        "every input must be an article or a skip; skipped: {:#?}",
        counts.skipped_inputs
    );
    let s = &report.summary;
    assert_eq!(s.clustered_articles + s.singletons, counts.articles);
    assert_eq!(s.clusters, report.clusters.len());
    assert_eq!(report.articles().count(), counts.articles);
    assert_warnings(&stderr, &counts.skipped_inputs, &counts.warnings);
    report
}

/// Standard error holds one `dedup: warning: skipped PATH: REASON` line per skip, in order,
/// then one line counting the rest once there are too many to list, then the same for
/// warnings about articles that were read (`dedup: warning: PATH: REASON`), and nothing else.
fn assert_warnings(stderr: &str, skips: &[SkippedInput], warnings: &[SkippedInput]) {
    let skipped =
        skips.len().min(WARNED_INDIVIDUALLY) + usize::from(skips.len() > WARNED_INDIVIDUALLY);
    let lines: Vec<&str> = stderr.lines().collect();
    let (skip_lines, warning_lines) = lines.split_at(skipped.min(lines.len()));
    assert_listed(&skip_lines.join("\n"), skips, "skipped ", "inputs skipped");
    assert_listed(&warning_lines.join("\n"), warnings, "", "warnings");
}

fn assert_listed(stderr: &str, skips: &[SkippedInput], verb: &str, more: &str) {
    for skip in skips {
        assert!(
            !skip.reason.trim().is_empty() && !skip.reason.contains('\n'),
            "reason for {} must be one non-empty line: {:?}",
            skip.path,
            skip.reason
        );
    }
    let lines: Vec<&str> = stderr.lines().collect();
    let listed = skips.len().min(WARNED_INDIVIDUALLY);
    let summarised = usize::from(skips.len() > WARNED_INDIVIDUALLY);
    assert_eq!(lines.len(), listed + summarised, "{stderr}");
    for (line, skip) in lines.iter().zip(skips).take(listed) {
        assert_eq!(
            *line,
            format!("dedup: warning: {verb}{}: {}", skip.path, skip.reason)
        );
    }
    if summarised == 1 {
        let more = format!(
            "dedup: warning: {} more {more}",
            skips.len() - WARNED_INDIVIDUALLY
        );
        assert!(lines[listed].starts_with(&more), "{}", lines[listed]);
    }
}

/// A folder in which each test writes its inputs.
struct Scratch(TempDir);

impl Scratch {
    fn new() -> Self {
        Scratch(tempfile::tempdir().unwrap())
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    /// Writes `contents` to `name` (parent folders included) and returns its path.
    fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, contents).unwrap();
        path
    }
}

/// A short article that shares no word 3-shingle with one of another `tag`: every third word
/// is the tag, so it never clusters with another by accident.
fn article(tag: &str) -> String {
    format!("The {tag} council voted {tag} budget plans {tag} debate ended {tag} today.")
}

/// About `bytes` of running text on one line, from a fixed vocabulary in a fixed pseudo-random
/// order, and its word count.
fn long_line(bytes: usize) -> (String, u32) {
    let vocabulary: Vec<String> = (0..5000).map(|i| format!("w{i}x")).collect();
    let mut text = String::with_capacity(bytes + 16);
    let mut words = 0;
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    while text.len() < bytes {
        // xorshift64: fast, and the same text on every run.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        text.push_str(&vocabulary[(state % 5000) as usize]);
        text.push(' ');
        words += 1;
    }
    (text, words)
}

/// A huge single-line input under the documented limit ([`dedup::load::MAX_LINE_BYTES`]) is
/// an article, with every word counted.
fn assert_read_whole(report: &Report, suffix: &str, words: u32) {
    assert_eq!(
        report.article(suffix).words,
        words,
        "the whole line is read"
    );
}

const HUNDRED_MB: usize = 100_000_000;
const _: () = assert!(HUNDRED_MB < dedup::load::MAX_LINE_BYTES);

#[test]
fn empty_and_blank_files_are_skipped_as_empty() {
    let dir = Scratch::new();
    dir.file("empty.txt", "");
    dir.file("blank.txt", " \n\t\r\n  \n");
    dir.file("good.txt", article("harbour"));
    let report = accounted(&[dir.path()], 3);
    assert_eq!(report.reason("empty.txt"), "empty file");
    assert_eq!(report.reason("blank.txt"), "empty file");
    report.article("good.txt");
}

#[test]
fn binary_files_are_skipped_as_binary() {
    let dir = Scratch::new();
    dir.file("image.txt", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    dir.file("zeros.txt", [0u8; 4096]);
    dir.file(
        "feed.txt.gz",
        b"\x1f\x8b\x08\0\0\0\0\0\0\x03\xcb\x48\xcd\xc9\xc9\x07\0",
    );
    // UTF-16 without its byte order mark cannot be told from binary data: every other byte is
    // NUL.
    let utf16: Vec<u8> = "Hello world"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    dir.file("utf16-unmarked.txt", utf16);
    dir.file("good.txt", article("harbour"));
    let report = accounted(&[dir.path()], 5);
    for name in [
        "image.txt",
        "zeros.txt",
        "feed.txt.gz",
        "utf16-unmarked.txt",
    ] {
        assert!(report.reason(name).contains("binary"), "{name}");
    }
}

#[test]
fn utf16_text_with_a_byte_order_mark_is_read_and_utf16_jsonl_is_refused_by_name() {
    // What Windows tools save as "Unicode": both byte orders behind a byte order mark.
    let text = format!(
        "\u{feff} date 2024-03-16 A headline\n\n{}",
        article("harbour")
    );
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let feed: Vec<u8> = format!("\u{feff}{{\"text\": \"{}\"}}\n", article("mill"))
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let dir = Scratch::new();
    dir.file("le.txt", &le);
    dir.file("be.txt", &be);
    dir.file("odd.txt", &le[..le.len() - 1]);
    dir.file("feed.jsonl", feed);
    let report = accounted(&[dir.path()], 4);
    for name in ["le.txt", "be.txt"] {
        let story = report.article(name);
        assert_eq!(story.date.as_deref(), Some("2024-03-16"), "{name}");
        assert_eq!(story.title.as_deref(), Some("A headline"), "{name}");
    }
    assert_eq!(report.clusters.len(), 1, "the two byte orders are one text");
    assert!(report.reason("odd.txt").contains("not UTF-16"));
    assert_eq!(
        report.reason("feed.jsonl"),
        "UTF-16 JSONL is not supported; convert it to UTF-8"
    );
}

#[test]
fn invalid_utf8_is_skipped_naming_the_bad_byte() {
    let dir = Scratch::new();
    dir.file("latin1.txt", b"caf\xe9 au lait");
    dir.file("truncated.txt", b"the story ends mid-character \xe2\x82");
    dir.file("overlong.txt", b"an overlong slash \xc0\xaf here");
    dir.file("surrogate.txt", b"a surrogate \xed\xa0\x80 half");
    dir.file(
        "feed.jsonl",
        [
            article("harbour").as_bytes(),
            b"\n",
            b"{\"text\": \"caf\xe9 au lait\"}\n",
            format!("{{\"text\": \"{}\"}}\n", article("mill")).as_bytes(),
        ]
        .concat(),
    );
    // The first line of the feed is plain text, not JSON: reported, not fatal.
    let report = accounted(&[dir.path()], 4 + 3);
    assert!(report.reason("latin1.txt").contains("not UTF-8"));
    assert!(report.reason("latin1.txt").contains("offset 3"));
    for name in ["truncated.txt", "overlong.txt", "surrogate.txt"] {
        assert!(report.reason(name).contains("not UTF-8"), "{name}");
    }
    assert!(report.reason("feed.jsonl:1").contains("invalid JSON"));
    assert!(report.reason("feed.jsonl:2").contains("not UTF-8"));
    report.article("feed.jsonl:3");
}

#[test]
fn a_100_mb_single_line_text_file_is_read_whole() {
    let dir = Scratch::new();
    let (text, words) = long_line(HUNDRED_MB);
    dir.file("huge.txt", text);
    dir.file("small.txt", article("harbour"));
    let report = accounted(&[dir.path()], 2);
    assert_read_whole(&report, "huge.txt", words);
}

#[test]
fn a_100_mb_jsonl_line_is_read_whole() {
    let dir = Scratch::new();
    let (text, words) = long_line(HUNDRED_MB);
    // The vocabulary needs no JSON escaping.
    let feed = format!(
        "{{\"id\": \"huge\", \"text\": \"{text}\"}}\n{{\"id\": \"small\", \"text\": \"{}\"}}\n",
        article("harbour")
    );
    drop(text);
    let path = dir.file("feed.jsonl", feed);
    let report = accounted(&[&path], 2);
    assert_read_whole(&report, "feed.jsonl:1", words);
    assert_eq!(report.article("feed.jsonl:2").id, "small");
}

#[test]
fn folders_200_levels_deep_are_walked_to_the_bottom() {
    let dir = Scratch::new();
    let deep: PathBuf = std::iter::repeat_n("d", 200).collect();
    let bottom = dir.file(
        deep.join("bottom.txt").to_str().unwrap(),
        article("harbour"),
    );
    let middle: PathBuf = std::iter::repeat_n("d", 100).collect();
    dir.file(middle.join("empty.txt").to_str().unwrap(), "");
    let report = accounted(&[dir.path()], 2);
    assert_eq!(
        report.article("bottom.txt").path,
        bottom.display().to_string()
    );
    assert_eq!(report.reason("empty.txt"), "empty file");
}

/// Builds a chain of `depth` folders with long names ending in a file, without ever naming a
/// path longer than the OS allows: each level is made at the top and the chain so far moved
/// into it.
#[cfg(unix)]
fn too_long_path(root: &Path, depth: usize) -> PathBuf {
    let chain = root.join("chain");
    let next = root.join("next");
    fs::create_dir(&chain).unwrap();
    fs::write(chain.join("unreachable.txt"), article("harbour")).unwrap();
    let long_name = "n".repeat(200);
    for _ in 0..depth {
        fs::create_dir(&next).unwrap();
        fs::rename(&chain, next.join(&long_name)).unwrap();
        fs::rename(&next, &chain).unwrap();
    }
    chain
}

#[cfg(unix)]
#[test]
fn paths_longer_than_the_os_allows_are_reported_not_fatal() {
    let dir = Scratch::new();
    // 40 levels of 200 characters: 8 KB, past PATH_MAX on Linux (4096) and macOS (1024).
    let chain = too_long_path(dir.path(), 40);
    let good = dir.file("good.txt", article("mill"));
    let report = accounted(&[&good, &chain], 2);
    let skip = &report.inputs.skipped_inputs[0];
    assert!(skip.path.starts_with(&chain.display().to_string()));
    assert_eq!(report.inputs.articles, 1);
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_dangling_links_are_reported_once_each() {
    use std::os::unix::fs::symlink;
    let dir = Scratch::new();
    dir.file("sub/good.txt", article("harbour"));
    // A link back to an ancestor would make a naive walk recurse forever.
    symlink("..", dir.path().join("sub/up")).unwrap();
    symlink("self", dir.path().join("self")).unwrap();
    symlink("nowhere.txt", dir.path().join("dangling.txt")).unwrap();
    let report = accounted(&[dir.path()], 4);
    report.article("sub/good.txt");
    assert!(report.reason("sub/up").contains("loop"));
    report.reason("self");
    report.reason("dangling.txt");
}

/// Run as a user whom permissions apply to (`nobody` when the tests run as root, as CI does).
#[cfg(unix)]
#[test]
fn unreadable_files_and_folders_are_reported() {
    use std::os::unix::fs::PermissionsExt;
    let Some(user) = common::Unprivileged::new() else {
        return;
    };
    let dir = Scratch::new();
    common::open_to_all(dir.path());
    dir.file("good.txt", article("harbour"));
    let secret = dir.file("secret.txt", article("mill"));
    let secret_feed = dir.file(
        "secret.jsonl",
        format!("{{\"text\": \"{}\"}}\n", article("quay")),
    );
    dir.file("locked/inner.txt", article("forge"));
    let locked = dir.path().join("locked");
    for path in [&secret, &secret_feed, &locked] {
        fs::set_permissions(path, fs::Permissions::from_mode(0o000)).unwrap();
    }
    let run = |path: &Path, inputs: usize| {
        let mut cmd = user.dedup();
        cmd.arg(path);
        accounted_run(cmd, inputs)
    };
    let report = run(dir.path(), 4);
    assert!(report.reason("secret.txt").contains("ermission denied"));
    assert!(report.reason("secret.jsonl").contains("ermission denied"));
    assert!(report.reason("locked").contains("ermission denied"));
    assert_eq!(report.inputs.articles, 1);
    report.article("good.txt");
    // Named on the command line, an unreadable file is a skip too, not an error.
    let alone = run(&secret, 1);
    assert!(alone.reason("secret.txt").contains("ermission denied"));
    // So that a user who is not root can remove the folder.
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn malformed_jsonl_lines_are_each_reported_with_their_line_number() {
    const ARTICLE: Option<&str> = None;
    const BLANK: Option<&str> = None;
    const NOT_STRING: Option<&str> = Some(r#"field "text" is not a string"#);
    const NO_TEXT: Option<&str> = Some(r#"no "text" field"#);
    const INVALID: Option<&str> = Some("invalid JSON");
    const NOT_OBJECT: Option<&str> = Some("not a JSON object");
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep_text = format!(r#"{{"text": {deep}}}"#);
    let deep_extra = format!(r#"{{"text": "deep extra field", "extra": {deep}}}"#);
    // Each line, and why it is skipped (ARTICLE: it is not; BLANK: not an input at all).
    let cases: &[(&[u8], Option<&str>)] = &[
        (br#"{"id": "ok", "text": "a fine article"}"#, ARTICLE),
        (b"not json", INVALID),
        (br#"{"text": "unterminated"#, INVALID),
        (br#"{"text": "fine words here"} trailing"#, INVALID),
        (b"   ", BLANK),
        (b"[1, 2, 3]", NOT_OBJECT),
        (br#""just a string""#, NOT_OBJECT),
        (b"42", NOT_OBJECT),
        (b"null", NOT_OBJECT),
        (br#"{"id": "n", "text": 5}"#, NOT_STRING),
        (br#"{"text": null}"#, NOT_STRING),
        (br#"{"text": ["a", "b"]}"#, NOT_STRING),
        (br#"{"id": "x"}"#, NO_TEXT),
        (b"{}", NO_TEXT),
        (br#"{"text": ""}"#, Some("no words")),
        (br#"{"text": " \n Advertisement \n "}"#, Some("no words")),
        (br#"{"text": "an escaped \u0000 is text"}"#, ARTICLE),
        (b"{\"text\": \"a raw NUL \0 byte\"}", Some("NUL")),
        // Deep nesting is neither a stack overflow nor a reason to lose the article.
        (deep.as_bytes(), NOT_OBJECT),
        (deep_text.as_bytes(), NOT_STRING),
        (deep_extra.as_bytes(), ARTICLE),
        // Odd metadata is dropped, never a reason to lose the article.
        (
            br#"{"id": true, "date": 20240316, "title": {}, "text": "odd"}"#,
            ARTICLE,
        ),
        (b"", BLANK),
    ];
    let feed: Vec<u8> = cases
        .iter()
        .flat_map(|(line, _)| [*line, b"\n"].concat())
        .collect();
    let dir = Scratch::new();
    let path = dir.file("feed.jsonl", feed);
    let blank = |line: &[u8]| line.iter().all(u8::is_ascii_whitespace);
    let inputs = cases.iter().filter(|(line, _)| !blank(line)).count();
    let report = accounted(&[&path], inputs);
    for (n, (line, expected)) in cases.iter().enumerate() {
        let suffix = format!("feed.jsonl:{}", n + 1);
        match expected {
            Some(why) => assert!(report.reason(&suffix).contains(why), "{suffix}"),
            None if blank(line) => {}
            None => {
                report.article(&suffix);
            }
        }
    }
    let odd = report.article("feed.jsonl:22");
    assert_eq!((odd.date.as_deref(), odd.title.as_deref()), (None, None));
    assert_eq!(odd.id, odd.path, "an unusable id falls back to the path");
    // A date dropped is said: it can change which article represents a cluster.
    let warnings = &report.inputs.warnings;
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(warnings[0].path.ends_with("feed.jsonl:22"));
    assert_eq!(
        warnings[0].reason,
        "date \"20240316\" is not YYYY-MM-DD; read as undated"
    );
}

#[test]
fn duplicate_ids_keep_every_article_apart_by_path() {
    let dir = Scratch::new();
    let line = |id: serde_json::Value, text: &str| {
        serde_json::json!({"id": id, "text": text}).to_string() + "\n"
    };
    let feed = [
        line("same".into(), &article("harbour")),
        line("same".into(), &article("harbour")),
        line("same".into(), &article("mill")),
        line(7.into(), &article("forge")),
        line("7".into(), &article("quay")),
    ]
    .concat();
    let path = dir.file("feed.jsonl", feed);
    let report = accounted(&[&path], 5);
    assert_eq!(report.inputs.skipped, 0);
    let paths: std::collections::BTreeSet<_> = report.articles().map(|m| &m.path).collect();
    assert_eq!(paths.len(), 5, "paths stay unique when ids do not");
    assert_eq!(report.clusters.len(), 1);
    let members: Vec<_> = report.clusters[0].members.iter().map(|m| &m.id).collect();
    assert_eq!(members, ["same", "same"]);
    assert_eq!(report.article("feed.jsonl:4").id, "7");
    assert_eq!(report.article("feed.jsonl:5").id, "7");
}

#[test]
fn crlf_line_endings_read_the_same_as_lf() {
    let text = " date 2024-03-16 Kim travels in a limousine from Moscow\n\n\
                State media said the car was a gift from the Russian president.\n\
                scroll to top\n\
                The official added that the car arrived by sea last month.\n";
    let records = [
        serde_json::json!({"id": "a", "date": "2024-03-16", "title": "Kim travels", "text": article("harbour")}),
        serde_json::json!({"id": "b", "text": format!("{}\r\n\r\nAdvertisement\r\n{}", article("mill"), article("forge"))}),
    ];
    let feed: String = records.iter().map(|r| r.to_string() + "\n").collect();
    let dir = Scratch::new();
    let lf_text = dir.file("lf/story.txt", text);
    let crlf_text = dir.file("crlf/story.txt", text.replace('\n', "\r\n"));
    let lf_feed = dir.file("lf/feed.jsonl", &feed);
    let crlf_feed = dir.file("crlf/feed.jsonl", feed.replace('\n', "\r\n"));
    let report = accounted(&[&lf_text, &crlf_text, &lf_feed, &crlf_feed], 6);
    for suffix in ["story.txt", "feed.jsonl:1", "feed.jsonl:2"] {
        let lf = report.article(&format!("/lf/{suffix}"));
        let crlf = report.article(&format!("/crlf/{suffix}"));
        let fields = |m: &Member| (m.id.clone(), m.date.clone(), m.title.clone(), m.words);
        assert_eq!(fields(lf), fields(crlf), "{suffix}");
    }
    let story = report.article("/lf/story.txt");
    assert_eq!(story.date.as_deref(), Some("2024-03-16"));
    assert_eq!(
        story.title.as_deref(),
        Some("Kim travels in a limousine from Moscow")
    );
    // The same article with either line ending is an exact copy of itself.
    assert_eq!(report.clusters.len(), 3);
    assert!(
        report
            .clusters
            .iter()
            .all(|c| c.members.len() == 2 && c.pairs[0].jaccard == 1.0)
    );
}

fn committed_bad(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/bad")
        .join(name)
}

#[test]
fn a_utf8_bom_is_ignored_like_the_encoding_mark_it_is() {
    // fixtures/bad/bom.txt and bom.jsonl are what Notepad and PowerShell write: a dated article
    // with a headline, and two JSONL records, behind the bytes EF BB BF. The mark once hid the
    // date and headline and made the first JSONL record invalid.
    let report = accounted(&[&committed_bad("bom.txt"), &committed_bad("bom.jsonl")], 3);
    let story = report.article("bom.txt");
    assert_eq!(story.date.as_deref(), Some("2024-03-16"));
    assert_eq!(
        story.title.as_deref(),
        Some("Kim travels in a limousine from Moscow")
    );
    assert_eq!(report.inputs.skipped, 0, "{:#?}", report.inputs);
    assert_eq!(report.article("bom.jsonl:1").id, "a");
    // PowerShell pipes add one on standard input too.
    let mut cmd = dedup();
    cmd.arg("-")
        .write_stdin(fs::read(committed_bad("bom.jsonl")).unwrap());
    let report = accounted_run(cmd, 2);
    assert_eq!(report.inputs.skipped, 0);
}

#[test]
fn an_empty_jsonl_file_is_reported_like_an_empty_text_file() {
    let dir = Scratch::new();
    let empty = dir.file("empty.jsonl", "");
    let blank = dir.file("blank.ndjson", "\n \n");
    let report = accounted(&[&empty, &blank], 2);
    assert_eq!(report.reason("empty.jsonl"), "empty file");
    assert_eq!(report.reason("blank.ndjson"), "empty file");
}

#[test]
fn bad_jsonl_on_standard_input_is_reported_by_line() {
    let mut cmd = dedup();
    cmd.arg("-").write_stdin(format!(
        "{{\"text\": \"{}\"}}\n\n<html>\n{{\"text\": 3}}\n",
        article("harbour")
    ));
    let report = accounted_run(cmd, 3);
    report.article("<stdin>:1");
    assert!(report.reason("<stdin>:3").contains("invalid JSON"));
    assert!(report.reason("<stdin>:4").contains("not a string"));
}

#[test]
fn a_missing_top_level_path_is_an_error_even_among_good_ones() {
    let dir = Scratch::new();
    let good = dir.file("good.txt", article("harbour"));
    let missing = dir.path().join("missing.txt");
    let mut cases = vec![missing.clone()];
    #[cfg(unix)]
    {
        let dangling = dir.path().join("dangling.txt");
        std::os::unix::fs::symlink(&missing, &dangling).unwrap();
        cases.push(dangling);
    }
    for path in cases {
        let out = dedup().arg(&good).arg(&path).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.starts_with(&format!("dedup: error: {}: ", path.display())),
            "{stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn a_folder_of_100k_tiny_files_is_read_completely() {
    // Creating and deleting the files is nearly all of this test's time, and on a busy disk
    // 100,000 took from 15 s to 100 s. In memory (Linux's /dev/shm) they take about 3 s; where
    // there is none, 20,000 still far exceed any batch or buffer size.
    let (dir, files) = match tempfile::tempdir_in("/dev/shm") {
        Ok(dir) => (Scratch(dir), 100_000),
        Err(_) => (Scratch::new(), 20_000),
    };
    const EMPTY_EVERY: usize = 500;
    const COPY_EVERY: usize = 2_000;
    let content = |i: usize| match i {
        i if i % EMPTY_EVERY == EMPTY_EVERY - 1 => String::new(),
        // Repeats its predecessor word for word.
        i if i % COPY_EVERY == 1 => article(&format!("t{}", i - 1)),
        i => article(&format!("t{i}")),
    };
    // Two writers: creating the files is most of this test's time.
    std::thread::scope(|scope| {
        for half in 0..2 {
            let (dir, content) = (&dir, &content);
            scope.spawn(move || {
                for i in (half..files).step_by(2) {
                    fs::write(dir.path().join(format!("{i:06}.txt")), content(i)).unwrap();
                }
            });
        }
    });
    let report = accounted(&[dir.path()], files);
    assert_eq!(report.inputs.files, files);
    // More skips than are warned about one by one, so the summary line is checked too.
    assert_eq!(report.inputs.skipped, files / EMPTY_EVERY);
    assert!(
        report
            .inputs
            .skipped_inputs
            .iter()
            .all(|s| s.reason == "empty file")
    );
    assert_eq!(report.clusters.len(), files / COPY_EVERY);
    assert!(report.clusters.iter().all(|c| c.members.len() == 2));
}

/// One per input, as the loader sees a folder: hidden entries are left out, JSONL files hold
/// one input per non-blank line, any other file is one input.
fn expected_inputs(path: &Path) -> usize {
    if path.is_dir() {
        return fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
            .map(|p| expected_inputs(&p))
            .sum();
    }
    match path.extension().and_then(|e| e.to_str()) {
        Some("jsonl" | "ndjson") => fs::read(path)
            .unwrap()
            .split(|&b| b == b'\n')
            .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
            .count(),
        _ => 1,
    }
}

#[test]
fn committed_bad_inputs_are_all_accounted_for() {
    let bad = committed_bad("");
    accounted(&[&bad], expected_inputs(&bad));
}

/// Runs `check` on every input committed under fixtures/bad/fuzz/`target`/.
fn replay_fuzz_inputs(target: &str, check: fn(&[u8])) {
    let dir = committed_bad("fuzz").join(target);
    let inputs: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    assert!(!inputs.is_empty(), "no inputs in {}", dir.display());
    for input in inputs {
        let data = fs::read(&input).unwrap();
        // Name the input when a check fails: the panic message alone does not.
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(outcome.is_ok(), "{target} fails on {}", input.display());
    }
}

#[test]
fn seed_files_the_fuzzer_found_parse_and_shingle_correctly() {
    replay_fuzz_inputs("seed_format", harness::seed_format);
}

#[test]
fn jsonl_lines_the_fuzzer_found_parse_correctly() {
    replay_fuzz_inputs("jsonl_record", harness::jsonl_record);
}

#[test]
fn damaged_index_files_are_errors_not_crashes() {
    replay_fuzz_inputs("index_file", harness::index_file);
}

#[cfg(unix)]
#[test]
fn special_files_in_a_folder_are_reported_not_silently_dropped() {
    let dir = Scratch::new();
    dir.file("good.txt", article("harbour"));
    let status = std::process::Command::new("mkfifo")
        .arg(dir.path().join("pipe.txt"))
        .status()
        .unwrap();
    assert!(status.success());
    let report = accounted(&[dir.path()], 2);
    report.reason("pipe.txt");
}

#[cfg(unix)]
#[test]
fn process_substitution_inputs_can_be_clustered() {
    // `<(zcat ...)` is a pipe that can be read only once; verification once read candidates
    // again and failed with "changed while dedup was running".
    if std::process::Command::new("bash")
        .arg("-c")
        .arg("true")
        .status()
        .is_err()
    {
        eprintln!("note: no bash for process substitution; skipped");
        return;
    }
    let seeds = seeds();
    // `$0` is the binary and `$@` the flags that accounted_run adds.
    let script = format!(
        "exec \"$0\" <(cat '{0}/000_1a9e1d88d631cba8.txt') <(cat '{0}/001_13e38ec530b71da4.txt') \"$@\"",
        seeds.display()
    );
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(script)
        .arg(assert_cmd::cargo::cargo_bin("dedup"));
    let report = accounted_run(cmd, 2);
    assert_eq!(report.clusters.len(), 1);
}

/// Runs `cmd` and checks what holds whatever the input: a status of 0, 1 or 2 (never a
/// crash or a signal), and no panic. Returns standard output and standard error.
fn status_in_range(cmd: &mut Command) -> (i32, Vec<u8>, String) {
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked at"), "dedup panicked:\n{stderr}");
    let code = out.status.code().unwrap_or(-1);
    assert!((0..=2).contains(&code), "status {:?}: {stderr}", out.status);
    (code, out.stdout, stderr)
}

#[test]
fn control_characters_in_titles_ids_and_file_names_never_reach_the_terminal() {
    let dir = Scratch::new();
    // OSC 52 sets the clipboard, OSC 0 the window title, CSI 2J clears the screen.
    let title = "Kim travels \u{1b}]52;c;cm0gLXJmIH4=\u{7} in a \u{1b}[2J limousine";
    let story = format!(" date 2024-03-16 {title}\n\n{}", article("harbour"));
    let a = dir.file("evil\u{1b}]0;pwned\u{7}.txt", &story);
    let b = dir.file("copy\r\nof.txt", &story);
    let feed = dir.file(
        "feed.jsonl",
        serde_json::json!({"id": "x\u{1b}[31m", "title": title, "text": article("harbour")})
            .to_string(),
    );
    let raw = |bytes: &[u8]| bytes.iter().any(|b| matches!(b, 0x1b | 0x07 | b'\r'));
    let (code, table, stderr) = status_in_range(
        dedup()
            .args(["--color", "never", "--singletons"])
            .arg(dir.path()),
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(!raw(&table), "{}", String::from_utf8_lossy(&table));
    let table = String::from_utf8(table).unwrap();
    assert!(table.contains("evil\\u{1b}]0;pwned\\u{7}.txt"), "{table}");
    assert!(table.contains("copy\\r\\nof.txt"), "{table}");
    assert_eq!(table.lines().filter(|l| l.contains("limousine")).count(), 3);
    let (code, explained, stderr) = status_in_range(dedup().arg("explain").arg(&a).arg(&b));
    assert_eq!(code, 0, "{stderr}");
    assert!(!raw(&explained), "{}", String::from_utf8_lossy(&explained));
    // Errors name paths too.
    let (code, _, stderr) = status_in_range(dedup().arg(dir.path().join("gone\u{1b}[2J.txt")));
    assert_eq!(code, 2);
    assert!(stderr.contains("gone\\u{1b}[2J.txt") && !stderr.contains('\u{1b}'));
    drop(feed);
}

#[test]
fn a_jsonl_line_over_the_limit_is_skipped_and_read_past() {
    // A sparse file: a line of 300 MB of NUL bytes costs the disk nothing, and read whole it
    // would cost 300 MB of memory (a 3 GB line once aborted dedup).
    let dir = Scratch::new();
    let path = dir.path().join("feed.jsonl");
    let first = format!(
        "{{\"id\": \"before\", \"text\": \"{}\"}}\n",
        article("harbour")
    );
    let last = format!(
        "\n{{\"id\": \"after\", \"text\": \"{}\"}}\n",
        article("mill")
    );
    let file = fs::File::create(&path).unwrap();
    use std::io::{Seek, Write};
    let mut file = std::io::BufWriter::new(file);
    file.write_all(first.as_bytes()).unwrap();
    file.seek(std::io::SeekFrom::Current(300 << 20)).unwrap();
    file.write_all(last.as_bytes()).unwrap();
    drop(file);
    let report = accounted(&[&path], 3);
    assert_eq!(report.article("feed.jsonl:1").id, "before");
    assert_eq!(report.article("feed.jsonl:3").id, "after");
    let reason = report.reason("feed.jsonl:2");
    assert!(
        reason.contains("longer than the 256 MB a JSONL line may have"),
        "{reason}"
    );
}

#[cfg(unix)]
#[test]
fn a_device_named_on_the_command_line_is_skipped_not_read_forever() {
    let dir = Scratch::new();
    let good = dir.file("good.txt", article("harbour"));
    let mut cmd = dedup();
    cmd.arg("/dev/zero")
        .arg(&good)
        .timeout(Duration::from_secs(60));
    let report = accounted_run(cmd, 2);
    assert_eq!(report.reason("/dev/zero"), "a device or socket, not a file");
}

#[cfg(target_os = "linux")]
#[test]
fn file_names_that_are_not_utf8_stay_distinct() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = Scratch::new();
    for (name, tag) in [(&b"caf\xe9.txt"[..], "harbour"), (b"caf\xe8.txt", "mill")] {
        fs::write(dir.path().join(OsStr::from_bytes(name)), article(tag)).unwrap();
    }
    let report = accounted(&[dir.path()], 2);
    report.article("caf\\xE9.txt");
    report.article("caf\\xE8.txt");
    let (_, csv, _) = status_in_range(
        dedup()
            .args(["--format", "csv", "--singletons"])
            .arg(dir.path()),
    );
    let csv = String::from_utf8(csv).unwrap();
    assert!(
        csv.contains("caf\\xE9.txt") && csv.contains("caf\\xE8.txt"),
        "{csv}"
    );
}

#[test]
fn csv_cells_are_never_spreadsheet_formulas() {
    let dir = Scratch::new();
    let feed: String = ["=HYPERLINK(\"http://x\",\"y\")", "@SUM(1+1)", "-1+2"]
        .iter()
        .map(|title| {
            serde_json::json!({"id": title, "title": title, "text": article("harbour")}).to_string()
                + "\n"
        })
        .collect();
    let path = dir.file("feed.jsonl", feed);
    let (code, csv, stderr) = status_in_range(dedup().args(["--format", "csv"]).arg(&path));
    assert_eq!(code, 0, "{stderr}");
    let csv = String::from_utf8(csv).unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 3, "{csv}");
    for row in rows {
        // Every cell of the row: none starts with what a spreadsheet runs.
        for cell in row.split(',') {
            assert!(!cell.starts_with(['=', '+', '-', '@']), "{row}");
        }
        assert!(row.contains(",\"'"), "{row}");
    }
}

#[test]
fn thousands_of_threads_are_capped_not_started() {
    let (code, table, stderr) = status_in_range(
        dedup()
            .args(["--threads", "100000"])
            .arg(seeds())
            .timeout(Duration::from_secs(60)),
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.starts_with("dedup: note: --threads 100000 lowered to "),
        "{stderr}"
    );
    let (_, usual, _) = status_in_range(dedup().arg(seeds()));
    assert_eq!(table, usual);
}

#[test]
fn errors_say_the_os_reason_once_and_name_the_bad_line() {
    let dir = Scratch::new();
    let feed = dir.file(
        "f.jsonl",
        format!("{{\"text\": \"{}\"}}\n", article("harbour")),
    );
    let missing = dir.path().join("nonexistent");
    let (code, _, stderr) = status_in_range(dedup().arg(&missing));
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        format!(
            "dedup: error: {}: No such file or directory (os error 2)\n",
            missing.display()
        )
    );
    let spec = format!("{}:99999999999", feed.display());
    let (code, _, stderr) = status_in_range(
        dedup()
            .arg("explain")
            .arg(&spec)
            .arg(format!("{}:1", feed.display())),
    );
    assert_eq!(code, 2);
    assert_eq!(stderr, format!("dedup: error: {spec}: no such line\n"));
}

/// `dedup ARGS` with its standard output closed by the reader before anything is written,
/// as `| head -0` does.
fn status_with_reader_gone(cmd: &mut Command) -> i32 {
    let mut child = std::process::Command::new(cmd.get_program())
        .args(cmd.get_args())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait().unwrap().code().unwrap_or(-1)
}

#[test]
fn a_closed_pipe_does_not_hide_that_duplicates_were_found() {
    for format in ["table", "github", "json"] {
        let mut cmd = dedup();
        cmd.args(["--fail-on-duplicates", "--format", format])
            .arg(seeds());
        assert_eq!(status_with_reader_gone(&mut cmd), 1, "{format}");
    }
}

#[test]
fn annotations_take_the_line_from_the_input_not_from_the_file_name() {
    let dir = Scratch::new();
    // A text file whose name ends like a JSONL member, and one with URI delimiters.
    let story = format!("{}\n{}", article("harbour"), article("mill"));
    // The representative (first in input order), so not annotated.
    dir.file("a.txt", &story);
    dir.file("notes:12", &story);
    dir.file("b 50%25 #1?.txt", &story);
    let (code, github, stderr) =
        status_in_range(dedup().args(["--format", "github"]).arg(dir.path()));
    assert_eq!(code, 0, "{stderr}");
    let github = String::from_utf8(github).unwrap();
    assert!(github.contains("notes%3A12,line=1,"), "{github}");
    let (_, sarif, _) = status_in_range(dedup().args(["--format", "sarif"]).arg(dir.path()));
    let sarif: serde_json::Value = serde_json::from_slice(&sarif).unwrap();
    let location = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    let uri = location["artifactLocation"]["uri"].as_str().unwrap();
    assert!(uri.ends_with("/b%2050%2525%20%231%3F.txt"), "{uri}");
    assert!(uri.starts_with("file:///"), "{uri}");
    assert_eq!(location["region"]["startLine"], 1);
    // Standard input has no URI: it is described.
    let mut cmd = dedup();
    cmd.args(["--format", "sarif", "-"]).write_stdin(
        [article("harbour"), article("harbour")]
            .map(|t| serde_json::json!({"text": t}).to_string() + "\n")
            .concat(),
    );
    let (_, sarif, _) = status_in_range(&mut cmd);
    let sarif: serde_json::Value = serde_json::from_slice(&sarif).unwrap();
    let location = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"],
        serde_json::json!({"description": {"text": "standard input"}})
    );
    assert_eq!(location["region"]["startLine"], 2);
}

/// The report is what a run is for: a standard output that cannot take it, full or closed by
/// the shell (`>&-`), is an error with status 2 that says why, never a silent success.
#[cfg(target_os = "linux")]
#[test]
fn a_report_that_cannot_be_written_is_an_error() {
    for (redirect, reason) in [
        (">/dev/full", "No space left on device"),
        (">&-", "standard output is closed"),
    ] {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("exec \"$0\" \"$@\" {redirect}"))
            .arg(assert_cmd::cargo::cargo_bin("dedup"))
            .arg(seeds())
            .output()
            .unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{redirect}: {stderr}");
        assert!(
            stderr.starts_with(&format!("dedup: error: writing the report: {reason}")),
            "{redirect}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
    // Nothing to write is no error, closed or not: no duplicates, no annotations.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("exec \"$0\" \"$@\" >&-")
        .arg(assert_cmd::cargo::cargo_bin("dedup"))
        .args(["--format", "github"])
        .arg(seeds().join("003_777f8e4d1f690fdd.txt"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

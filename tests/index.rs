//! `dedup index` and `dedup check`: a persistent archive index and CI-friendly reports.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};

use predicates::prelude::*;

mod common;
use common::{Report, copy_rule_articles, dedup, json_of, seeds, write_jsonl};

/// An archive with seeds 000, 003, 004 and a folder of new articles 001, 002.
fn archive_and_new() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let (archive, new) = (dir.path().join("archive"), dir.path().join("new"));
    std::fs::create_dir_all(&archive).unwrap();
    std::fs::create_dir_all(&new).unwrap();
    for entry in std::fs::read_dir(seeds()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let to = if name.starts_with("001") || name.starts_with("002") {
            &new
        } else {
            &archive
        };
        std::fs::copy(&path, to.join(&name)).unwrap();
    }
    (dir, archive, new)
}

fn build(archive: &Path, index: &Path) {
    dedup()
        .args(["index", "build", "--quiet", "-o"])
        .arg(index)
        .arg(archive)
        .assert()
        .success();
}

fn check_json(index: &Path, new: &Path) -> Report {
    let mut cmd = dedup();
    cmd.args(["check", "--index"]).arg(index).arg(new);
    json_of(cmd)
}

#[test]
fn new_copies_are_found_in_the_index_without_the_archive() {
    let (dir, archive, new) = archive_and_new();
    let index = dir.path().join("archive.idx");
    build(&archive, &index);
    // The archive is gone: the check must answer from the index alone.
    std::fs::remove_dir_all(&archive).unwrap();
    let before = std::fs::read(&index).unwrap();
    let report = check_json(&index, &new);
    // A check only reads: an index on a CI cache or a read-only mount stays as it was.
    assert!(
        std::fs::read(&index).unwrap() == before,
        "the check wrote to the index"
    );
    let clusters = &report.clusters;
    assert_eq!(clusters.len(), 1);
    let names: Vec<(&str, bool)> = clusters[0]
        .members
        .iter()
        .map(|m| (&m.id[..3], m.indexed))
        .collect();
    assert_eq!(names, [("001", false), ("002", false), ("000", true)]);
    // The archived original represents the story.
    assert!(clusters[0].representative.contains("000_"));
    for pair in &clusters[0].pairs {
        assert!(pair.jaccard >= 0.08);
    }
}

/// The copy rule is the same against an index: a rewrite of an archived article is found
/// although its Jaccard is below the threshold, and the archived articles that are only as
/// close (not contained, too short, or sharing one paragraph) are not. One-row bands make every
/// pair a candidate.
#[test]
fn a_rewrite_of_an_archived_article_is_found_below_the_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let [source, rewrite, same_size, short, background] = copy_rule_articles();
    let (archive, new) = (
        dir.path().join("archive.jsonl"),
        dir.path().join("new.jsonl"),
    );
    write_jsonl(&archive, &[source, same_size, short]);
    write_jsonl(&new, &[rewrite, background]);
    let index = dir.path().join("archive.idx");
    dedup()
        .args([
            "index", "build", "--quiet", "--bands", "512", "--rows", "1", "-o",
        ])
        .arg(&index)
        .arg(&archive)
        .assert()
        .success();
    let report = check_json(&index, &new);
    assert_eq!(report.clusters.len(), 1, "{:#?}", report.clusters);
    let members: Vec<(&str, bool)> = report.clusters[0]
        .members
        .iter()
        .map(|m| (m.id.as_str(), m.indexed))
        .collect();
    assert_eq!(members, [("rewrite", false), ("source", true)]);
    let pair = &report.clusters[0].pairs[0];
    assert!(pair.jaccard < 0.08, "{pair:?}");
    assert_eq!(pair.containment, 0.2525);
}

#[test]
fn check_fails_ci_and_annotates_the_pull_request() {
    let (dir, archive, new) = archive_and_new();
    let index = dir.path().join("archive.idx");
    build(&archive, &index);
    let out = dedup()
        .args([
            "check",
            "--format",
            "github",
            "--fail-on-duplicates",
            "--index",
        ])
        .arg(&index)
        .arg(&new)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with("::warning file="));
    assert!(lines[0].contains("001_13e38ec530b71da4.txt,line=1,title=Near-duplicate article::"));
    assert!(lines[0].contains("is a near-duplicate of"));
    assert!(lines[0].contains("000_1a9e1d88d631cba8.txt (Jaccard 0.3659"));

    let out = dedup()
        .args(["check", "--format", "sarif", "--index"])
        .arg(&index)
        .arg(&new)
        .output()
        .unwrap();
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["ruleId"], "near-duplicate");

    // Nothing new in common with the archive: success, no annotations.
    let lone = dir.path().join("lone");
    std::fs::create_dir(&lone).unwrap();
    std::fs::write(
        lone.join("x.txt"),
        "An unrelated story about city budgets and parks.",
    )
    .unwrap();
    dedup()
        .args([
            "check",
            "--format",
            "github",
            "--fail-on-duplicates",
            "--index",
        ])
        .arg(&index)
        .arg(&lone)
        .assert()
        .code(0)
        .stdout("");
}

#[test]
fn main_command_speaks_github_too() {
    dedup()
        .args(["--format", "github"])
        .arg(seeds())
        .assert()
        .success()
        .stdout(predicate::str::contains("::warning file="))
        .stdout(predicate::function(|s: &str| s.lines().count() == 2));
}

#[test]
fn added_articles_are_found_by_later_checks() {
    let (dir, archive, new) = archive_and_new();
    let index = dir.path().join("archive.idx");
    build(&archive, &index);
    dedup()
        .args(["index", "add"])
        .arg(&index)
        .arg(&new)
        .assert()
        .success()
        .stderr(predicate::str::contains("indexed 2 articles"));
    let report = check_json(&index, &new);
    // Each new article now also matches its own indexed copy exactly.
    assert!(report.clusters[0].pairs.iter().any(|p| p.jaccard == 1.0));
}

#[test]
fn other_settings_than_the_index_are_refused() {
    let (dir, archive, new) = archive_and_new();
    let index = dir.path().join("archive.idx");
    build(&archive, &index);
    dedup()
        .args(["check", "--threshold", "0.3", "--index"])
        .arg(&index)
        .arg(&new)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "the index was built with --threshold 0.08, not 0.3",
        ));
    dedup()
        .args(["index", "add", "--num-perm", "64"])
        .arg(&index)
        .arg(&new)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--num-perm 512, not 64"));
    // Repeating the index's own settings is fine.
    dedup()
        .args(["check", "--threshold", "0.08", "--index"])
        .arg(&index)
        .arg(&new)
        .assert()
        .success();
    // Also one that the defaults would not allow on its own: 1024 bands fit only the index's
    // 1024 values.
    let wide = dir.path().join("wide.idx");
    dedup()
        .args([
            "index",
            "build",
            "--quiet",
            "--num-perm",
            "1024",
            "--bands",
            "1024",
        ])
        .args(["--rows", "1", "-o"])
        .arg(&wide)
        .arg(&archive)
        .assert()
        .success();
    dedup()
        .args(["check", "--bands", "1024", "--index"])
        .arg(&wide)
        .arg(&new)
        .assert()
        .success();
}

#[test]
fn damaged_or_foreign_files_give_a_clear_error() {
    let (dir, archive, new) = archive_and_new();
    let index = dir.path().join("archive.idx");
    build(&archive, &index);
    let bytes = std::fs::read(&index).unwrap();
    let truncated = dir.path().join("truncated.idx");
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    let junk = dir.path().join("junk.idx");
    std::fs::write(&junk, "not an index at all").unwrap();
    let missing = dir.path().join("missing.idx");
    for (file, reason) in [
        (&truncated, "not a dedup index, or damaged"),
        (&junk, "not a dedup index, or damaged"),
        (&missing, "no such index file"),
    ] {
        dedup()
            .args(["check", "--index"])
            .arg(file)
            .arg(&new)
            .assert()
            .code(2)
            .stderr(predicate::str::starts_with(format!(
                "dedup: error: {}: {reason}",
                file.display()
            )))
            .stderr(predicate::str::contains("panicked").not());
    }
}

/// An `index add` of `index` that is under way and cannot finish: it reads its articles from
/// a pipe that is kept open, and once most of them are written (all but what the pipe holds),
/// it has opened the index and read them, however fast or slow the machine.
fn an_add_under_way(index: &Path) -> (std::process::Child, std::process::ChildStdin) {
    let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("dedup"))
        .args(["index", "add", "--quiet"])
        .arg(index)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    for i in 0..20_000 {
        let words: Vec<String> = (0..150)
            .map(|w| format!("w{}", (i * 7 + w * 13) % 9973))
            .collect();
        let line = serde_json::json!({"id": i, "text": words.join(" ")}).to_string();
        writeln!(pipe, "{line}").unwrap();
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "add finished before its input did"
    );
    (child, pipe)
}

/// Kills an add under way, as a crash or an out-of-memory kill would.
fn interrupt_an_add(index: &Path) {
    let (mut child, pipe) = an_add_under_way(index);
    child.kill().unwrap();
    child.wait().unwrap();
    drop(pipe);
}

#[test]
fn a_killed_add_leaves_the_previous_index_intact() {
    let (dir, archive, new) = archive_and_new();
    let index = dir.path().join("archive.idx");
    build(&archive, &index);
    interrupt_an_add(&index);
    // Still the three archived articles, and still answering.
    let report = check_json(&index, &new);
    assert_eq!(report.clusters.len(), 1);
    let members = &report.clusters[0].members;
    assert_eq!(members.iter().filter(|m| m.indexed).count(), 1);
    dedup()
        .args(["index", "add", "--quiet"])
        .arg(&index)
        .arg(&new)
        .assert()
        .success();
}

/// A check by a user who may read the index but not write it: refused with the reason, not
/// called damage, after an interrupted add (recovering needs a writer), and answered once a
/// writer has added to it again.
#[cfg(unix)]
#[test]
fn a_read_only_user_is_told_an_interrupted_add_needs_write_access() {
    use std::os::unix::fs::PermissionsExt;
    let Some(user) = common::Unprivileged::new() else {
        return;
    };
    let (dir, archive, new) = archive_and_new();
    common::open_to_all(dir.path());
    let index = dir.path().join("archive.idx");
    build(&archive, &index);
    let mode = |mode: u32| {
        std::fs::set_permissions(&index, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    let check = || {
        let mut cmd = user.dedup();
        cmd.args(["check", "--format", "json", "--index"])
            .arg(&index)
            .arg(&new);
        cmd
    };
    let refused = |reason: &str| {
        check()
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::starts_with(format!(
                "dedup: error: {}: {reason} (",
                index.display()
            )))
            .stderr(predicate::str::contains("damaged").not());
    };
    mode(0o600);
    refused("cannot open the index for reading");
    mode(0o644);
    check().assert().success();
    interrupt_an_add(&index);
    refused("needs write access to recover from an interrupted add");
    user.dedup()
        .args(["index", "add"])
        .arg(&index)
        .arg(&new)
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with(format!(
            "dedup: error: {}: cannot open the index for writing (",
            index.display()
        )));
    // The committed data was intact: a writer's add recovers the file and adds.
    dedup()
        .args(["index", "add", "--quiet"])
        .arg(&index)
        .arg(&new)
        .assert()
        .success();
    let out = check().output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let report: common::Report = serde_json::from_slice(&out.stdout).unwrap();
    let indexed = report.clusters[0].members.iter().filter(|m| m.indexed);
    assert_eq!(indexed.count(), 3, "{:#?}", report.clusters);
}

#[test]
fn a_failed_build_leaves_no_file_behind() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("x.idx");
    dedup()
        .args(["index", "build", "-o"])
        .arg(&index)
        .arg(dir.path().join("no-such-folder"))
        .assert()
        .code(2);
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_damaged_value_is_reported_not_returned() {
    let (dir, archive, new) = archive_and_new();
    let index = dir.path().join("archive.idx");
    build(&archive, &index);
    // Damage the stored id of the archived original, which the check reports: a byte changed
    // inside a value leaves redb's structure intact, so only our checksum can notice it.
    let mut bytes = std::fs::read(&index).unwrap();
    let id = b"000_1a9e1d88d631cba8";
    let mut damaged = 0;
    for at in 0..bytes.len() - id.len() {
        if &bytes[at..at + id.len()] == id {
            bytes[at] = b'9';
            damaged += 1;
        }
    }
    assert!(damaged > 0, "the id is not stored verbatim");
    std::fs::write(&index, &bytes).unwrap();
    let out = dedup()
        .args(["check", "--index"])
        .arg(&index)
        .arg(&new)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "a damaged index answered");
    let stderr = String::from_utf8(out.stderr).unwrap();
    let prefix = format!(
        "dedup: error: {}: not a dedup index, or damaged (entry ",
        index.display()
    );
    assert!(stderr.starts_with(&prefix), "{stderr}");
    assert!(
        stderr.contains(" of table articles fails its checksum)"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// Settings no flag could have made, stored in an index that is otherwise sound: reported as
/// damage, never a panic.
#[test]
fn an_index_with_impossible_settings_is_reported_as_damaged() {
    let (dir, _, new) = archive_and_new();
    let sound = dedup::Params::new(&dedup::Asked::default()).unwrap();
    for (name, params) in [
        (
            "no-values",
            dedup::Params {
                num_perm: 0,
                ..sound
            },
        ),
        (
            "too-many-bands",
            dedup::Params {
                bands: sound.num_perm,
                rows: 2,
                ..sound
            },
        ),
    ] {
        let path = dir.path().join(format!("{name}.idx"));
        let index = dedup::index::Index::create(&path, params).unwrap();
        index.finish(&path).unwrap();
        for args in [&["check", "--index"][..], &["index", "add"]] {
            dedup()
                .args(args)
                .arg(&path)
                .arg(&new)
                .assert()
                .code(2)
                .stderr(predicate::str::contains(
                    "not a dedup index, or damaged (impossible settings stored: --",
                ))
                .stderr(predicate::str::contains("panicked").not());
        }
    }
}

fn entry(path: &str, shingles: Vec<u32>, num_perm: usize) -> dedup::index::Entry {
    dedup::index::Entry {
        article: dedup::ArticleMeta {
            id: path.into(),
            path: path.into(),
            line: 0,
            date: None,
            title: None,
            words: shingles.len() as u32,
            indexed: false,
        },
        sketch: vec![1; num_perm],
        shingles: dedup::shingle::ShingleSet::from_sequence(shingles, 3),
    }
}

fn params() -> dedup::Params {
    dedup::Params {
        shingle: dedup::shingle::ShingleKind::Word,
        ngram: 3,
        minhash: dedup::minhash::Scheme::Oph,
        num_perm: 64,
        bands: 32,
        rows: 2,
        threshold: 0.08,
        seed: 42,
    }
}

/// Builds an index of `paths` at `out` in this process, as `index build` does.
fn build_in_process(out: &Path, paths: &[&str]) -> Result<(), dedup::index::IndexError> {
    let mut index = dedup::index::Index::create(out, params())?;
    let entries = paths.iter().map(|p| Ok(entry(p, vec![1, 2, 3], 64)));
    index.add(entries)?;
    index.finish(out)
}

#[cfg(unix)]
#[test]
fn a_build_starts_from_a_file_it_created_itself() {
    let dir = tempfile::tempdir().unwrap();
    // Where a build once staged its file: `<out>.partial-<pid>`, opened create-or-open. A
    // process of the same PID (common in containers) left a complete index there, or someone
    // planted a symbolic link.
    let leftover_at = |out: &Path| out.with_extension(format!("partial-{}", std::process::id()));
    let old = dir.path().join("old.idx");
    build_in_process(&old, &["old-1.txt", "old-2.txt"]).unwrap();
    let out = dir.path().join("new.idx");
    std::fs::copy(&old, leftover_at(&out)).unwrap();
    let victim = dir.path().join("elsewhere.idx");
    let linked = dir.path().join("linked.idx");
    std::os::unix::fs::symlink(&victim, leftover_at(&linked)).unwrap();

    build_in_process(&out, &["new.txt"]).unwrap();
    let index = dedup::index::Index::open_read_only(&out).unwrap();
    assert_eq!(index.len().unwrap(), 1, "old articles joined the new index");
    build_in_process(&linked, &["new.txt"]).unwrap();
    assert!(!victim.exists(), "the build followed a planted link");
    // Neither was touched, and no staging file is left behind.
    assert!(leftover_at(&out).is_file() && leftover_at(&linked).is_symlink());
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("partial") && !n.contains(&std::process::id().to_string()))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

#[test]
fn an_output_that_is_a_folder_is_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("existing");
    std::fs::create_dir(&out).unwrap();
    dedup()
        .args(["index", "build", "-o"])
        .arg(&out)
        .arg(seeds())
        .assert()
        .code(2)
        .stderr(format!(
            "dedup: error: {}: is a directory; name the index file to write\n",
            out.display()
        ));
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
}

#[test]
fn adding_the_same_files_again_adds_nothing() {
    let (dir, archive, new) = archive_and_new();
    let index = dir.path().join("archive.idx");
    build(&archive, &index);
    for (added, already) in [(2, 0), (0, 2)] {
        dedup()
            .args(["index", "add"])
            .arg(&index)
            .arg(&new)
            .assert()
            .success()
            .stderr(predicate::str::contains(format!(
                "indexed {added} articles into {} ({already} already indexed, 0 inputs skipped)",
                index.display()
            )));
    }
    // Retried with the archive too: only what is new to the index would be added.
    dedup()
        .args(["index", "add"])
        .arg(&index)
        .arg(&archive)
        .assert()
        .success()
        .stderr(predicate::str::contains("indexed 0 articles"));
    let report = check_json(&index, &new);
    // Each new article meets its one indexed copy, not two.
    for cluster in &report.clusters {
        let mut indexed: Vec<&str> = cluster
            .members
            .iter()
            .filter(|m| m.indexed)
            .map(|m| m.path.as_str())
            .collect();
        let listed = indexed.len();
        indexed.sort_unstable();
        indexed.dedup();
        assert_eq!(indexed.len(), listed, "indexed twice: {cluster:#?}");
    }
}

#[test]
fn a_busy_index_is_reported_as_in_use_not_damaged() {
    let (dir, archive, new) = archive_and_new();
    let index = dir.path().join("archive.idx");
    build(&archive, &index);
    let (mut adding, pipe) = an_add_under_way(&index);
    let in_use = format!(
        "dedup: error: {}: index is in use by another process",
        index.display()
    );
    for args in [&["check", "--index"][..], &["index", "add"]] {
        dedup()
            .args(args)
            .arg(&index)
            .arg(&new)
            .assert()
            .code(2)
            .stderr(predicate::str::starts_with(in_use.clone()));
    }
    assert!(
        adding.try_wait().unwrap().is_none(),
        "the add finished before the others were refused"
    );
    adding.kill().unwrap();
    adding.wait().unwrap();
    drop(pipe);
}

/// Damage made from a freshly built index, so that it keeps reaching the storage whatever the
/// format version: eight bytes inverted at a few offsets of every page, one place at a time.
/// An add on each either succeeds or fails with the one-line "damaged" error, status 2.
/// Bytes 64-71 of the third page once made redb panic in its own commit and again while
/// unwinding, which aborted the process (issue 13, fault 13); an add now checks the file first.
#[test]
fn an_add_to_a_damaged_index_is_an_error_never_an_abort() {
    const PAGE: usize = 4096;
    let (dir, archive, new) = archive_and_new();
    let index = dir.path().join("archive.idx");
    build(&archive, &index);
    let fresh = std::fs::read(&index).unwrap();
    let damaged = dir.path().join("damaged.idx");
    let mut failures = Vec::new();
    let mut refused = 0;
    for page in 0..fresh.len() / PAGE {
        for offset in [0, 16, 64, 512, 2048] {
            let at = page * PAGE + offset;
            let mut bytes = fresh.clone();
            for byte in &mut bytes[at..at + 8] {
                *byte ^= 0xff;
            }
            std::fs::write(&damaged, &bytes).unwrap();
            let out = dedup()
                .args(["index", "add"])
                .arg(&damaged)
                .arg(&new)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            let one_line_error = stderr.lines().count() == 1
                && stderr.starts_with(&format!("dedup: error: {}: ", damaged.display()))
                && stderr.contains("damaged");
            match out.status.code() {
                Some(0) => {}
                Some(2) if one_line_error => refused += 1,
                status => failures.push(format!("bytes {at}..{}: {status:?} {stderr}", at + 8)),
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(
        refused > 0,
        "no damage was found: the test damages nothing that is read"
    );
}

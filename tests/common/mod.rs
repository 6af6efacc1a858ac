//! Helpers shared by the integration tests: the binary, the fixtures, and the JSON report as
//! typed structs, so a test that reads a field the schema lacks fails to deserialise.

// Each test file is its own crate and uses a different part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde::Deserialize;

pub fn seeds() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seeds")
}

/// Word number `i`, of letters only: a word with a digit would count as a number the copy rule
/// compares.
pub fn word(mut i: usize) -> String {
    let mut letters = String::from("w");
    loop {
        letters.push(char::from(b'a' + (i % 26) as u8));
        i /= 26;
        if i == 0 {
            return letters;
        }
    }
}

/// Words `range`, space-separated.
pub fn words(range: std::ops::Range<usize>) -> String {
    range.map(word).collect::<Vec<_>>().join(" ")
}

/// A source of 600 shingles and four articles just below the threshold against it (Jaccard
/// 0.06-0.08), which share next to nothing with each other: a rewrite that keeps five-word
/// stretches of the source all through (51 of its 202 shingles are in the source), an article
/// of the source's size that shares 70 (12 %), a short item that shares half of its 80, and a
/// different story that carries one 60-word paragraph of the source. Only the rewrite is a copy.
pub fn copy_rule_articles() -> [(&'static str, String); 5] {
    let rewrite: Vec<String> = (0..17)
        .map(|g| {
            let kept = words(g * 30..g * 30 + 5);
            let own = words(1000 + g * 7..1000 + g * 7 + 7);
            format!("{kept} {own}")
        })
        .collect();
    [
        ("source", words(0..602)),
        ("rewrite", rewrite.join(" ")),
        (
            "same_size",
            format!("{} {}", words(300..372), words(2000..2530)),
        ),
        (
            "short",
            format!("{} {}", words(150..192), words(3000..3040)),
        ),
        (
            "background",
            format!(
                "{} {} {}",
                words(4000..4070),
                words(530..590),
                words(4070..4140)
            ),
        ),
    ]
}

/// Writes `(id, text)` articles as JSONL.
pub fn write_jsonl(path: &Path, articles: &[(&str, String)]) {
    let lines: Vec<String> = articles
        .iter()
        .map(|(id, text)| serde_json::json!({"id": id, "text": text}).to_string())
        .collect();
    std::fs::write(path, lines.join("\n")).unwrap();
}

pub fn dedup() -> Command {
    Command::cargo_bin("dedup").unwrap()
}

/// Runs `cmd` with `--format json` added, expects success, and parses the report.
pub fn json_of(mut cmd: Command) -> Report {
    let out = cmd.args(["--format", "json"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[derive(Debug, Deserialize)]
pub struct Report {
    pub dedup_version: String,
    pub schema_version: u32,
    pub parameters: Parameters,
    pub inputs: Inputs,
    pub summary: Summary,
    pub clusters: Vec<ClusterOut>,
    pub singletons: Option<Vec<Member>>,
}

#[derive(Debug, Deserialize)]
pub struct Parameters {
    pub shingle: String,
    pub ngram: usize,
    pub minhash: String,
    pub num_perm: usize,
    pub bands: usize,
    pub rows: usize,
    pub threshold: f64,
    pub seed: u64,
}

#[derive(Debug, Deserialize)]
pub struct Inputs {
    pub files: usize,
    pub articles: usize,
    pub skipped: usize,
    pub skipped_inputs: Vec<SkippedInput>,
    /// Articles that were read, with something to warn about.
    pub warnings: Vec<SkippedInput>,
}

#[derive(Debug, Deserialize)]
pub struct SkippedInput {
    pub path: String,
    pub reason: String,
}

#[derive(Debug, Deserialize)]
pub struct Summary {
    pub clusters: usize,
    pub clustered_articles: usize,
    pub singletons: usize,
    pub candidate_pairs: usize,
    pub verified_pairs: usize,
}

#[derive(Debug, Deserialize)]
pub struct ClusterOut {
    pub id: usize,
    pub size: usize,
    pub representative: String,
    pub members: Vec<Member>,
    pub pairs: Vec<PairOut>,
}

#[derive(Debug, Deserialize)]
pub struct Member {
    pub path: String,
    pub id: String,
    pub date: Option<String>,
    pub title: Option<String>,
    pub words: u32,
    /// Only present, and true, for indexed articles in `dedup check` output.
    #[serde(default)]
    pub indexed: bool,
}

#[derive(Debug, Deserialize)]
pub struct PairOut {
    pub a: String,
    pub b: String,
    pub jaccard: f64,
    pub estimate: f64,
    pub containment: f64,
    pub block_share: Option<f64>,
    pub verdict: String,
}

/// The built `dedup`, run as a user whom file permissions apply to. Root, which CI runs as,
/// reads and writes anything, so a test of what permissions deny would test nothing there:
/// as root, the binary is copied where anyone may run it and started as `nobody` (65534) by
/// `setpriv` or `runuser`.
#[cfg(unix)]
pub struct Unprivileged {
    /// Holds the copy of the binary.
    _bin: Option<tempfile::TempDir>,
    program: PathBuf,
    wrapper: Vec<String>,
}

#[cfg(unix)]
impl Unprivileged {
    /// `None`, with the reason printed, when permissions cannot be made to apply here.
    pub fn new() -> Option<Unprivileged> {
        use std::os::unix::fs::PermissionsExt;
        let built = assert_cmd::cargo::cargo_bin("dedup");
        let uid = std::process::Command::new("id").arg("-u").output();
        let root = match uid {
            Ok(out) => String::from_utf8_lossy(&out.stdout).trim() == "0",
            Err(e) => {
                eprintln!("note: skipped, `id -u` did not run: {e}");
                return None;
            }
        };
        if !root {
            return Some(Unprivileged {
                _bin: None,
                program: built,
                wrapper: Vec::new(),
            });
        }
        let bin = tempfile::tempdir().unwrap();
        let program = bin.path().join("dedup");
        std::fs::copy(&built, &program).unwrap();
        std::fs::set_permissions(bin.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let wrappers = [
            &[
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
            ][..],
            &["runuser", "-u", "nobody", "--"],
        ];
        for wrapper in wrappers {
            let runs = std::process::Command::new(wrapper[0])
                .args(&wrapper[1..])
                .arg(&program)
                .arg("--version")
                .output()
                .is_ok_and(|out| out.status.success());
            if runs {
                return Some(Unprivileged {
                    _bin: Some(bin),
                    program,
                    wrapper: wrapper.iter().map(|s| s.to_string()).collect(),
                });
            }
        }
        eprintln!(
            "note: skipped, running as root and neither setpriv nor runuser could start dedup as nobody"
        );
        None
    }

    pub fn dedup(&self) -> Command {
        let mut cmd = match self.wrapper.split_first() {
            Some((first, rest)) => {
                let mut cmd = std::process::Command::new(first);
                cmd.args(rest).arg(&self.program);
                cmd
            }
            None => std::process::Command::new(&self.program),
        };
        // Anyone may enter the folder it starts in.
        cmd.current_dir("/");
        Command::from_std(cmd)
    }
}

/// Lets anyone enter `folder` and read its files, as an unprivileged run needs.
#[cfg(unix)]
pub fn open_to_all(folder: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o755)).unwrap();
}

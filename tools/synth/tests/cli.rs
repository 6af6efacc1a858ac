//! The corpus generator through its binary: every kind of negative is labelled, and `dedup
//! eval` (the dedup binary, built by `cargo build --release` beside this one) counts each.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

fn synth() -> Command {
    Command::cargo_bin("dedup-synth").unwrap()
}

fn dedup() -> Command {
    Command::cargo_bin("dedup").expect("the dedup binary is built (cargo build --release)")
}

/// The seed articles of the repository as base articles.
fn seeds_as_jsonl(text_field: &str) -> String {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/seeds");
    let mut files: Vec<_> = std::fs::read_dir(seeds)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut out = String::new();
    for (i, file) in files.iter().enumerate() {
        let text = std::fs::read_to_string(file).unwrap();
        let line = serde_json::json!({"id": format!("a{i}"), text_field: text});
        out.push_str(&line.to_string());
        out.push('\n');
    }
    out
}

/// The generated corpus carries every kind of hard negative under its own label, and `dedup
/// eval` counts the merges of each; the footer test is one story per article.
#[test]
fn synth_labels_each_kind_of_negative_and_eval_counts_each() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.jsonl");
    std::fs::write(&base, seeds_as_jsonl("text")).unwrap();
    let eval = |corpus: &Path| -> serde_json::Value {
        let out = dedup()
            .args(["eval", "--format", "json", "--labels"])
            .arg(corpus.join("labels.jsonl"))
            .arg(corpus.join("articles.jsonl"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };

    let mixed = dir.path().join("mixed");
    synth()
        .args(["-n", "400", "--footers", "0.3", "--base"])
        .arg(&base)
        .arg("-o")
        .arg(&mixed)
        .assert()
        .success();
    let m = eval(&mixed);
    for kind in [
        "hard_negative",
        "shared_background",
        "shared_footer",
        "quoted",
        "template",
    ] {
        let count = &m["hard_negatives_by_kind"][kind];
        let articles = count["articles"].as_u64().unwrap_or(0);
        assert!(articles >= 3, "{kind}: {count}");
        assert!(count["merged"].as_u64().unwrap() <= articles);
    }
    dedup()
        .args(["eval", "--labels"])
        .arg(mixed.join("labels.jsonl"))
        .arg(mixed.join("articles.jsonl"))
        .assert()
        .success()
        .stdout(predicate::str::contains("  shared_background: "))
        .stdout(predicate::str::contains("  template: "));

    let footer = dir.path().join("footer");
    synth()
        .args(["--footer-test", "-n", "60", "--base"])
        .arg(&base)
        .arg("-o")
        .arg(&footer)
        .assert()
        .success();
    let labels = std::fs::read_to_string(footer.join("labels.jsonl")).unwrap();
    let stories: std::collections::HashSet<String> = labels
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["story"].to_string())
        .collect();
    assert_eq!(stories.len(), 60, "no two articles are copies");
    let m = eval(&footer);
    assert_eq!(m["hard_negatives_by_kind"]["shared_footer"]["articles"], 60);

    synth()
        .args(["--quoted", "1.5", "-o"])
        .arg(dir.path().join("bad"))
        .arg("--base")
        .arg(&base)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--quoted"))
        .stderr(predicate::str::contains("share from 0 to 1"));
}

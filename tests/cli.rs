//! Runs the real binary on `fixtures/` and on small corpora made in temporary folders.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};

use predicates::prelude::*;
use serde::Deserialize;

mod common;
use common::{
    ClusterOut, Report, copy_rule_articles, dedup, json_of, seeds, word, words, write_jsonl,
};

fn json_report(args: &[&str], paths: &[&Path]) -> Report {
    let mut cmd = dedup();
    cmd.args(args).args(paths);
    json_of(cmd)
}

/// What `dedup explain` prints for lines `a` and `b` of a JSONL corpus.
fn explain_lines(corpus: &Path, a: usize, b: usize) -> String {
    let out = dedup()
        .arg("explain")
        .arg(format!("{}:{a}", corpus.display()))
        .arg(format!("{}:{b}", corpus.display()))
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

fn ids(cluster: &ClusterOut) -> Vec<&str> {
    cluster.members.iter().map(|m| &m.id[..3]).collect()
}

#[test]
fn seeds_form_one_story_cluster_and_leave_the_other_event_apart() {
    let report = json_report(&[], &[&seeds()]);
    assert_eq!(report.inputs.articles, 5);
    assert_eq!(report.clusters.len(), 1, "{:#?}", report.clusters);
    let cluster = &report.clusters[0];
    assert_eq!(ids(cluster), ["000", "001", "002"]);
    assert_eq!(cluster.size, 3);
    assert_eq!(report.summary.singletons, 2);
    // Every reported pair is verified: exact score (the seeds' copies are all at or above the
    // threshold), estimate beside.
    let t = report.parameters.threshold;
    assert!(!cluster.pairs.is_empty());
    for pair in &cluster.pairs {
        assert!(pair.jaccard >= t, "{pair:?}");
        assert!((0.0..=1.0).contains(&pair.estimate));
        assert!(pair.a < pair.b);
    }
    // 000 and 001 are the closest pair.
    let best = cluster
        .pairs
        .iter()
        .max_by(|x, y| x.jaccard.total_cmp(&y.jaccard))
        .unwrap();
    assert!(
        best.a.contains("000_") && best.b.contains("001_"),
        "{best:?}"
    );
}

#[test]
fn json_echoes_parameters_and_article_metadata() {
    let report = json_report(&["--threshold", "0.07", "--num-perm", "128"], &[&seeds()]);
    assert_eq!(report.dedup_version, env!("CARGO_PKG_VERSION"));
    assert_eq!(report.schema_version, 1);
    let p = &report.parameters;
    assert_eq!(
        (p.shingle.as_str(), p.ngram, p.minhash.as_str()),
        ("word", 3, "oph")
    );
    assert_eq!((p.num_perm, p.threshold, p.seed), (128, 0.07, 42));
    assert!(p.bands * p.rows <= 128);
    assert_eq!(report.inputs.files, 5);
    let members = &report.clusters[0].members;
    assert_eq!(members[0].date.as_deref(), Some("2024-03-16"));
    assert!(
        members[1]
            .title
            .as_deref()
            .unwrap()
            .ends_with("| Politics News")
    );
    assert!(members[0].path.ends_with("000_1a9e1d88d631cba8.txt"));
    assert!(members.iter().all(|m| m.words > 200));
    // 000 and 002 share the earliest date; 002 is longer.
    assert_eq!(members[0].date, members[2].date);
    assert!(members[2].words > members[0].words);
    assert!(
        report.clusters[0]
            .representative
            .ends_with("002_83c33a88eb55b6cb.txt")
    );
    assert!(report.singletons.is_none());
    assert_eq!(report.summary.clustered_articles, 3);
    assert_eq!(report.summary.clusters, 1);
}

/// Each cluster is built so that one step of the rule decides its representative against the
/// others: the earliest date over a longer and earlier-read member (and over an undated one),
/// then among the earliest dates the longer member over the first read, then the first read
/// over an id that sorts first; without dates, the longest.
#[test]
fn the_representative_is_the_earliest_then_the_longest_then_the_first_read() {
    // Story `s`, cut to `words` words: the cuts of one story are copies of each other, and
    // stories share no words.
    let text = |s: usize, words: usize| -> String {
        (0..words)
            .map(|i| format!("s{s}w{i}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    // (id, story, words, date), in input order.
    let articles: [(&str, usize, usize, Option<&str>); 11] = [
        ("date-later-long", 1, 320, Some("2024-03-05")),
        ("date-undated-longest", 1, 340, None),
        ("date-earliest-short", 1, 250, Some("2024-03-01")),
        ("length-first-short", 2, 250, Some("2024-03-01")),
        ("length-longer", 2, 300, Some("2024-03-01")),
        ("length-later-longest", 2, 340, Some("2024-03-02")),
        ("order-zulu", 3, 300, Some("2024-03-01")),
        ("order-alpha", 3, 300, Some("2024-03-01")),
        ("order-later-longer", 3, 320, Some("2024-03-04")),
        ("undated-short", 4, 250, None),
        ("undated-long", 4, 300, None),
    ];
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("stories.jsonl");
    let lines: Vec<String> = articles
        .iter()
        .map(|&(id, story, words, date)| {
            serde_json::json!({"id": id, "text": text(story, words), "date": date}).to_string()
        })
        .collect();
    std::fs::write(&corpus, lines.join("\n")).unwrap();
    let report = json_report(&[], &[&corpus]);
    let mut chosen: Vec<(Vec<&str>, &str)> = report
        .clusters
        .iter()
        .map(|c| {
            let representative = c
                .members
                .iter()
                .find(|m| m.path == c.representative)
                .unwrap_or_else(|| panic!("{} is not a member", c.representative));
            let mut ids: Vec<&str> = c.members.iter().map(|m| m.id.as_str()).collect();
            ids.sort_unstable();
            (ids, representative.id.as_str())
        })
        .collect();
    chosen.sort_unstable();
    let expected = [
        (
            [
                "date-earliest-short",
                "date-later-long",
                "date-undated-longest",
            ],
            "date-earliest-short",
        ),
        (
            [
                "length-first-short",
                "length-later-longest",
                "length-longer",
            ],
            "length-longer",
        ),
        (
            ["order-alpha", "order-later-longer", "order-zulu"],
            "order-zulu",
        ),
    ];
    assert_eq!(chosen.len(), 4, "{chosen:?}");
    for ((ids, representative), (want_ids, want)) in chosen.iter().zip(expected) {
        assert_eq!((&ids[..], *representative), (&want_ids[..], want));
    }
    assert_eq!(
        chosen[3],
        (vec!["undated-long", "undated-short"], "undated-long")
    );
    // The lengths the rule saw are the ones made.
    let words: Vec<u32> = report
        .clusters
        .iter()
        .flat_map(|c| &c.members)
        .filter(|m| m.id.starts_with("length-"))
        .map(|m| m.words)
        .collect();
    assert_eq!(words.len(), 3);
    assert!(
        words.iter().all(|&w| [250, 300, 340].contains(&w)),
        "{words:?}"
    );
}

#[test]
fn singletons_are_listed_on_request() {
    let report = json_report(&["--singletons"], &[&seeds()]);
    let singles: Vec<_> = report
        .singletons
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(singles.len(), 2);
    assert!(singles[0].starts_with("003") && singles[1].starts_with("004"));
}

#[test]
fn output_is_identical_across_runs_and_thread_counts() {
    let run = |threads: &str, format: &str| {
        dedup()
            .args(["--threads", threads, "--format", format, "--singletons"])
            .arg(seeds())
            .output()
            .unwrap()
            .stdout
    };
    for format in ["json", "jsonl", "csv", "table"] {
        let one = run("1", format);
        assert!(!one.is_empty());
        assert_eq!(one, run("2", format), "{format}");
        assert_eq!(one, run("2", format), "{format}");
    }
}

/// Verification works in chunks of 16,384 articles or pairs, in parallel within a chunk: a
/// corpus that crosses many chunks, with the copies of each story spread over all of them,
/// gives the same bytes on one thread as on four.
#[test]
fn output_is_identical_on_any_thread_count_across_verification_chunks() {
    const STORIES: u64 = 3_000;
    const COPIES: u64 = 6;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wires.jsonl");
    // Copy `c` of story `s`: the story's 80 words (xorshift over a vocabulary shared by all
    // stories) with every 10th word from `c` on replaced, and a date of its own. Words of
    // letters only: an edited number would count as a changed specific.
    let word = |state: &mut u64| {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        let mut n = *state % 20_000;
        let mut word = String::from("w");
        for _ in 0..4 {
            word.push(char::from(b'a' + (n % 26) as u8));
            n /= 26;
        }
        word
    };
    let mut lines = Vec::new();
    for c in 0..COPIES {
        for s in 0..STORIES {
            let mut state = 0x9E37_79B9_7F4A_7C15 ^ (s + 1);
            let mut edit = 0x2545_F491_4F6C_DD1D ^ (s * COPIES + c + 1);
            let text: Vec<String> = (0..80)
                .map(|i| {
                    let kept = word(&mut state);
                    if i % 10 == c { word(&mut edit) } else { kept }
                })
                .collect();
            let date = format!("2024-{:02}-{:02}", 1 + s % 12, 1 + (s + c) % 28);
            lines.push(
                serde_json::json!({"id": format!("s{s}c{c}"), "text": text.join(" "), "date": date})
                    .to_string(),
            );
        }
    }
    std::fs::write(&path, lines.join("\n")).unwrap();
    let run = |threads: &str, format: &str| {
        let out = dedup()
            .args(["--threads", threads, "--format", format, "--singletons"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        out.stdout
    };
    let one = run("1", "json");
    let report: Report = serde_json::from_slice(&one).unwrap();
    // The corpus crosses the chunks: more articles and more candidate pairs than one holds.
    assert_eq!(report.inputs.articles, (STORIES * COPIES) as usize);
    assert!(
        report.summary.candidate_pairs > 1 << 14,
        "{:?}",
        report.summary
    );
    assert!(
        report.clusters.len() as u64 > STORIES * 9 / 10,
        "{:?}",
        report.summary
    );
    assert!(one == run("4", "json"), "json differs on four threads");
    assert!(
        run("1", "csv") == run("4", "csv"),
        "csv differs on four threads"
    );
}

#[test]
fn table_shows_clusters_pairs_and_a_summary_without_colour_in_a_pipe() {
    dedup()
        .arg(seeds())
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Cluster 1 · 3 articles · * representative",
        ))
        .stdout(predicate::str::contains("000_1a9e1d88d631cba8.txt"))
        .stdout(predicate::str::contains(
            "Kim Jong Un travels in a luxurious",
        ))
        .stdout(predicate::str::contains("jaccard"))
        .stdout(predicate::str::contains(
            "5 articles · 1 cluster (3 in clusters) · 2 singletons · 0 inputs skipped",
        ))
        .stdout(predicate::str::contains("\x1b[").not());
    dedup()
        .args(["--color", "always"])
        .arg(seeds())
        .assert()
        .stdout(predicate::str::contains("\x1b["));
}

#[test]
fn jsonl_has_one_cluster_per_line_and_csv_one_row_per_member() {
    let out = dedup()
        .args(["--format", "jsonl"])
        .arg(seeds())
        .output()
        .unwrap();
    let lines: Vec<&str> = std::str::from_utf8(&out.stdout).unwrap().lines().collect();
    assert_eq!(lines.len(), 1);
    let cluster: ClusterOut = serde_json::from_str(lines[0]).unwrap();
    assert_eq!((cluster.id, cluster.size), (1, 3));

    let out = dedup()
        .args(["--format", "csv", "--singletons"])
        .arg(seeds())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(
        rows[0],
        "cluster,size,representative,path,id,date,title,words,best_jaccard,indexed"
    );
    assert_eq!(rows.len(), 1 + 5);
    assert!(rows[1].starts_with("1,3,"));
    assert!(rows[4].starts_with("2,1,true,"));
}

#[test]
fn fail_on_duplicates_sets_exit_code_for_ci() {
    dedup()
        .args(["--quiet", "--fail-on-duplicates"])
        .arg(seeds())
        .assert()
        .code(1);
    dedup().arg(seeds()).assert().code(0);
    let dir = tempfile::tempdir().unwrap();
    for name in ["003_777f8e4d1f690fdd.txt", "004_b648ea855ce7c19a.txt"] {
        std::fs::copy(seeds().join(name), dir.path().join(name)).unwrap();
    }
    dedup()
        .args(["--fail-on-duplicates"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("0 clusters"));
}

/// The seeds as JSONL objects with the given field names.
fn seeds_as_jsonl(text_field: &str) -> String {
    let mut out = String::new();
    let mut files: Vec<_> = std::fs::read_dir(seeds())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for (i, file) in files.iter().enumerate() {
        let text = std::fs::read_to_string(file).unwrap();
        let line = serde_json::json!({"id": format!("a{i}"), text_field: text, "date": "2024-01-0".to_string() + &(i + 1).to_string()});
        out.push_str(&line.to_string());
        out.push('\n');
    }
    out
}

/// [`copy_rule_articles`] as one JSONL file.
fn write_copy_rule_corpus(dir: &Path) -> std::path::PathBuf {
    let corpus = dir.join("corpus.jsonl");
    write_jsonl(&corpus, &copy_rule_articles());
    corpus
}

/// Only the rewrite counts: the other three are as close in Jaccard, but one is not contained
/// enough, one is too short for containment to count, and one shares a single verbatim
/// paragraph. One-row bands make every such pair a candidate, so this tests the verification
/// rule rather than LSH luck.
#[test]
fn a_rewrite_below_the_threshold_counts_and_a_shared_paragraph_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = write_copy_rule_corpus(dir.path());
    let report = json_report(&["--bands", "512", "--rows", "1"], &[&corpus]);
    assert_eq!(report.clusters.len(), 1, "{:#?}", report.clusters);
    let members: Vec<_> = report.clusters[0].members.iter().map(|m| &m.id).collect();
    assert_eq!(members, ["source", "rewrite"]);
    let pair = &report.clusters[0].pairs[0];
    assert!(pair.jaccard < report.parameters.threshold, "{pair:?}");
    assert_eq!(pair.containment, 0.2525);
    assert_eq!(pair.verdict, "spread");
    assert_eq!(pair.block_share, Some(0.0));

    let table = dedup()
        .args(["--bands", "512", "--rows", "1"])
        .arg(&corpus)
        .output()
        .unwrap();
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(table.contains("contained"), "{table}");
    assert!(table.contains("0.253"), "{table}");
}

#[test]
fn jsonl_files_and_stdin_give_the_same_clusters() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus.jsonl");
    std::fs::write(&corpus, seeds_as_jsonl("body")).unwrap();
    let from_file = json_report(&["--text-field", "body"], &[&corpus]);
    assert_eq!(from_file.clusters.len(), 1);
    let members: Vec<_> = from_file.clusters[0]
        .members
        .iter()
        .map(|m| m.id.as_str())
        .collect();
    assert_eq!(members, ["a0", "a1", "a2"]);
    assert!(
        from_file.clusters[0].members[0]
            .path
            .ends_with("corpus.jsonl:1")
    );
    assert_eq!(
        from_file.clusters[0].representative,
        from_file.clusters[0].members[0].path
    );

    let out = dedup()
        .args(["--format", "json", "-"])
        .write_stdin(seeds_as_jsonl("text"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let from_stdin: Report = serde_json::from_slice(&out.stdout).unwrap();
    let members: Vec<_> = from_stdin.clusters[0]
        .members
        .iter()
        .map(|m| m.path.as_str())
        .collect();
    assert_eq!(members, ["<stdin>:1", "<stdin>:2", "<stdin>:3"]);
}

#[test]
fn missing_path_is_a_one_line_error_naming_it() {
    dedup()
        .arg("no/such/dir")
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("dedup: error: no/such/dir: "))
        .stderr(predicate::function(|s: &str| s.lines().count() == 1));
}

#[test]
fn bad_flags_are_rejected_with_the_reason() {
    dedup()
        .args(["--threshold", "1.5"])
        .arg(seeds())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("threshold must be in (0, 1]"));
    dedup()
        .args(["--bands", "200", "--rows", "3"])
        .arg(seeds())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("must fit in --num-perm"));
}

#[test]
fn bad_inputs_are_skipped_with_warnings_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["000_1a9e1d88d631cba8.txt", "001_13e38ec530b71da4.txt"] {
        std::fs::copy(seeds().join(name), dir.path().join(name)).unwrap();
    }
    std::fs::write(dir.path().join("empty.txt"), "").unwrap();
    std::fs::write(dir.path().join("image.txt"), b"\x89PNG\r\n\x1a\n\0\0\0").unwrap();
    std::fs::write(dir.path().join("latin1.txt"), b"caf\xe9 au lait").unwrap();
    std::fs::write(
        dir.path().join("chrome.txt"),
        "scroll to top\n\nloading...\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("feed.jsonl"),
        "{\"id\": 1, \"text\": \"fine article text here\"}\nnot json\n{\"id\": 2}\n",
    )
    .unwrap();
    let out = dedup()
        .args(["--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let report: Report = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report.inputs.articles, 3);
    assert_eq!(report.inputs.skipped, 6);
    let reason = |suffix: &str| {
        report
            .inputs
            .skipped_inputs
            .iter()
            .find(|s| s.path.ends_with(suffix))
            .map(|s| s.reason.as_str())
            .unwrap_or_else(|| panic!("{suffix} not reported"))
    };
    assert_eq!(reason("empty.txt"), "empty file");
    assert!(reason("image.txt").contains("binary"));
    assert!(reason("latin1.txt").contains("not UTF-8"));
    assert!(reason("chrome.txt").contains("no words"));
    assert!(reason("feed.jsonl:2").contains("invalid JSON"));
    assert!(reason("feed.jsonl:3").contains("no \"text\" field"));
    assert_eq!(report.clusters.len(), 1);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 6, "{stderr}");
    assert!(
        stderr
            .lines()
            .all(|l| l.starts_with("dedup: warning: skipped "))
    );
    // --quiet silences the warnings but not the counts.
    dedup().arg("--quiet").arg(dir.path()).assert().stderr("");
}

#[test]
fn closed_pipe_exits_quietly() {
    // Enough output that writing outlives the reader.
    let dir = tempfile::tempdir().unwrap();
    let mut corpus = String::new();
    for i in 0..3000 {
        let text = format!("article number {i} says the words w{i} x{i} y{i} z{i} apart");
        corpus.push_str(&serde_json::json!({"id": i, "text": text}).to_string());
        corpus.push('\n');
    }
    std::fs::write(dir.path().join("c.jsonl"), corpus).unwrap();
    let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("dedup"))
        .args(["--singletons", "--format", "jsonl"])
        .arg(dir.path().join("c.jsonl"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child.stderr.unwrap().read_to_string(&mut stderr).unwrap();
    assert!(status.success(), "{status:?} {stderr}");
    assert_eq!(stderr, "");
}

#[test]
fn help_teaches_with_examples_and_exit_codes() {
    dedup()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Examples:"))
        .stdout(predicate::str::contains("--fail-on-duplicates"))
        .stdout(predicate::str::contains("Exit status:"));
    dedup()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("dedup "));
}

#[derive(Debug, Deserialize)]
struct Metrics {
    articles: usize,
    overall: Scores,
    adjusted_rand_index: f64,
    per_kind: std::collections::BTreeMap<String, Scores>,
    hard_negatives: usize,
    hard_negatives_merged: usize,
}

#[derive(Debug, Deserialize)]
struct Scores {
    precision: f64,
    recall: f64,
    true_pairs: u64,
}

fn labels() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seeds-labels.jsonl")
}

#[test]
fn eval_scores_the_seeds_against_their_labels() {
    let out = dedup()
        .args(["eval", "--format", "json", "--labels"])
        .arg(labels())
        .arg(seeds())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m: Metrics = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(m.articles, 5);
    assert_eq!((m.overall.precision, m.overall.recall), (1.0, 1.0));
    assert_eq!(m.overall.true_pairs, 3);
    assert_eq!(m.adjusted_rand_index, 1.0);
    assert_eq!(m.per_kind["rewrite"].recall, 1.0);
    assert_eq!((m.hard_negatives, m.hard_negatives_merged), (1, 0));

    // A threshold too strict for the heavy rewrite loses it, and the scores say so.
    let out = dedup()
        .args(["eval", "--format", "json", "--threshold", "0.3", "--labels"])
        .arg(labels())
        .arg(seeds())
        .output()
        .unwrap();
    let m: Metrics = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(m.per_kind["rewrite"].recall, 0.0);
    assert!((m.overall.recall - 1.0 / 3.0).abs() < 1e-9);
    assert!(m.adjusted_rand_index < 1.0);

    dedup()
        .args(["eval", "--labels"])
        .arg(labels())
        .arg(seeds())
        .assert()
        .success()
        .stdout(predicate::str::contains("adjusted Rand index: 1.0000"))
        .stdout(predicate::str::contains(
            "hard negatives merged into another story: 0 of 1",
        ));
}

#[test]
fn eval_rejects_labels_that_match_no_article() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("labels.jsonl");
    std::fs::write(&bad, "{\"id\": \"nope\", \"story\": \"x\"}\n").unwrap();
    dedup()
        .args(["eval", "--labels"])
        .arg(&bad)
        .arg(seeds())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no article id matches a label"));
    std::fs::write(&bad, "{\"story\": \"x\"}\n").unwrap();
    dedup()
        .args(["eval", "--labels"])
        .arg(&bad)
        .arg(seeds())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "labels.jsonl:1: not a label object",
        ));
}

#[test]
fn explain_shows_scores_bands_and_shared_passages() {
    let a = seeds().join("000_1a9e1d88d631cba8.txt");
    let b = seeds().join("004_b648ea855ce7c19a.txt");
    dedup()
        .arg("explain")
        .arg(&a)
        .arg(&b)
        .assert()
        .success()
        .stdout(predicate::str::contains("exact Jaccard      0.0487"))
        .stdout(predicate::str::contains("not copies"))
        .stdout(predicate::str::contains(
            "from the united arab emirates to ningbo china for onward delivery to north korea",
        ))
        .stdout(predicate::str::contains("\x1b[").not());
    dedup()
        .args(["explain", "--color", "always"])
        .arg(&a)
        .arg(&b)
        .assert()
        .stdout(predicate::str::contains("\x1b[1;33m"));

    let out = dedup()
        .args(["explain", "--format", "json"])
        .arg(&a)
        .arg(seeds().join("001_13e38ec530b71da4.txt"))
        .output()
        .unwrap();
    let e: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(e["duplicate"], true);
    assert_eq!(e["candidate"], true);
    let jaccard = e["jaccard"].as_f64().unwrap();
    assert!(jaccard > 0.3 && jaccard < 0.45);
    // 001 adds paragraphs, so more of 000 is found in 001 than the other way round.
    assert!(e["containment_a_in_b"].as_f64() > e["containment_b_in_a"].as_f64());
    assert!(e["shared_passages"][0]["words"].as_u64().unwrap() >= 20);
}

/// explain says which part of the copy rule decided a pair below the threshold.
#[test]
fn explain_says_why_a_pair_below_the_threshold_is_or_is_not_a_copy() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = write_copy_rule_corpus(dir.path());
    let explain = |a: usize, b: usize| explain_lines(&corpus, a, b);
    let rewrite = explain(1, 2);
    let spread = "copies: enough is shared, and only 0.0 % of it in verbatim blocks";
    assert!(rewrite.contains(spread), "{rewrite}");
    let background = explain(1, 5);
    let blocks = "not copies: 100.0 % of what is shared sits in verbatim blocks of 10+ shingles";
    assert!(background.contains(blocks), "{background}");
    let same_size = explain(1, 3);
    let not_contained = "not copies: below the threshold, and only 11.7 % of the smaller \
                         article is in the other (copies from 0.060 need 20 %)";
    assert!(same_size.contains(not_contained), "{same_size}");
    let short = explain(1, 4);
    assert!(
        short.contains("the smaller article has under 100 shingles"),
        "{short}"
    );
    let unrelated = explain(2, 3);
    assert!(
        unrelated.contains("not copies: below the threshold\n"),
        "{unrelated}"
    );
}

/// RTÉ-style missing-person appeals: one template, filled for each incident.
fn appeal(age: u32, name: &str, town: &str, street: &str) -> String {
    format!(
        "Gardaí are seeking the public's assistance in tracing the whereabouts of {age}-year-old \
         {name}, who is missing from {town} since Tuesday. {name} was last seen on {street} at \
         around 3pm. He is described as being of slim build, with short hair. When last seen he \
         was wearing a navy jacket and dark jeans. Anyone with information is asked to contact \
         {town} Garda Station, the Garda Confidential Line on 1800 666 111 or any Garda station."
    )
}

/// Two appeals from one template report two missing people; the same appeal reworded by
/// another outlet is a copy. One-row bands make every pair a candidate.
#[test]
fn template_items_for_different_incidents_stay_apart() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("appeals.jsonl");
    let bray = appeal(16, "Cian Mulhall", "Bray", "Castle Street");
    let reworded = bray
        .replace("seeking the public's assistance in", "asking for help")
        .replace("When last seen he was wearing", "He wore");
    let enfield = appeal(41, "Allen Quinn", "Enfield", "Main Street Navan");
    write_jsonl(
        &corpus,
        &[
            ("bray", bray),
            ("bray-reworded", reworded),
            ("enfield", enfield),
        ],
    );
    let report = json_report(&["--bands", "512", "--rows", "1"], &[&corpus]);
    assert_eq!(report.clusters.len(), 1, "{:#?}", report.clusters);
    let members: Vec<_> = report.clusters[0].members.iter().map(|m| &m.id).collect();
    assert_eq!(members, ["bray", "bray-reworded"]);

    let text = explain_lines(&corpus, 1, 3);
    assert!(text.contains("one template filled twice"), "{text}");
}

/// Lower-case made-up words (no digits, no capitals: no names or numbers), `count` of them
/// from `start` on, so that texts share exactly the words they are built to share.
fn made_up_words(start: usize, count: usize) -> Vec<String> {
    (start..start + count)
        .map(|i| {
            let (a, b, c) = (i % 26, i / 26 % 26, i / 676 % 26);
            [c, b, a]
                .map(|d| char::from(b'a' + d as u8))
                .iter()
                .collect()
        })
        .collect()
}

/// Two stories that carry one background paragraph, verbatim in one and with every eighth word
/// changed in the other: no verbatim block is left, but all they share is one stretch of each.
#[test]
fn a_background_paragraph_reworded_in_one_story_is_not_a_copy() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("background.jsonl");
    let background = made_up_words(10_000, 60);
    let reworded: Vec<String> = background
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if i % 8 == 7 {
                format!("{w}x")
            } else {
                w.clone()
            }
        })
        .collect();
    let story = |own: usize, paragraph: &[String]| {
        [
            made_up_words(own, 70).join(" "),
            paragraph.join(" "),
            made_up_words(own + 70, 70).join(" "),
        ]
        .join("\n\n")
    };
    write_jsonl(
        &corpus,
        &[
            ("first", story(0, &background)),
            ("second", story(1_000, &reworded)),
        ],
    );
    let report = json_report(&["--bands", "512", "--rows", "1"], &[&corpus]);
    assert!(report.clusters.is_empty(), "{:#?}", report.clusters);

    let out = dedup()
        .args(["explain", "--format", "json"])
        .arg(format!("{}:1", corpus.display()))
        .arg(format!("{}:2", corpus.display()))
        .output()
        .unwrap();
    let e: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(e["jaccard"].as_f64().unwrap() >= 0.08, "{e}");
    assert_eq!(e["block_share_a"], 0.0, "{e}");
    assert_eq!(e["passage_share_a"], 1.0, "{e}");
    assert_eq!(e["verdict"], "passage", "{e}");
}

/// An explainer, a preview that reuses most of it, and a live blog that embeds the preview:
/// each neighbouring pair is covered, partly and by whole paragraphs, but the explainer and the
/// blog share nothing. They are not one cluster: a chain through the preview would join them.
#[test]
fn a_chain_of_reused_paragraphs_is_not_one_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("chain.jsonl");
    let paragraph = |start, count| made_up_words(start, count).join(" ");
    let (box_, preview_own) = (paragraph(0, 100), paragraph(1_000, 180));
    write_jsonl(
        &corpus,
        &[
            (
                "explainer",
                [box_.clone(), paragraph(2_000, 43)].join("\n\n"),
            ),
            ("preview", [box_, preview_own.clone()].join("\n\n")),
            ("blog", [preview_own, paragraph(3_000, 200)].join("\n\n")),
        ],
    );
    let report = json_report(&[], &[&corpus]);
    assert_eq!(report.clusters.len(), 1, "{:#?}", report.clusters);
    assert_eq!(
        report.clusters[0].members.len(),
        2,
        "{:#?}",
        report.clusters
    );

    let explain = |a: u32, b: u32| -> serde_json::Value {
        let out = dedup()
            .args(["explain", "--format", "json"])
            .arg(format!("{}:{a}", corpus.display()))
            .arg(format!("{}:{b}", corpus.display()))
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    for (a, b) in [(1, 2), (2, 3)] {
        let e = explain(a, b);
        assert_eq!(e["verdict"], "covered", "{e}");
        assert_eq!(e["close"], false, "{e}");
    }
    assert_eq!(explain(1, 3)["shared_shingles"], 0);
}

#[test]
fn explain_names_jsonl_lines_and_refuses_folders() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("c.jsonl");
    std::fs::write(&corpus, seeds_as_jsonl("text")).unwrap();
    let spec = |line: u32| format!("{}:{line}", corpus.display());
    dedup()
        .args(["explain", &spec(1), &spec(2)])
        .assert()
        .success()
        .stdout(predicate::str::contains("c.jsonl:2"));
    dedup()
        .args(["explain", &spec(1), &spec(9)])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such line"));
    dedup()
        .arg("explain")
        .arg(seeds())
        .arg(&corpus)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is a directory"));
}

#[test]
fn a_file_named_twice_is_read_once() {
    let twice = seeds().join("000_1a9e1d88d631cba8.txt");
    let report = json_report(&[], &[&seeds(), &twice]);
    assert_eq!(report.inputs.articles, 5);
    assert_eq!(report.clusters[0].size, 3);
    assert!(report.clusters[0].pairs.iter().all(|p| p.a != p.b));
}

#[test]
fn html_report_is_the_same_on_any_thread_count_and_says_why_stdin_texts_are_missing() {
    let page = |threads: &str| {
        let out = dedup()
            .args(["--format", "html", "-j", threads])
            .arg(seeds())
            .output()
            .unwrap();
        assert!(out.status.success());
        out.stdout
    };
    let one = page("1");
    assert_eq!(one, page("2"));
    let html = String::from_utf8(one).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        html.contains("id=\"dedup-b0\""),
        "the cluster's texts are embedded"
    );

    let out = dedup()
        .args(["--format", "html", "-"])
        .write_stdin(seeds_as_jsonl("text"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("standard input"), "{stderr}");
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(
        html.contains("cannot be read again"),
        "the page says it too"
    );
    // Listed all the same, `<` written as JSON's \u003c so no name can end a script element.
    assert!(html.contains("\\u003cstdin>:"));
}

/// A wire story republished twenty thousand times: verification stops once its copies are
/// joined, so the work and the report stay linear in the copies (all pairs would be 200
/// million), and every format reports every member with its strongest link.
#[test]
fn a_story_republished_twenty_thousand_times_costs_linear_work() {
    const COPIES: usize = 20_000;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wire.jsonl");
    let story: String = (0..150).map(|i| format!("w{i} ")).collect();
    let ids: Vec<String> = (0..COPIES).map(|i| format!("copy{i}")).collect();
    // Each copy adds a word of its own, so they are near, not exact, copies.
    let articles: Vec<(&str, String)> = ids
        .iter()
        .map(|id| (id.as_str(), format!("{story}{id}")))
        .collect();
    write_jsonl(&path, &articles);
    let report = json_report(&[], &[&path]);
    assert_eq!(report.clusters.len(), 1);
    let cluster = &report.clusters[0];
    assert_eq!(cluster.size, COPIES);
    assert_eq!(cluster.pairs.len(), COPIES - 1);
    assert!(
        report.summary.verified_pairs < 2 * COPIES,
        "{:?}",
        report.summary
    );

    let csv = dedup()
        .args(["--format", "csv"])
        .arg(&path)
        .output()
        .unwrap();
    let csv = String::from_utf8(csv.stdout).unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), COPIES);
    // best_jaccard: every member has a link.
    assert!(
        rows.iter()
            .all(|r| !r.split(',').nth(8).unwrap().is_empty())
    );
    let github = dedup()
        .args(["--format", "github"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        github.stdout.iter().filter(|&&b| b == b'\n').count(),
        COPIES - 1
    );
}

/// The JSON report of a run on `(id, text)` articles written as one JSONL file.
fn report_of(articles: &[(String, String)]) -> Report {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("articles.jsonl");
    let refs: Vec<(&str, String)> = articles
        .iter()
        .map(|(id, text)| (id.as_str(), text.clone()))
        .collect();
    write_jsonl(&path, &refs);
    json_report(&[], &[&path])
}

/// An outlet's items that carry its footer and one of its standard background boxes meet in
/// many small buckets made of those two, wording each found in dozens of items: they are
/// paired with a few anchors there, not every item with every other one of its box, and a
/// copy of one item is still found.
#[test]
fn items_sharing_an_outlets_boxes_are_paired_with_anchors_only() {
    const BOXES: usize = 7;
    const PER_BOX: usize = 60;
    let footer = words(0..60);
    let boxes: Vec<String> = (0..BOXES)
        .map(|b| words(1_000 + b * 40..1_000 + (b + 1) * 40))
        .collect();
    let item = |i: usize| -> String {
        let own = words(10_000 + i * 120..10_000 + (i + 1) * 120);
        format!("{own} {} {footer}", boxes[i % BOXES])
    };
    let mut articles: Vec<(String, String)> = (0..BOXES * PER_BOX)
        .map(|i| (format!("item{i}"), item(i)))
        .collect();
    articles.push(("copy-of-item7".into(), item(7)));
    let report = report_of(&articles);
    let clusters: Vec<Vec<&str>> = report
        .clusters
        .iter()
        .map(|c| c.members.iter().map(|m| m.id.as_str()).collect())
        .collect();
    assert_eq!(clusters, [["item7", "copy-of-item7"]]);
    // Every two items of a box (1,770 a box) and the footer's anchors came to 38,412 pairs;
    // anchored in the boxes' buckets too, 26,302.
    assert!(
        report.summary.candidate_pairs < 30_000,
        "{:?}",
        report.summary
    );
}

/// A story republished 300 times fills every bucket its copies share with common values; the
/// outlets that add a paragraph of their own to it still meet its copies there, and join its
/// cluster.
#[test]
fn copies_that_add_to_a_much_republished_story_join_it() {
    let story: Vec<String> = (0..150).map(|i| word(i * 7 + 1)).collect();
    let mut articles: Vec<(String, String)> = (0..300)
        .map(|c| {
            let mut copy = story.clone();
            for e in 0..4 {
                copy[(c * 37 + e * 41) % 150] = word(100_000 + c * 4 + e);
            }
            (format!("copy{c}"), copy.join(" "))
        })
        .collect();
    for c in 0..20 {
        let own = words(200_000 + c * 60..200_000 + (c + 1) * 60);
        articles.push((format!("added{c}"), format!("{} {own}", story.join(" "))));
    }
    let report = report_of(&articles);
    assert_eq!(report.clusters.len(), 1, "{:?}", report.summary);
    assert_eq!(report.clusters[0].size, 320);
}

#[test]
fn all_pairs_lists_every_copy_pair_and_the_same_clusters() {
    let tree = json_report(&[], &[&seeds()]);
    let all = json_report(&["--all-pairs"], &[&seeds()]);
    let members = |r: &Report| -> Vec<Vec<String>> {
        r.clusters
            .iter()
            .map(|c| c.members.iter().map(|m| m.id.clone()).collect())
            .collect()
    };
    assert_eq!(members(&tree), members(&all));
    // The three seeds are copies of each other: a tree joins them with two pairs.
    assert_eq!(tree.clusters[0].pairs.len(), 2);
    assert_eq!(all.clusters[0].pairs.len(), 3);
}

/// A report, and the next day's story that carries its paragraphs under an opening and a
/// close of its own (65 % of it the report's, in two unbroken stretches): copies when
/// published the same day (a rolling report), a follow-up a day later.
#[test]
fn reused_paragraphs_a_day_later_are_a_follow_up() {
    let dir = tempfile::tempdir().unwrap();
    let report = words(0..300);
    let next = format!(
        "{} {} {}",
        words(5000..5150),
        words(0..195),
        words(9000..9105)
    );
    let corpus = |next_date: &str| {
        let path = dir.path().join(format!("{next_date}.jsonl"));
        let lines = [
            serde_json::json!({"id": "report", "text": report, "date": "2024-03-01"}),
            serde_json::json!({"id": "next", "text": next, "date": next_date}),
        ];
        std::fs::write(&path, lines.map(|l| l.to_string()).join("\n")).unwrap();
        path
    };
    let same_day = json_report(&[], &[&corpus("2024-03-01")]);
    assert_eq!(same_day.summary.clusters, 1, "{:#?}", same_day.clusters);
    let next_day = corpus("2024-03-02");
    let apart = json_report(&[], &[&next_day]);
    assert_eq!(apart.summary.clusters, 0, "{:#?}", apart.clusters);
    let text = explain_lines(&next_day, 1, 2);
    assert!(text.contains("published apart    1 day\n"), "{text}");
    assert!(
        text.contains("in verbatim blocks (whole paragraphs reused, 85 % or more), published 1 day apart (a follow-up"),
        "{text}"
    );
}

//! The HTML report in a real browser: Debian's headless Chromium, driven over the DevTools
//! protocol on a pipe (`--remote-debugging-pipe`), so nothing listens on a port and no
//! driver is installed. `.ci/run` installs Chromium when it is missing; without it these tests
//! say so in one line and pass.
//!
//! Screenshots go to `target/tmp/browser/`.

#![cfg(all(target_os = "linux", target_env = "gnu"))]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

use common::{dedup, seeds};

const TIMEOUT: Duration = Duration::from_secs(60);

/// Debian's Chromium, or the one `DEDUP_CHROMIUM` names.
fn chromium() -> PathBuf {
    std::env::var_os("DEDUP_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// Chromium when installed; otherwise one line on standard error and `None`.
fn browser(test: &str) -> Option<Browser> {
    let path = chromium();
    if path.exists() {
        Some(Browser::launch(&path))
    } else {
        // Straight to standard error: the test harness hides what eprintln! prints in a
        // test that passes, and a skip must not be silent.
        let _ = writeln!(
            std::io::stderr(),
            "skipping browser test {test}: {} is not installed (.ci/run installs it)",
            path.display()
        );
        None
    }
}

fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A headless Chromium with one page attached. Every console error, uncaught exception and
/// browser log error (a blocked request, a Content-Security-Policy violation) is kept and
/// fails the test in [`Browser::assert_no_errors`].
struct Browser {
    child: Child,
    commands: std::io::PipeWriter,
    events: Receiver<Value>,
    next_id: u64,
    session: String,
    errors: Vec<String>,
    _profile: tempfile::TempDir,
}

impl Browser {
    fn launch(path: &Path) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let (their_commands, commands) = std::io::pipe().unwrap();
        let (replies, their_replies) = std::io::pipe().unwrap();
        let (cmd_fd, reply_fd) = (their_commands.as_raw_fd(), their_replies.as_raw_fd());
        let mut command = Command::new(path);
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--remote-debugging-pipe",
                "--window-size=1280,1000",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // SAFETY: only async-signal-safe calls (fcntl, dup2) between fork and exec. The pipe
        // ends are first copied above 10 so that moving them to 3 and 4 cannot overwrite one
        // with the other; dup2 leaves the copies open across exec.
        unsafe {
            command.pre_exec(move || {
                let c = libc::fcntl(cmd_fd, libc::F_DUPFD, 10);
                let r = libc::fcntl(reply_fd, libc::F_DUPFD, 10);
                if c < 0 || r < 0 || libc::dup2(c, 3) < 0 || libc::dup2(r, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().expect("start chromium");
        drop((their_commands, their_replies));
        let (sender, events) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(replies);
            let mut message = Vec::new();
            while reader.read_until(0, &mut message).unwrap_or(0) > 0 {
                message.pop_if(|b| *b == 0);
                if let Ok(value) = serde_json::from_slice(&message)
                    && sender.send(value).is_err()
                {
                    break;
                }
                message.clear();
            }
        });
        let mut browser = Browser {
            child,
            commands,
            events,
            next_id: 0,
            session: String::new(),
            errors: Vec::new(),
            _profile: profile,
        };
        let target = browser.call("Target.createTarget", json!({"url": "about:blank"}));
        let attached = browser.call(
            "Target.attachToTarget",
            json!({"targetId": target["targetId"], "flatten": true}),
        );
        browser.session = attached["sessionId"].as_str().unwrap().to_string();
        for domain in ["Runtime.enable", "Log.enable", "Page.enable"] {
            browser.call(domain, json!({}));
        }
        browser
    }

    /// Sends a command and waits for its reply, keeping the events that arrive meanwhile.
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if !self.session.is_empty() {
            message["sessionId"] = json!(self.session);
        }
        let mut bytes = serde_json::to_vec(&message).unwrap();
        bytes.push(0);
        self.commands.write_all(&bytes).unwrap();
        let reply = self.wait_for(|m| m["id"] == json!(id), method);
        assert!(reply.get("error").is_none(), "{method}: {}", reply["error"]);
        reply["result"].clone()
    }

    fn wait_for(&mut self, wanted: impl Fn(&Value) -> bool, what: &str) -> Value {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(message) => {
                    self.keep_error(&message);
                    if wanted(&message) {
                        return message;
                    }
                }
                Err(RecvTimeoutError::Timeout) => panic!("chromium did not answer {what}"),
                Err(RecvTimeoutError::Disconnected) => panic!("chromium exited during {what}"),
            }
        }
    }

    fn keep_error(&mut self, message: &Value) {
        let p = &message["params"];
        match message["method"].as_str() {
            Some("Runtime.exceptionThrown") => self
                .errors
                .push(format!("exception: {}", p["exceptionDetails"])),
            Some("Runtime.consoleAPICalled")
                if matches!(p["type"].as_str(), Some("error" | "assert")) =>
            {
                self.errors
                    .push(format!("console.{}: {}", p["type"], p["args"]))
            }
            Some("Log.entryAdded") if p["entry"]["level"] == "error" => {
                self.errors.push(format!("log: {}", p["entry"]["text"]))
            }
            _ => {}
        }
    }

    fn open(&mut self, page: &Path) {
        let url = format!("file://{}", page.canonicalize().unwrap().display());
        self.call("Page.navigate", json!({"url": url}));
        self.wait_for(|m| m["method"] == "Page.loadEventFired", "the page load");
        assert_eq!(
            self.eval("document.documentElement.dataset.ready"),
            json!("true"),
            "the page's code did not finish: {:?}",
            self.errors
        );
    }

    /// Waits until a JavaScript condition holds in the page (texts are unpacked
    /// asynchronously).
    fn wait_until(&mut self, condition: &str) {
        let poll = format!(
            "new Promise((done, fail) => {{ const start = Date.now(); (function poll() {{
               if ({condition}) done(true);
               else if (Date.now() - start > 20000) fail(new Error('timed out'));
               else setTimeout(poll, 20); }})(); }})"
        );
        self.eval(&poll);
    }

    /// The value of a JavaScript expression in the page (awaited when it is a promise).
    fn eval(&mut self, expression: &str) -> Value {
        let result = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
        );
        assert!(
            result.get("exceptionDetails").is_none(),
            "{expression}: {}",
            result["exceptionDetails"]
        );
        result["result"]["value"].clone()
    }

    fn screenshot(&mut self, name: &str) -> PathBuf {
        let size = self.call("Page.getLayoutMetrics", json!({}))["cssContentSize"].clone();
        let clip =
            json!({"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1});
        let shot = self.call(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true, "clip": clip}),
        );
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap())
            .unwrap();
        let path = out_dir().join(name);
        std::fs::write(&path, png).unwrap();
        path
    }

    fn assert_no_errors(&self) {
        assert!(self.errors.is_empty(), "browser errors: {:#?}", self.errors);
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn write_report(args: &[&str], paths: &[&Path], name: &str) -> PathBuf {
    let out = dedup()
        .args(["--format", "html", "--quiet"])
        .args(args)
        .args(paths)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = out_dir().join(name);
    std::fs::write(&page, &out.stdout).unwrap();
    page
}

#[test]
fn seeds_page_shows_the_cluster_its_shared_passages_and_exports_labels_eval_reads() {
    let Some(mut browser) = browser("seeds") else {
        return;
    };
    let page = write_report(&[], &[&seeds()], "seeds.html");
    browser.open(&page);
    let members =
        browser.eval("document.querySelectorAll('#cluster-1 table.members tbody tr').length");
    assert_eq!(members, json!(3));
    assert_eq!(
        browser.eval("document.querySelectorAll('.cluster').length"),
        json!(1)
    );
    // Open the texts: the representative beside its closest copy, passages highlighted in both.
    browser.eval("document.querySelector('#cluster-1 button.open').click()");
    browser.wait_until("document.querySelector('#cluster-1 .text')");
    let marks = browser.eval(
        "[...document.querySelectorAll('#cluster-1 .text')].map(t => t.querySelectorAll('mark').length)",
    );
    let counts: Vec<u64> = serde_json::from_value(marks).unwrap();
    assert_eq!(counts.len(), 2);
    assert!(counts.iter().all(|&n| n > 0), "marks per side: {counts:?}");
    // A passage is the same words on both sides (compared as the copy rule does: folded).
    let same = browser.eval(
        "(() => { const fold = s => s.toLowerCase().match(/[\\p{L}\\p{N}]+/gu).join(' ');
           const a = document.querySelector('#cluster-1 .text[data-side=a] mark[data-p=\"0\"]');
           const b = document.querySelector('#cluster-1 .text[data-side=b] mark[data-p=\"0\"]');
           return [fold(a.textContent), fold(b.textContent)]; })()",
    );
    assert_eq!(same[0], same[1]);
    assert!(same[0].as_str().unwrap().split(' ').count() >= 3);
    let signals = browser.eval(
        "[...document.querySelectorAll('#cluster-1 .signals span:first-child')].map(s => s.textContent)",
    );
    assert!(
        signals.as_array().unwrap().iter().any(|s| s == "jaccard"),
        "{signals}"
    );
    browser.screenshot("seeds.png");

    // Mark the cluster "not a copy" and export: eval then counts its three pairs as wrong.
    browser.eval("document.querySelector('#cluster-1 input.reject-cluster').click()");
    browser.eval("document.getElementById('export').click()");
    let labels = browser.eval("document.getElementById('labels').value");
    let labels_path = out_dir().join("seeds-labels.jsonl");
    std::fs::write(&labels_path, labels.as_str().unwrap()).unwrap();
    browser.assert_no_errors();
    let eval = dedup()
        .args(["eval", "--quiet", "--format", "json", "--labels"])
        .arg(&labels_path)
        .arg(seeds())
        .output()
        .unwrap();
    assert!(
        eval.status.success(),
        "{}",
        String::from_utf8_lossy(&eval.stderr)
    );
    let metrics: Value = serde_json::from_slice(&eval.stdout).unwrap();
    assert_eq!(metrics["articles"], json!(3));
    assert_eq!(metrics["overall"]["predicted_pairs"], json!(3));
    assert_eq!(metrics["overall"]["correct_pairs"], json!(0));
    assert_eq!(
        metrics["hard_negatives_by_kind"]["not_a_copy"]["merged"],
        json!(3)
    );
}

#[test]
fn hostile_headline_and_file_name_show_as_text_and_run_nothing() {
    let Some(mut browser) = browser("hostile") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let body = std::fs::read_to_string(seeds().join("000_1a9e1d88d631cba8.txt")).unwrap();
    let headline = "<script>window.pwned = 1</script><img src=x onerror=\"window.pwned = 2\">";
    let hostile_body = format!("{body}\n</script><script>window.pwned = 3</script><!--");
    let lines = [
        json!({"id": "evil", "title": headline, "text": hostile_body}),
        json!({"id": "plain", "title": "Plain", "text": body}),
    ];
    let jsonl: Vec<String> = lines.iter().map(Value::to_string).collect();
    std::fs::write(dir.path().join("feed.jsonl"), jsonl.join("\n")).unwrap();
    std::fs::write(
        dir.path().join("<img src=x onerror=window.pwned=4>.txt"),
        &body,
    )
    .unwrap();
    let page = write_report(&[], &[dir.path()], "hostile.html");
    browser.open(&page);
    browser.eval("document.querySelector('#cluster-1 button.open').click()");
    browser.wait_until("document.querySelector('#cluster-1 .text')");
    // Compare the file (first by name) with the hostile JSONL article.
    browser.eval(
        "(() => { const [a, b] = document.querySelectorAll('#cluster-1 .pair-bar select');
           a.value = '0'; b.value = '1'; b.dispatchEvent(new Event('change')); })()",
    );
    // The headline cell and the text's heading hold the headline as typed. and the text's heading hold the headline as typed.
    let shown = browser.eval(&format!(
        "[...document.querySelectorAll('td.headline, .text h4')].filter(e => e.textContent === {}).length",
        json!(headline)
    ));
    assert_eq!(shown, json!(2));
    assert_eq!(browser.eval("typeof window.pwned"), json!("undefined"));
    assert_eq!(
        browser.eval("document.querySelectorAll('main script, main img').length"),
        json!(0)
    );
    let path_shown = browser.eval(
        "[...document.querySelectorAll('td.path')].some(e => e.textContent.endsWith('<img src=x onerror=window.pwned=4>.txt'))",
    );
    assert_eq!(path_shown, json!(true));
    browser.screenshot("hostile.png");
    browser.assert_no_errors();
}

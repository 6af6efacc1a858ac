//! One module per subcommand; this one dispatches and holds what they share: turning flags into
//! library settings, and writing reports, warnings and statistics.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::ArgMatches;

use dedup::html;
use dedup::load::{Input, JsonFields, Skip};
use dedup::minhash::Scheme;
use dedup::report::{self, Format, ReportOptions};
use dedup::shingle::ShingleKind;
use dedup::{Asked, Outcome, Params};

use crate::cli::{Cli, ColorArg, Command, Common, FormatArg, SchemeArg, Settings, ShingleArg};
use crate::is_broken_pipe;

mod check;
mod eval;
mod explain;
mod index;
mod progress;
mod run;

/// Documented in `--help`: 0 success, 1 duplicates found with --fail-on-duplicates, 2 error.
const EXIT_DUPLICATES: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

/// Skip warnings printed before the rest are summarised in one line.
const MAX_SKIP_WARNINGS: usize = 20;

pub fn run(cli: Cli, matches: &ArgMatches) -> anyhow::Result<ExitCode> {
    match cli.command {
        None => run::run(cli.run),
        Some(Command::Check(args)) => check::run(args, subcommand(matches, &["check"])),
        Some(Command::Index { action }) => index::run(action, matches),
        Some(Command::Eval(args)) => eval::run(args),
        Some(Command::Explain(args)) => explain::run(args),
    }
}

/// The matches of a nested subcommand, to see which flags were typed.
fn subcommand<'m>(matches: &'m ArgMatches, path: &[&str]) -> &'m ArgMatches {
    path.iter().fold(matches, |m, name| {
        m.subcommand_matches(name)
            .expect("the subcommand being run was matched")
    })
}

/// Worker threads allowed per available core: more only add start-up time and memory
/// (`-j 100000` did not finish on five articles).
const THREADS_PER_CORE: usize = 4;

fn setup(common: &Common) -> anyhow::Result<()> {
    if let Some(asked) = common.threads {
        if asked == 0 {
            bail!("--threads must be at least 1");
        }
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let threads = asked.min(THREADS_PER_CORE * cores);
        if threads < asked && !common.quiet {
            eprintln!(
                "dedup: note: --threads {asked} lowered to {threads} ({THREADS_PER_CORE} × the {cores} available cores)"
            );
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()
            .context("could not start the worker threads")?;
    }
    Ok(())
}

fn color(common: &Common) -> bool {
    match common.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

fn shingle_kind(arg: ShingleArg) -> ShingleKind {
    match arg {
        ShingleArg::Word => ShingleKind::Word,
        ShingleArg::Char => ShingleKind::Char,
    }
}

fn scheme(arg: SchemeArg) -> Scheme {
    match arg {
        SchemeArg::Oph => Scheme::Oph,
        SchemeArg::Classic => Scheme::Classic,
    }
}

fn params(s: &Settings) -> anyhow::Result<Params> {
    Ok(Params::new(&Asked {
        shingle: shingle_kind(s.shingle),
        ngram: s.ngram,
        minhash: scheme(s.minhash),
        num_perm: s.num_perm,
        bands: s.bands,
        rows: s.rows,
        threshold: s.threshold,
        seed: s.seed,
    })?)
}

fn fields(settings: &Settings) -> JsonFields {
    JsonFields {
        text: settings.text_field.clone(),
        id: settings.id_field.clone(),
        date: settings.date_field.clone(),
        title: settings.title_field.clone(),
    }
}

fn inputs(paths: &[PathBuf]) -> Vec<Input> {
    paths
        .iter()
        .map(|p| {
            if p.as_os_str() == "-" {
                Input::Stdin
            } else {
                Input::Path(p.clone())
            }
        })
        .collect()
}

fn progress(common: &Common) -> progress::Bar {
    progress::Bar::new(!common.quiet && io::stderr().is_terminal())
}

fn write_stdout(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> anyhow::Result<()> {
    if crate::stdout_closed_at_start() {
        return write(&mut ClosedStdout).context("writing the report");
    }
    let mut out = io::BufWriter::new(io::stdout().lock());
    write(&mut out).context("writing the report")?;
    out.flush().context("writing the report")
}

/// Refuses what is written as a closed descriptor would, so that `>&-` is an error like
/// `>/dev/full`, and an empty report is not.
struct ClosedStdout;

impl Write for ClosedStdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        Err(io::Error::other("standard output is closed"))
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn write_json(value: &impl serde::Serialize, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}

/// How a run's clusters are reported.
struct Reporting<'a> {
    format: FormatArg,
    singletons: bool,
    fail_on_duplicates: bool,
    /// What was read, and how: the HTML report reads the inputs again for the texts.
    paths: &'a [PathBuf],
    settings: &'a Settings,
}

/// Warnings and statistics on standard error, the report on standard output, and the exit code.
fn report_outcome(
    outcome: Outcome,
    common: &Common,
    reporting: Reporting,
) -> anyhow::Result<ExitCode> {
    if !common.quiet {
        warn_skip_list(&outcome.skipped);
        warn_about(&outcome.warnings);
    }
    if common.stats {
        print_stats(&outcome);
    }
    let exit = if reporting.fail_on_duplicates && outcome.duplicates_found() {
        ExitCode::from(EXIT_DUPLICATES)
    } else {
        ExitCode::SUCCESS
    };
    let options = ReportOptions {
        format: match reporting.format {
            FormatArg::Html => {
                let texts = html::read_texts(
                    &outcome,
                    &inputs(reporting.paths),
                    &fields(reporting.settings),
                    html::TEXT_BUDGET_BYTES,
                )
                .context("reading the clustered articles again for their texts")?;
                if !common.quiet {
                    for note in &texts.notes {
                        eprintln!("dedup: note: {note}");
                    }
                }
                unless_pipe_closed(write_stdout(|out| html::write(&outcome, &texts, out)))?;
                return Ok(exit);
            }
            FormatArg::Table => Format::Table,
            FormatArg::Json => Format::Json,
            FormatArg::Jsonl => Format::Jsonl,
            FormatArg::Csv => Format::Csv,
            FormatArg::Github => Format::Github,
            FormatArg::Sarif => Format::Sarif,
        },
        color: color(common),
        singletons: reporting.singletons,
        // Wall-clock time would make redirected output differ between identical runs.
        timings: common.stats
            || (io::stdout().is_terminal() && reporting.format == FormatArg::Table),
    };
    unless_pipe_closed(write_stdout(|out| report::write(&outcome, &options, out)))?;
    Ok(exit)
}

fn warn_skip_list(skipped: &[Skip]) {
    warn_each(
        skipped,
        "skipped ",
        "inputs skipped (all are listed under inputs.skipped_inputs in --format json)",
    );
}

/// Warnings about articles that were read.
fn warn_about(read: &[Skip]) {
    warn_each(
        read,
        "",
        "warnings (all are listed under inputs.warnings in --format json)",
    );
}

fn warn_each(list: &[Skip], verb: &str, more: &str) {
    for item in list.iter().take(MAX_SKIP_WARNINGS) {
        // A file name may hold a line break or an escape sequence; one warning stays one line.
        let path = report::escape_control(&item.path);
        eprintln!("dedup: warning: {verb}{path}: {}", item.reason);
    }
    if list.len() > MAX_SKIP_WARNINGS {
        eprintln!(
            "dedup: warning: {} more {more}",
            list.len() - MAX_SKIP_WARNINGS
        );
    }
}

/// Whether duplicates were found decides the status, whether or not the reader read it all.
fn unless_pipe_closed(written: anyhow::Result<()>) -> anyhow::Result<()> {
    match written {
        Err(e) if is_broken_pipe(&e) => Ok(()),
        written => written,
    }
}

fn print_stats(outcome: &Outcome) {
    let s = &outcome.stats;
    let n = outcome.articles.len().max(1) as f64;
    eprintln!(
        "dedup: read+sign {:.3} s · band {:.3} s · verify+cluster {:.3} s · total {:.3} s ({:.0} articles/s)",
        s.read_and_sign.as_secs_f64(),
        s.band.as_secs_f64(),
        s.verify.as_secs_f64(),
        s.total.as_secs_f64(),
        n / s.total.as_secs_f64().max(1e-9),
    );
    eprintln!(
        "dedup: {} candidate pairs · {} verified · {} copies",
        s.candidate_pairs, s.verified_pairs, s.duplicate_pairs
    );
}

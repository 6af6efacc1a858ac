use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Parser;

use dedup::load::{Input, JsonFields};
use dedup::lsh::Banding;
use dedup::minhash::Scheme;
use dedup::report::{self, Format, ReportOptions};
use dedup::shingle::{MAX_WORD_NGRAM, ShingleKind};
use dedup::{Config, Outcome, Params};

mod cli;
use cli::{Cli, ColorArg, FormatArg, SchemeArg, ShingleArg};

/// Documented in `--help`: 0 success, 1 duplicates found with --fail-on-duplicates, 2 error.
const EXIT_DUPLICATES: u8 = 1;
const EXIT_ERROR: u8 = 2;

/// Skip warnings printed before the rest are summarised in one line.
const MAX_SKIP_WARNINGS: usize = 20;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("dedup: error: {err:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// `dedup ... | head` closes the pipe early; that is the reader's choice, not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

fn params(cli: &Cli) -> anyhow::Result<Params> {
    if !(cli.threshold > 0.0 && cli.threshold <= 1.0) {
        bail!("--threshold must be in (0, 1], got {}", cli.threshold);
    }
    if !(1..=8192).contains(&cli.num_perm) {
        bail!(
            "--num-perm must be between 1 and 8192, got {}",
            cli.num_perm
        );
    }
    let shingle = match cli.shingle {
        ShingleArg::Word => ShingleKind::Word,
        ShingleArg::Char => ShingleKind::Char,
    };
    let ngram = cli.ngram.unwrap_or(shingle.default_size());
    let max_ngram = match shingle {
        ShingleKind::Word => MAX_WORD_NGRAM,
        ShingleKind::Char => 64,
    };
    if !(1..=max_ngram).contains(&ngram) {
        bail!("--ngram must be between 1 and {max_ngram} for {shingle:?} shingles, got {ngram}");
    }
    let n = cli.num_perm;
    let banding = match (cli.bands, cli.rows) {
        (Some(0), _) | (_, Some(0)) => bail!("--bands and --rows must be at least 1"),
        (Some(bands), Some(rows)) => Banding { bands, rows },
        (Some(bands), None) => Banding {
            bands,
            rows: n / bands,
        },
        (None, Some(rows)) => Banding {
            bands: n / rows,
            rows,
        },
        (None, None) => Banding::optimal(cli.threshold, n),
    };
    if banding.bands == 0 || banding.rows == 0 || banding.bands * banding.rows > n {
        bail!(
            "--bands × --rows must fit in --num-perm {n} (got {} × {})",
            cli.bands.unwrap_or(banding.bands),
            cli.rows.unwrap_or(banding.rows)
        );
    }
    Ok(Params {
        shingle,
        ngram,
        minhash: match cli.minhash {
            SchemeArg::Oph => Scheme::Oph,
            SchemeArg::Classic => Scheme::Classic,
        },
        num_perm: n,
        bands: banding.bands,
        rows: banding.rows,
        threshold: cli.threshold,
        seed: cli.seed,
    })
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Some(threads) = cli.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()
            .context("could not start the worker threads")?;
    }
    let stdout_is_terminal = io::stdout().is_terminal();
    let color = match cli.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            stdout_is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let config = Config {
        inputs: cli
            .paths
            .iter()
            .map(|p| {
                if p.as_os_str() == "-" {
                    Input::Stdin
                } else {
                    Input::Path(p.clone())
                }
            })
            .collect(),
        fields: JsonFields {
            text: cli.text_field.clone(),
            id: cli.id_field.clone(),
            date: cli.date_field.clone(),
            title: cli.title_field.clone(),
        },
        params: params(&cli)?,
        progress: !cli.quiet && io::stderr().is_terminal(),
    };
    let outcome = dedup::find_duplicates(&config)?;
    if !cli.quiet {
        warn_skips(&outcome);
    }
    if cli.stats {
        print_stats(&outcome);
    }
    let options = ReportOptions {
        format: match cli.format {
            FormatArg::Table => Format::Table,
            FormatArg::Json => Format::Json,
            FormatArg::Jsonl => Format::Jsonl,
            FormatArg::Csv => Format::Csv,
        },
        color,
        singletons: cli.singletons,
        // Wall-clock time would make redirected output differ between identical runs.
        timings: cli.stats || (stdout_is_terminal && cli.format == FormatArg::Table),
    };
    let mut out = io::BufWriter::new(io::stdout().lock());
    report::write(&outcome, &options, &mut out).context("writing the report")?;
    out.flush().context("writing the report")?;
    if cli.fail_on_duplicates && outcome.duplicates_found() {
        Ok(ExitCode::from(EXIT_DUPLICATES))
    } else {
        Ok(ExitCode::SUCCESS)
    }
}

fn warn_skips(outcome: &Outcome) {
    for skip in outcome.skipped.iter().take(MAX_SKIP_WARNINGS) {
        eprintln!("dedup: warning: skipped {}: {}", skip.path, skip.reason);
    }
    if outcome.skipped.len() > MAX_SKIP_WARNINGS {
        eprintln!(
            "dedup: warning: {} more inputs skipped (all are listed under inputs.skipped_inputs in --format json)",
            outcome.skipped.len() - MAX_SKIP_WARNINGS
        );
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
        "dedup: {} candidate pairs · {} verified · {} at or above the threshold",
        s.candidate_pairs, s.verified_pairs, s.duplicate_pairs
    );
}

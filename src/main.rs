use std::collections::HashMap;
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches};

use dedup::eval::{self, Label};
use dedup::explain;
use dedup::html;
use dedup::index::{self, Index};
use dedup::load::{Corpus, Input, JsonFields, Skip};
use dedup::minhash::Scheme;
use dedup::progress::Progress;
use dedup::report::{self, Format, ReportOptions};
use dedup::shingle::ShingleKind;
use dedup::{Config, Outcome, Params, Requested};

mod cli;
use cli::{
    Cli, ColorArg, Command, Common, FormatArg, IndexAction, ReportArg, SETTING_IDS, SchemeArg,
    Settings, ShingleArg,
};

/// Documented in `--help`: 0 success, 1 duplicates found with --fail-on-duplicates, 2 error.
const EXIT_DUPLICATES: u8 = 1;
const EXIT_ERROR: u8 = 2;

/// Skip warnings printed before the rest are summarised in one line.
const MAX_SKIP_WARNINGS: usize = 20;

/// glibc raises its mmap threshold each time a large block is freed, after which blocks of
/// that size come from the heap and stay resident once freed. The band columns and sort
/// buffers (8 MB each at a million articles) then pile up beside the sketches: a fixed
/// threshold returns them at once, which cut the peak at 1M articles from 1.37 to 1.27 GB.
fn release_large_blocks_at_once() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; it is called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

fn main() -> ExitCode {
    release_large_blocks_at_once();
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    match run(cli, &matches) {
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

fn run(cli: Cli, matches: &ArgMatches) -> anyhow::Result<ExitCode> {
    match cli.command {
        Some(Command::Index {
            action:
                IndexAction::Build {
                    paths,
                    output,
                    settings,
                    common,
                },
        }) => {
            setup(&common)?;
            let (mut index, staging) = Index::create(&output, params(&settings)?)?;
            let built = Corpus::open(&inputs(&paths), fields(&settings))
                .map_err(anyhow::Error::from)
                .and_then(|mut corpus| {
                    Ok(index::add_corpus(
                        &mut index,
                        &mut corpus,
                        &progress(&common),
                    )?)
                });
            let (added, skipped) = match built {
                Ok(done) => done,
                Err(e) => {
                    drop(index);
                    let _ = std::fs::remove_file(&staging);
                    return Err(e);
                }
            };
            index.finish(&staging, &output)?;
            report_indexing(&common, &skipped, added, &output);
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Index {
            action:
                IndexAction::Add {
                    index: path,
                    paths,
                    settings,
                    common,
                },
        }) => {
            setup(&common)?;
            let mut index = Index::open(&path)?;
            let explicit = subcommand_matches(matches, &["index", "add"]);
            refuse_other_settings(&path, index.params(), &settings, explicit)?;
            let mut corpus = Corpus::open(&inputs(&paths), fields(&settings))?;
            let (added, skipped) = index::add_corpus(&mut index, &mut corpus, &progress(&common))?;
            report_indexing(&common, &skipped, added, &path);
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Check {
            paths,
            index: path,
            format,
            singletons,
            fail_on_duplicates,
            settings,
            common,
        }) => {
            setup(&common)?;
            let index = Index::open_read_only(&path)?;
            let explicit = subcommand_matches(matches, &["check"]);
            refuse_other_settings(&path, index.params(), &settings, explicit)?;
            let mut corpus = Corpus::open(&inputs(&paths), fields(&settings))?;
            let threshold = index.params().threshold;
            let outcome = index::check(&index, &mut corpus, threshold, &progress(&common))?;
            let run = Run {
                paths: &paths,
                settings: &settings,
                common: &common,
            };
            report_outcome(outcome, &run, format, singletons, fail_on_duplicates)
        }
        None => {
            setup(&cli.common)?;
            cluster(
                &cli.paths,
                &cli.settings,
                &cli.common,
                cli.format,
                cli.singletons,
                cli.fail_on_duplicates,
            )
        }
        Some(Command::Eval {
            labels,
            paths,
            format,
            settings,
            common,
        }) => {
            setup(&common)?;
            evaluate(&labels, &paths, &settings, &common, format)
        }
        Some(Command::Explain {
            a,
            b,
            format,
            settings,
            common,
        }) => {
            setup(&common)?;
            let params = params(&settings)?;
            let fields = fields(&settings);
            let a = Corpus::read_one(&a, &fields)?;
            let b = Corpus::read_one(&b, &fields)?;
            let explanation = explain::explain(&a, &b, &params);
            write_stdout(|out| match format {
                ReportArg::Table => explain::write_text(&explanation, color(&common), out),
                ReportArg::Json => write_json(&explanation, out),
            })?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn setup(common: &Common) -> anyhow::Result<()> {
    if let Some(threads) = common.threads {
        if threads == 0 {
            bail!("--threads must be at least 1");
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

fn params(settings: &Settings) -> anyhow::Result<Params> {
    let s = settings;
    let requested = Requested {
        shingle: match s.shingle {
            ShingleArg::Word => ShingleKind::Word,
            ShingleArg::Char => ShingleKind::Char,
        },
        ngram: s.ngram,
        minhash: match s.minhash {
            SchemeArg::Oph => Scheme::Oph,
            SchemeArg::Classic => Scheme::Classic,
        },
        num_perm: s.num_perm,
        bands: s.bands,
        rows: s.rows,
        threshold: s.threshold,
        seed: s.seed,
    };
    Ok(requested.resolve()?)
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

fn progress(common: &Common) -> Progress {
    Progress::new(!common.quiet && io::stderr().is_terminal())
}

/// The matches of a nested subcommand, to see which flags were typed.
fn subcommand_matches<'m>(matches: &'m ArgMatches, path: &[&str]) -> &'m ArgMatches {
    path.iter().fold(matches, |m, name| {
        m.subcommand_matches(name)
            .expect("the subcommand being run was matched")
    })
}

/// An index answers only for the settings it was built with: a typed flag that asks for other
/// ones is an error, not silently ignored.
fn refuse_other_settings(
    path: &Path,
    built: &Params,
    settings: &Settings,
    matches: &ArgMatches,
) -> anyhow::Result<()> {
    let asked = params(settings)?;
    for &id in SETTING_IDS {
        if matches.value_source(id) != Some(ValueSource::CommandLine) {
            continue;
        }
        let (was, now) = match id {
            "threshold" => (built.threshold.to_string(), asked.threshold.to_string()),
            "shingle" => (
                format!("{:?}", built.shingle),
                format!("{:?}", asked.shingle),
            ),
            "ngram" => (built.ngram.to_string(), asked.ngram.to_string()),
            "num_perm" => (built.num_perm.to_string(), asked.num_perm.to_string()),
            "bands" => (built.bands.to_string(), asked.bands.to_string()),
            "rows" => (built.rows.to_string(), asked.rows.to_string()),
            "minhash" => (
                format!("{:?}", built.minhash),
                format!("{:?}", asked.minhash),
            ),
            "seed" => (built.seed.to_string(), asked.seed.to_string()),
            _ => unreachable!("SETTING_IDS lists only these"),
        };
        if was != now {
            bail!(
                "{}: the index was built with --{} {was}, not {now}; build a new index to change it",
                path.display(),
                id.replace('_', "-"),
            );
        }
    }
    Ok(())
}

fn report_indexing(common: &Common, skipped: &[Skip], added: u32, path: &Path) {
    if !common.quiet {
        warn_skip_list(skipped);
        eprintln!(
            "dedup: indexed {added} articles into {} ({} inputs skipped)",
            path.display(),
            skipped.len()
        );
    }
}

/// Runs the pipeline with warnings and statistics on standard error as the flags ask.
fn find(paths: &[PathBuf], settings: &Settings, common: &Common) -> anyhow::Result<Outcome> {
    let config = Config {
        inputs: inputs(paths),
        fields: fields(settings),
        params: params(settings)?,
        progress: !common.quiet && io::stderr().is_terminal(),
    };
    Ok(dedup::find_duplicates(&config)?)
}

fn write_stdout(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> anyhow::Result<()> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    write(&mut out).context("writing the report")?;
    out.flush().context("writing the report")
}

fn write_json(value: &impl serde::Serialize, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}

fn cluster(
    paths: &[PathBuf],
    settings: &Settings,
    common: &Common,
    format: FormatArg,
    singletons: bool,
    fail_on_duplicates: bool,
) -> anyhow::Result<ExitCode> {
    let outcome = find(paths, settings, common)?;
    let run = Run {
        paths,
        settings,
        common,
    };
    report_outcome(outcome, &run, format, singletons, fail_on_duplicates)
}

/// What a run was asked: the HTML report reads its inputs again for the texts.
struct Run<'a> {
    paths: &'a [PathBuf],
    settings: &'a Settings,
    common: &'a Common,
}

/// Warnings and statistics on standard error, the report on standard output, and the exit code.
fn report_outcome(
    outcome: Outcome,
    run: &Run,
    format: FormatArg,
    singletons: bool,
    fail_on_duplicates: bool,
) -> anyhow::Result<ExitCode> {
    let common = run.common;
    if !common.quiet {
        warn_skip_list(&outcome.skipped);
    }
    if common.stats {
        print_stats(&outcome);
    }
    let exit = if fail_on_duplicates && outcome.duplicates_found() {
        ExitCode::from(EXIT_DUPLICATES)
    } else {
        ExitCode::SUCCESS
    };
    let options = ReportOptions {
        format: match format {
            FormatArg::Html => {
                let inputs = inputs(run.paths);
                let texts = html::read_texts(
                    &outcome,
                    &inputs,
                    &fields(run.settings),
                    html::TEXT_BUDGET_BYTES,
                )
                .context("reading the clustered articles again for their texts")?;
                if !common.quiet {
                    for note in &texts.notes {
                        eprintln!("dedup: note: {note}");
                    }
                }
                write_stdout(|out| html::write(&outcome, &texts, out))?;
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
        singletons,
        // Wall-clock time would make redirected output differ between identical runs.
        timings: common.stats || (io::stdout().is_terminal() && format == FormatArg::Table),
    };
    write_stdout(|out| report::write(&outcome, &options, out))?;
    Ok(exit)
}

fn read_labels(path: &Path) -> anyhow::Result<HashMap<String, Label>> {
    let file = std::fs::File::open(path).with_context(|| path.display().to_string())?;
    let mut labels = HashMap::new();
    for (i, line) in io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| path.display().to_string())?;
        if line.trim().is_empty() {
            continue;
        }
        let label: Label = serde_json::from_str(&line)
            .with_context(|| format!("{}:{}: not a label object", path.display(), i + 1))?;
        labels.insert(label.id.clone(), label);
    }
    Ok(labels)
}

fn evaluate(
    labels: &Path,
    paths: &[PathBuf],
    settings: &Settings,
    common: &Common,
    format: ReportArg,
) -> anyhow::Result<ExitCode> {
    let labels = read_labels(labels)?;
    let outcome = find(paths, settings, common)?;
    if !common.quiet {
        warn_skip_list(&outcome.skipped);
    }
    // Articles in a cluster share its number; every other article is its own cluster.
    let mut cluster_of: Vec<u64> = (0..outcome.articles.len() as u64)
        .map(|a| a + outcome.clusters.len() as u64 + 1)
        .collect();
    for (i, c) in outcome.clusters.iter().enumerate() {
        for &m in &c.members {
            cluster_of[m as usize] = i as u64 + 1;
        }
    }
    let mut unlabelled = 0;
    let scored: Vec<(u64, &str, Option<&str>)> = outcome
        .articles
        .iter()
        .zip(&cluster_of)
        .filter_map(|(a, &c)| match labels.get(&a.id) {
            Some(l) => Some((c, l.story.as_str(), l.kind.as_deref())),
            None => {
                unlabelled += 1;
                None
            }
        })
        .collect();
    if scored.is_empty() {
        bail!("no article id matches a label: check --id-field and the labels file");
    }
    if unlabelled > 0 && !common.quiet {
        eprintln!("dedup: warning: {unlabelled} articles have no label and are not scored");
    }
    let metrics = eval::evaluate(&scored);
    write_stdout(|out| match format {
        ReportArg::Table => eval::write_table(&metrics, out),
        ReportArg::Json => write_json(&metrics, out),
    })?;
    Ok(ExitCode::SUCCESS)
}

fn warn_skip_list(skipped: &[Skip]) {
    for skip in skipped.iter().take(MAX_SKIP_WARNINGS) {
        // A file name may hold a line break; one warning stays one line.
        let path: String = skip
            .path
            .chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect();
        eprintln!("dedup: warning: skipped {path}: {}", skip.reason);
    }
    if skipped.len() > MAX_SKIP_WARNINGS {
        eprintln!(
            "dedup: warning: {} more inputs skipped (all are listed under inputs.skipped_inputs in --format json)",
            skipped.len() - MAX_SKIP_WARNINGS
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
        "dedup: {} candidate pairs · {} verified · {} copies",
        s.candidate_pairs, s.verified_pairs, s.duplicate_pairs
    );
}

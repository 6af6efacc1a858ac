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
use dedup::lsh::Banding;
use dedup::minhash::Scheme;
use dedup::progress::Progress;
use dedup::report::{self, Format, ReportOptions};
use dedup::shingle::{MAX_WORD_NGRAM, ShingleKind};
use dedup::synth;
use dedup::{Config, Outcome, Params};

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
            // Error messages name paths, which may hold escape sequences too.
            let message = format!("{err:#}");
            eprintln!("dedup: error: {}", report::escape_control(&message));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Whether duplicates were found decides the status, whether or not the reader read it all.
fn unless_pipe_closed(written: anyhow::Result<()>) -> anyhow::Result<()> {
    match written {
        Err(e) if is_broken_pipe(&e) => Ok(()),
        written => written,
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
            // Dropped on an error, the new index removes its staging file.
            let mut index = Index::create(&output, params(&settings)?)?;
            let corpus = Corpus::open(&inputs(&paths), fields(&settings))?;
            let added = index::add_corpus(&mut index, &corpus, &progress(&common))?;
            index.finish(&output)?;
            report_indexing(&common, &added, &output);
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
            let corpus = Corpus::open(&inputs(&paths), fields(&settings))?;
            let added = index::add_corpus(&mut index, &corpus, &progress(&common))?;
            report_indexing(&common, &added, &path);
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
            let corpus = Corpus::open(&inputs(&paths), fields(&settings))?;
            let threshold = index.params().threshold;
            let outcome = index::check(&index, &corpus, threshold, &progress(&common))?;
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
        Some(Command::Synth {
            base,
            articles,
            seed,
            out,
            files,
            footer_test,
            mix,
        }) => {
            let defaults = synth::SynthConfig::default();
            let config = synth::SynthConfig {
                seed,
                articles,
                hard_negatives: mix.hard_negatives.unwrap_or(defaults.hard_negatives),
                shared_backgrounds: mix
                    .shared_backgrounds
                    .unwrap_or(defaults.shared_backgrounds),
                quoted: mix.quoted.unwrap_or(defaults.quoted),
                templates: mix.templates.unwrap_or(defaults.templates),
                footers: mix.footers.unwrap_or(defaults.footers),
                ..defaults
            };
            synthesize(&base, &config, &out, files, footer_test)?;
            Ok(ExitCode::SUCCESS)
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

fn params(settings: &Settings) -> anyhow::Result<Params> {
    let s = settings;
    if !(s.threshold > 0.0 && s.threshold <= 1.0) {
        bail!("--threshold must be in (0, 1], got {}", s.threshold);
    }
    if !(1..=8192).contains(&s.num_perm) {
        bail!("--num-perm must be between 1 and 8192, got {}", s.num_perm);
    }
    let shingle = match s.shingle {
        ShingleArg::Word => ShingleKind::Word,
        ShingleArg::Char => ShingleKind::Char,
    };
    let ngram = s.ngram.unwrap_or(shingle.default_size());
    let max_ngram = match shingle {
        ShingleKind::Word => MAX_WORD_NGRAM,
        ShingleKind::Char => 64,
    };
    if !(1..=max_ngram).contains(&ngram) {
        bail!("--ngram must be between 1 and {max_ngram} for {shingle:?} shingles, got {ngram}");
    }
    let n = s.num_perm;
    let banding = match (s.bands, s.rows) {
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
        (None, None) => Banding::optimal(s.threshold, n),
    };
    if banding.bands == 0 || banding.rows == 0 || banding.bands * banding.rows > n {
        bail!(
            "--bands × --rows must fit in --num-perm {n} (got {} × {})",
            s.bands.unwrap_or(banding.bands),
            s.rows.unwrap_or(banding.rows)
        );
    }
    Ok(Params {
        shingle,
        ngram,
        minhash: match s.minhash {
            SchemeArg::Oph => Scheme::Oph,
            SchemeArg::Classic => Scheme::Classic,
        },
        num_perm: n,
        bands: banding.bands,
        rows: banding.rows,
        threshold: s.threshold,
        seed: s.seed,
    })
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

fn report_indexing(common: &Common, done: &index::Added, path: &Path) {
    if !common.quiet {
        warn_skip_list(&done.skipped);
        warn_about(&done.warnings);
        eprintln!(
            "dedup: indexed {} articles into {} ({} already indexed, {} inputs skipped)",
            done.added,
            path.display(),
            done.already_indexed,
            done.skipped.len()
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
        warn_about(&outcome.warnings);
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
        singletons,
        // Wall-clock time would make redirected output differ between identical runs.
        timings: common.stats || (io::stdout().is_terminal() && format == FormatArg::Table),
    };
    unless_pipe_closed(write_stdout(|out| report::write(&outcome, &options, out)))?;
    Ok(exit)
}

fn synthesize(
    base: &[PathBuf],
    config: &synth::SynthConfig,
    out: &Path,
    files: bool,
    footer_test: bool,
) -> anyhow::Result<()> {
    let mut bases = Vec::new();
    for path in base {
        let file = std::fs::File::open(path).with_context(|| path.display().to_string())?;
        let read = synth::read_base_jsonl(io::BufReader::new(file))
            .with_context(|| path.display().to_string())?;
        bases.extend(read);
    }
    if bases.iter().all(|b| b.text.trim().is_empty()) {
        bail!("the base files hold no article text");
    }
    std::fs::create_dir_all(out).with_context(|| out.display().to_string())?;
    let create = |path: PathBuf| -> anyhow::Result<io::BufWriter<std::fs::File>> {
        let file = std::fs::File::create(&path).with_context(|| path.display().to_string())?;
        Ok(io::BufWriter::new(file))
    };
    let mut labels = create(out.join("labels.jsonl"))?;
    let mut corpus = if files {
        None
    } else {
        Some(create(out.join("articles.jsonl"))?)
    };
    let generated: Box<dyn Iterator<Item = synth::SynthArticle>> = if footer_test {
        Box::new(synth::footer_test(&bases, config))
    } else {
        Box::new(synth::generate(&bases, config))
    };
    for (i, article) in generated.enumerate() {
        serde_json::to_writer(&mut labels, &article.label())?;
        labels.write_all(b"\n")?;
        match &mut corpus {
            Some(jsonl) => {
                let line = serde_json::json!({
                    "id": article.id,
                    "date": article.date,
                    "title": article.title,
                    "text": article.text,
                });
                serde_json::to_writer(&mut *jsonl, &line)?;
                jsonl.write_all(b"\n")?;
            }
            None => {
                // Folders of 1,000 keep directory listings fast at a million files.
                let dir = out.join("articles").join(format!("{:04}", i / 1000));
                if i % 1000 == 0 {
                    std::fs::create_dir_all(&dir).with_context(|| dir.display().to_string())?;
                }
                let path = dir.join(format!("{}.txt", article.id));
                std::fs::write(&path, synth::to_seed_format(&article))
                    .with_context(|| path.display().to_string())?;
            }
        }
    }
    if let Some(mut jsonl) = corpus {
        jsonl.flush()?;
    }
    labels.flush()?;
    Ok(())
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
        warn_about(&outcome.warnings);
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
        // A file name may hold a line break; one warning stays one line.
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

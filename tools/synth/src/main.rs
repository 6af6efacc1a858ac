//! `dedup-synth`: writes a labelled benchmark corpus for `dedup eval` and the scripts in bench/.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Parser;

/// Generate a labelled benchmark corpus from real base articles: reworded, chrome-wrapped,
/// extended/cut and heavily rewritten copies, plus hard negatives.
#[derive(Parser, Debug)]
#[command(name = "dedup-synth", version, after_help = SYNTH_HELP)]
struct Cli {
    /// Base articles: JSONL with id, text and optionally date and title (bench/fetch-corpus.sh
    /// makes two). Repeatable.
    #[arg(long, value_name = "FILE", required = true)]
    base: Vec<PathBuf>,

    /// Number of articles to write, copies and hard negatives included.
    #[arg(short = 'n', long, value_name = "N", default_value_t = 10_000)]
    articles: usize,

    /// Seed of every random choice; the same seed and bases give the same corpus.
    #[arg(long, default_value_t = dedup::DEFAULT_SEED)]
    seed: u64,

    /// Output folder: articles.jsonl (or articles/) and labels.jsonl.
    #[arg(short, long, value_name = "DIR")]
    out: PathBuf,

    /// Write one seed-format text file per article (in folders of 1,000) instead of JSONL.
    #[arg(long)]
    files: bool,

    /// Instead of the mixed benchmark, write the footer stress test: N different stories of
    /// 400-700 words, all ending with the same 100-word footer. No two are copies.
    #[arg(long)]
    footer_test: bool,

    #[command(flatten)]
    mix: Mix,
}

const SYNTH_HELP: &str = "\
Example:
  bench/fetch-corpus.sh
  dedup-synth --base bench/data/newsarticles.jsonl --base bench/data/bbc.jsonl -n 10000 -o /tmp/c10k
  dedup eval --labels /tmp/c10k/labels.jsonl /tmp/c10k/articles.jsonl
  dedup-synth --base bench/data/newsarticles.jsonl --footer-test -n 20000 -o /tmp/footer
  dedup-synth --base bench/data/newsarticles.jsonl --footers 0 --hard-negatives 0 --quoted 0 \\
    --templates 0 --follow-ups 0 --shared-backgrounds 0.05 -o /tmp/backgrounds";

/// Shares of the negative kinds in a generated corpus (0-1); unset means the default mix.
#[derive(clap::Args, Debug, Clone)]
struct Mix {
    /// Share of articles that are hard negatives (another story's names and a sentence or two).
    #[arg(long, value_name = "SHARE", value_parser = share)]
    hard_negatives: Option<f64>,

    /// Share of articles that carry another story's background paragraph.
    #[arg(long, value_name = "SHARE", value_parser = share)]
    shared_backgrounds: Option<f64>,

    /// Share of articles that quote two or three sentences of another story.
    #[arg(long, value_name = "SHARE", value_parser = share)]
    quoted: Option<f64>,

    /// Share of articles that are template items (missing-person appeals, road deaths).
    #[arg(long, value_name = "SHARE", value_parser = share)]
    templates: Option<f64>,

    /// Share of articles that are follow-ups: a later story on the same event that reuses two
    /// or three paragraphs of another story as background.
    #[arg(long, value_name = "SHARE", value_parser = share)]
    follow_ups: Option<f64>,

    /// Share of stories, and of copies, that end with an outlet's footer.
    #[arg(long, value_name = "SHARE", value_parser = share)]
    footers: Option<f64>,
}

fn share(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("must be a share from 0 to 1, got {text:?}")),
    }
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let defaults = dedup_synth::SynthConfig::default();
    let mix = &cli.mix;
    let config = dedup_synth::SynthConfig {
        seed: cli.seed,
        articles: cli.articles,
        hard_negatives: mix.hard_negatives.unwrap_or(defaults.hard_negatives),
        shared_backgrounds: mix
            .shared_backgrounds
            .unwrap_or(defaults.shared_backgrounds),
        quoted: mix.quoted.unwrap_or(defaults.quoted),
        templates: mix.templates.unwrap_or(defaults.templates),
        follow_ups: mix.follow_ups.unwrap_or(defaults.follow_ups),
        footers: mix.footers.unwrap_or(defaults.footers),
        ..defaults
    };
    match synthesize(&cli.base, &config, &cli.out, cli.files, cli.footer_test) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("dedup-synth: error: {err:#}");
            std::process::ExitCode::from(2)
        }
    }
}

fn synthesize(
    base: &[PathBuf],
    config: &dedup_synth::SynthConfig,
    out: &Path,
    files: bool,
    footer_test: bool,
) -> anyhow::Result<()> {
    let mut bases = Vec::new();
    for path in base {
        let file = std::fs::File::open(path).with_context(|| path.display().to_string())?;
        let read = dedup_synth::read_base_jsonl(io::BufReader::new(file))
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
    let generated: Box<dyn Iterator<Item = dedup_synth::SynthArticle>> = if footer_test {
        Box::new(dedup_synth::footer_test(&bases, config))
    } else {
        Box::new(dedup_synth::generate(&bases, config))
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
                std::fs::write(&path, dedup_synth::to_seed_format(&article))
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

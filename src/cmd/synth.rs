//! `dedup synth`: a labelled benchmark corpus.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};

use dedup::synth;

use crate::cli::SynthArgs;

pub fn run(args: SynthArgs) -> anyhow::Result<ExitCode> {
    let defaults = synth::SynthConfig::default();
    let mix = &args.mix;
    let config = synth::SynthConfig {
        seed: args.seed,
        articles: args.articles,
        hard_negatives: mix.hard_negatives.unwrap_or(defaults.hard_negatives),
        shared_backgrounds: mix
            .shared_backgrounds
            .unwrap_or(defaults.shared_backgrounds),
        quoted: mix.quoted.unwrap_or(defaults.quoted),
        templates: mix.templates.unwrap_or(defaults.templates),
        footers: mix.footers.unwrap_or(defaults.footers),
        ..defaults
    };
    synthesize(&args.base, &config, &args.out, args.files, args.footer_test)?;
    Ok(ExitCode::SUCCESS)
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

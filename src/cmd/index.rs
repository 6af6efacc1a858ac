//! `dedup index build` and `dedup index add`.

use std::path::Path;
use std::process::ExitCode;

use clap::ArgMatches;

use dedup::index::Index;
use dedup::load::{Corpus, Skip};

use super::check::refuse_other_settings;
use super::{fields, inputs, params, progress, setup, subcommand, warn_skip_list};
use crate::cli::{Common, IndexAction};

pub fn run(action: IndexAction, matches: &ArgMatches) -> anyhow::Result<ExitCode> {
    match action {
        IndexAction::Build {
            paths,
            output,
            settings,
            common,
        } => {
            setup(&common)?;
            let (mut index, staging) = Index::create(&output, params(&settings)?)?;
            let built = Corpus::open(&inputs(&paths), fields(&settings))
                .map_err(anyhow::Error::from)
                .and_then(|corpus| Ok(dedup::add_corpus(&mut index, &corpus, &progress(&common))?));
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
        }
        IndexAction::Add {
            index: path,
            paths,
            settings,
            common,
        } => {
            setup(&common)?;
            let mut index = Index::open(&path)?;
            let typed = subcommand(matches, &["index", "add"]);
            refuse_other_settings(&path, index.params(), &settings, typed)?;
            let corpus = Corpus::open(&inputs(&paths), fields(&settings))?;
            let (added, skipped) = dedup::add_corpus(&mut index, &corpus, &progress(&common))?;
            report_indexing(&common, &skipped, added, &path);
        }
    }
    Ok(ExitCode::SUCCESS)
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

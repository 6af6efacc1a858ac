//! `dedup index build` and `dedup index add`.

use std::path::Path;
use std::process::ExitCode;

use clap::ArgMatches;

use dedup::index::{self, Index};
use dedup::load::Corpus;

use super::check::refuse_other_settings;
use super::{fields, inputs, params, progress, setup, subcommand, warn_about, warn_skip_list};
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
            // Dropped on an error, the new index removes its staging file.
            let mut index = Index::create(&output, params(&settings)?)?;
            let mut corpus = Corpus::open(&inputs(&paths), fields(&settings))?;
            let added = dedup::add_corpus(&mut index, &mut corpus, &progress(&common))?;
            index.finish(&output)?;
            report_indexing(&common, &added, &output);
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
            let mut corpus = Corpus::open(&inputs(&paths), fields(&settings))?;
            let added = dedup::add_corpus(&mut index, &mut corpus, &progress(&common))?;
            report_indexing(&common, &added, &path);
        }
    }
    Ok(ExitCode::SUCCESS)
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

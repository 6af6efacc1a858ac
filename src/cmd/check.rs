//! `dedup check`: new articles against an index.

use std::path::Path;
use std::process::ExitCode;

use anyhow::bail;
use clap::ArgMatches;
use clap::parser::ValueSource;

use dedup::index::Index;
use dedup::load::Corpus;
use dedup::{Params, Setting};

use super::{Reporting, fields, inputs, progress, report_outcome, scheme, setup, shingle_kind};
use crate::cli::{CheckArgs, Settings};

pub fn run(args: CheckArgs, matches: &ArgMatches) -> anyhow::Result<ExitCode> {
    setup(&args.common)?;
    let index = Index::open_read_only(&args.index)?;
    refuse_other_settings(&args.index, index.params(), &args.settings, matches)?;
    let mut corpus = Corpus::open(&inputs(&args.paths), fields(&args.settings))?;
    let outcome = dedup::check(&index, &mut corpus, args.all_pairs, &progress(&args.common))?;
    let reporting = Reporting {
        format: args.format,
        singletons: args.singletons,
        fail_on_duplicates: args.fail_on_duplicates,
        paths: &args.paths,
        settings: &args.settings,
    };
    report_outcome(outcome, &args.common, reporting)
}

/// An index answers only for the settings it was built with: a typed flag that asks for other
/// ones is an error, not silently ignored. Flags not typed are the index's own, so repeating
/// one of its settings is never measured against the defaults.
pub fn refuse_other_settings(
    path: &Path,
    built: &Params,
    s: &Settings,
    matches: &ArgMatches,
) -> anyhow::Result<()> {
    let typed = |setting: Setting| {
        matches.value_source(&setting.name().replace('-', "_")) == Some(ValueSource::CommandLine)
    };
    fn pick<T>(typed: bool, asked: T, built: T) -> T {
        if typed { asked } else { built }
    }
    let asked = Params {
        threshold: pick(typed(Setting::Threshold), s.threshold, built.threshold),
        shingle: pick(
            typed(Setting::Shingle),
            shingle_kind(s.shingle),
            built.shingle,
        ),
        ngram: pick(
            typed(Setting::Ngram),
            s.ngram.unwrap_or(built.ngram),
            built.ngram,
        ),
        num_perm: pick(typed(Setting::NumPerm), s.num_perm, built.num_perm),
        bands: pick(
            typed(Setting::Bands),
            s.bands.unwrap_or(built.bands),
            built.bands,
        ),
        rows: pick(
            typed(Setting::Rows),
            s.rows.unwrap_or(built.rows),
            built.rows,
        ),
        minhash: pick(typed(Setting::Minhash), scheme(s.minhash), built.minhash),
        seed: pick(typed(Setting::Seed), s.seed, built.seed),
    };
    if let Some(&setting) = built.diff(&asked).first() {
        bail!(
            "{}: the index was built with --{} {}, not {}; build a new index to change it",
            path.display(),
            setting.name(),
            setting.value(built),
            setting.value(&asked),
        );
    }
    Ok(())
}

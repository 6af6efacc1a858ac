//! The main command: cluster a corpus and report it.

use std::process::ExitCode;

use dedup::Config;

use super::{Reporting, fields, inputs, params, progress, report_outcome, setup};
use crate::cli::RunArgs;

pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    setup(&args.common)?;
    let config = Config {
        inputs: inputs(&args.paths),
        fields: fields(&args.settings),
        params: params(&args.settings)?,
        all_pairs: args.all_pairs,
    };
    let outcome = dedup::find_duplicates_with(&config, &progress(&args.common))?;
    let reporting = Reporting {
        format: args.format,
        singletons: args.singletons,
        fail_on_duplicates: args.fail_on_duplicates,
        paths: &args.paths,
        settings: &args.settings,
    };
    report_outcome(outcome, &args.common, reporting)
}

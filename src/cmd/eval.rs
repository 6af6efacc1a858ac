//! `dedup eval`: accuracy of the clusters against labels.

use std::process::ExitCode;

use dedup::Config;
use dedup::eval;

use super::{fields, inputs, params, progress, setup, warn_skip_list, write_json, write_stdout};
use crate::cli::{EvalArgs, ReportArg};

pub fn run(args: EvalArgs) -> anyhow::Result<ExitCode> {
    setup(&args.common)?;
    let labels = eval::read_labels(&args.labels)?;
    let config = Config {
        inputs: inputs(&args.paths),
        fields: fields(&args.settings),
        params: params(&args.settings)?,
        all_pairs: false,
    };
    let outcome = dedup::find_duplicates_with(&config, &progress(&args.common))?;
    if !args.common.quiet {
        warn_skip_list(&outcome.skipped);
    }
    let (metrics, unlabelled) = eval::score(&outcome, &labels)?;
    if unlabelled > 0 && !args.common.quiet {
        eprintln!("dedup: warning: {unlabelled} articles have no label and are not scored");
    }
    write_stdout(|out| match args.format {
        ReportArg::Table => eval::write_table(&metrics, out),
        ReportArg::Json => write_json(&metrics, out),
    })?;
    Ok(ExitCode::SUCCESS)
}

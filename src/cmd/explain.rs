//! `dedup explain`: why two articles were or were not grouped.

use std::process::ExitCode;

use dedup::explain;
use dedup::load::Corpus;

use super::{color, fields, params, setup, write_json, write_stdout};
use crate::cli::{ExplainArgs, ReportArg};

pub fn run(args: ExplainArgs) -> anyhow::Result<ExitCode> {
    setup(&args.common)?;
    let params = params(&args.settings)?;
    let fields = fields(&args.settings);
    let a = Corpus::read_one(&args.a, &fields)?;
    let b = Corpus::read_one(&args.b, &fields)?;
    let explanation = explain::explain(&a, &b, &params);
    write_stdout(|out| match args.format {
        ReportArg::Table => explain::write_text(&explanation, color(&args.common), out),
        ReportArg::Json => write_json(&explanation, out),
    })?;
    Ok(ExitCode::SUCCESS)
}

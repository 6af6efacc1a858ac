//! Command-line flags (clap derive only). `main.rs` turns them into a library `Config`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use dedup::{DEFAULT_NUM_PERM, DEFAULT_SEED, DEFAULT_THRESHOLD};

const ABOUT: &str = "Find reworded copies of the same news story and group them into clusters.";

const LONG_ABOUT: &str = "\
Find reworded copies of the same news story and group them into clusters.

dedup reads articles (seed-format text files, JSONL, or JSONL on standard input), compares \
their word 3-shingles with MinHash and LSH, verifies every candidate pair with the exact \
Jaccard similarity, and prints the clusters with their scores. It never compares all pairs, \
so it scales to millions of articles.";

const AFTER_HELP: &str = "\
Examples:
  Cluster a folder of articles (walked recursively, in file-name order):
      dedup fixtures/seeds/

  Machine-readable output; list the files of every cluster:
      dedup --format json fixtures/seeds/ | jq -r '.clusters[].members[].path'

  A JSONL corpus whose text is in the field \"content\":
      dedup --text-field content corpus.jsonl

  Fail a CI job when the corpus holds duplicates:
      dedup --quiet --fail-on-duplicates corpus/

  Stricter matching (fewer, closer copies):
      dedup --threshold 0.3 corpus/

  Why were two articles grouped (or not)?
      dedup explain fixtures/seeds/000_1a9e1d88d631cba8.txt fixtures/seeds/002_83c33a88eb55b6cb.txt

  Accuracy against labels:
      dedup eval --labels labels.jsonl corpus.jsonl

Input formats:
  A text file is one article: an optional \" date YYYY-MM-DD\" prefix on the first line, an
  optional headline on that line, then the body. Page chrome lines (\"scroll to top\",
  \"loading…\") are ignored. Files ending in .jsonl or .ndjson hold one JSON object per line;
  \"-\" reads JSONL from standard input.

Exit status:
  0  success (duplicates or not, unless --fail-on-duplicates)
  1  duplicates were found and --fail-on-duplicates was given
  2  error: bad arguments, a path that does not exist, or an unusable index";

#[derive(Parser, Debug)]
#[command(
    name = "dedup",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = AFTER_HELP,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub run: RunArgs,
}

/// The main command: cluster a corpus.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// Files or directories to read; "-" reads JSONL from standard input.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,

    /// Output format: a table for people, json/jsonl/csv for tools, github (Actions
    /// annotations) or sarif (code scanning) for CI, or a self-contained HTML page to review
    /// the clusters in a browser.
    #[arg(short, long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,

    /// Also list articles in no cluster.
    #[arg(long)]
    pub singletons: bool,

    /// Exit with status 1 when any cluster is found (for CI).
    #[arg(long)]
    pub fail_on_duplicates: bool,

    /// List every verified copy pair of each cluster, not one link per member: verifies
    /// every candidate pair, which is quadratic in the copies of a much-republished story.
    #[arg(long)]
    pub all_pairs: bool,

    #[command(flatten)]
    pub settings: Settings,

    #[command(flatten)]
    pub common: Common,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Score the clustering of a labelled corpus: pairwise precision, recall, F1, adjusted
    /// Rand index, per copy kind, and the hard-negative merge rate.
    #[command(after_help = EVAL_HELP)]
    Eval(EvalArgs),
    /// Build or extend a persistent index of an archive, for `dedup check`.
    Index {
        #[command(subcommand)]
        action: IndexAction,
    },
    /// Check new articles against an index (and against each other): which are near-duplicates
    /// of which, with verified scores. The index fixes the settings.
    #[command(after_help = CHECK_HELP)]
    Check(CheckArgs),
    /// Show why two articles were or were not grouped: exact Jaccard, containment, MinHash
    /// estimate, LSH bands, and the passages they share.
    #[command(after_help = EXPLAIN_HELP)]
    Explain(ExplainArgs),
}

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// JSONL file with one {"id", "story", "kind"} object per article.
    #[arg(long, value_name = "FILE")]
    pub labels: PathBuf,

    /// The labelled corpus: files or directories, as for the main command.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ReportArg::Table)]
    pub format: ReportArg,

    #[command(flatten)]
    pub settings: Settings,

    #[command(flatten)]
    pub common: Common,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// New articles: files or directories, as for the main command.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,

    /// Index made by `dedup index build`.
    #[arg(long, value_name = "FILE")]
    pub index: PathBuf,

    /// Output format, as for the main command.
    #[arg(short, long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,

    /// Also list new articles in no cluster.
    #[arg(long)]
    pub singletons: bool,

    /// Exit with status 1 when any new article is a near-duplicate (for CI).
    #[arg(long)]
    pub fail_on_duplicates: bool,

    /// List every verified copy pair of each cluster, not one link per member.
    #[arg(long)]
    pub all_pairs: bool,

    #[command(flatten)]
    pub settings: Settings,

    #[command(flatten)]
    pub common: Common,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// First article: a text file, or FILE.jsonl:LINE.
    pub a: String,
    /// Second article: a text file, or FILE.jsonl:LINE.
    pub b: String,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ReportArg::Table)]
    pub format: ReportArg,

    #[command(flatten)]
    pub settings: Settings,

    #[command(flatten)]
    pub common: Common,
}

#[derive(Subcommand, Debug)]
pub enum IndexAction {
    /// Create an index of the articles under PATH (replacing FILE once it is complete).
    Build {
        /// Articles to index: files or directories, as for the main command.
        #[arg(value_name = "PATH", required = true)]
        paths: Vec<PathBuf>,

        /// Where to write the index.
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,

        #[command(flatten)]
        settings: Settings,

        #[command(flatten)]
        common: Common,
    },
    /// Add articles to an existing index, in one atomic step.
    Add {
        /// Index made by `dedup index build`.
        index: PathBuf,

        /// Articles to add.
        #[arg(value_name = "PATH", required = true)]
        paths: Vec<PathBuf>,

        #[command(flatten)]
        settings: Settings,

        #[command(flatten)]
        common: Common,
    },
}

const CHECK_HELP: &str = "\
Examples:
  dedup index build archive/ -o archive.idx
  dedup check --index archive.idx today/
  dedup check --index archive.idx --format github --fail-on-duplicates new-articles/

The index remembers the settings it was built with; a flag that asks for different ones is
refused. Exit status as for the main command: 1 with --fail-on-duplicates when a new article
has a copy.";

const EVAL_HELP: &str = "\
Example:
  dedup eval --labels corpus/labels.jsonl corpus/articles.jsonl

Labels are matched to articles by id (the JSONL id field, or the file name without extension for
text files). Articles without a label are left out of the scores and counted in a warning.";

const EXPLAIN_HELP: &str = "\
Examples:
  dedup explain fixtures/seeds/000_1a9e1d88d631cba8.txt fixtures/seeds/002_83c33a88eb55b6cb.txt
  dedup explain --format json corpus.jsonl:12 corpus.jsonl:4031";

/// Settings that decide which articles are grouped; shared by every subcommand.
#[derive(Args, Debug, Clone)]
pub struct Settings {
    /// Minimum exact Jaccard similarity of two articles' shingle sets for them to count as
    /// copies (0 < T <= 1). Pairs down to 3/4 of it count too when at least a fifth of the
    /// smaller article's shingles (of 100 or more) are in the other: heavy rewrites and cuts.
    /// Unless most of the smaller article is in the other, a pair must also share its wording
    /// spread out, not in a few verbatim blocks (a footer, a background paragraph, a quote;
    /// under 70 % of it in blocks, 40 % below 1.5 x T) or in one passage of each article, and,
    /// when both are dated, be published within 3 days (and on the same day when most of the
    /// smaller article is in the other only as whole paragraphs: a follow-up).
    /// LSH is tuned to T, so it proposes pairs below it less surely (at 0.06 with the default
    /// bands, 6 in 10); `dedup explain` shows every part of the rule for a pair.
    #[arg(short, long, value_name = "T", default_value_t = DEFAULT_THRESHOLD)]
    pub threshold: f64,

    /// What shingles are made of.
    #[arg(long, value_enum, default_value_t = ShingleArg::Word)]
    pub shingle: ShingleArg,

    /// Shingle length in words (default 3) or characters (default 5).
    #[arg(short = 'n', long, value_name = "N")]
    pub ngram: Option<usize>,

    /// Number of MinHash values per article.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_NUM_PERM)]
    pub num_perm: usize,

    /// LSH bands; chosen from --threshold and --num-perm when not given.
    #[arg(long, value_name = "B")]
    pub bands: Option<usize>,

    /// LSH rows per band; chosen from --threshold and --num-perm when not given.
    #[arg(long, value_name = "R")]
    pub rows: Option<usize>,

    /// MinHash scheme: one-permutation hashing (fast) or classic k-permutation MinHash.
    #[arg(long, value_enum, default_value_t = SchemeArg::Oph)]
    pub minhash: SchemeArg,

    /// Seed of every hash function; the same seed gives the same output.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,

    /// JSONL field holding the article text.
    #[arg(long, value_name = "NAME", default_value = "text")]
    pub text_field: String,

    /// JSONL field holding the article id.
    #[arg(long, value_name = "NAME", default_value = "id")]
    pub id_field: String,

    /// JSONL field holding the date (YYYY-MM-DD, optionally followed by a time).
    #[arg(long, value_name = "NAME", default_value = "date")]
    pub date_field: String,

    /// JSONL field holding the headline.
    #[arg(long, value_name = "NAME", default_value = "title")]
    pub title_field: String,
}

/// How the run behaves, not what it finds.
#[derive(Args, Debug, Clone)]
pub struct Common {
    /// Worker threads [default: one per core]. The output does not depend on it.
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,

    /// When to colour the output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,

    /// Print no progress and no warnings on standard error (skips are still counted).
    #[arg(short, long)]
    pub quiet: bool,

    /// Print per-stage timings and pair counts on standard error, and add timings to JSON.
    #[arg(long)]
    pub stats: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportArg {
    Table,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Table,
    Json,
    Jsonl,
    Csv,
    /// GitHub Actions annotations (::warning file=...), one per copy
    Github,
    /// SARIF 2.1.0 for code-scanning tools
    Sarif,
    /// A self-contained page to review the clusters in a browser, texts side by side
    Html,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ShingleArg {
    Word,
    Char,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SchemeArg {
    Oph,
    Classic,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}

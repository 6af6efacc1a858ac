//! `dedup::load::parse_json_record` on arbitrary bytes with the default field names. Checks
//! are in `../harness.rs`, shared with `cargo test`.
#![no_main]

use libfuzzer_sys::fuzz_target;

// Each target uses one of the shared checks.
#[allow(dead_code)]
#[path = "../harness.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::jsonl_record(data));

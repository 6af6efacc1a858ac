//! `dedup::load::parse_seed` on arbitrary UTF-8, then the body shingled by word and by
//! character. Checks are in `../harness.rs`, shared with `cargo test`.
#![no_main]

use libfuzzer_sys::fuzz_target;

// Each target uses one of the shared checks.
#[allow(dead_code)]
#[path = "../harness.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::seed_format(data));

//! `dedup::index::Index::open` and its lookups on arbitrary bytes. Checks are in
//! `../harness.rs`, shared with `cargo test`.
#![no_main]

use libfuzzer_sys::fuzz_target;

// Each target uses one of the shared checks.
#[allow(dead_code)]
#[path = "../harness.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::index_file(data));

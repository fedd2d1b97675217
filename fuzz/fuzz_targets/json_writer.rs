//! The JSON writer against Python's escaping and serde_json, and `JsonWriter::value` re-writing.
//! The property lives in `tests/support/fuzz_checks.rs`, shared with `cargo test`.
#![no_main]

#[path = "../../tests/support/fuzz_checks.rs"]
#[allow(dead_code)]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check_json_writer(data));

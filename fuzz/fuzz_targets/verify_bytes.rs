//! Verification of arbitrary bytes: never panics, `Ok` only for a genuinely valid token.
//! The property lives in `tests/support/fuzz_checks.rs`, shared with `cargo test`.
#![no_main]

#[path = "../../tests/support/fuzz_checks.rs"]
#[allow(dead_code)]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check_verify_bytes(data));

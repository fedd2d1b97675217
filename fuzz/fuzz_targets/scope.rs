//! Client capability scopes against an independent encoder, decoded back through `ScopeUri` / `form_pairs`.
//! The property lives in `tests/support/fuzz_checks.rs`, shared with `cargo test`.
#![no_main]

#[path = "../../tests/support/fuzz_checks.rs"]
#[allow(dead_code)]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check_scope(data));

#![cfg(feature = "std")]
//! The conformance suite: every case of `tests/data` through the shipped runner example.
//!
//! Mint cases must match `expected.jsonl` byte for byte (or by error kind); verify cases must
//! match the answer each case carries. A copy of the public suite lives in `tests/data`.

#[path = "../examples/conformance.rs"]
#[allow(dead_code)]
mod runner;

use serde_json::Value;
use std::collections::HashMap;

fn lines(path: &str) -> Vec<String> {
    let text = std::fs::read_to_string(format!("{}/tests/data/{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("reading {path}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(String::from)
        .collect()
}

/// Whether `got` satisfies `expected` under the suite's matching rules.
fn matches(expected: &Value, got: &Value) -> bool {
    match expected["status"].as_str() {
        Some("skip") => true,
        Some("ok") if expected.get("token").is_some() => {
            got["status"] == "ok" && got["token"] == expected["token"]
        }
        Some("ok") => {
            got["status"] == "ok"
                && got["header"] == expected["header"]
                && got["payload"] == expected["payload"]
        }
        Some("error") => got["status"] == "error" && got["error"] == expected["error"],
        _ => false,
    }
}

#[test]
fn every_mint_case_matches_expected() {
    let expected: HashMap<String, Value> = lines("expected.jsonl")
        .iter()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (v["id"].as_str().unwrap().to_string(), v)
        })
        .collect();
    let cases = lines("cases.jsonl");
    assert!(
        cases.len() >= 177,
        "the suite shrank: {} cases",
        cases.len()
    );
    let mut failures = Vec::new();
    for line in &cases {
        let got = runner::run_line(line);
        let id = got["id"].as_str().unwrap_or_default().to_string();
        let want = expected
            .get(&id)
            .unwrap_or_else(|| panic!("no expected line for {id}"));
        if !matches(want, &got) {
            failures.push(format!("{id}: expected {want}, got {got}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_verify_case_matches_expected() {
    let cases = lines("verify_cases.jsonl");
    assert!(
        cases.len() >= 478,
        "the suite shrank: {} cases",
        cases.len()
    );
    let mut failures = Vec::new();
    let mut skipped = 0;
    for line in &cases {
        let got = runner::run_line(line);
        let id = got["id"].as_str().unwrap_or_default().to_string();
        let Ok(case) = serde_json::from_str::<Value>(line) else {
            // A lone surrogate in the case line: the runner must still name it.
            assert!(!id.is_empty(), "no id for an unparsable line");
            skipped += 1;
            continue;
        };
        if !matches(&case["expected"], &got) {
            failures.push(format!("{id}: expected {}, got {got}", case["expected"]));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        skipped * 20 < cases.len(),
        "too many skipped lines: {skipped}"
    );
}

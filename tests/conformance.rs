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

/// The schema: an absent key means "not set, use the default" and `null` means "explicitly
/// unset". For every optional key below, `null` must give the same answer as leaving the key
/// out, and that answer must be a real one (a token or an error), never `skip`.
#[test]
fn null_means_unset_in_every_optional_position() {
    let access = r#"{"id": "n", "kind": "access_token", "now": 1700000000,
        "account_sid": "AC00000000000000000000000000000001",
        "key_sid": "SK00000000000000000000000000000002", "secret": "s", "identity": "alice",
        "grants": [{"type": "video", "room": "r"},
                   {"type": "voice", "incoming_allow": true,
                    "outgoing_application_sid": "AP00000000000000000000000000000003"},
                   {"type": "chat", "service_sid": "IS00000000000000000000000000000004"},
                   {"type": "sync", "service_sid": "IS00000000000000000000000000000005"},
                   {"type": "taskrouter", "workspace_sid": "WS00000000000000000000000000000006"},
                   {"type": "playback"}]}"#;
    // The legacy grants on their own (beside `chat` they would be a misuse).
    let legacy = r#"{"id": "n", "kind": "access_token", "now": 1700000000,
        "account_sid": "AC00000000000000000000000000000001",
        "key_sid": "SK00000000000000000000000000000002", "secret": "s", "identity": "alice",
        "grants": [{"type": "conversations",
                    "configuration_profile_sid": "VS00000000000000000000000000000008"},
                   {"type": "ip_messaging", "service_sid": "IS00000000000000000000000000000009",
                    "endpoint_id": "e", "deployment_role_sid": "RL00000000000000000000000000000010",
                    "push_credential_sid": "CR00000000000000000000000000000011"}]}"#;
    let client = r#"{"id": "n", "kind": "client_capability", "now": 1700000000,
        "account_sid": "AC00000000000000000000000000000001", "auth_token": "t",
        "incoming": {"client_name": "alice"},
        "outgoing": {"application_sid": "AP00000000000000000000000000000003"},
        "event_stream": {}}"#;
    let taskrouter = r#"{"id": "n", "kind": "taskrouter_capability", "now": 1700000000,
        "account_sid": "AC00000000000000000000000000000001", "auth_token": "t",
        "workspace_sid": "WS00000000000000000000000000000006",
        "channel_id": "WK00000000000000000000000000000007",
        "options": {"allow_update_activities": true},
        "calls": ["allow_fetch_self", {"method": "allow_web_sockets"}],
        "custom_policies": [{"url": "https://taskrouter.twilio.com/v1/x", "method": "POST",
                             "allow": true,
                             "query_filter": {"Q": {"required": true}},
                             "post_filter": {"P": {"required": false}}}]}"#;
    let verify = r#"{"id": "n", "kind": "verify", "now": 1700000000, "secret": "s",
        "leeway": 5, "algorithm": "HS384",
        "token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjE3MDAwMDM2MDB9.x"}"#;

    // (base case, path of the key set to null: objects by key, lists by index)
    let positions: &[(&str, &[&str])] = &[
        // Required inputs: `null` is "not given", the same error as leaving the key out.
        (access, &["account_sid"]),
        (access, &["key_sid"]),
        (access, &["secret"]),
        (access, &["identity"]),
        (access, &["valid_until"]),
        (access, &["region"]),
        (access, &["algorithm"]),
        (access, &["grants"]),
        (access, &["grants", "0", "room"]),
        (access, &["grants", "1", "outgoing_application_sid"]),
        (access, &["grants", "1", "outgoing_application_params"]),
        (access, &["grants", "1", "push_credential_sid"]),
        (access, &["grants", "1", "endpoint_id"]),
        (access, &["grants", "1", "incoming_allow"]),
        (access, &["grants", "2", "service_sid"]),
        (access, &["grants", "2", "endpoint_id"]),
        (access, &["grants", "2", "deployment_role_sid"]),
        (access, &["grants", "2", "push_credential_sid"]),
        (access, &["grants", "3", "service_sid"]),
        (access, &["grants", "3", "endpoint_id"]),
        (access, &["grants", "4", "workspace_sid"]),
        (access, &["grants", "4", "worker_sid"]),
        (access, &["grants", "4", "role"]),
        (access, &["grants", "5", "grant"]),
        (legacy, &["grants", "0", "configuration_profile_sid"]),
        (legacy, &["grants", "1", "service_sid"]),
        (legacy, &["grants", "1", "endpoint_id"]),
        (legacy, &["grants", "1", "deployment_role_sid"]),
        (legacy, &["grants", "1", "push_credential_sid"]),
        (client, &["account_sid"]),
        (client, &["auth_token"]),
        (client, &["valid_until"]),
        (client, &["scope_order"]),
        (client, &["incoming"]),
        (client, &["outgoing"]),
        (client, &["event_stream"]),
        (client, &["incoming", "client_name"]),
        (client, &["outgoing", "application_sid"]),
        (client, &["outgoing", "params"]),
        (client, &["event_stream", "filters"]),
        (client, &["algorithm"]),
        (taskrouter, &["account_sid"]),
        (taskrouter, &["auth_token"]),
        (taskrouter, &["workspace_sid"]),
        (taskrouter, &["channel_id"]),
        (taskrouter, &["valid_until"]),
        (taskrouter, &["channel_kind"]),
        (taskrouter, &["friendly_name"]),
        (taskrouter, &["options"]),
        (taskrouter, &["calls"]),
        (taskrouter, &["calls", "1", "channel_id"]),
        (taskrouter, &["custom_policies"]),
        (taskrouter, &["custom_policies", "0", "method"]),
        (taskrouter, &["custom_policies", "0", "allow"]),
        (taskrouter, &["custom_policies", "0", "query_filter"]),
        (taskrouter, &["custom_policies", "0", "post_filter"]),
        (taskrouter, &["algorithm"]),
        (taskrouter, &["custom_policies", "0", "url"]),
        (verify, &["token"]),
        (verify, &["secret"]),
        (verify, &["leeway"]),
        (verify, &["algorithm"]),
    ];
    for (base, path) in positions {
        let base: Value = serde_json::from_str(base).unwrap();
        let (mut with_null, mut without) = (base.clone(), base);
        *at(&mut with_null, path) = Value::Null;
        let (parent, key) = path.split_at(path.len() - 1);
        if let Some(obj) = at(&mut without, parent).as_object_mut() {
            obj.remove(key[0]);
        }
        let null_answer = runner::run_line(&with_null.to_string());
        let absent_answer = runner::run_line(&without.to_string());
        assert_ne!(
            null_answer["status"], "skip",
            "{path:?}: null gave {null_answer}"
        );
        assert_eq!(
            null_answer, absent_answer,
            "{path:?}: null differs from absent"
        );
    }
}

/// The value at `path` (object keys, list indexes), created as `null` when missing.
fn at<'v>(v: &'v mut Value, path: &[&str]) -> &'v mut Value {
    path.iter().fold(v, |v, k| match v {
        Value::Array(list) => &mut list[k.parse::<usize>().unwrap()],
        other => &mut other[*k],
    })
}

/// A TaskRouter flag set to `null` is off, as twilio-python's `kwargs.get(flag, default)` reads
/// `None`: even a flag that is on by default (`allow_web_sockets`, `allow_fetch_self`, and for
/// workers `allow_fetch_activities`, `allow_fetch_reservations`,
/// `allow_fetch_worker_reservations`).
#[test]
fn a_null_taskrouter_flag_is_off() {
    let case = |options: &str| {
        runner::run_line(&format!(
            r#"{{"id": "n", "kind": "taskrouter_capability", "now": 1700000000,
            "account_sid": "AC00000000000000000000000000000001", "auth_token": "t",
            "workspace_sid": "WS00000000000000000000000000000006",
            "channel_id": "WK00000000000000000000000000000007", "options": {options}}}"#
        ))
    };
    let policies = |answer: Value| -> usize {
        let token = answer["token"].as_str().expect("a token").to_string();
        let part = token.split('.').nth(1).unwrap().to_string();
        use base64ct::{Base64UrlUnpadded, Encoding};
        let payload: Value =
            serde_json::from_slice(&Base64UrlUnpadded::decode_vec(&part).unwrap()).unwrap();
        payload["policies"].as_array().unwrap().len()
    };
    assert_eq!(policies(case("{}")), 6);
    for flag in [
        "allow_web_sockets",
        "allow_fetch_self",
        "allow_fetch_activities",
        "allow_fetch_reservations",
        "allow_fetch_worker_reservations",
    ] {
        let null = case(&format!(r#"{{"{flag}": null}}"#));
        assert_eq!(null, case(&format!(r#"{{"{flag}": false}}"#)), "{flag}");
        assert!(policies(null) < 6, "{flag}");
    }
    // A flag that is off by default stays off.
    assert_eq!(
        case(r#"{"allow_update_self": null}"#),
        case(r#"{"allow_update_self": false}"#)
    );
    assert_eq!(case(r#"{"allow_update_self": null}"#), case("{}"));
}

/// `nbf: null` is the one `null` with a meaning of its own: no `nbf` claim at all.
#[test]
fn null_nbf_means_no_nbf_claim() {
    let case = |nbf: &str| {
        format!(
            r#"{{"id": "n", "kind": "access_token", "now": 1700000000, "nbf": {nbf},
            "account_sid": "AC00000000000000000000000000000001",
            "key_sid": "SK00000000000000000000000000000002", "secret": "s", "identity": "a"}}"#
        )
    };
    let payload = |answer: Value| -> Value {
        let token = answer["token"].as_str().expect("a token").to_string();
        let part = token.split('.').nth(1).unwrap().to_string();
        use base64ct::{Base64UrlUnpadded, Encoding};
        serde_json::from_slice(&Base64UrlUnpadded::decode_vec(&part).unwrap()).unwrap()
    };
    assert!(
        payload(runner::run_line(&case("null")))
            .get("nbf")
            .is_none()
    );
    assert_eq!(
        payload(runner::run_line(&case("1700000005")))["nbf"],
        1700000005
    );
}

#![cfg(feature = "cli")]
//! Runs the `twilio-jwt` binary: every subcommand, its output streams, exit codes and errors.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use twilio_jwt::Verifier;
use twilio_jwt::json::JsonWriter;
use twilio_jwt::{Algorithm, Key, Payload};

const NOW: u64 = 1_700_000_000;
const NOW_ARG: &str = "1700000000";
const DEMO_SECRET: &str = "twilio-jwt-demo-secret-NOT-A-REAL-CREDENTIAL";
const ENV_VARS: [&str; 4] = [
    "TWILIO_ACCOUNT_SID",
    "TWILIO_API_KEY",
    "TWILIO_API_SECRET",
    "TWILIO_AUTH_TOKEN",
];

/// Run the binary with no Twilio variables but `env`, feeding `stdin`.
fn run_full(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_twilio-jwt"));
    cmd.args(args).env_remove("RUST_BACKTRACE");
    for var in ENV_VARS {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn twilio-jwt");
    let mut input = child.stdin.take().expect("stdin");
    input
        .write_all(stdin.unwrap_or("").as_bytes())
        .expect("write stdin");
    drop(input);
    child.wait_with_output().expect("wait for twilio-jwt")
}

fn run(args: &[&str]) -> Output {
    run_full(args, &[], None)
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 stdout")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("utf-8 stderr")
}

/// Success, and the one line on stdout.
fn token_of(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(o));
    let out = stdout(o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "stdout: {out}");
    assert_eq!(lines[0].split('.').count(), 3);
    lines[0].to_string()
}

fn demo_access(extra: &[&str]) -> String {
    let mut args = vec!["access", "--demo", "--identity", "alice", "--now", NOW_ARG];
    args.extend_from_slice(extra);
    token_of(&run(&args))
}

#[test]
fn access_demo_prints_only_the_token_and_says_demo_on_stderr() {
    let o = run(&[
        "access",
        "--demo",
        "--identity",
        "alice",
        "--video-room",
        "demo",
    ]);
    let token = token_of(&o);
    assert!(token.starts_with("eyJ"));
    assert!(stderr(&o).contains("--demo"), "{}", stderr(&o));
    assert!(stderr(&o).contains("FAKE"));
}

#[test]
fn demo_token_verifies_with_demo_and_not_with_another_secret() {
    let token = token_of(&run(&[
        "access",
        "--demo",
        "--identity",
        "alice",
        "--video-room",
        "demo",
    ]));
    let ok = run(&["verify", "--demo", &token]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert!(stdout(&ok).contains("alice"));
    assert!(stdout(&ok).contains("\"room\": \"demo\""));
    assert!(stderr(&ok).contains("valid"));

    let bad = run(&["verify", "--secret", "wrong", &token]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stdout(&bad).is_empty());
    assert!(
        stderr(&bad).contains("signature does not match"),
        "{}",
        stderr(&bad)
    );
    assert_eq!(stderr(&bad).lines().count(), 1);
}

#[test]
fn verify_reports_expiry_and_honours_leeway() {
    let token = demo_access(&["--ttl", "10m"]);
    let late = (NOW + 600 + 5).to_string();
    let expired = run(&["verify", "--demo", "--now", &late, &token]);
    assert_eq!(expired.status.code(), Some(1));
    assert!(stderr(&expired).contains("expired"), "{}", stderr(&expired));
    let lenient = run(&["verify", "--demo", "--now", &late, "--leeway", "1m", &token]);
    assert_eq!(lenient.status.code(), Some(0), "{}", stderr(&lenient));
}

#[test]
fn verify_algorithm_flag() {
    let token = demo_access(&["--algorithm", "HS384"]);
    let default = run(&["verify", "--demo", "--now", NOW_ARG, &token]);
    assert_eq!(default.status.code(), Some(1));
    assert!(stderr(&default).contains("HS384"), "{}", stderr(&default));
    let hs384 = run(&[
        "verify",
        "--demo",
        "--now",
        NOW_ARG,
        "--algorithm",
        "HS384",
        &token,
    ]);
    assert_eq!(hs384.status.code(), Some(0), "{}", stderr(&hs384));
}

#[test]
fn json_output_has_token_header_and_payload() {
    let o = run(&[
        "access",
        "--demo",
        "--identity",
        "alice",
        "--voice-outgoing",
        "AP123",
        "--voice-param",
        "agent=bob smith",
        "--voice-incoming",
        "--region",
        "ie1",
        "--json",
        "--now",
        NOW_ARG,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    let token = v["token"].as_str().expect("token");
    assert_eq!(v["header"]["cty"], "twilio-fpa;v=1");
    assert_eq!(v["header"]["twr"], "ie1");
    assert_eq!(v["payload"]["grants"]["identity"], "alice");
    assert_eq!(v["payload"]["exp"], NOW + 3600);
    let voice = &v["payload"]["grants"]["voice"];
    assert_eq!(voice["outgoing"]["params"]["agent"], "bob smith");
    assert_eq!(voice["incoming"]["allow"], true);
    Verifier::from_secret(DEMO_SECRET.as_bytes())
        .unwrap()
        .verify_owned(token, NOW)
        .expect("the JSON's token verifies");
}

#[test]
fn credentials_come_from_the_environment() {
    let env = [
        ("TWILIO_ACCOUNT_SID", "AC11111111111111111111111111111111"),
        ("TWILIO_API_KEY", "SK22222222222222222222222222222222"),
        ("TWILIO_API_SECRET", "env-api-secret"),
        ("TWILIO_AUTH_TOKEN", "env-auth-token"),
    ];
    let args = [
        "access",
        "--identity",
        "alice",
        "--chat-service",
        "IS1",
        "--now",
        NOW_ARG,
    ];
    let o = run_full(&args, &env, None);
    let token = token_of(&o);
    assert!(!stderr(&o).contains("demo"));
    let claims = Verifier::from_secret(b"env-api-secret")
        .unwrap()
        .verify_owned(&token, NOW)
        .expect("signed with TWILIO_API_SECRET");
    let view = claims.claims();
    assert!(
        view.sub()
            .is_some_and(|s| s == "AC11111111111111111111111111111111")
    );
    assert!(
        view.iss()
            .is_some_and(|s| s == "SK22222222222222222222222222222222")
    );
    assert!(
        view.chat()
            .and_then(|c| c.service_sid)
            .is_some_and(|s| s == "IS1")
    );

    // verify picks TWILIO_API_SECRET for an access token, even with TWILIO_AUTH_TOKEN set.
    let ok = run_full(&["verify", "--now", NOW_ARG, &token], &env, None);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));

    // A flag overrides the environment.
    let o = run_full(
        &[&args[..], &["--api-secret", "flag-secret"]].concat(),
        &env,
        None,
    );
    let token = token_of(&o);
    assert!(
        Verifier::from_secret(b"flag-secret")
            .unwrap()
            .verify_owned(&token, NOW)
            .is_ok()
    );
}

#[test]
fn client_token_verifies_with_its_scopes() {
    let o = run(&[
        "client",
        "--demo",
        "--incoming",
        "alice",
        "--outgoing",
        "AP123",
        "--param",
        "queue=support desk",
        "--events",
        "--filter",
        "kind=call",
        "--now",
        NOW_ARG,
    ]);
    let token = token_of(&o);
    let claims = Verifier::from_secret(DEMO_SECRET.as_bytes())
        .unwrap()
        .verify_owned(&token, NOW)
        .expect("client token verifies");
    let view = claims.claims();
    let scopes: Vec<_> = view.scopes().expect("scope claim").collect();
    let names: Vec<_> = scopes.iter().map(|s| (s.service, s.privilege)).collect();
    assert_eq!(
        names,
        [
            ("client", "incoming"),
            ("client", "outgoing"),
            ("stream", "subscribe")
        ]
    );
    assert_eq!(scopes[1].param("appSid").map(|p| p.raw()), Some("AP123"));
    assert!(scopes[1].param("appParams").is_some());
    assert!(scopes[2].param("params").is_some());

    let ok = run(&["verify", "--demo", "--now", NOW_ARG, &token]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert!(stdout(&ok).contains("scope:client:incoming?clientName=alice"));

    // Auth token from the environment.
    let env = [
        ("TWILIO_ACCOUNT_SID", "AC11111111111111111111111111111111"),
        ("TWILIO_AUTH_TOKEN", "env-auth-token"),
    ];
    let o = run_full(
        &["client", "--incoming", "bob", "--now", NOW_ARG],
        &env,
        None,
    );
    let token = token_of(&o);
    assert!(
        Verifier::from_secret(b"env-auth-token")
            .unwrap()
            .verify_owned(&token, NOW)
            .is_ok()
    );
    let ok = run_full(&["verify", "--now", NOW_ARG, &token], &env, None);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
}

#[test]
fn taskrouter_token_verifies_with_its_policies() {
    let o = run(&[
        "taskrouter",
        "--demo",
        "--workspace",
        "WS123",
        "--channel",
        "WK456",
        "--allow-update-activities",
        "--friendly-name",
        "Alice",
        "--now",
        NOW_ARG,
    ]);
    let token = token_of(&o);
    let claims = Verifier::from_secret(DEMO_SECRET.as_bytes())
        .unwrap()
        .verify_owned(&token, NOW)
        .expect("taskrouter token verifies");
    let view = claims.claims();
    assert!(
        view.claim("worker_sid")
            .and_then(|v| v.as_str())
            .is_some_and(|s| s == "WK456")
    );
    assert!(
        view.claim("friendly_name")
            .and_then(|v| v.as_str())
            .is_some_and(|s| s == "Alice")
    );
    let policies: Vec<_> = view.policies().collect();
    assert!(policies.len() >= 5, "{} policies", policies.len());
    let update = policies
        .iter()
        .find(|p| {
            p.method.is_some_and(|m| m == "POST")
                && p.url.is_some_and(|u| u.raw().ends_with("/Workers/WK456"))
        })
        .expect("POST on the worker");
    assert!(update.allow);
    let filter = update.post_filter.expect("post_filter");
    assert!(filter.get("ActivitySid").is_some());

    // --no-defaults leaves only what is asked for.
    let o = run(&[
        "taskrouter",
        "--demo",
        "--workspace",
        "WS123",
        "--no-defaults",
        "--allow-fetch-self",
        "--now",
        NOW_ARG,
    ]);
    let token = token_of(&o);
    let claims = Verifier::from_secret(DEMO_SECRET.as_bytes())
        .unwrap()
        .verify_owned(&token, NOW)
        .unwrap();
    assert_eq!(claims.claims().policies().count(), 1);
}

#[test]
fn decode_shows_identity_dates_and_time_left() {
    let token = demo_access(&["--video-room", "r"]);
    let o = run(&["decode", "--now", &(NOW + 2).to_string(), &token]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("identity:   alice"), "{out}");
    assert!(out.contains("2023-11-14 22:13:20 UTC"), "{out}");
    assert!(out.contains("2023-11-14 23:13:20 UTC"), "{out}");
    assert!(out.contains("expires in 59m 58s"), "{out}");
    assert!(out.contains("\"cty\": \"twilio-fpa;v=1\""), "{out}");
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));

    let json = run(&["decode", "--json", &token]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("valid JSON");
    assert_eq!(v["token"], token.as_str());
    assert_eq!(v["payload"]["grants"]["video"]["room"], "r");
}

#[test]
fn decode_says_expired() {
    let token = demo_access(&[]);
    let later = (NOW + 3600 + 3 * 3600).to_string();
    let o = run(&["decode", "--now", &later, &token]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("expired 3h ago"), "{}", stdout(&o));
}

/// An access-token-shaped payload with a 2-day lifetime, no identity, an unknown grant and a
/// future nbf.
struct Suspicious;

impl Payload for Suspicious {
    fn write_header(&self, w: &mut JsonWriter<'_>) {
        w.field_str("cty", "twilio-fpa;v=1");
    }

    fn write_claims(&self, w: &mut JsonWriter<'_>) {
        w.key("grants");
        w.begin_object();
        w.key("hologram");
        w.begin_object();
        w.end_object();
        w.end_object();
        w.field_u64("iat", NOW);
        w.field_u64("nbf", NOW + 600);
        w.field_u64("exp", NOW + 2 * 86_400);
    }
}

#[test]
fn decode_warns_about_suspicious_tokens() {
    let token = Key::new(Algorithm::HS256, b"s")
        .unwrap()
        .sign(&Suspicious)
        .unwrap();
    let o = run(&["decode", "--now", NOW_ARG, &token]);
    assert_eq!(o.status.code(), Some(0));
    let err = stderr(&o);
    assert!(
        err.contains("warning: lifetime of 2d is over Twilio's 24h maximum"),
        "{err}"
    );
    assert!(err.contains("warning: no identity"), "{err}");
    assert!(err.contains("warning: nbf is in the future"), "{err}");
    assert!(
        err.contains("warning: unknown grant key \"hologram\""),
        "{err}"
    );
    assert!(stdout(&o).contains("not valid yet"), "{}", stdout(&o));

    // A clean token has no warnings.
    let clean = run(&["decode", "--now", NOW_ARG, &demo_access(&[])]);
    assert!(!stderr(&clean).contains("warning"), "{}", stderr(&clean));
}

#[test]
fn decode_and_verify_read_stdin() {
    let token = demo_access(&[]);
    let o = run_full(&["decode", "-"], &[], Some(&format!("{token}\n")));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("alice"));
    let o = run_full(
        &["verify", "--demo", "--now", NOW_ARG, "-"],
        &[],
        Some(&token),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn help_everywhere() {
    for args in [
        &["--help"][..],
        &["-h"],
        &[],
        &["access", "--help"],
        &["client", "-h"],
        &["taskrouter", "--help"],
        &["decode", "--help"],
        &["verify", "-h"],
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        assert!(stdout(&o).contains("Usage: twilio-jwt"), "{args:?}");
        assert!(stderr(&o).is_empty(), "{args:?}");
    }
    assert!(stdout(&run(&["access", "--help"])).contains("--video-room"));
}

#[test]
fn bad_input_is_one_line_naming_the_flag_and_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["access", "--demo", "--identity", "a", "--bogus"],
            "--bogus",
        ),
        (&["access", "--demo", "--identity"], "--identity"),
        (
            &["access", "--demo", "--identity", "a", "--ttl", "abc"],
            "--ttl",
        ),
        (&["access", "--demo", "--video-room", "r"], "--identity"),
        (
            &["access", "--demo", "--identity", "a", "--ttl", "2d"],
            "--ttl",
        ),
        (
            &["access", "--demo", "--identity", "a", "--voice-param", "x"],
            "--voice-param",
        ),
        (
            &["access", "--demo", "--identity", "a", "--playback", "{"],
            "--playback",
        ),
        (
            &["access", "--demo", "--identity", "a", "--playback", "[1]"],
            "--playback",
        ),
        (
            &[
                "access",
                "--demo",
                "--identity",
                "a",
                "--algorithm",
                "RS256",
            ],
            "--algorithm",
        ),
        (
            &["access", "--demo", "--identity", "a", "--now", "-5"],
            "--now",
        ),
        (
            &["access", "--demo", "--identity", "a", "--demo=yes"],
            "--demo",
        ),
        (&["access", "--identity", "a"], "--account-sid"),
        (
            &[
                "access",
                "--identity",
                "a",
                "--account-sid",
                "AC1",
                "--api-key",
                "SK1",
            ],
            "--api-secret",
        ),
        (
            &["client", "--demo", "--param", "a=b", "--incoming", "x"],
            "--param",
        ),
        (
            &["client", "--demo", "--outgoing", "AP1", "--filter", "a=b"],
            "--filter",
        ),
        (
            &["client", "--incoming", "x", "--account-sid", "AC1"],
            "--auth-token",
        ),
        (&["taskrouter", "--demo"], "--workspace"),
        (
            &[
                "taskrouter",
                "--demo",
                "--workspace",
                "WS1",
                "--channel",
                "XX1",
            ],
            "--channel",
        ),
        (
            &[
                "taskrouter",
                "--demo",
                "--workspace",
                "WS1",
                "--allow-update-activities",
            ],
            "--allow-update-activities",
        ),
        (&["verify", "abc"], "--secret"),
        (&["verify", "--demo", "--leeway", "soon", "abc"], "--leeway"),
        (&["decode", "--secret", "x", "abc"], "--secret"),
        (&["decode"], "TOKEN"),
        (&["decode", "not-a-token"], "TOKEN"),
        (&["frobnicate"], "frobnicate"),
    ];
    for (args, flag) in cases {
        let o = run(args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(stdout(&o).is_empty(), "{args:?}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert!(err.contains(flag), "{args:?} should name {flag}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    let missing = run(&["access", "--demo"]);
    assert!(stderr(&missing).contains("identity is required for an access token"));
}

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
const AC: &str = "AC0123456789abcdef0123456789abcdef";
const SK: &str = "SK0123456789abcdef0123456789abcdef";
const AP: &str = "AP0123456789abcdef0123456789abcdef";
const IS: &str = "IS0123456789abcdef0123456789abcdef";
const WS: &str = "WS0123456789abcdef0123456789abcdef";
const WK: &str = "WK0123456789abcdef0123456789abcdef";
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
    let bytes = stdin.unwrap_or("").as_bytes().to_vec();
    // A thread, so that a child that stops reading early (a bounded read) cannot block us; a
    // closed pipe is then expected.
    let writer = std::thread::spawn(move || {
        if let Err(e) = input.write_all(&bytes) {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
        }
    });
    let output = child.wait_with_output().expect("wait for twilio-jwt");
    writer.join().expect("stdin writer");
    output
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
        AP,
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
        ("TWILIO_ACCOUNT_SID", AC),
        ("TWILIO_API_KEY", SK),
        ("TWILIO_API_SECRET", "env-api-secret"),
        ("TWILIO_AUTH_TOKEN", "env-auth-token"),
    ];
    let args = [
        "access",
        "--identity",
        "alice",
        "--chat-service",
        IS,
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
    assert!(view.sub().is_some_and(|s| s == AC));
    assert!(view.iss().is_some_and(|s| s == SK));
    assert!(
        view.chat()
            .and_then(|c| c.service_sid)
            .is_some_and(|s| s == IS)
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
        AP,
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
    assert_eq!(scopes[1].param("appSid").map(|p| p.raw()), Some(AP));
    assert!(scopes[1].param("appParams").is_some());
    assert!(scopes[2].param("params").is_some());

    let ok = run(&["verify", "--demo", "--now", NOW_ARG, &token]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert!(stdout(&ok).contains("scope:client:incoming?clientName=alice"));

    // Auth token from the environment.
    let env = [
        ("TWILIO_ACCOUNT_SID", AC),
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
        WS,
        "--channel",
        WK,
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
            .is_some_and(|s| s == WK)
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
                && p.url
                    .is_some_and(|u| u.raw().ends_with(&format!("/Workers/{WK}")))
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
        WS,
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
    assert!(stderr(&o).starts_with("UNVERIFIED"), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));

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
        &["help"],
        &["help", "access"],
        &["completions", "--help"],
        &["decode", "--json", "--help"],
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
                AC,
                "--api-key",
                SK,
            ],
            "--api-secret",
        ),
        (
            &["client", "--demo", "--param", "a=b", "--incoming", "x"],
            "--param",
        ),
        (
            &["client", "--demo", "--outgoing", AP, "--filter", "a=b"],
            "--filter",
        ),
        (
            &["client", "--incoming", "x", "--account-sid", AC],
            "--auth-token",
        ),
        (&["taskrouter", "--demo"], "--workspace"),
        (
            &[
                "access",
                "--demo",
                "--identity",
                "a",
                "--ttl",
                "1m",
                "--valid-until",
                "1700000100",
            ],
            "--valid-until",
        ),
        (
            &[
                "taskrouter",
                "--demo",
                "--workspace",
                WS,
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
                WS,
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

// ---- secrets: files and stdin, never only argv ----

/// A fresh file holding `contents`, removed when dropped.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn new(name: &str, contents: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("twilio-jwt-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(name);
        std::fs::write(&path, contents).expect("write temp file");
        TempFile(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("utf-8 temp path")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn secrets_come_from_files_and_stdin() {
    let file = TempFile::new("api-secret", "file-secret\n");
    let sids = ["--account-sid", AC, "--api-key", SK, "--now", NOW_ARG];
    let access = ["access", "--identity", "alice"];

    // --api-secret-file PATH: the final line break is not part of the secret.
    let args = [&access[..], &sids, &["--api-secret-file", file.path()]].concat();
    let token = token_of(&run(&args));
    assert!(
        Verifier::from_secret(b"file-secret")
            .unwrap()
            .verify_owned(&token, NOW)
            .is_ok()
    );

    // --api-secret-file - reads stdin.
    let args = [&access[..], &sids, &["--api-secret-file", "-"]].concat();
    let token = token_of(&run_full(&args, &[], Some("stdin-secret\r\n")));
    assert!(
        Verifier::from_secret(b"stdin-secret")
            .unwrap()
            .verify_owned(&token, NOW)
            .is_ok()
    );

    // verify --secret-file, with the token on argv; and from stdin with the token in a file.
    let secret = TempFile::new("verify-secret", "stdin-secret");
    let ok = run(&[
        "verify",
        "--secret-file",
        secret.path(),
        "--now",
        NOW_ARG,
        &token,
    ]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let ok = run_full(
        &["verify", "--secret-file", "-", "--now", NOW_ARG, &token],
        &[],
        Some("stdin-secret\n"),
    );
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let bad = run(&[
        "verify",
        "--secret-file",
        file.path(),
        "--now",
        NOW_ARG,
        &token,
    ]);
    assert_eq!(bad.status.code(), Some(1), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("--secret-file"), "{}", stderr(&bad));

    // client and taskrouter: --auth-token-file.
    let auth = TempFile::new("auth-token", "file-auth-token\n");
    let o = run(&[
        "client",
        "--incoming",
        "bob",
        "--account-sid",
        AC,
        "--auth-token-file",
        auth.path(),
        "--now",
        NOW_ARG,
    ]);
    let token = token_of(&o);
    assert!(
        Verifier::from_secret(b"file-auth-token")
            .unwrap()
            .verify_owned(&token, NOW)
            .is_ok()
    );
    let o = run(&[
        "taskrouter",
        "--workspace",
        WS,
        "--account-sid",
        AC,
        "--auth-token-file",
        auth.path(),
        "--now",
        NOW_ARG,
    ]);
    let token = token_of(&o);
    assert!(
        Verifier::from_secret(b"file-auth-token")
            .unwrap()
            .verify_owned(&token, NOW)
            .is_ok()
    );
}

#[test]
fn bad_secret_files_are_refused_naming_the_flag() {
    let empty = TempFile::new("empty", "\n");
    let missing = format!("{}.missing", empty.path());
    let sids = [
        "access",
        "--identity",
        "a",
        "--account-sid",
        AC,
        "--api-key",
        SK,
    ];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            [&sids[..], &["--api-secret-file", empty.path()]].concat(),
            "is empty",
        ),
        (
            [&sids[..], &["--api-secret-file", &missing]].concat(),
            "cannot read",
        ),
        (
            [
                &sids[..],
                &["--api-secret-file", empty.path(), "--api-secret", "x"],
            ]
            .concat(),
            "both given",
        ),
        (
            vec![
                "verify",
                "--secret",
                "x",
                "--secret-file",
                empty.path(),
                "t",
            ],
            "both given",
        ),
        (
            vec!["verify", "--secret-file", "-", "-"],
            "cannot both be `-`",
        ),
    ];
    for (args, says) in cases {
        let o = run(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(err.contains("secret"), "{args:?} names the flag: {err}");
    }
    // A secret file bigger than any secret is not read whole.
    let big = TempFile::new("big", &"x".repeat(100_000));
    let o = run(&[&sids[..], &["--api-secret-file", big.path()]].concat());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a secret"), "{}", stderr(&o));
}

#[test]
fn help_says_env_vars_or_files_are_safer_than_argv() {
    for (command, file_flag, secret_flag) in [
        ("access", "--api-secret-file", "--api-secret SECRET"),
        ("client", "--auth-token-file", "--auth-token TOKEN"),
        ("taskrouter", "--auth-token-file", "--auth-token TOKEN"),
        ("verify", "--secret-file", "--secret SECRET"),
    ] {
        let help = stdout(&run(&[command, "--help"]));
        assert!(
            help.contains(&format!("{file_flag} PATH")),
            "{command}: {help}"
        );
        assert!(help.contains(secret_flag), "{command}: {help}");
        assert!(help.contains("visible in `ps`"), "{command}: {help}");
        // The safe ways come first.
        let safe = help.find(file_flag).expect("file flag");
        let unsafe_ = help.find(secret_flag).expect("secret flag");
        assert!(safe < unsafe_, "{command}: {help}");
    }
    let overview = stdout(&run(&["--help"]));
    assert!(overview.contains("prefer the environment"), "{overview}");
    assert!(overview.contains("shows in `ps`"), "{overview}");
}

// ---- decode says UNVERIFIED; verify --json always answers ----

#[test]
fn decode_says_unverified_every_time_and_verify_says_verified() {
    let token = demo_access(&[]);
    for args in [
        vec!["decode", token.as_str()],
        vec!["decode", "--json", token.as_str()],
        vec!["decode", "-"],
    ] {
        let o = run_full(&args, &[], Some(&token));
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("UNVERIFIED"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
    let json = run(&["decode", "--json", &token]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("JSON");
    assert_eq!(v["verified"], false);
    assert!(v.get("valid").is_none(), "decode does not claim validity");

    let ok = run(&["verify", "--demo", "--json", "--now", NOW_ARG, &token]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let v: serde_json::Value = serde_json::from_str(&stdout(&ok)).expect("JSON");
    assert_eq!(v["verified"], true);
    assert_eq!(v["valid"], true);
    assert_eq!(v["token"], token.as_str());
    assert!(!stderr(&ok).contains("UNVERIFIED"));
}

#[test]
fn verify_json_reports_an_invalid_token_on_stdout() {
    let token = demo_access(&[]);
    let late = (NOW + 7200).to_string();
    for (args, kind, says) in [
        (
            vec![
                "verify", "--secret", "wrong", "--json", "--now", NOW_ARG, &token,
            ],
            "bad_signature",
            "signature does not match",
        ),
        (
            vec!["verify", "--demo", "--json", "--now", &late, &token],
            "expired",
            "expired",
        ),
        (
            vec!["verify", "--demo", "--json", "abc.def.ghi"],
            "malformed",
            "not canonical unpadded base64url",
        ),
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        let out = stdout(&o);
        assert_eq!(out.lines().count(), 1, "{out}");
        let v: serde_json::Value = serde_json::from_str(&out).expect("JSON on stdout");
        assert_eq!(v["valid"], false, "{out}");
        assert_eq!(v["error"], kind, "{out}");
        let message = v["message"].as_str().expect("message");
        assert!(message.contains(says), "{out}");
        assert_eq!(v.as_object().map(|o| o.len()), Some(3), "{out}");
        assert!(stderr(&o).contains(says), "{}", stderr(&o));
    }
}

#[test]
fn verify_without_exp_names_the_claim() {
    /// A plain JWT with `iat` and no `exp`, or an `iat` that is not a time.
    struct NoExp(bool);
    impl Payload for NoExp {
        fn write_claims(&self, w: &mut JsonWriter<'_>) {
            if self.0 {
                w.field_u64("exp", NOW + 60);
                w.field_str("iat", "yesterday");
            } else {
                w.field_u64("iat", NOW);
            }
            w.field_str("sub", "someone");
        }
    }
    let signer = Key::new(Algorithm::HS256, b"s").unwrap();
    let token = signer.sign(&NoExp(false)).unwrap();
    let o = run(&["verify", "--secret", "s", "--now", NOW_ARG, &token]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no exp claim"), "{}", stderr(&o));
    let json = run(&[
        "verify", "--secret", "s", "--json", "--now", NOW_ARG, &token,
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("JSON");
    assert!(v["message"].as_str().unwrap().contains("exp"), "{v}");

    let token = signer.sign(&NoExp(true)).unwrap();
    let o = run(&["verify", "--secret", "s", "--now", NOW_ARG, &token]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("iat claim"), "{}", stderr(&o));
    assert!(stderr(&o).contains("yesterday"), "{}", stderr(&o));
}

// ---- untrusted input: bounded stdin, escaped output ----

#[test]
fn stdin_token_is_bounded() {
    let huge = "a".repeat(300_000);
    for command in [&["decode", "-"][..], &["verify", "--demo", "-"]] {
        let o = run_full(command, &[], Some(&huge));
        assert_eq!(o.status.code(), Some(2), "{command:?}");
        let err = stderr(&o);
        assert!(err.contains("65536"), "{err}");
        assert!(err.contains("stdin"), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    // A token padded with whitespace within the margin is still read.
    let token = demo_access(&[]);
    let padded = format!("\n  {token}{}\n", " ".repeat(900));
    let o = run_full(
        &["verify", "--demo", "--now", NOW_ARG, "-"],
        &[],
        Some(&padded),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// An HS256 token whose JSON holds raw (unescaped) control and bidi characters, as another
/// JWT library (serde_json here) writes them.
fn hostile_token() -> String {
    let claims = serde_json::json!({
        "sub": "AC\u{1b}[31mred",
        "exp": NOW + 3600,
        "iat": NOW,
        "grants": {
            "identity": "admin\u{202e}txt.exe\u{85}\u{2066}",
            "evil\u{2067}key": {},
        },
    });
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.cty = Some("twilio-fpa;v=1".into());
    jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(b"s"),
    )
    .expect("encode")
}

#[test]
fn human_output_escapes_controls_and_bidi_from_the_token() {
    let token = hostile_token();
    let raw = ['\u{1b}', '\u{202e}', '\u{85}', '\u{2066}', '\u{2067}'];
    for args in [
        vec!["decode", "--now", NOW_ARG, token.as_str()],
        vec!["verify", "--secret", "s", "--now", NOW_ARG, token.as_str()],
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        let (out, err) = (stdout(&o), stderr(&o));
        for c in raw {
            assert!(!out.contains(c), "{args:?}: raw {c:?} on stdout: {out}");
            assert!(!err.contains(c), "{args:?}: raw {c:?} on stderr: {err}");
        }
        assert!(
            out.contains("identity:   admin\\u{202e}txt.exe\\u{85}\\u{2066}"),
            "{out}"
        );
        // JSON itself must escape C0 controls: the raw form is shown, already safe.
        assert!(out.contains("AC\\u001b[31mred"), "{out}");
        if args[0] == "decode" {
            assert!(
                err.contains("unknown grant key \"evil\\u{2067}key\""),
                "{err}"
            );
        }
    }
    // A bad signature's message quotes nothing raw either.
    let o = run(&["verify", "--secret", "wrong", "--now", NOW_ARG, &token]);
    assert_eq!(o.status.code(), Some(1));
    // JSON output keeps the real strings (JSON escaping is the reader's business).
    let json = run(&["decode", "--json", &token]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("JSON");
    assert_eq!(
        v["payload"]["grants"]["identity"],
        "admin\u{202e}txt.exe\u{85}\u{2066}"
    );
}

// ---- checks people expect ----

#[test]
fn sids_are_checked_per_flag_unless_allow_any_sid() {
    let access = ["access", "--demo", "--identity", "a"];
    let cases: &[(&[&str], &str, &str)] = &[
        (&["--account-sid", SK], "--account-sid", "AC..."),
        (&["--api-key", AC], "--api-key", "SK..."),
        (
            &["--voice-outgoing", "XX0123456789abcdef0123456789abcdef"],
            "--voice-outgoing",
            "AP...",
        ),
        (&["--voice-outgoing", "AP123"], "--voice-outgoing", "AP..."),
        (&["--chat-service", "IS1"], "--chat-service", "IS..."),
        (&["--chat-role", AP], "--chat-role", "RL..."),
        (
            &["--chat-push-credential", AP],
            "--chat-push-credential",
            "CR...",
        ),
        (
            &["--voice-push-credential", AP],
            "--voice-push-credential",
            "CR...",
        ),
        (&["--sync-service", WS], "--sync-service", "IS..."),
        (
            &["--taskrouter-workspace", WK],
            "--taskrouter-workspace",
            "WS...",
        ),
        (&["--taskrouter-worker", WS], "--taskrouter-worker", "WK..."),
    ];
    for (extra, flag, prefix) in cases {
        let o = run(&[&access[..], extra].concat());
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {err}");
        assert!(
            err.contains(flag) && err.contains(prefix),
            "{extra:?}: {err}"
        );
        assert!(err.contains("34"), "{extra:?}: {err}");
        assert!(err.contains("--allow-any-sid"), "{extra:?}: {err}");
        // --allow-any-sid lets it through (the library is as permissive as twilio-python).
        let o = run(&[&access[..], extra, &["--allow-any-sid"]].concat());
        assert_eq!(o.status.code(), Some(0), "{extra:?}: {}", stderr(&o));
    }
    let others: &[(&[&str], &str, &str)] = &[
        (
            &["client", "--demo", "--outgoing", SK],
            "--outgoing",
            "AP...",
        ),
        (
            &["taskrouter", "--demo", "--workspace", "WS1"],
            "--workspace",
            "WS...",
        ),
        (
            &["taskrouter", "--demo", "--workspace", WS, "--channel", AP],
            "--channel",
            "WQ...",
        ),
    ];
    for (args, flag, prefix) in others {
        let o = run(args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(flag) && err.contains(prefix),
            "{args:?}: {err}"
        );
    }
    // A SID from the environment is checked too, naming the variable and the flag.
    let env = [
        ("TWILIO_ACCOUNT_SID", SK),
        ("TWILIO_API_KEY", SK),
        ("TWILIO_API_SECRET", "x"),
    ];
    let o = run_full(&["access", "--identity", "a"], &env, None);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("TWILIO_ACCOUNT_SID") && err.contains("--account-sid"),
        "{err}"
    );
    // Good SIDs everywhere pass.
    let o = run(&[
        &access[..],
        &[
            "--account-sid",
            AC,
            "--api-key",
            SK,
            "--voice-outgoing",
            AP,
            "--chat-service",
            IS,
        ],
        &["--taskrouter-workspace", WS, "--taskrouter-worker", WK],
    ]
    .concat());
    token_of(&o);
}

#[test]
fn a_repeated_single_value_flag_is_refused() {
    for args in [
        &["access", "--demo", "--identity", "a", "--identity", "b"][..],
        &["access", "--demo", "--demo", "--identity", "a"],
        &[
            "access",
            "--demo",
            "--identity",
            "a",
            "--ttl",
            "1m",
            "--ttl=2m",
        ],
        &["verify", "--secret", "a", "--secret", "b", "t"],
        &["client", "--demo", "--incoming", "a", "--incoming", "b"],
    ] {
        let o = run(args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("given twice"), "{args:?}: {err}");
        assert!(stdout(&o).is_empty());
    }
    // Repeatable flags repeat.
    let o = run(&[
        "access",
        "--demo",
        "--identity",
        "a",
        "--voice-outgoing",
        AP,
        "--voice-param",
        "a=1",
        "--voice-param",
        "b=2",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    let params = &v["payload"]["grants"]["voice"]["outgoing"]["params"];
    assert_eq!(
        (params["a"].as_str(), params["b"].as_str()),
        (Some("1"), Some("2"))
    );
}

#[test]
fn access_refuses_to_mint_a_token_verify_would_refuse_for_its_length() {
    let identity = "a".repeat(70_000);
    let o = run(&["access", "--demo", "--identity", &identity]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(stdout(&o).is_empty());
    assert!(err.contains("65536") || err.contains("long"), "{err}");
}

// ---- parsing like every other tool ----

#[test]
fn double_dash_ends_the_options() {
    // After `--`, `--json` is the TOKEN, not the flag.
    let o = run(&["decode", "--", "--json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("TOKEN"), "{}", stderr(&o));
    let token = demo_access(&[]);
    let o = run(&["verify", "--demo", "--now", NOW_ARG, "--", &token]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(&["decode", "--json", "--", &token]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).starts_with('{'));
    // A flag's value may look like a flag when joined with `=`.
    let o = run(&[
        "access",
        "--demo",
        "--identity=--odd",
        "--json",
        "--now",
        NOW_ARG,
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(v["payload"]["grants"]["identity"], "--odd");
    // ... but not as the next argument: that is a forgotten value.
    let o = run(&["access", "--demo", "--identity", "--json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--identity needs a value"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn help_subcommand_shows_that_commands_help_only() {
    for command in [
        "access",
        "client",
        "taskrouter",
        "decode",
        "verify",
        "completions",
    ] {
        let via_help = run(&["help", command]);
        let via_flag = run(&[command, "--help"]);
        assert_eq!(via_help.status.code(), Some(0));
        assert_eq!(stdout(&via_help), stdout(&via_flag), "{command}");
        assert!(
            stdout(&via_help).contains(&format!("Usage: twilio-jwt {command}")),
            "{command}"
        );
    }
    let not_theirs: &[(&str, &[&str])] = &[
        (
            "access",
            &["--auth-token", "--incoming", "--workspace", "--secret "],
        ),
        (
            "client",
            &[
                "--api-key",
                "--api-secret",
                "--identity",
                "--video",
                "--workspace",
            ],
        ),
        (
            "taskrouter",
            &["--api-key", "--api-secret", "--identity", "--incoming"],
        ),
        (
            "decode",
            &["--secret", "--demo", "--leeway", "--identity", "--ttl"],
        ),
        (
            "verify",
            &["--identity", "--api-key", "--ttl", "--account-sid"],
        ),
    ];
    for (command, flags) in not_theirs {
        let help = stdout(&run(&["help", command]));
        for flag in *flags {
            assert!(
                !help.contains(flag),
                "`{command}` help lists {flag}: {help}"
            );
        }
    }
    let o = run(&["help", "acess"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean `access`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn unknown_flags_and_commands_get_a_did_you_mean() {
    for (args, suggestion) in [
        (
            &["access", "--demo", "--identiy", "a"][..],
            "did you mean --identity?",
        ),
        (
            &["access", "--demo", "--video-rom", "r"],
            "did you mean --video-room?",
        ),
        (&["verify", "--secrte", "x", "t"], "did you mean --secret?"),
        (&["client", "--outgoign", AP], "did you mean --outgoing?"),
        (&["decode", "--jsno", "t"], "did you mean --json?"),
        (&["decoe", "t"], "did you mean `decode`?"),
        (&["decode", "--secret", "x", "t"], "`verify` has it"),
    ] {
        let o = run(args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(suggestion), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    let o = run(&["access", "--demo", "--zzzzzzzz"]);
    assert!(!stderr(&o).contains("did you mean"), "{}", stderr(&o));
}

// ---- completions, from the same table as the help ----

/// The `--flags` a command's help lists.
fn help_flags(command: &str) -> Vec<String> {
    let help = stdout(&run(&[command, "--help"]));
    let flags = help.lines().filter_map(|line| {
        let flag = line.trim_start().strip_prefix("--")?;
        let name = flag.split_whitespace().next()?;
        Some(name.to_string())
    });
    let flags: Vec<String> = flags.collect();
    assert!(!flags.is_empty() || command == "completions", "{command}");
    flags
}

const COMMANDS: [&str; 6] = [
    "access",
    "client",
    "taskrouter",
    "decode",
    "verify",
    "completions",
];

#[test]
fn completions_cover_every_command_and_flag_of_the_help() {
    let bash = stdout(&run(&["completions", "bash"]));
    let zsh = stdout(&run(&["completions", "zsh"]));
    let fish = stdout(&run(&["completions", "fish"]));
    assert!(zsh.starts_with("#compdef twilio-jwt"));
    assert!(bash.contains("complete -F _twilio_jwt twilio-jwt"));
    for command in COMMANDS {
        assert!(
            bash.contains(&format!("        {command})")),
            "bash: {command}"
        );
        assert!(
            zsh.contains(&format!("        {command})")),
            "zsh: {command}"
        );
        assert!(
            fish.contains(&format!("-a {command} -d")),
            "fish: {command}"
        );
        for flag in help_flags(command) {
            assert!(
                bash.contains(&format!("--{flag}")),
                "bash: {command} --{flag}"
            );
            assert!(
                zsh.contains(&format!("--{flag}")),
                "zsh: {command} --{flag}"
            );
            let fish_line = format!("-n '__fish_seen_subcommand_from {command}' -l {flag} ");
            assert!(fish.contains(&fish_line), "fish: {command} --{flag}");
        }
    }
    let o = run(&["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bash, zsh or fish"), "{}", stderr(&o));
}

/// What bash's completion function offers for `words` (the last one being completed).
fn bash_complete(script: &str, words: &[&str]) -> Option<Vec<String>> {
    let words: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "{script}\nCOMP_WORDS=({}); COMP_CWORD={}; _twilio_jwt; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        words.join(" "),
        words.len() - 1
    );
    let o = Command::new("bash")
        .args(["--norc", "-c", &program])
        .output()
        .ok()?;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8(o.stdout).expect("utf-8");
    Some(
        out.lines()
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect(),
    )
}

#[test]
fn bash_completion_completes() {
    let script = stdout(&run(&["completions", "bash"]));
    let Some(commands) = bash_complete(&script, &["twilio-jwt", "ta"]) else {
        eprintln!("no bash: skipped");
        return;
    };
    assert_eq!(commands, ["taskrouter"]);
    let video = bash_complete(&script, &["twilio-jwt", "access", "--vid"]).unwrap();
    assert_eq!(video, ["--video", "--video-room"]);
    let algorithms = bash_complete(&script, &["twilio-jwt", "verify", "--algorithm", ""]).unwrap();
    assert_eq!(algorithms, ["HS256", "HS384", "HS512"]);
    let shells = bash_complete(&script, &["twilio-jwt", "completions", ""]).unwrap();
    assert_eq!(shells, ["bash", "zsh", "fish"]);
    // Only the command's own flags.
    let client = bash_complete(&script, &["twilio-jwt", "client", "--api"]).unwrap();
    assert!(client.is_empty(), "{client:?}");
    let free = bash_complete(&script, &["twilio-jwt", "access", "--identity", ""]).unwrap();
    assert!(free.is_empty(), "{free:?}");
}

/// Each script is valid for its own shell (`-n`: parse without running), where that shell is
/// installed (`.ci/run` installs zsh and fish); fish also completes from it.
#[test]
fn every_completion_script_parses_in_its_shell() {
    let dir = std::env::temp_dir().join(format!("twilio-jwt-completions-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let script = stdout(&run(&["completions", shell]));
        let path = dir.join(format!("twilio-jwt.{shell}"));
        std::fs::write(&path, &script).unwrap();
        let Ok(o) = Command::new(shell).arg("-n").arg(&path).output() else {
            eprintln!("no {shell}: skipped");
            continue;
        };
        assert!(
            o.status.success(),
            "{shell} -n: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let fish_script = dir.join("twilio-jwt.fish");
    let completed = Command::new("fish")
        .arg("-c")
        .arg(format!(
            "source {}; complete -C'twilio-jwt ta'; complete -C'twilio-jwt client --out'",
            fish_script.display()
        ))
        .output();
    if let Ok(o) = completed {
        let out = String::from_utf8_lossy(&o.stdout);
        let words: Vec<&str> = out.lines().filter_map(|l| l.split('\t').next()).collect();
        assert_eq!(words, ["taskrouter", "--outgoing"], "{out}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_stray_argument_is_refused_not_dropped() {
    for args in [
        &["access", "--demo", "--identity", "a", "extra"][..],
        &["access", "--demo", "--identity", "a", "--", "--video-room"],
        &["client", "--demo", "--incoming", "alice", "extra"],
    ] {
        let out = run_full(args, &[], None);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?} printed a token");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("unexpected argument"), "{args:?}: {err}");
    }
}

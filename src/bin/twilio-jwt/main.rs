//! `twilio-jwt`: mint, decode and verify Twilio tokens from the shell.
//!
//! Built with `cargo install twilio-jwt --features cli` (no extra dependencies):
//!
//! ```text
//! twilio-jwt access --demo --identity alice --video-room demo   # mint an access token
//! twilio-jwt client --incoming alice --outgoing AP…             # client capability token
//! twilio-jwt taskrouter --workspace WS… --channel WK…           # TaskRouter capability token
//! twilio-jwt decode TOKEN                                       # inspect, without verifying
//! twilio-jwt verify --demo TOKEN                                # check signature and times
//! ```
//!
//! Credentials come from `TWILIO_ACCOUNT_SID`, `TWILIO_API_KEY`, `TWILIO_API_SECRET` and
//! `TWILIO_AUTH_TOKEN`, overridden by flags; `--demo` uses built-in fake ones. A minted token is
//! printed alone on stdout, diagnostics go to stderr. Exit status: 0 ok, 1 verification failed,
//! 2 bad usage or input.

mod args;
mod inspect;
mod mint;

use std::io::Write;
use std::process::ExitCode;

use twilio_jwt::json::{JsonWriter, Sink, Value};

const USAGE: &str = "\
twilio-jwt: mint, decode and verify Twilio tokens

Usage: twilio-jwt <COMMAND> [OPTIONS]

Commands:
  access      mint an access token (Video, Voice, Chat, Sync, TaskRouter, Live)
  client      mint a client capability token (legacy Twilio Client)
  taskrouter  mint a TaskRouter capability token
  decode      show a token's header, claims and times, WITHOUT verifying it
  verify      check a token's signature and times

Run `twilio-jwt <COMMAND> --help` for its options.

Credentials come from TWILIO_ACCOUNT_SID, TWILIO_API_KEY, TWILIO_API_SECRET and
TWILIO_AUTH_TOKEN, overridden by flags; --demo uses built-in fake ones.
A minted token goes alone to stdout; diagnostics go to stderr.
Exit status: 0 ok, 1 verification failed, 2 bad usage or input.
";

/// Why the program stops early: an exit code and a one-line message.
#[derive(Debug)]
pub struct Fail {
    code: u8,
    msg: String,
}

impl Fail {
    /// Bad usage or input: exit 2.
    pub fn usage(msg: impl Into<String>) -> Self {
        Fail {
            code: 2,
            msg: msg.into(),
        }
    }

    /// A token that does not verify: exit 1.
    pub fn rejected(msg: impl Into<String>) -> Self {
        Fail {
            code: 1,
            msg: msg.into(),
        }
    }
}

/// Write to stdout, ignoring a closed pipe (`twilio-jwt decode T | head -1`).
pub fn out(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// A diagnostic line on stderr.
pub fn note(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// A growable [`Sink`] for the library's JSON writer.
struct Buf(Vec<u8>);

impl Sink for Buf {
    fn put(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }
}

/// `{"token":…,"header":…,"payload":…}` on one line.
pub fn json_line(token: &str, header: Value<'_>, payload: Value<'_>) -> String {
    let mut buf = Buf(Vec::new());
    let mut w = JsonWriter::new(&mut buf);
    w.begin_object();
    w.field_str("token", token);
    w.key("header");
    w.value(header);
    w.key("payload");
    w.value(payload);
    w.end_object();
    drop(w); // the writer buffers: dropping it flushes everything into `buf`
    let mut line = String::from_utf8_lossy(&buf.0).into_owned();
    line.push('\n');
    line
}

/// The help of `command`: top level, or a subcommand's.
fn help(command: &str) -> Option<String> {
    Some(match command {
        "" | "-h" | "--help" | "help" => USAGE.into(),
        "access" => [mint::ACCESS_HELP, mint::COMMON_HELP].concat(),
        "client" => [mint::CLIENT_HELP, mint::COMMON_HELP].concat(),
        "taskrouter" => [mint::TASKROUTER_HELP, mint::COMMON_HELP].concat(),
        "decode" => inspect::DECODE_HELP.into(),
        "verify" => inspect::VERIFY_HELP.into(),
        _ => return None,
    })
}

fn run(argv: Vec<String>) -> Result<(), Fail> {
    let mut argv = argv.into_iter();
    let command = argv.next().unwrap_or_default();
    let rest: Vec<String> = argv.collect();
    let wants_help = matches!(command.as_str(), "" | "-h" | "--help" | "help")
        || rest.iter().any(|a| a == "-h" || a == "--help");
    if let Some(text) = help(&command).filter(|_| wants_help) {
        out(&text);
        return Ok(());
    }
    let args = args::Args::new(rest);
    match command.as_str() {
        "-V" | "--version" => {
            out(concat!("twilio-jwt ", env!("CARGO_PKG_VERSION"), "\n"));
            Ok(())
        }
        "access" => mint::access(args),
        "client" => mint::client(args),
        "taskrouter" => mint::taskrouter(args),
        "decode" => inspect::decode(args),
        "verify" => inspect::verify(args),
        other => Err(Fail::usage(format!(
            "unknown command `{other}` (try access, client, taskrouter, decode, verify or --help)"
        ))),
    }
}

fn main() -> ExitCode {
    let argv: Result<Vec<String>, _> = std::env::args_os()
        .skip(1)
        .map(|a| a.into_string())
        .collect();
    let result = match argv {
        Ok(argv) => run(argv),
        Err(bad) => Err(Fail::usage(format!("argument {bad:?} is not valid UTF-8"))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(fail) => {
            note(&format!("error: {}", fail.msg));
            ExitCode::from(fail.code)
        }
    }
}

//! `twilio-jwt`: mint, decode and verify Twilio tokens from the shell.
//!
//! Built with `cargo install twilio-jwt --features cli` (one extra dependency, `lexopt`):
//!
//! ```text
//! twilio-jwt access --demo --identity alice --video-room demo   # mint an access token
//! twilio-jwt client --demo --incoming alice                     # client capability token
//! twilio-jwt taskrouter --demo --workspace WS…                  # TaskRouter capability token
//! twilio-jwt decode TOKEN                                       # inspect, UNVERIFIED
//! twilio-jwt verify --demo TOKEN                                # check signature and times
//! twilio-jwt completions bash                                   # shell completions
//! ```
//!
//! Secrets come from `TWILIO_API_SECRET` / `TWILIO_AUTH_TOKEN` or a `--*-file` flag (a flag's
//! value shows in `ps`), the SIDs from `TWILIO_ACCOUNT_SID` / `TWILIO_API_KEY` or flags;
//! `--demo` uses built-in fake ones. A minted token is printed alone on stdout, diagnostics go
//! to stderr. Exit status: 0 ok, 1 verification failed, 2 bad usage or input.
//!
//! Module map: [`table`] declares every subcommand and flag, [`help`] and [`complete`] render
//! it, [`args`] parses against it, [`input`] reads secrets and tokens, [`mint`] and [`inspect`]
//! do the work, and [`library`] is the one place that names the library's error variants.

mod args;
mod complete;
mod help;
mod input;
mod inspect;
mod library;
mod mint;
mod table;

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use twilio_jwt::json::{JsonWriter, Value};

use crate::args::{Parse, closest};
use crate::table::COMMANDS;

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

/// Whether `c` must not reach a terminal raw from an untrusted token: C0 and C1 controls,
/// DEL, and the invisible and bidirectional formatting characters that can make text read
/// differently from what it is (Trojan Source).
fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\0'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{061c}'                // Arabic letter mark
        | '\u{200b}'..='\u{200f}'   // zero-width spaces and joiners, LRM, RLM
        | '\u{2028}'..='\u{202e}'   // line/paragraph separators, bidi embeddings and overrides
        | '\u{2060}'..='\u{206f}'   // word joiner, invisible operators, bidi isolates, ...
        | '\u{feff}'                // zero-width no-break space
        | '\u{fff9}'..='\u{fffb}') // interlinear annotations
}

/// `text` with every [`is_unsafe`] character written `\u{…}` (line breaks kept when
/// `keep_newlines`, for multi-line output built by the program itself).
pub fn escape(text: &str, keep_newlines: bool) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        if is_unsafe(c) && !(keep_newlines && c == '\n') {
            s += &format!("\\u{{{:x}}}", u32::from(c));
        } else {
            s.push(c);
        }
    }
    s
}

/// Write to stdout, ignoring a closed pipe (`twilio-jwt decode T | head -1`).
pub fn out(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// [`out`], as a successful end.
fn print(text: &str) -> Result<(), Fail> {
    out(text);
    Ok(())
}

/// A diagnostic line on stderr, escaped: messages quote tokens and arguments.
pub fn note(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{}", escape(text, true));
}

/// The JSON `write` writes, as one line.
pub fn json_line_of(write: impl Fn(&mut JsonWriter<'_>)) -> String {
    let mut line = twilio_jwt::json::to_string(write);
    line.push('\n');
    line
}

/// `{"token":…,"header":…,"payload":…}` and the `flags` (`"verified": false`) on one line.
pub fn json_line(
    token: &str,
    header: Value<'_>,
    payload: Value<'_>,
    flags: &[(&str, bool)],
) -> String {
    json_line_of(|w| {
        w.begin_object();
        w.field_str("token", token);
        w.key("header");
        w.value(header);
        w.key("payload");
        w.value(payload);
        for &(name, on) in flags {
            w.key(name);
            w.bool(on);
        }
        w.end_object();
    })
}

/// The error for a command that does not exist.
fn unknown_command(name: &str) -> Fail {
    let hint = closest(name, COMMANDS.iter().map(|c| c.name))
        .map(|close| format!("did you mean `{close}`? "))
        .unwrap_or_default();
    let names: Vec<&str> = COMMANDS.iter().map(|c| c.name).collect();
    Fail::usage(format!(
        "unknown command `{name}` ({hint}try {} or --help)",
        names.join(", ")
    ))
}

fn run(mut argv: std::vec::IntoIter<OsString>) -> Result<(), Fail> {
    let Some(first) = argv.next() else {
        return print(&help::overview());
    };
    let first = first
        .into_string()
        .map_err(|bad| Fail::usage(format!("command {bad:?} is not valid UTF-8")))?;
    match first.as_str() {
        "-h" | "--help" => return print(&help::overview()),
        "-V" | "--version" => {
            return print(concat!("twilio-jwt ", env!("CARGO_PKG_VERSION"), "\n"));
        }
        _ => {}
    }
    let command = table::command(&first).ok_or_else(|| unknown_command(&first))?;
    let parsed = match args::parse(command, argv.collect())? {
        Parse::Help => return print(&help::command(command)),
        Parse::Run(parsed) => parsed,
    };
    match command.name {
        "access" => mint::access(parsed),
        "client" => mint::client(parsed),
        "taskrouter" => mint::taskrouter(parsed),
        "decode" => inspect::decode(parsed),
        "verify" => inspect::verify(parsed),
        "completions" => {
            let shell = parsed
                .positional()?
                .ok_or_else(|| Fail::usage("completions: which shell? (bash, zsh or fish)"))?;
            let script = complete::script(shell).ok_or_else(|| {
                Fail::usage(format!(
                    "completions: unknown shell {shell:?} (bash, zsh or fish)"
                ))
            })?;
            print(&script)
        }
        "help" => {
            let text = match parsed.positional()? {
                None => help::overview(),
                Some(name) => {
                    help::command(table::command(name).ok_or_else(|| unknown_command(name))?)
                }
            };
            print(&text)
        }
        other => unreachable!("`{other}` is in the table but has no handler"),
    }
}

fn main() -> ExitCode {
    let argv: Vec<OsString> = std::env::args_os().skip(1).collect();
    match run(argv.into_iter()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(fail) => {
            note(&format!("error: {}", fail.msg));
            ExitCode::from(fail.code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escape_covers_controls_and_bidi_and_nothing_else() {
        let unsafe_chars = [
            '\0', '\t', '\u{1b}', '\u{1f}', '\u{7f}', '\u{80}', '\u{85}', '\u{9f}', '\u{61c}',
            '\u{200b}', '\u{200e}', '\u{200f}', '\u{2028}', '\u{202a}', '\u{202e}', '\u{2060}',
            '\u{2066}', '\u{2069}', '\u{206f}', '\u{feff}', '\u{fffb}',
        ];
        for c in unsafe_chars {
            let shown = escape(&format!("a{c}b"), false);
            assert_eq!(shown, format!("a\\u{{{:x}}}b", u32::from(c)));
        }
        for text in [
            "plain",
            "Zoë 😀",
            "\u{a0}nbsp",
            "\u{2010}dash",
            "\u{2070}",
            "a\"b\\c",
        ] {
            assert_eq!(escape(text, false), text);
        }
        assert_eq!(escape("a\nb\u{202e}", true), "a\nb\\u{202e}");
        assert_eq!(escape("a\nb", false), "a\\u{a}b");
    }
}

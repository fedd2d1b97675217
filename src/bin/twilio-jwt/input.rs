//! Reading what the user passes in: secrets (flag, file, stdin, environment, `--demo`), the
//! token (argument or stdin, bounded), and the SID checks.

use std::io::Read;

use crate::Fail;
use crate::args::Parsed;

/// The `--demo` credentials: obviously fake, shared by every token kind.
pub const DEMO_ACCOUNT_SID: &str = "AC00000000000000000000000000000000";
pub const DEMO_API_KEY: &str = "SK00000000000000000000000000000000";
pub const DEMO_SECRET: &str = "twilio-jwt-demo-secret-NOT-A-REAL-CREDENTIAL";

/// The longest secret file read: far more than any Twilio secret (32 characters).
const MAX_SECRET_LEN: u64 = 4_096;

/// How much stdin `decode` and `verify` read: the verifier's maximum token length, and room
/// for surrounding whitespace. A longer input cannot be a token they accept.
pub const MAX_TOKEN_INPUT: usize = twilio_jwt::MAX_TOKEN_LEN + 1_024;

/// A credential: its flags, its environment variable and its `--demo` value.
pub struct Credential {
    /// The flag taking the value itself (`api-secret`).
    pub flag: &'static str,
    /// The flag taking a file to read it from (`api-secret-file`), if any.
    pub file_flag: Option<&'static str>,
    pub env: &'static str,
    pub demo: &'static str,
    /// The SID prefix the value must have, if it is a SID.
    pub sid: Option<&'static str>,
}

pub const ACCOUNT_SID: Credential = Credential {
    flag: "account-sid",
    file_flag: None,
    env: "TWILIO_ACCOUNT_SID",
    demo: DEMO_ACCOUNT_SID,
    sid: Some("AC"),
};
pub const API_KEY: Credential = Credential {
    flag: "api-key",
    file_flag: None,
    env: "TWILIO_API_KEY",
    demo: DEMO_API_KEY,
    sid: Some("SK"),
};
pub const API_SECRET: Credential = Credential {
    flag: "api-secret",
    file_flag: Some("api-secret-file"),
    env: "TWILIO_API_SECRET",
    demo: DEMO_SECRET,
    sid: None,
};
pub const AUTH_TOKEN: Credential = Credential {
    flag: "auth-token",
    file_flag: Some("auth-token-file"),
    env: "TWILIO_AUTH_TOKEN",
    demo: DEMO_SECRET,
    sid: None,
};

/// Read everything from `reader` up to `limit` bytes; `None` if there is more.
fn read_bounded(reader: impl Read, limit: usize) -> std::io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    let cap = u64::try_from(limit).map_or(u64::MAX, |n| n.saturating_add(1));
    reader.take(cap).read_to_end(&mut bytes)?;
    Ok((bytes.len() <= limit).then_some(bytes))
}

/// The secret in the file `path` (`-`: stdin), without its final line break.
pub fn read_secret_file(flag: &str, path: &str) -> Result<String, Fail> {
    let cannot = |e: std::io::Error| Fail::usage(format!("--{flag}: cannot read {path:?}: {e}"));
    let limit = MAX_SECRET_LEN as usize;
    let bytes = if path == "-" {
        read_bounded(std::io::stdin().lock(), limit).map_err(cannot)?
    } else {
        read_bounded(std::fs::File::open(path).map_err(cannot)?, limit).map_err(cannot)?
    };
    let bytes = bytes.ok_or_else(|| {
        Fail::usage(format!(
            "--{flag}: {path:?} is over {MAX_SECRET_LEN} bytes: not a secret"
        ))
    })?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Fail::usage(format!("--{flag}: {path:?} is not UTF-8 text")))?;
    let secret = text
        .strip_suffix('\n')
        .map(|s| s.strip_suffix('\r').unwrap_or(s))
        .unwrap_or(&text);
    if secret.is_empty() {
        return Err(Fail::usage(format!("--{flag}: {path:?} is empty")));
    }
    Ok(secret.to_string())
}

/// A credential: its flag, else its file flag, else the demo value under `--demo`, else the
/// environment. A SID is checked unless `--allow-any-sid`.
pub fn credential(p: &Parsed, c: &Credential) -> Result<String, Fail> {
    let file = c.file_flag.and_then(|f| Some((f, p.value(f)?)));
    let value = match (p.value(c.flag), file) {
        (Some(_), Some((file_flag, _))) => {
            return Err(Fail::usage(format!(
                "--{} and --{file_flag} both given: pass the secret once",
                c.flag
            )));
        }
        (Some(value), None) => value.to_string(),
        (None, Some((file_flag, path))) => read_secret_file(file_flag, path)?,
        (None, None) if p.has("demo") => c.demo.to_string(),
        (None, None) => match std::env::var(c.env) {
            Ok(value) if !value.is_empty() => {
                if let Some(prefix) = c.sid.filter(|_| !p.has("allow-any-sid")) {
                    check_sid(&format!("{} (from --{})", c.env, c.flag), &value, &[prefix])?;
                }
                value
            }
            _ => {
                let file = c
                    .file_flag
                    .map_or(String::new(), |f| format!(", --{f} PATH"));
                return Err(Fail::usage(format!(
                    "--{0} is required: set {1}{file} or pass --{0} (or try --demo)",
                    c.flag, c.env
                )));
            }
        },
    };
    Ok(value)
}

/// Refuse `value` unless it is a SID with one of `prefixes` and 34 characters in all, as
/// Twilio's own tooling checks (the library itself stays as permissive as twilio-python).
pub fn check_sid(what: &str, value: &str, prefixes: &[&str]) -> Result<(), Fail> {
    if value.len() == 34 && prefixes.iter().any(|p| value.starts_with(p)) {
        return Ok(());
    }
    let expected: Vec<String> = prefixes.iter().map(|p| format!("{p}...")).collect();
    let problem = if value.len() == 34 {
        "the wrong prefix".to_string()
    } else {
        format!("{} characters", value.chars().count())
    };
    Err(Fail::usage(format!(
        "{what}: expected {} (a SID of 34 characters), got {value:?} with {problem} \
         (--allow-any-sid skips this check)",
        expected.join(" or ")
    )))
}

/// Check every SID-valued flag given, unless `--allow-any-sid`.
pub fn check_sid_flags(p: &Parsed) -> Result<(), Fail> {
    if p.has("allow-any-sid") {
        return Ok(());
    }
    for (flag, value) in p.given().filter(|(f, _)| !f.sid.is_empty()) {
        check_sid(&format!("--{}", flag.name), value, flag.sid)?;
    }
    Ok(())
}

/// The token from the command line, or from stdin for `-` (at most [`MAX_TOKEN_INPUT`]
/// bytes); surrounding whitespace removed.
pub fn read_token(arg: Option<&str>) -> Result<String, Fail> {
    let arg = arg.ok_or_else(|| Fail::usage("TOKEN is missing (use `-` for stdin)"))?;
    let token = if arg == "-" {
        let bytes = read_bounded(std::io::stdin().lock(), MAX_TOKEN_INPUT)
            .map_err(|e| Fail::usage(format!("reading TOKEN from stdin: {e}")))?
            .ok_or_else(|| {
                Fail::usage(format!(
                    "TOKEN on stdin is over {MAX_TOKEN_INPUT} bytes: no token is accepted over \
                     {} bytes (stopped reading)",
                    twilio_jwt::MAX_TOKEN_LEN
                ))
            })?;
        String::from_utf8(bytes).map_err(|_| Fail::usage("TOKEN on stdin is not UTF-8"))?
    } else {
        arg.to_string()
    };
    let token = token.trim();
    if token.is_empty() {
        return Err(Fail::usage("TOKEN is empty"));
    }
    Ok(token.to_string())
}

//! `decode` and `verify`: show a token's header, claims and times, with warnings.

use std::io::Read;

use twilio_jwt::json::{Kind, Value};
use twilio_jwt::{Algorithm, Claims, Key, MAX_TTL, Verifier, VerifyError, decode_unverified};

use crate::args::{Arg, Args};
use crate::mint::DEMO_SECRET;
use crate::{Fail, json_line, note, out};

pub const DECODE_HELP: &str = "\
Show a token's header, claims and times WITHOUT verifying it.

Usage: twilio-jwt decode [OPTIONS] TOKEN      (TOKEN `-` reads it from stdin)

      --json          print {\"token\",\"header\",\"payload\"} instead
      --now SECS      show times relative to SECS (unix seconds) instead of now
  -h, --help          print this help

Warnings (on stderr): lifetime over 24h, no identity, nbf in the future, unknown grants.
";

pub const VERIFY_HELP: &str = "\
Check a token's signature, algorithm and times; print its claims if it is valid.

Usage: twilio-jwt verify [OPTIONS] TOKEN      (TOKEN `-` reads it from stdin)

      --secret SECRET   the signing secret (API key secret or auth token)
      --demo            the secret of tokens minted with --demo
      --algorithm ALG   the algorithm the token must use: HS256 (default), HS384, HS512
      --leeway DURATION clock skew tolerated on exp and nbf: 30, 30s, 5m (default 0)
      --json            print {\"token\",\"header\",\"payload\"} instead
      --now SECS        verify as if the time were SECS (unix seconds)
  -h, --help            print this help

Without --secret or --demo the secret comes from TWILIO_API_SECRET (access tokens) or
TWILIO_AUTH_TOKEN (capability tokens), whichever is set.
Exit status: 0 valid, 1 invalid (the reason goes to stderr), 2 bad usage.
";

/// Grant keys the crate knows (and `identity`).
const KNOWN_GRANTS: &str =
    "identity video chat ip_messaging data_sync task_router rtc voice player";

#[derive(Default)]
struct Opts {
    token: Option<String>,
    json: bool,
    now: Option<u64>,
    secret: Option<String>,
    demo: bool,
    leeway: u64,
    algorithm: Algorithm,
}

fn parse(mut args: Args, command: &str) -> Result<Opts, Fail> {
    let verify = command == "verify";
    let mut o = Opts::default();
    while let Some(arg) = args.next()? {
        let flag = match arg {
            Arg::Pos(token) if o.token.is_none() => {
                o.token = Some(token);
                continue;
            }
            Arg::Pos(_) => return Err(Fail::usage(format!("`{command}` takes one TOKEN"))),
            Arg::Flag(flag) => flag,
        };
        match flag.as_str() {
            "--json" => o.json = true,
            "--now" => o.now = Some(args.number("unix seconds")?),
            "--secret" if verify => o.secret = Some(args.value()?),
            "--demo" if verify => o.demo = true,
            "--leeway" if verify => o.leeway = args.seconds()?,
            "--algorithm" if verify => o.algorithm = args.algorithm()?,
            _ => return Err(args.unknown(command)),
        }
    }
    Ok(o)
}

/// The token from the command line, or from stdin for `-`; surrounding whitespace removed.
fn read_token(arg: Option<String>) -> Result<String, Fail> {
    let mut token = arg.ok_or_else(|| Fail::usage("TOKEN is missing (use `-` for stdin)"))?;
    if token == "-" {
        token.clear();
        std::io::stdin()
            .read_to_string(&mut token)
            .map_err(|e| Fail::usage(format!("reading TOKEN from stdin: {e}")))?;
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(Fail::usage("TOKEN is empty"));
    }
    Ok(token.to_string())
}

/// `twilio-jwt decode`.
pub fn decode(args: Args) -> Result<(), Fail> {
    let o = parse(args, "decode")?;
    let token = read_token(o.token.clone())?;
    let mut scratch = vec![0u8; token.len()];
    let claims =
        decode_unverified(&token, &mut scratch).map_err(|e| Fail::usage(format!("TOKEN: {e}")))?;
    show(&token, &claims, &o);
    Ok(())
}

/// `twilio-jwt verify`.
pub fn verify(args: Args) -> Result<(), Fail> {
    let o = parse(args, "verify")?;
    let token = read_token(o.token.clone())?;
    let mut scratch = vec![0u8; token.len()];
    let unverified = decode_unverified(&token, &mut scratch).ok();
    let (secret, source) = secret(&o, unverified.as_ref())?;
    let key = Key::new(o.algorithm, secret.as_bytes())
        .map_err(|e| Fail::usage(format!("{source}: {e}")))?;
    let verifier = Verifier::new(key).leeway(o.leeway);
    let now = o.now.unwrap_or_else(twilio_jwt::unix_now);
    match verifier.verify_owned(&token, now) {
        Ok(claims) => {
            note(&format!(
                "valid: {} signature and times check out",
                o.algorithm
            ));
            show(&token, &claims.claims(), &o);
            Ok(())
        }
        Err(e) => {
            let claim = |name| unverified.and_then(|c| time(&c, name).ok().flatten());
            let hint = match e {
                VerifyError::BadSignature | VerifyError::AlgorithmMismatch => {
                    let alg = unverified.and_then(|c| c.header().get("alg")?.as_str());
                    match alg {
                        Some(alg) if alg != o.algorithm.name() => format!(
                            " (the token says {}; pass --algorithm to expect it)",
                            alg.to_string().escape_debug()
                        ),
                        _ if e == VerifyError::BadSignature => format!(" (checked with {source})"),
                        _ => String::new(),
                    }
                }
                VerifyError::Expired | VerifyError::NotYetValid => {
                    let at = claim(if e == VerifyError::Expired {
                        "exp"
                    } else {
                        "nbf"
                    });
                    at.map(|t| format!(" ({}, {})", date(t), relative(t, now)))
                        .unwrap_or_default()
                }
                _ => String::new(),
            };
            Err(Fail::rejected(format!("invalid token: {e}{hint}")))
        }
    }
}

/// The secret to verify with, and where it came from (for messages).
fn secret(o: &Opts, token: Option<&Claims<'_>>) -> Result<(String, &'static str), Fail> {
    if let Some(secret) = &o.secret {
        return Ok((secret.clone(), "--secret"));
    }
    if o.demo {
        return Ok((DEMO_SECRET.to_string(), "the --demo secret"));
    }
    let access = token.is_some_and(is_access_token);
    let order = if access {
        ["TWILIO_API_SECRET", "TWILIO_AUTH_TOKEN"]
    } else {
        ["TWILIO_AUTH_TOKEN", "TWILIO_API_SECRET"]
    };
    for name in order {
        if let Ok(value) = std::env::var(name)
            && !value.is_empty()
        {
            return Ok((value, name));
        }
    }
    Err(Fail::usage(
        "--secret is required: pass --secret or --demo, or set TWILIO_API_SECRET / TWILIO_AUTH_TOKEN",
    ))
}

fn is_access_token(claims: &Claims<'_>) -> bool {
    let cty = claims.header().get("cty").and_then(|v| v.as_str());
    cty.is_some_and(|c| c == twilio_jwt::AccessToken::CONTENT_TYPE) || claims.grants().is_some()
}

/// Print the token (pretty, or as JSON) on stdout and its warnings on stderr.
fn show(token: &str, claims: &Claims<'_>, o: &Opts) {
    let now = o.now.unwrap_or_else(twilio_jwt::unix_now);
    if o.json {
        out(&json_line(token, claims.header(), claims.payload()));
    } else {
        out(&report(claims, now));
    }
    for warning in warnings(claims, now) {
        note(&format!("warning: {warning}"));
    }
}

/// A time claim: `Ok(None)` when absent, `Err` when present but not a valid time.
fn time(claims: &Claims<'_>, name: &str) -> Result<Option<u64>, String> {
    match claims.claim(name) {
        None => Ok(None),
        Some(v) => v
            .as_time()
            .map(Some)
            .ok_or_else(|| format!("{name} is not a non-negative integer: {}", v.raw())),
    }
}

/// When the token was issued: `iat`, else `nbf`, else the time in an access token's `jti`.
fn issued(claims: &Claims<'_>) -> Option<u64> {
    let jti_time = || {
        let jti = claims.jti()?.as_plain()?;
        jti.rsplit_once('-')?.1.parse().ok()
    };
    let time = |name| time(claims, name).ok().flatten();
    time("iat").or_else(|| time("nbf")).or_else(jti_time)
}

fn report(claims: &Claims<'_>, now: u64) -> String {
    let mut s = String::from("header: ");
    pretty(claims.header(), 0, &mut s);
    s.push_str("\npayload: ");
    pretty(claims.payload(), 0, &mut s);
    s.push('\n');
    if let Some(identity) = claims.identity() {
        let identity = identity.to_string();
        s += &format!("identity:   {}\n", identity.escape_debug());
    }
    if let Ok(Some(iat)) = time(claims, "iat") {
        s += &format!("issued:     {}  ({})\n", date(iat), relative(iat, now));
    }
    if let Ok(Some(nbf)) = time(claims, "nbf") {
        let later = if nbf > now { ", not valid yet" } else { "" };
        s += &format!(
            "not before: {}  ({}{later})\n",
            date(nbf),
            relative(nbf, now)
        );
    }
    if let Ok(Some(exp)) = time(claims, "exp") {
        let when = match exp.checked_sub(now).filter(|&left| left > 0) {
            Some(left) => format!("expires in {}", span(left)),
            None => format!("expired {} ago", span(now - exp)),
        };
        s += &format!("expires:    {}  ({when})\n", date(exp));
        if let Some(start) = issued(claims).filter(|&start| start < exp) {
            s += &format!("lifetime:   {}\n", span(exp - start));
        }
    }
    s
}

fn warnings(claims: &Claims<'_>, now: u64) -> Vec<String> {
    let mut w = Vec::new();
    for name in ["exp", "nbf", "iat"] {
        if let Err(e) = time(claims, name) {
            w.push(e);
        }
    }
    match time(claims, "exp") {
        Ok(None) => w.push("no exp claim: the token never expires; Twilio rejects it".into()),
        Ok(Some(exp)) => {
            let start = issued(claims).unwrap_or(now);
            if exp.saturating_sub(start) > MAX_TTL.unsigned_abs() {
                w.push(format!(
                    "lifetime of {} is over Twilio's 24h maximum; Twilio rejects it",
                    span(exp - start)
                ));
            }
        }
        Err(_) => {}
    }
    if let Ok(Some(nbf)) = time(claims, "nbf")
        && nbf > now
    {
        w.push(format!(
            "nbf is in the future: not valid until {}",
            date(nbf)
        ));
    }
    if is_access_token(claims) && claims.identity().is_none_or(|i| i == "") {
        w.push("no identity (grants.identity): Twilio SDKs reject the token".into());
    }
    for (key, _) in claims.grants().map(|g| g.members()).into_iter().flatten() {
        if !KNOWN_GRANTS.split(' ').any(|k| key == k) {
            w.push(format!("unknown grant key \"{}\"", key.raw()));
        }
    }
    w
}

/// Indented JSON, strings and numbers exactly as in the token.
fn pretty(v: Value<'_>, depth: usize, s: &mut String) {
    let (open, close) = match v.kind() {
        Kind::Object => ('{', '}'),
        Kind::Array => ('[', ']'),
        _ => return s.push_str(v.raw()),
    };
    s.push(open);
    let items: Vec<(Option<&str>, Value<'_>)> = if open == '{' {
        v.members().map(|(k, v)| (Some(k.raw()), v)).collect()
    } else {
        v.elements().map(|v| (None, v)).collect()
    };
    for (i, (key, item)) in items.iter().enumerate() {
        s.push_str(if i == 0 { "\n" } else { ",\n" });
        s.push_str(&"  ".repeat(depth + 1));
        if let Some(key) = key {
            s.push_str(&format!("\"{key}\": "));
        }
        pretty(*item, depth + 1, s);
    }
    if !items.is_empty() {
        s.push('\n');
        s.push_str(&"  ".repeat(depth));
    }
    s.push(close);
}

/// `in 5m` or `3h ago`.
fn relative(t: u64, now: u64) -> String {
    if t > now {
        format!("in {}", span(t - now))
    } else {
        format!("{} ago", span(now - t))
    }
}

/// A duration in its two largest units: `59m 58s`, `3h`, `2d 1h`.
fn span(secs: u64) -> String {
    const UNITS: [(u64, &str); 4] = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")];
    let Some(i) = UNITS.iter().position(|&(n, _)| secs >= n) else {
        return "0s".into();
    };
    let (n, unit) = UNITS[i];
    let mut s = format!("{}{unit}", secs / n);
    if let Some(&(m, next)) = UNITS.get(i + 1)
        && secs % n / m > 0
    {
        s += &format!(" {}{next}", secs % n / m);
    }
    s
}

/// Unix seconds as `2023-11-14 22:13:20 UTC` (proleptic Gregorian, days-to-civil).
fn date(t: u64) -> String {
    let days = t / 86_400;
    let secs = t % 86_400;
    // Howard Hinnant's civil_from_days, for days >= 0.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        secs / 3_600,
        secs / 60 % 60,
        secs % 60
    )
}

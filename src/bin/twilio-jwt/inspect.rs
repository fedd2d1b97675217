//! `decode` and `verify`: show a token's header, claims and times, with warnings.

use twilio_jwt::json::{Kind, Value};
use twilio_jwt::{Claims, Key, MAX_TTL, Verifier, decode_unverified};

use crate::args::Parsed;
use crate::input::{DEMO_SECRET, read_secret_file, read_token};
use crate::library::{KNOWN_GRANTS, VerifyContext, decode_failure, verify_failure};
use crate::{Fail, escape, json_line, json_line_of, note, out};

/// How the claims were obtained, for the output.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Checked {
    /// `decode`: nothing checked.
    No,
    /// `verify`: signature, algorithm and times check out.
    Yes,
}

/// `twilio-jwt decode`.
pub fn decode(p: Parsed) -> Result<(), Fail> {
    let now = p.now()?;
    let token = read_token(p.positional()?)?;
    let mut scratch = vec![0u8; token.len()];
    let claims = decode_unverified(&token, &mut scratch).map_err(decode_failure)?;
    note("UNVERIFIED: decode checks no signature, algorithm or time; use `twilio-jwt verify`");
    show(&token, &claims, &p, now, Checked::No);
    Ok(())
}

/// `twilio-jwt verify`.
pub fn verify(p: Parsed) -> Result<(), Fail> {
    let now = p.now()?;
    let algorithm = p.algorithm()?;
    let leeway = p.seconds("leeway")?.unwrap_or(0);
    let arg = p.positional()?;
    if arg == Some("-") && p.value("secret-file") == Some("-") {
        return Err(Fail::usage(
            "TOKEN and --secret-file cannot both be `-` (stdin): put one in a file",
        ));
    }
    let token = read_token(arg)?;
    let mut scratch = vec![0u8; token.len()];
    let unverified = decode_unverified(&token, &mut scratch).ok();
    let (secret, source) = secret(&p, unverified.as_ref())?;
    let key = Key::new(algorithm, secret.as_bytes())
        .map_err(|e| Fail::usage(format!("{source}: {e}")))?;
    let verifier = Verifier::new(key).leeway(leeway);
    match verifier.verify_owned(&token, now) {
        Ok(claims) => {
            note(&format!("valid: {algorithm} signature and times check out"));
            show(&token, &claims.claims(), &p, now, Checked::Yes);
            Ok(())
        }
        Err(e) => {
            let cx = VerifyContext {
                claims: unverified.as_ref(),
                expected: algorithm,
                secret_source: source,
                now,
            };
            let rejection = verify_failure(e, &cx);
            if p.has("json") {
                out(&invalid_json(rejection.kind, &rejection.message));
            }
            Err(Fail::rejected(rejection.message))
        }
    }
}

/// `{"valid":false,"error":KIND,"message":...}` on one line.
fn invalid_json(kind: &str, message: &str) -> String {
    json_line_of(|w| {
        w.begin_object();
        w.key("valid");
        w.bool(false);
        w.field_str("error", kind);
        w.field_str("message", message);
        w.end_object();
    })
}

/// The secret to verify with, and where it came from (for messages).
fn secret(p: &Parsed, token: Option<&Claims<'_>>) -> Result<(String, &'static str), Fail> {
    match (p.value("secret"), p.value("secret-file")) {
        (Some(_), Some(_)) => {
            return Err(Fail::usage(
                "--secret and --secret-file both given: pass the secret once",
            ));
        }
        (Some(secret), None) => return Ok((secret.to_string(), "--secret")),
        (None, Some(path)) => return Ok((read_secret_file("secret-file", path)?, "--secret-file")),
        (None, None) => {}
    }
    if p.has("demo") {
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
        "--secret-file is required: set TWILIO_API_SECRET / TWILIO_AUTH_TOKEN, or pass \
         --secret-file PATH, --secret or --demo",
    ))
}

fn is_access_token(claims: &Claims<'_>) -> bool {
    let cty = claims.header().get("cty").and_then(|v| v.as_str());
    cty.is_some_and(|c| c == crate::library::ACCESS_TOKEN_CONTENT_TYPE) || claims.grants().is_some()
}

/// Print the token (pretty, or as JSON) on stdout and its warnings on stderr.
fn show(token: &str, claims: &Claims<'_>, p: &Parsed, now: u64, checked: Checked) {
    if p.has("json") {
        let flags: &[(&str, bool)] = match checked {
            Checked::No => &[("verified", false)],
            Checked::Yes => &[("valid", true), ("verified", true)],
        };
        out(&json_line(token, claims.header(), claims.payload(), flags));
    } else {
        out(&escape(&report(claims, now), true));
    }
    for warning in warnings(claims, now) {
        note(&format!("warning: {warning}"));
    }
}

/// A time claim: `Ok(None)` when absent, `Err` when present but not a valid time.
pub fn time(claims: &Claims<'_>, name: &str) -> Result<Option<u64>, String> {
    match claims.claim(name) {
        None => Ok(None),
        Some(v) => v.as_time().map(Some).ok_or_else(|| {
            format!(
                "{name} claim is not a non-negative integer below 2^53: {}",
                v.raw()
            )
        }),
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

/// The human report; token strings in it are escaped by the caller, and the identity here
/// (the one string shown unescaped from JSON, so it may hold a line break).
fn report(claims: &Claims<'_>, now: u64) -> String {
    let mut s = String::from("header: ");
    pretty(claims.header(), 0, &mut s);
    s.push_str("\npayload: ");
    pretty(claims.payload(), 0, &mut s);
    s.push('\n');
    if let Some(identity) = claims.identity() {
        let identity = identity.to_string();
        s += &format!("identity:   {}\n", escape(&identity, false));
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
        if !KNOWN_GRANTS.iter().any(|k| key == *k) {
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
pub fn relative(t: u64, now: u64) -> String {
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
pub fn date(t: u64) -> String {
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

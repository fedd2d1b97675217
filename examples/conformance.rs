//! Conformance runner: reads cases (one JSON object a line) on stdin, answers one line each.
//!
//! ```text
//! cargo run --release --example conformance < tests/data/cases.jsonl
//! cargo run --release --example conformance < tests/data/verify_cases.jsonl
//! ```
//!
//! A thin translation from a case's JSON to the crate's public API; all behaviour is the
//! crate's. `tests/conformance.rs` runs the same code over every case and compares each answer
//! with `tests/data/expected.jsonl` (and each verify case's own `expected`).

use std::io::{BufRead, Write};

use serde_json::{Map, Value, json};
use twilio_jwt::{
    AccessToken, Algorithm, ChannelKind, ChatGrant, ClientCapability, ConversationsGrant,
    FilterRequirement, Grant, IpMessagingGrant, Key, MintError, PlaybackGrant, Policy, SyncGrant,
    TaskRouterCapability, TaskRouterGrant, TaskRouterOptions, Verifier, VerifyError, VideoGrant,
    VoiceGrant,
};

#[allow(dead_code)]
fn main() {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        let answer = run_line(&line);
        let _ = writeln!(out, "{answer}");
    }
}

/// Why a case cannot be expressed through the typed API.
struct Skip(String);

impl From<String> for Skip {
    fn from(s: String) -> Self {
        Skip(s)
    }
}

/// Answer one input line.
pub fn run_line(line: &str) -> Value {
    let case: Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(_) => {
            // Lines with a lone surrogate escape are not valid for strict parsers: skip them,
            // still naming the case.
            return json!({"id": fallback_id(line), "status": "skip",
                          "reason": "the case line is not strict JSON (lone surrogate)"});
        }
    };
    let id = case.get("id").cloned().unwrap_or(Value::Null);
    let result = match case.get("kind").and_then(Value::as_str) {
        Some("access_token") => access_token(&case),
        Some("client_capability") => client_capability(&case),
        Some("taskrouter_capability") => taskrouter(&case),
        Some("verify") => return verify(&case, id),
        other => Err(Skip(format!("unknown kind {other:?}"))),
    };
    match result {
        Ok(Ok(token)) => json!({"id": id, "status": "ok", "token": token}),
        Ok(Err(e)) => error_line(id, &e),
        Err(Skip(reason)) => json!({"id": id, "status": "skip", "reason": reason}),
    }
}

/// Either error type, as the suite names it.
trait Kind: std::fmt::Display {
    fn kind(&self) -> &'static str;
}

impl Kind for MintError {
    fn kind(&self) -> &'static str {
        MintError::kind(self)
    }
}

impl Kind for VerifyError {
    fn kind(&self) -> &'static str {
        VerifyError::kind(self)
    }
}

fn error_line(id: Value, e: &dyn Kind) -> Value {
    json!({"id": id, "status": "error", "error": e.kind(), "message": e.to_string()})
}

fn fallback_id(line: &str) -> String {
    let Some(start) = line.find("\"id\"") else {
        return String::new();
    };
    let rest = &line[start + 4..];
    let Some(open) = rest.find('"') else {
        return String::new();
    };
    let rest = &rest[open + 1..];
    rest[..rest.find('"').unwrap_or(rest.len())].to_string()
}

type Minted = Result<Result<String, MintError>, Skip>;

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// An optional key of the schema: absent and `null` both mean "not set" (the schema's `null` is
/// "explicitly unset", the SDK's `None`). Where `None` means something else than the default,
/// the key is read directly: `nbf` (no nbf claim) and the TaskRouter flags (off).
fn field<'a>(obj: &'a Value, key: &str) -> Option<&'a Value> {
    obj.get(key).filter(|v| !v.is_null())
}

/// A string field: unset -> "" (the crate's "not set"), a string -> itself, anything else -> skip.
fn text<'a>(obj: &'a Value, key: &str) -> Result<&'a str, Skip> {
    match field(obj, key) {
        None => Ok(""),
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(Skip(format!("{key} is {}, not a string", type_name(other)))),
    }
}

fn integer(case: &Value, key: &str) -> Result<Option<i64>, Skip> {
    match field(case, key) {
        None => Ok(None),
        Some(Value::Number(n)) if n.is_i64() => Ok(n.as_i64()),
        Some(other) => Err(Skip(format!(
            "{key} is {}, not an integer",
            type_name(other)
        ))),
    }
}

fn unsigned(case: &Value, key: &str) -> Result<Option<u64>, Skip> {
    match integer(case, key)? {
        Some(n) => u64::try_from(n)
            .map(Some)
            .map_err(|_| Skip(format!("{key} is negative"))),
        None => Ok(None),
    }
}

fn now(case: &Value) -> Result<u64, Skip> {
    match case.get("now").and_then(Value::as_f64) {
        Some(t) if t >= 0.0 => Ok(t.floor() as u64),
        _ => Err(Skip("now is not a non-negative number".into())),
    }
}

/// A JSON object of strings as pairs, in the case's order (unset: none).
fn string_pairs<'a>(obj: Option<&'a Value>, what: &str) -> Result<Vec<(&'a str, &'a str)>, Skip> {
    let Some(obj) = obj.filter(|v| !v.is_null()) else {
        return Ok(Vec::new());
    };
    let Some(map) = obj.as_object() else {
        return Err(Skip(format!("{what} is not an object")));
    };
    map.iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k.as_str(), s.as_str())),
            other => Err(Skip(format!(
                "{what} '{k}': value is {}, not a string",
                type_name(other)
            ))),
        })
        .collect()
}

/// Keys shared by every token family: ttl, nbf (null: none), valid_until, algorithm.
macro_rules! apply_lifetime {
    ($token:expr, $case:expr) => {{
        let mut token = $token;
        match field($case, "algorithm") {
            None => {}
            Some(Value::String(name)) => match name.parse::<Algorithm>() {
                Ok(alg) => token = token.algorithm(alg),
                Err(e) => return Ok(Err(e)),
            },
            Some(other) => return Err(Skip(format!("algorithm is {}", type_name(other)))),
        }
        if $case.get("ttl") == Some(&Value::Null) {
            return Err(Skip("ttl is null: every token has a lifetime".into()));
        }
        if let Some(ttl) = integer($case, "ttl")? {
            token = token.ttl(ttl);
        }
        match $case.get("nbf") {
            None => {}
            Some(Value::Null) => token = token.no_nbf(),
            Some(_) => {
                if let Some(nbf) = unsigned($case, "nbf")? {
                    token = token.nbf(nbf);
                }
            }
        }
        if let Some(at) = unsigned($case, "valid_until")? {
            token = token.valid_until(at);
        }
        token
    }};
}

fn access_token(case: &Value) -> Minted {
    let now = now(case)?;
    let grants_json: &[Value] = match field(case, "grants") {
        Some(Value::Array(list)) => list,
        None => &[],
        Some(_) => return Err(Skip("grants is not a list".into())),
    };
    let mut playback_json = Vec::new();
    for g in grants_json {
        if g.get("type").and_then(Value::as_str) == Some("playback") {
            playback_json.push(field(g, "grant").map(|v| v.to_string()));
        }
    }
    let mut playback_json = playback_json.iter();
    let mut grants: Vec<Box<dyn Grant + '_>> = Vec::new();
    for g in grants_json {
        let grant: Box<dyn Grant> = match g.get("type").and_then(Value::as_str) {
            Some("video") => Box::new(VideoGrant::new().room(text(g, "room")?)),
            Some("chat") => Box::new(
                ChatGrant::new()
                    .service_sid(text(g, "service_sid")?)
                    .endpoint_id(text(g, "endpoint_id")?)
                    .deployment_role_sid(text(g, "deployment_role_sid")?)
                    .push_credential_sid(text(g, "push_credential_sid")?),
            ),
            Some("ip_messaging") => Box::new(
                IpMessagingGrant::new()
                    .service_sid(text(g, "service_sid")?)
                    .endpoint_id(text(g, "endpoint_id")?)
                    .deployment_role_sid(text(g, "deployment_role_sid")?)
                    .push_credential_sid(text(g, "push_credential_sid")?),
            ),
            Some("sync") => Box::new(
                SyncGrant::new()
                    .service_sid(text(g, "service_sid")?)
                    .endpoint_id(text(g, "endpoint_id")?),
            ),
            Some("taskrouter") => Box::new(
                TaskRouterGrant::new()
                    .workspace_sid(text(g, "workspace_sid")?)
                    .worker_sid(text(g, "worker_sid")?)
                    .role(text(g, "role")?),
            ),
            Some("conversations") => Box::new(
                ConversationsGrant::new()
                    .configuration_profile_sid(text(g, "configuration_profile_sid")?),
            ),
            Some("voice") => {
                let params = string_pairs(g.get("outgoing_application_params"), "voice params")?;
                let mut voice = VoiceGrant::<64>::with_capacity()
                    .incoming_allow(field(g, "incoming_allow") == Some(&Value::Bool(true)))
                    .outgoing_application_sid(text(g, "outgoing_application_sid")?)
                    .push_credential_sid(text(g, "push_credential_sid")?)
                    .endpoint_id(text(g, "endpoint_id")?);
                for (k, v) in params {
                    voice = voice.outgoing_param(k, v);
                }
                Box::new(voice)
            }
            Some("playback") => match playback_json.next().and_then(Option::as_deref) {
                Some(json) => Box::new(PlaybackGrant::new(json)),
                None => Box::new(PlaybackGrant::empty()),
            },
            other => return Err(Skip(format!("unknown grant type {other:?}"))),
        };
        grants.push(grant);
    }

    let identity = text(case, "identity")?;
    let mut token = AccessToken::<16>::with_capacity(
        text(case, "account_sid")?,
        text(case, "key_sid")?,
        text(case, "secret")?,
    )
    .identity(identity)
    .region(text(case, "region")?);
    token = apply_lifetime!(token, case);
    for grant in &grants {
        token = token.grant(grant.as_ref());
    }
    Ok(token.to_jwt(now))
}

fn client_capability(case: &Value) -> Minted {
    let now = now(case)?;
    let mut token = ClientCapability::<64>::with_capacity(
        text(case, "account_sid")?,
        text(case, "auth_token")?,
    );
    token = apply_lifetime!(token, case);
    // The case's order first, then any scope it did not list, in the default order.
    let mut order: Vec<&str> = match field(case, "scope_order") {
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    for scope in ["outgoing", "incoming", "event_stream"] {
        if !order.contains(&scope) {
            order.push(scope);
        }
    }
    for scope in order {
        let Some(spec) = field(case, scope) else {
            continue;
        };
        token = match scope {
            "incoming" => token.allow_client_incoming(text(spec, "client_name")?),
            "outgoing" => {
                let mut t = token.allow_client_outgoing(text(spec, "application_sid")?);
                let params = string_pairs(spec.get("params"), "outgoing param")?;
                if params.iter().any(|(k, _)| *k == "application_sid") {
                    return Err(Skip("outgoing param named 'application_sid'".into()));
                }
                for (k, v) in params {
                    t = t.outgoing_param(k, v);
                }
                t
            }
            "event_stream" => {
                let mut t = token.allow_event_stream();
                for (k, v) in string_pairs(spec.get("filters"), "event filter")? {
                    t = t.event_filter(k, v);
                }
                t
            }
            other => return Err(Skip(format!("unknown scope {other}"))),
        };
    }
    Ok(token.to_jwt(now))
}

fn filters(v: Option<&Value>) -> Result<Vec<FilterRequirement<'_>>, Skip> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(Vec::new());
    };
    let Some(map) = v.as_object() else {
        return Err(Skip("filter is not an object".into()));
    };
    map.iter()
        .map(|(name, req)| match req.get("required") {
            Some(Value::Bool(required)) => Ok(FilterRequirement {
                name,
                required: *required,
            }),
            _ => Err(Skip(format!("filter {name} has no boolean 'required'"))),
        })
        .collect()
}

fn taskrouter(case: &Value) -> Minted {
    let now = now(case)?;
    let empty = Map::new();
    let options_json = match field(case, "options") {
        Some(Value::Object(map)) => map,
        _ => &empty,
    };
    let mut options = TaskRouterOptions::default();
    for (name, value) in options_json {
        // `null` is the SDK's `None`: twilio-python reads each flag as
        // `if kwargs.get("allow_fetch_self", True):`, so an explicit `None` turns the flag off,
        // even one that is on by default (as `nbf: null` means no nbf, not the default nbf).
        let on = match value {
            Value::Null => false,
            Value::Bool(on) => *on,
            _ => return Err(Skip(format!("option {name} is not a boolean"))),
        };
        let flag = match name.as_str() {
            "allow_web_sockets" => &mut options.allow_web_sockets,
            "allow_fetch_self" => &mut options.allow_fetch_self,
            "allow_update_self" => &mut options.allow_update_self,
            "allow_delete_self" => &mut options.allow_delete_self,
            "allow_fetch_subresources" => &mut options.allow_fetch_subresources,
            "allow_update_subresources" => &mut options.allow_update_subresources,
            "allow_delete_subresources" => &mut options.allow_delete_subresources,
            "allow_fetch_activities" => &mut options.allow_fetch_activities,
            "allow_fetch_reservations" => &mut options.allow_fetch_reservations,
            "allow_fetch_worker_reservations" => &mut options.allow_fetch_worker_reservations,
            "allow_update_activities" => &mut options.allow_update_activities,
            "allow_update_reservations" => &mut options.allow_update_reservations,
            other => return Err(Skip(format!("unknown option {other}"))),
        };
        *flag = on;
    }
    let custom: &[Value] = match field(case, "custom_policies") {
        Some(Value::Array(list)) => list,
        _ => &[],
    };
    let custom_filters = custom
        .iter()
        .map(|p| {
            Ok((
                filters(p.get("query_filter"))?,
                filters(p.get("post_filter"))?,
            ))
        })
        .collect::<Result<Vec<_>, Skip>>()?;

    let channel_id = text(case, "channel_id")?;
    let mut token = TaskRouterCapability::<64>::with_capacity(
        text(case, "account_sid")?,
        text(case, "auth_token")?,
        text(case, "workspace_sid")?,
        channel_id,
    )
    .options(options);
    token = match field(case, "channel_kind").and_then(Value::as_str) {
        Some("worker") => token.kind(ChannelKind::Worker),
        Some("taskqueue") => token.kind(ChannelKind::TaskQueue),
        Some("workspace") => token.kind(ChannelKind::Workspace),
        None => token,
        Some(other) => return Err(Skip(format!("unknown channel kind {other}"))),
    };
    if let Some(name) = field(case, "friendly_name") {
        token = token.friendly_name(name.as_str().ok_or(Skip("friendly_name".into()))?);
    }
    token = apply_lifetime!(token, case);
    let calls: &[Value] = match field(case, "calls") {
        Some(Value::Array(list)) => list,
        _ => &[],
    };
    for call in calls {
        let (method, channel) = match call {
            Value::String(m) => (m.as_str(), channel_id),
            Value::Object(_) => (
                field(call, "method").and_then(Value::as_str).unwrap_or(""),
                field(call, "channel_id")
                    .and_then(Value::as_str)
                    .unwrap_or(channel_id),
            ),
            _ => return Err(Skip("call is neither a name nor an object".into())),
        };
        token = match method {
            "allow_web_sockets" => token.allow_web_sockets(channel),
            "allow_fetch_self" => token.allow_fetch_self(),
            "allow_update_self" => token.allow_update_self(),
            "allow_delete_self" => token.allow_delete_self(),
            "allow_fetch_subresources" => token.allow_fetch_subresources(),
            "allow_update_subresources" => token.allow_update_subresources(),
            "allow_delete_subresources" => token.allow_delete_subresources(),
            "allow_fetch_activities" => token.allow_fetch_activities(),
            "allow_fetch_reservations" => token.allow_fetch_reservations(),
            "allow_fetch_worker_reservations" => token.allow_fetch_worker_reservations(),
            "allow_update_activities" => token.allow_update_activities(),
            "allow_update_reservations" => token.allow_update_reservations(),
            other => return Err(Skip(format!("unknown call {other}"))),
        };
    }
    for (p, (query, post)) in custom.iter().zip(&custom_filters) {
        let method = match field(p, "method") {
            None => "GET",
            Some(Value::String(m)) => m,
            Some(other) => return Err(Skip(format!("policy method is {}", type_name(other)))),
        };
        let allow = match field(p, "allow") {
            None => true,
            Some(Value::Bool(b)) => *b,
            Some(other) => return Err(Skip(format!("policy allow is {}", type_name(other)))),
        };
        token = token.policy(
            Policy::new(text(p, "url")?, method)
                .allow(allow)
                .query_filter(query)
                .post_filter(post),
        );
    }
    Ok(token.to_jwt(now))
}

fn verify(case: &Value, id: Value) -> Value {
    let answer = || -> Result<Result<Value, Box<dyn Kind>>, Skip> {
        let token = text(case, "token")?;
        let secret = text(case, "secret")?;
        let now = now(case)?;
        let leeway = unsigned(case, "leeway")?.unwrap_or(0);
        let algorithm = match text(case, "algorithm")? {
            "" => Algorithm::HS256,
            name => match name.parse() {
                Ok(alg) => alg,
                Err(e) => return Ok(Err(Box::new(e))),
            },
        };
        let key = match Key::new(algorithm, secret.as_bytes()) {
            Ok(key) => key,
            Err(e) => return Ok(Err(Box::new(VerifyError::from(e)))),
        };
        let verifier = Verifier::new(key).leeway(leeway);
        Ok(verifier
            .verify_owned(token, now)
            .map(|claims| {
                // The crate's strict reader accepted both; serde_json reads them for the comparison.
                let header: Value = serde_json::from_str(claims.header_json()).unwrap_or_default();
                let payload: Value =
                    serde_json::from_str(claims.payload_json()).unwrap_or_default();
                json!({"header": header, "payload": payload})
            })
            .map_err(|e| Box::new(e) as Box<dyn Kind>))
    };
    match answer() {
        Ok(Ok(decoded)) => json!({"id": id, "status": "ok",
                                  "header": decoded["header"], "payload": decoded["payload"]}),
        Ok(Err(e)) => error_line(id, &*e),
        Err(Skip(reason)) => json!({"id": id, "status": "skip", "reason": reason}),
    }
}

//! `access`, `client` and `taskrouter`: mint a token from flags and the environment.

use twilio_jwt::{
    AccessToken, ChatGrant, ClientCapability, Grant, MintError, PlaybackGrant, SyncGrant,
    TaskRouterCapability, TaskRouterGrant, TaskRouterOptions, VideoGrant, VoiceGrant,
    decode_unverified,
};

use crate::args::Parsed;
use crate::input::{
    ACCOUNT_SID, API_KEY, API_SECRET, AUTH_TOKEN, Credential, check_sid_flags, credential,
};
use crate::library::mint_failure;
use crate::{Fail, json_line, note, out};

/// The lifetime flags, parsed.
struct Lifetime {
    ttl: Option<u64>,
    valid_until: Option<u64>,
    nbf: Option<u64>,
    no_nbf: bool,
    algorithm: twilio_jwt::Algorithm,
    now: u64,
}

impl Lifetime {
    fn of(p: &Parsed) -> Result<Self, Fail> {
        Ok(Lifetime {
            ttl: p.seconds("ttl")?,
            valid_until: p.number("valid-until", "unix seconds")?,
            nbf: p.number("nbf", "unix seconds")?,
            no_nbf: p.has("no-nbf"),
            algorithm: p.algorithm()?,
            now: p.now()?,
        })
    }
}

/// Checks shared by the minting commands, before anything is read from the environment.
fn checked(p: &Parsed) -> Result<Lifetime, Fail> {
    check_sid_flags(p)?;
    if p.has("ttl") && p.has("valid-until") {
        return Err(Fail::usage("--ttl and --valid-until both given: pass one"));
    }
    Lifetime::of(p)
}

/// Print the minted token (or its JSON form); map a library error to the flag at fault.
fn finish(p: &Parsed, minted: Result<String, MintError>, secret: &Credential) -> Result<(), Fail> {
    let token = minted.map_err(|e| mint_failure(e, &format!("--{}", secret.flag)))?;
    if p.has("demo") {
        note(
            "note: --demo: signed with built-in FAKE credentials (AC000..., SK000...); \
             Twilio will reject it, `twilio-jwt verify --demo` accepts it",
        );
    }
    if !p.has("json") {
        out(&format!("{token}\n"));
        return Ok(());
    }
    let mut scratch = vec![0u8; token.len()];
    let claims = decode_unverified(&token, &mut scratch)
        .map_err(|e| Fail::usage(format!("cannot decode the minted token: {e}")))?;
    out(&json_line(&token, claims.header(), claims.payload(), &[]));
    Ok(())
}

/// Apply the shared lifetime flags to any token builder.
macro_rules! lifetime {
    ($token:expr, $flags:expr) => {{
        let f: &Lifetime = &$flags;
        let mut t = $token.algorithm(f.algorithm);
        if let Some(ttl) = f.ttl {
            t = t.ttl(i64::try_from(ttl).unwrap_or(i64::MAX));
        }
        if let Some(at) = f.valid_until {
            t = t.valid_until(at);
        }
        if let Some(at) = f.nbf {
            t = t.nbf(at);
        }
        if f.no_nbf {
            t = t.no_nbf();
        }
        t
    }};
}

/// `twilio-jwt access`.
pub fn access(f: Parsed) -> Result<(), Fail> {
    let life = checked(&f)?;
    if f.has("voice-param") && !f.has("voice-outgoing") {
        return Err(Fail::usage("--voice-param needs --voice-outgoing AP..."));
    }
    if f.has("playback") {
        match twilio_jwt::json::parse(f.get("playback").as_bytes()) {
            Ok(v) if v.kind() == twilio_jwt::json::Kind::Object => {}
            Ok(_) => return Err(Fail::usage("--playback: expected a JSON object")),
            Err(e) => return Err(Fail::usage(format!("--playback: not valid JSON: {e}"))),
        }
    }
    let account_sid = credential(&f, &ACCOUNT_SID)?;
    let api_key = credential(&f, &API_KEY)?;
    let secret = credential(&f, &API_SECRET)?;

    let video = VideoGrant::new().room(f.get("video-room"));
    let chat = ChatGrant::new()
        .service_sid(f.get("chat-service"))
        .endpoint_id(f.get("chat-endpoint"))
        .deployment_role_sid(f.get("chat-role"))
        .push_credential_sid(f.get("chat-push-credential"));
    let mut voice = VoiceGrant::<64>::with_capacity()
        .incoming_allow(f.has("voice-incoming"))
        .outgoing_application_sid(f.get("voice-outgoing"))
        .push_credential_sid(f.get("voice-push-credential"))
        .endpoint_id(f.get("voice-endpoint"));
    for (name, value) in f.pairs("voice-param")? {
        voice = voice.outgoing_param(name, value);
    }
    let sync = SyncGrant::new()
        .service_sid(f.get("sync-service"))
        .endpoint_id(f.get("sync-endpoint"));
    let task_router = TaskRouterGrant::new()
        .workspace_sid(f.get("taskrouter-workspace"))
        .worker_sid(f.get("taskrouter-worker"))
        .role(f.get("taskrouter-role"));
    let playback = PlaybackGrant::new(f.get("playback"));

    let mut token = AccessToken::new(&account_sid, &api_key, &secret)
        .identity(f.get("identity"))
        .region(f.get("region"));
    let grants: [(&str, &dyn Grant); 6] = [
        ("video", &video),
        ("chat-", &chat),
        ("voice-", &voice),
        ("sync-", &sync),
        ("taskrouter-", &task_router),
        ("playback", &playback),
    ];
    for (prefix, grant) in grants {
        if f.any(prefix) {
            token = token.grant(grant);
        }
    }
    let token = lifetime!(token, life);
    finish(&f, token.to_jwt(life.now), &API_SECRET)
}

/// `twilio-jwt client`.
pub fn client(f: Parsed) -> Result<(), Fail> {
    let life = checked(&f)?;
    if !f.has("incoming") && !f.has("outgoing") && !f.has("events") {
        return Err(Fail::usage(
            "nothing allowed: pass --incoming NAME, --outgoing AP... and/or --events",
        ));
    }
    if f.has("param") && !f.has("outgoing") {
        return Err(Fail::usage("--param needs --outgoing AP..."));
    }
    if f.has("filter") && !f.has("events") {
        return Err(Fail::usage("--filter needs --events"));
    }
    let account_sid = credential(&f, &ACCOUNT_SID)?;
    let auth_token = credential(&f, &AUTH_TOKEN)?;
    let mut token = ClientCapability::<64>::with_capacity(&account_sid, &auth_token);
    if f.has("incoming") {
        token = token.allow_client_incoming(f.get("incoming"));
    }
    if f.has("outgoing") {
        token = token.allow_client_outgoing(f.get("outgoing"));
    }
    for (name, value) in f.pairs("param")? {
        token = token.outgoing_param(name, value);
    }
    if f.has("events") {
        token = token.allow_event_stream();
    }
    for (name, value) in f.pairs("filter")? {
        token = token.event_filter(name, value);
    }
    let token = lifetime!(token, life);
    finish(&f, token.to_jwt(life.now), &AUTH_TOKEN)
}

/// The TaskRouter option a `--allow-*` flag switches on, and whether it is worker-only.
fn allow_option<'o>(o: &'o mut TaskRouterOptions, flag: &str) -> Option<(&'o mut bool, bool)> {
    Some(match flag {
        "allow-web-sockets" => (&mut o.allow_web_sockets, false),
        "allow-fetch-self" => (&mut o.allow_fetch_self, false),
        "allow-update-self" => (&mut o.allow_update_self, false),
        "allow-delete-self" => (&mut o.allow_delete_self, false),
        "allow-fetch-subresources" => (&mut o.allow_fetch_subresources, false),
        "allow-update-subresources" => (&mut o.allow_update_subresources, false),
        "allow-delete-subresources" => (&mut o.allow_delete_subresources, false),
        "allow-fetch-activities" => (&mut o.allow_fetch_activities, true),
        "allow-fetch-reservations" => (&mut o.allow_fetch_reservations, true),
        "allow-fetch-worker-reservations" => (&mut o.allow_fetch_worker_reservations, true),
        "allow-update-activities" => (&mut o.allow_update_activities, true),
        "allow-update-reservations" => (&mut o.allow_update_reservations, true),
        _ => return None,
    })
}

/// `twilio-jwt taskrouter`.
pub fn taskrouter(f: Parsed) -> Result<(), Fail> {
    let life = checked(&f)?;
    // The library refuses wrong prefixes itself (SPEC 2): these say which flag, even with
    // --allow-any-sid.
    let workspace = f.get("workspace");
    if !workspace.starts_with("WS") {
        return Err(Fail::usage(format!(
            "--workspace: a WS... SID is required, got {workspace:?}"
        )));
    }
    let channel = f.value("channel").unwrap_or(workspace);
    if !["WK", "WQ", "WS"].iter().any(|p| channel.starts_with(p)) {
        return Err(Fail::usage(format!(
            "--channel: expected a WK..., WQ... or WS... SID, got {channel:?}"
        )));
    }
    let mut options = match f.has("no-defaults") {
        true => TaskRouterOptions::none(),
        false => TaskRouterOptions::default(),
    };
    for (flag, _) in f.given() {
        if let Some((on, worker_only)) = allow_option(&mut options, flag.name) {
            if worker_only && !channel.starts_with("WK") {
                return Err(Fail::usage(format!(
                    "--{}: only for worker channels (--channel WK...)",
                    flag.name
                )));
            }
            *on = true;
        }
    }
    let account_sid = credential(&f, &ACCOUNT_SID)?;
    if !account_sid.starts_with("AC") {
        return Err(Fail::usage(format!(
            "--account-sid: expected an AC... SID, got {account_sid:?}"
        )));
    }
    let auth_token = credential(&f, &AUTH_TOKEN)?;
    let mut token =
        TaskRouterCapability::<64>::with_capacity(&account_sid, &auth_token, workspace, channel)
            .options(options);
    if f.has("friendly-name") {
        token = token.friendly_name(f.get("friendly-name"));
    }
    let token = lifetime!(token, life);
    finish(&f, token.to_jwt(life.now), &AUTH_TOKEN)
}

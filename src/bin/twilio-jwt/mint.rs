//! `access`, `client` and `taskrouter`: mint a token from flags and the environment.

use std::collections::BTreeMap;

use twilio_jwt::{
    AccessToken, Algorithm, ChatGrant, ClientCapability, Grant, MintError, PlaybackGrant,
    SyncGrant, TaskRouterCapability, TaskRouterGrant, TaskRouterOptions, VideoGrant, VoiceGrant,
    decode_unverified,
};

use crate::args::{Arg, Args};
use crate::{Fail, json_line, note, out};

/// The `--demo` credentials: obviously fake, shared by every token kind.
pub const DEMO_ACCOUNT_SID: &str = "AC00000000000000000000000000000000";
pub const DEMO_API_KEY: &str = "SK00000000000000000000000000000000";
pub const DEMO_SECRET: &str = "twilio-jwt-demo-secret-NOT-A-REAL-CREDENTIAL";

pub const ACCESS_HELP: &str = "\
Mint an access token (signed with an API key secret).

Usage: twilio-jwt access --identity NAME [GRANTS] [OPTIONS]

      --identity NAME             the user's identity (required)
      --region R                  home region for the twr header (us1, ie1, au1, ...)
Grants (each flag adds its grant):
      --video                     Video, any room
      --video-room ROOM           Video, one room (name or RM... SID)
      --chat-service IS...        Conversations/Chat service
      --chat-endpoint ID          ... endpoint id
      --chat-role RL...           ... deployment role SID
      --chat-push-credential CR.. ... push credential SID
      --voice-outgoing AP...      Voice: TwiML application for outgoing calls
      --voice-param NAME=VALUE    ... outgoing application parameter (repeatable)
      --voice-incoming            ... allow incoming calls
      --voice-push-credential CR.. ... push credential SID
      --voice-endpoint ID         ... endpoint id
      --sync-service IS...        Sync service
      --sync-endpoint ID          ... endpoint id
      --taskrouter-workspace WS.. TaskRouter workspace
      --taskrouter-worker WK...   ... worker
      --taskrouter-role ROLE      ... role
      --playback JSON             Live playback grant (the JSON object Twilio returns)
";

pub const CLIENT_HELP: &str = "\
Mint a client capability token (legacy Twilio Client, signed with the auth token).

Usage: twilio-jwt client [--incoming NAME] [--outgoing AP...] [--events] [OPTIONS]

      --incoming NAME             allow incoming connections to client NAME
      --outgoing AP...            allow outgoing connections through this TwiML application
      --param NAME=VALUE          outgoing application parameter (repeatable)
      --events                    allow subscribing to the event stream
      --filter NAME=VALUE         event stream filter (repeatable, needs --events)
";

pub const TASKROUTER_HELP: &str = "\
Mint a TaskRouter capability token (signed with the auth token).

Usage: twilio-jwt taskrouter --workspace WS... [--channel WK...|WQ...|WS...] [OPTIONS]

      --workspace WS...           the workspace SID (required)
      --channel ID                a worker (WK...), task queue (WQ...) or the workspace
                                  (WS..., the default)
      --friendly-name NAME        the friendly_name claim (default: the channel id)
      --no-defaults               start with no policies (default: web sockets, fetch
                                  self and, for workers, fetch activities/reservations)
Policies (the --allow-fetch-activities ... --allow-update-reservations ones: workers only):
      --allow-web-sockets         --allow-fetch-self           --allow-update-self
      --allow-delete-self         --allow-fetch-subresources   --allow-update-subresources
      --allow-delete-subresources --allow-fetch-activities     --allow-fetch-reservations
      --allow-fetch-worker-reservations --allow-update-activities
      --allow-update-reservations
";

pub const COMMON_HELP: &str = "
Credentials (flags override the environment):
      --account-sid AC...         account SID          [TWILIO_ACCOUNT_SID]
      --api-key SK...             API key SID          [TWILIO_API_KEY]      (access)
      --api-secret SECRET         API key secret       [TWILIO_API_SECRET]   (access)
      --auth-token TOKEN          account auth token   [TWILIO_AUTH_TOKEN]   (client, taskrouter)
      --demo                      built-in FAKE credentials (the environment is ignored)
Lifetime and output:
      --ttl DURATION              lifetime: 3600, 90s, 15m, 2h (default 1h, at most 24h)
      --valid-until SECS          absolute expiry in unix seconds, instead of --ttl
      --nbf SECS                  not-before in unix seconds (default: now)
      --no-nbf                    leave nbf out
      --algorithm ALG             HS256 (default), HS384 or HS512
      --now SECS                  mint as if the time were SECS (unix seconds)
      --json                      print {\"token\",\"header\",\"payload\"} instead of the token
  -h, --help                      print this help
";

/// A credential: its flag, its environment variable and its `--demo` value.
type Credential = (&'static str, &'static str, &'static str);
const ACCOUNT_SID: Credential = ("--account-sid", "TWILIO_ACCOUNT_SID", DEMO_ACCOUNT_SID);
const API_KEY: Credential = ("--api-key", "TWILIO_API_KEY", DEMO_API_KEY);
const API_SECRET: Credential = ("--api-secret", "TWILIO_API_SECRET", DEMO_SECRET);
const AUTH_TOKEN: Credential = ("--auth-token", "TWILIO_AUTH_TOKEN", DEMO_SECRET);

/// The parsed flags of a minting command.
#[derive(Default)]
struct Flags {
    /// Flags with a value, and switches (with an empty value); the last one given wins.
    values: BTreeMap<String, String>,
    /// `NAME=VALUE` flags, in order: (flag, name, value).
    pairs: Vec<(String, String, String)>,
    ttl: Option<u64>,
    valid_until: Option<u64>,
    nbf: Option<u64>,
    algorithm: Algorithm,
    now: Option<u64>,
}

/// A minting command's own flags, as space-separated lists (the shared ones are added).
struct Spec {
    name: &'static str,
    /// Flags that take a value.
    values: &'static str,
    /// Flags that take none.
    switches: &'static str,
    /// Repeatable `NAME=VALUE` flags.
    pairs: &'static str,
}

const ACCESS: Spec = Spec {
    name: "access",
    values: "--identity --region --video-room --chat-service --chat-endpoint --chat-role \
        --chat-push-credential --voice-outgoing --voice-push-credential --voice-endpoint \
        --sync-service --sync-endpoint --taskrouter-workspace --taskrouter-worker \
        --taskrouter-role --playback",
    switches: "--video --voice-incoming",
    pairs: "--voice-param",
};

const CLIENT: Spec = Spec {
    name: "client",
    values: "--incoming --outgoing",
    switches: "--events",
    pairs: "--param --filter",
};

const TASKROUTER: Spec = Spec {
    name: "taskrouter",
    values: "--workspace --channel --friendly-name",
    switches: "--no-defaults --allow-web-sockets --allow-fetch-self --allow-update-self \
        --allow-delete-self --allow-fetch-subresources --allow-update-subresources \
        --allow-delete-subresources --allow-fetch-activities --allow-fetch-reservations \
        --allow-fetch-worker-reservations --allow-update-activities --allow-update-reservations",
    pairs: "",
};

/// Whether `flag` is in the space-separated `list`.
fn listed(list: &str, flag: &str) -> bool {
    list.split_whitespace().any(|f| f == flag)
}

/// Parse a minting command's flags.
fn parse(mut args: Args, spec: &Spec) -> Result<Flags, Fail> {
    let shared_values = "--account-sid --api-key --api-secret --auth-token";
    let shared_switches = "--demo --no-nbf --json";
    let mut f = Flags::default();
    while let Some(arg) = args.next()? {
        let flag = match arg {
            Arg::Flag(flag) => flag,
            Arg::Pos(value) => {
                return Err(Fail::usage(format!(
                    "unexpected argument {value:?} for `{0}` (see `twilio-jwt {0} --help`)",
                    spec.name
                )));
            }
        };
        match flag.as_str() {
            "--ttl" => f.ttl = Some(args.seconds()?),
            "--valid-until" => f.valid_until = Some(args.number("unix seconds")?),
            "--nbf" => f.nbf = Some(args.number("unix seconds")?),
            "--now" => f.now = Some(args.number("unix seconds")?),
            "--algorithm" => f.algorithm = args.algorithm()?,
            s if listed(spec.values, s) || listed(shared_values, s) => {
                let value = args.value()?;
                f.values.insert(flag, value);
            }
            s if listed(spec.switches, s) || listed(shared_switches, s) => {
                f.values.insert(flag, String::new());
            }
            s if listed(spec.pairs, s) => {
                let (name, value) = args.pair()?;
                f.pairs.push((flag, name, value));
            }
            _ => return Err(args.unknown(spec.name)),
        }
    }
    Ok(f)
}

impl Flags {
    /// A flag's value, `""` if not given.
    fn get(&self, flag: &str) -> &str {
        self.values.get(flag).map_or("", String::as_str)
    }

    /// Whether `flag` was given.
    fn has(&self, flag: &str) -> bool {
        self.values.contains_key(flag)
    }

    /// Whether any flag starting with `prefix` was given.
    fn any(&self, prefix: &str) -> bool {
        self.values.keys().any(|k| k.starts_with(prefix))
    }

    /// The `NAME=VALUE` pairs of `flag`.
    fn pairs<'s>(&'s self, flag: &'s str) -> impl Iterator<Item = (&'s str, &'s str)> {
        let pairs = self.pairs.iter().filter(move |(f, _, _)| f == flag);
        pairs.map(|(_, name, value)| (name.as_str(), value.as_str()))
    }

    /// A credential: its flag, else the demo value under `--demo`, else the environment.
    fn credential(&self, (flag, env, demo): Credential) -> Result<String, Fail> {
        if let Some(value) = self.values.get(flag) {
            return Ok(value.clone());
        }
        if self.has("--demo") {
            return Ok(demo.to_string());
        }
        match std::env::var(env) {
            Ok(value) if !value.is_empty() => Ok(value),
            _ => Err(Fail::usage(format!(
                "{flag} is required: pass {flag} or set {env} (or try --demo)"
            ))),
        }
    }

    fn now(&self) -> u64 {
        self.now.unwrap_or_else(twilio_jwt::unix_now)
    }

    /// Print the minted token (or its JSON form); map a library error to the flag at fault.
    fn finish(&self, minted: Result<String, MintError>, secret: Credential) -> Result<(), Fail> {
        let token = minted.map_err(|e| mint_error(e, secret.0))?;
        if self.has("--demo") {
            note(
                "note: --demo: signed with built-in FAKE credentials (AC000..., SK000...); \
                 Twilio will reject it, `twilio-jwt verify --demo` accepts it",
            );
        }
        if !self.has("--json") {
            out(&format!("{token}\n"));
            return Ok(());
        }
        let mut scratch = vec![0u8; token.len()];
        let claims = decode_unverified(&token, &mut scratch)
            .map_err(|e| Fail::usage(format!("cannot decode the minted token: {e}")))?;
        out(&json_line(&token, claims.header(), claims.payload()));
        Ok(())
    }
}

/// Apply the shared lifetime flags to any token builder.
macro_rules! lifetime {
    ($token:expr, $flags:expr) => {{
        let f = &$flags;
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
        if f.has("--no-nbf") {
            t = t.no_nbf();
        }
        t
    }};
}

/// A library error as a one-line message naming the flag at fault.
fn mint_error(e: MintError, secret_flag: &str) -> Fail {
    let flag = match e {
        MintError::MissingAccountSid => "--account-sid",
        MintError::MissingKeySid => "--api-key",
        MintError::MissingSecret => secret_flag,
        MintError::MissingIdentity => "--identity",
        MintError::MissingApplicationSid => "--outgoing",
        MintError::MissingWorkspaceSid => "--workspace",
        MintError::MissingChannelId => "--channel",
        MintError::LifetimeTooShort | MintError::LifetimeTooLong => "--ttl/--valid-until",
        MintError::NbfNotBeforeExp => "--nbf",
        MintError::InvalidGrant { .. } => "--playback",
        MintError::CapacityExceeded {
            list: "voice params",
        } => "--voice-param",
        MintError::CapacityExceeded {
            list: "client params",
        } => "--param",
        MintError::CapacityExceeded {
            list: "event filters",
        } => "--filter",
        _ => "error",
    };
    Fail::usage(format!("{flag}: {e}"))
}

/// `twilio-jwt access`.
pub fn access(args: Args) -> Result<(), Fail> {
    let f = parse(args, &ACCESS)?;
    if f.pairs("--voice-param").next().is_some() && !f.has("--voice-outgoing") {
        return Err(Fail::usage("--voice-param needs --voice-outgoing AP..."));
    }
    if f.has("--playback") {
        match twilio_jwt::json::parse(f.get("--playback").as_bytes()) {
            Ok(v) if v.kind() == twilio_jwt::json::Kind::Object => {}
            Ok(_) => return Err(Fail::usage("--playback: expected a JSON object")),
            Err(e) => return Err(Fail::usage(format!("--playback: not valid JSON: {e}"))),
        }
    }
    let account_sid = f.credential(ACCOUNT_SID)?;
    let api_key = f.credential(API_KEY)?;
    let secret = f.credential(API_SECRET)?;

    let video = VideoGrant::new().room(f.get("--video-room"));
    let chat = ChatGrant::new()
        .service_sid(f.get("--chat-service"))
        .endpoint_id(f.get("--chat-endpoint"))
        .deployment_role_sid(f.get("--chat-role"))
        .push_credential_sid(f.get("--chat-push-credential"));
    let mut voice = VoiceGrant::<64>::with_capacity()
        .incoming_allow(f.has("--voice-incoming"))
        .outgoing_application_sid(f.get("--voice-outgoing"))
        .push_credential_sid(f.get("--voice-push-credential"))
        .endpoint_id(f.get("--voice-endpoint"));
    for (name, value) in f.pairs("--voice-param") {
        voice = voice.outgoing_param(name, value);
    }
    let sync = SyncGrant::new()
        .service_sid(f.get("--sync-service"))
        .endpoint_id(f.get("--sync-endpoint"));
    let task_router = TaskRouterGrant::new()
        .workspace_sid(f.get("--taskrouter-workspace"))
        .worker_sid(f.get("--taskrouter-worker"))
        .role(f.get("--taskrouter-role"));
    let playback = PlaybackGrant::new(f.get("--playback"));

    let mut token = AccessToken::new(&account_sid, &api_key, &secret)
        .identity(f.get("--identity"))
        .region(f.get("--region"));
    let grants: [(&str, &dyn Grant); 6] = [
        ("--video", &video),
        ("--chat-", &chat),
        ("--voice-", &voice),
        ("--sync-", &sync),
        ("--taskrouter-", &task_router),
        ("--playback", &playback),
    ];
    for (prefix, grant) in grants {
        if f.any(prefix) {
            token = token.grant(grant);
        }
    }
    let token = lifetime!(token, f);
    f.finish(token.to_jwt(f.now()), API_SECRET)
}

/// `twilio-jwt client`.
pub fn client(args: Args) -> Result<(), Fail> {
    let f = parse(args, &CLIENT)?;
    if !f.has("--incoming") && !f.has("--outgoing") && !f.has("--events") {
        return Err(Fail::usage(
            "nothing allowed: pass --incoming NAME, --outgoing AP... and/or --events",
        ));
    }
    if f.pairs("--param").next().is_some() && !f.has("--outgoing") {
        return Err(Fail::usage("--param needs --outgoing AP..."));
    }
    if f.pairs("--filter").next().is_some() && !f.has("--events") {
        return Err(Fail::usage("--filter needs --events"));
    }
    let account_sid = f.credential(ACCOUNT_SID)?;
    let auth_token = f.credential(AUTH_TOKEN)?;
    let mut token = ClientCapability::<64>::with_capacity(&account_sid, &auth_token);
    if f.has("--incoming") {
        token = token.allow_client_incoming(f.get("--incoming"));
    }
    if f.has("--outgoing") {
        token = token.allow_client_outgoing(f.get("--outgoing"));
    }
    for (name, value) in f.pairs("--param") {
        token = token.outgoing_param(name, value);
    }
    if f.has("--events") {
        token = token.allow_event_stream();
    }
    for (name, value) in f.pairs("--filter") {
        token = token.event_filter(name, value);
    }
    let token = lifetime!(token, f);
    f.finish(token.to_jwt(f.now()), AUTH_TOKEN)
}

/// The TaskRouter option a `--allow-*` flag switches on, and whether it is worker-only.
fn allow_option<'o>(o: &'o mut TaskRouterOptions, flag: &str) -> Option<(&'o mut bool, bool)> {
    Some(match flag {
        "--allow-web-sockets" => (&mut o.allow_web_sockets, false),
        "--allow-fetch-self" => (&mut o.allow_fetch_self, false),
        "--allow-update-self" => (&mut o.allow_update_self, false),
        "--allow-delete-self" => (&mut o.allow_delete_self, false),
        "--allow-fetch-subresources" => (&mut o.allow_fetch_subresources, false),
        "--allow-update-subresources" => (&mut o.allow_update_subresources, false),
        "--allow-delete-subresources" => (&mut o.allow_delete_subresources, false),
        "--allow-fetch-activities" => (&mut o.allow_fetch_activities, true),
        "--allow-fetch-reservations" => (&mut o.allow_fetch_reservations, true),
        "--allow-fetch-worker-reservations" => (&mut o.allow_fetch_worker_reservations, true),
        "--allow-update-activities" => (&mut o.allow_update_activities, true),
        "--allow-update-reservations" => (&mut o.allow_update_reservations, true),
        _ => return None,
    })
}

/// `twilio-jwt taskrouter`.
pub fn taskrouter(args: Args) -> Result<(), Fail> {
    let f = parse(args, &TASKROUTER)?;
    let workspace = f.get("--workspace");
    if !workspace.starts_with("WS") {
        return Err(Fail::usage(format!(
            "--workspace: a WS... SID is required, got {workspace:?}"
        )));
    }
    let channel = f.values.get("--channel").map_or(workspace, String::as_str);
    if !["WK", "WQ", "WS"].iter().any(|p| channel.starts_with(p)) {
        return Err(Fail::usage(format!(
            "--channel: expected a WK..., WQ... or WS... SID, got {channel:?}"
        )));
    }
    let mut options = match f.has("--no-defaults") {
        true => TaskRouterOptions::none(),
        false => TaskRouterOptions::default(),
    };
    for flag in f.values.keys() {
        if let Some((on, worker_only)) = allow_option(&mut options, flag) {
            if worker_only && !channel.starts_with("WK") {
                return Err(Fail::usage(format!(
                    "{flag}: only for worker channels (--channel WK...)"
                )));
            }
            *on = true;
        }
    }
    let account_sid = f.credential(ACCOUNT_SID)?;
    if !account_sid.starts_with("AC") {
        return Err(Fail::usage(format!(
            "--account-sid: expected an AC... SID, got {account_sid:?}"
        )));
    }
    let auth_token = f.credential(AUTH_TOKEN)?;
    let mut token =
        TaskRouterCapability::<64>::with_capacity(&account_sid, &auth_token, workspace, channel)
            .options(options);
    if f.has("--friendly-name") {
        token = token.friendly_name(f.get("--friendly-name"));
    }
    let token = lifetime!(token, f);
    f.finish(token.to_jwt(f.now()), AUTH_TOKEN)
}

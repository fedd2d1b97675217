//! Access token grants: one struct per Twilio product, and the [`Grant`] trait for the rest.
//!
//! Every field is optional; a field that is unset or empty is left out of the token, as the
//! official SDKs do. Fields are written in the order of the official SDKs.

use crate::json::{JsonStr, JsonWriter, Kind, MAX_DEPTH, Value, parse_nested};
use crate::list::FixedList;
use crate::{Claims, MintError};

/// A grant of an access token: a key in the `grants` claim and its JSON value.
///
/// Grants are `Sync` so that a token builder holding `&dyn Grant` is `Send` and `Sync`.
///
/// Implement it to add a grant the crate does not know yet:
///
/// ```
/// use twilio_jwt::{AccessToken, Grant};
/// use twilio_jwt::json::JsonWriter;
///
/// struct InsightsGrant<'a> { room: &'a str }
///
/// impl Grant for InsightsGrant<'_> {
///     fn key(&self) -> &str { "insights" }
///     fn write_value(&self, w: &mut JsonWriter<'_>) {
///         w.begin_object();
///         w.field_str("room", self.room);
///         w.end_object();
///     }
/// }
///
/// let grant = InsightsGrant { room: "r1" };
/// let jwt = AccessToken::new("ACxxxxxxxx", "SKxxxxxxxx", "secret")
///     .identity("alice")
///     .grant(&grant)
///     .to_jwt(1_700_000_000)
///     .unwrap();
/// assert_eq!(jwt.split('.').count(), 3);
/// ```
pub trait Grant: Sync {
    /// The key under `grants` (`"video"`, `"chat"`, …). Must be non-empty and not `"identity"`.
    fn key(&self) -> &str;

    /// Write the grant's value (usually an object). Called once for every token written (and
    /// once more to size one), so it must write the same thing every time.
    fn write_value(&self, w: &mut JsonWriter<'_>);

    /// Check the grant before minting; the default accepts everything. A failure is usually
    /// [`MintError::InvalidGrant`] naming the grant's key.
    fn validate(&self) -> Result<(), MintError> {
        Ok(())
    }
}

/// Declares a grant made of optional string fields, written in declaration order.
macro_rules! string_grant {
    (
        $(#[$meta:meta])*
        $name:ident / $view:ident / $accessor:ident, $key:literal,
        { $($(#[$fmeta:meta])* $field:ident),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct $name<'a> {
            $($field: &'a str,)+
        }

        impl<'a> $name<'a> {
            #[doc = concat!("The grant's key under `grants`: `\"", $key, "\"`.")]
            pub const KEY: &'static str = $key;

            /// An empty grant (`{}`).
            pub const fn new() -> Self {
                $name { $($field: "",)+ }
            }

            $(
                $(#[$fmeta])*
                #[must_use]
                pub const fn $field(mut self, value: &'a str) -> Self {
                    self.$field = value;
                    self
                }
            )+
        }

        impl Grant for $name<'_> {
            fn key(&self) -> &str {
                Self::KEY
            }

            fn write_value(&self, w: &mut JsonWriter<'_>) {
                w.begin_object();
                $(
                    // `field_opt`, the name and punctuation as one literal.
                    if !self.$field.is_empty() {
                        w.splice(concat!("\"", stringify!($field), "\":\""), self.$field, "\"", true);
                    }
                )+
                w.end_object();
            }
        }

        #[doc = concat!("A decoded [`", stringify!($name), "`]: each field that is present and a string.")]
        // Read-only: new fields may come with new grant fields.
        #[derive(Clone, Copy, Debug, Default)]
        #[non_exhaustive]
        pub struct $view<'s> {
            $($(#[$fmeta])* pub $field: Option<JsonStr<'s>>,)+
        }

        impl<'s> From<Value<'s>> for $view<'s> {
            fn from(grant: Value<'s>) -> Self {
                $view { $($field: grant.get(stringify!($field)).and_then(|v| v.as_str()),)+ }
            }
        }

        impl<'s> Claims<'s> {
            #[doc = concat!("The `\"", $key, "\"` grant of an access token, read as a [`", stringify!($name), "`].")]
            pub fn $accessor(&self) -> Option<$view<'s>> {
                self.grant($name::KEY).map(Into::into)
            }
        }
    };
}

string_grant! {
    /// Programmable Video (`"video"`).
    ///
    /// ```
    /// use twilio_jwt::{Grant, VideoGrant};
    ///
    /// let grant = VideoGrant::new().room("DailyStandup");
    /// assert_eq!(grant.key(), VideoGrant::KEY);
    /// ```
    VideoGrant / VideoGrantView / video, "video", {
        /// The room name or `RM…` SID the token may join.
        room,
    }
}

string_grant! {
    /// Conversations / Programmable Chat (`"chat"`).
    ChatGrant / ChatGrantView / chat, "chat", {
        /// The `IS…` service SID.
        service_sid,
        /// A unique id for this user on this device.
        endpoint_id,
        /// The `RL…` role SID.
        deployment_role_sid,
        /// The `CR…` push credential SID.
        push_credential_sid,
    }
}

string_grant! {
    /// Legacy IP Messaging (`"ip_messaging"`), the predecessor of [`ChatGrant`], with the same
    /// fields. Removed from the current official SDKs; kept for old services.
    IpMessagingGrant / IpMessagingGrantView / ip_messaging, "ip_messaging", {
        /// The `IS…` service SID.
        service_sid,
        /// A unique id for this user on this device.
        endpoint_id,
        /// The `RL…` role SID.
        deployment_role_sid,
        /// The `CR…` push credential SID.
        push_credential_sid,
    }
}

string_grant! {
    /// Sync (`"data_sync"`).
    SyncGrant / SyncGrantView / sync, "data_sync", {
        /// The `IS…` service SID.
        service_sid,
        /// A unique id for this user on this device.
        endpoint_id,
    }
}

string_grant! {
    /// TaskRouter (`"task_router"`).
    TaskRouterGrant / TaskRouterGrantView / task_router, "task_router", {
        /// The `WS…` workspace SID.
        workspace_sid,
        /// The `WK…` worker SID.
        worker_sid,
        /// The role, e.g. `"worker"`.
        role,
    }
}

string_grant! {
    /// Legacy Conversations (`"rtc"`), from Programmable Video's early days. Removed from the
    /// current official SDKs; kept for old services.
    ConversationsGrant / ConversationsGrantView / conversations, "rtc", {
        /// The `VS…` configuration profile SID.
        configuration_profile_sid,
    }
}

/// Programmable Voice (`"voice"`), with up to `N` outgoing application parameters.
///
/// ```
/// use twilio_jwt::VoiceGrant;
///
/// let grant = VoiceGrant::new()
///     .incoming_allow(true)
///     .outgoing_application_sid("AP00000000000000000000000000000000")
///     .outgoing_param("agent", "alice");
/// assert_eq!(grant.outgoing_params(), &[("agent", "alice")]);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct VoiceGrant<'a, const N: usize = 8> {
    incoming_allow: bool,
    outgoing_application_sid: &'a str,
    params: FixedList<(&'a str, &'a str), N>,
    push_credential_sid: &'a str,
    endpoint_id: &'a str,
}

impl VoiceGrant<'_> {
    /// The grant's key under `grants`: `"voice"`.
    pub const KEY: &'static str = "voice";

    /// An empty voice grant holding up to 8 outgoing parameters; see
    /// [`with_capacity`](VoiceGrant::with_capacity) for more.
    pub fn new() -> Self {
        Self::with_capacity()
    }
}

impl Default for VoiceGrant<'_> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'a, const N: usize> VoiceGrant<'a, N> {
    /// An empty voice grant holding up to `N` outgoing parameters.
    pub fn with_capacity() -> Self {
        VoiceGrant {
            incoming_allow: false,
            outgoing_application_sid: "",
            params: FixedList::new(),
            push_credential_sid: "",
            endpoint_id: "",
        }
    }

    /// Allow incoming calls to this identity.
    #[must_use]
    pub fn incoming_allow(mut self, allow: bool) -> Self {
        self.incoming_allow = allow;
        self
    }

    /// The `AP…` TwiML application for outgoing calls. Without it, no `outgoing` is written
    /// (and parameters are dropped), as the official SDKs do.
    #[must_use]
    pub fn outgoing_application_sid(mut self, sid: &'a str) -> Self {
        self.outgoing_application_sid = sid;
        self
    }

    /// Add an outgoing parameter (a second value for the same name replaces the first). More
    /// than `N` parameters make minting fail with [`MintError::CapacityExceeded`].
    #[must_use]
    pub fn outgoing_param(mut self, name: &'a str, value: &'a str) -> Self {
        set_pair(&mut self.params, name, value);
        self
    }

    /// The outgoing parameters, in the order they were first added.
    pub fn outgoing_params(&self) -> &[(&'a str, &'a str)] {
        self.params.as_slice()
    }

    /// The `CR…` push credential SID.
    #[must_use]
    pub fn push_credential_sid(mut self, sid: &'a str) -> Self {
        self.push_credential_sid = sid;
        self
    }

    /// A unique id for this user on this device.
    #[must_use]
    pub fn endpoint_id(mut self, id: &'a str) -> Self {
        self.endpoint_id = id;
        self
    }
}

/// Set `name` to `value` in a list of pairs: replace in place if present, else append.
pub(crate) fn set_pair<'a, const N: usize>(
    list: &mut FixedList<(&'a str, &'a str), N>,
    name: &'a str,
    value: &'a str,
) {
    match list.as_mut_slice().iter_mut().find(|(k, _)| *k == name) {
        Some(pair) => pair.1 = value,
        None => list.push((name, value)),
    }
}

/// Write a list of pairs as a JSON object of strings.
pub(crate) fn write_pairs(w: &mut JsonWriter<'_>, pairs: &[(&str, &str)]) {
    w.begin_object();
    for (k, v) in pairs {
        w.field_str(k, v);
    }
    w.end_object();
}

impl<const N: usize> Grant for VoiceGrant<'_, N> {
    fn key(&self) -> &str {
        VoiceGrant::KEY
    }

    fn write_value(&self, w: &mut JsonWriter<'_>) {
        w.begin_object();
        if self.incoming_allow {
            w.raw(r#""incoming":{"allow":true}"#, true);
        }
        if !self.outgoing_application_sid.is_empty() {
            let sid = self.outgoing_application_sid;
            w.splice(r#""outgoing":{"application_sid":""#, sid, r#"""#, true);
            if !self.params.as_slice().is_empty() {
                w.key("params");
                write_pairs(w, self.params.as_slice());
            }
            w.end_object();
        }
        w.field_opt("push_credential_sid", self.push_credential_sid);
        w.field_opt("endpoint_id", self.endpoint_id);
        w.end_object();
    }

    fn validate(&self) -> Result<(), MintError> {
        self.params.check("voice params")
    }
}

/// A decoded [`VoiceGrant`].
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct VoiceGrantView<'s> {
    /// `incoming.allow` is `true`.
    pub incoming_allow: bool,
    /// `outgoing.application_sid`.
    pub outgoing_application_sid: Option<JsonStr<'s>>,
    /// `outgoing.params`: iterate with [`Value::members`].
    pub outgoing_params: Option<Value<'s>>,
    /// `push_credential_sid`.
    pub push_credential_sid: Option<JsonStr<'s>>,
    /// `endpoint_id`.
    pub endpoint_id: Option<JsonStr<'s>>,
}

impl<'s> From<Value<'s>> for VoiceGrantView<'s> {
    fn from(grant: Value<'s>) -> Self {
        let outgoing = grant.get("outgoing");
        let string = |v: Option<Value<'s>>| v.and_then(|v| v.as_str());
        VoiceGrantView {
            incoming_allow: grant
                .get("incoming")
                .and_then(|i| i.get("allow"))
                .and_then(|a| a.as_bool())
                == Some(true),
            outgoing_application_sid: string(outgoing.and_then(|o| o.get("application_sid"))),
            outgoing_params: outgoing.and_then(|o| o.get("params")),
            push_credential_sid: string(grant.get("push_credential_sid")),
            endpoint_id: string(grant.get("endpoint_id")),
        }
    }
}

/// Twilio Live playback (`"player"`): the grant object returned by Twilio's PlaybackGrant REST
/// call, embedded as is (re-written compactly).
///
/// The JSON is checked when the token is minted: anything but a JSON object is
/// [`MintError::InvalidGrant`], and so is one nested deeper than [`MAX_DEPTH`](crate::json::MAX_DEPTH)
/// minus 2 (the payload and `grants` objects around it), which no strict verifier could read back.
///
/// ```
/// use twilio_jwt::{AccessToken, MintError, PlaybackGrant};
///
/// let ok = PlaybackGrant::new(r#"{ "playbackUrl": "https://example.com/x" }"#);
/// let bad = PlaybackGrant::new("[1, 2]");
/// let token = AccessToken::new("ACxxxxxxxx", "SKxxxxxxxx", "secret").identity("alice");
/// assert!(token.grant(&ok).to_jwt(1_700_000_000).is_ok());
/// assert_eq!(
///     token.grant(&bad).to_jwt(1_700_000_000),
///     Err(MintError::InvalidGrant { key: PlaybackGrant::KEY })
/// );
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlaybackGrant<'a> {
    json: Option<&'a str>,
}

impl<'a> PlaybackGrant<'a> {
    /// The grant's key under `grants`: `"player"`.
    pub const KEY: &'static str = "player";

    /// A playback grant holding `json`, which must be a JSON object.
    pub const fn new(json: &'a str) -> Self {
        PlaybackGrant { json: Some(json) }
    }

    /// A playback grant with no grant object yet; minting it is [`MintError::InvalidGrant`].
    pub const fn empty() -> Self {
        PlaybackGrant { json: None }
    }

    /// The caller's JSON text.
    pub const fn json(&self) -> Option<&'a str> {
        self.json
    }
}

/// The playback object sits inside the payload and `grants` objects.
const PLAYBACK_DEPTH: usize = MAX_DEPTH - 2;

impl Grant for PlaybackGrant<'_> {
    fn key(&self) -> &str {
        Self::KEY
    }

    fn write_value(&self, w: &mut JsonWriter<'_>) {
        match self
            .json
            .map(|json| parse_nested(json.as_bytes(), PLAYBACK_DEPTH))
        {
            Some(Ok(value)) => w.value(value),
            // `validate` rejects this before anything is written.
            _ => w.null(),
        }
    }

    fn validate(&self) -> Result<(), MintError> {
        match self
            .json
            .map(|json| parse_nested(json.as_bytes(), PLAYBACK_DEPTH))
        {
            Some(Ok(value)) if value.kind() == Kind::Object => Ok(()),
            _ => Err(MintError::InvalidGrant { key: Self::KEY }),
        }
    }
}

/// Access token grant accessors that do not come from a string grant's declaration.
impl<'s> Claims<'s> {
    /// The voice grant.
    pub fn voice(&self) -> Option<VoiceGrantView<'s>> {
        self.grant(VoiceGrant::KEY).map(Into::into)
    }

    /// The playback grant (`player`): Twilio's object, as it is.
    pub fn playback(&self) -> Option<Value<'s>> {
        self.grant(PlaybackGrant::KEY)
    }
}

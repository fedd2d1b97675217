//! TaskRouter capability tokens (TaskRouter.js v1): a channel and the policies it may use.

use crate::json::{JsonStr, JsonWriter, Kind, Value};
use crate::jws::{Algorithm, Payload, Secret, SigningKey};
use crate::lifetime::{Lifetime, Times, token_methods};
use crate::list::FixedList;
use crate::{Claims, MintError, SidRole};

const TASKROUTER: &str = "https://taskrouter.twilio.com/v1/Workspaces/";
const EVENT_BRIDGE: &str = "https://event-bridge.twilio.com/v1/wschannels/";

/// What a TaskRouter token's channel is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChannelKind {
    /// A worker (`WK…`): adds the `worker_sid` claim.
    Worker,
    /// A task queue (`WQ…`): adds the `taskqueue_sid` claim.
    TaskQueue,
    /// The workspace itself (`WS…`).
    Workspace,
}

impl ChannelKind {
    /// The kind a channel id's prefix names: `WK` worker, `WQ` task queue, `WS` workspace.
    pub fn from_channel_id(channel_id: &str) -> Result<Self, MintError> {
        match channel_id.get(..2) {
            _ if channel_id.is_empty() => Err(MintError::MissingChannelId),
            Some("WK") => Ok(ChannelKind::Worker),
            Some("WQ") => Ok(ChannelKind::TaskQueue),
            Some("WS") => Ok(ChannelKind::Workspace),
            _ => Err(MintError::InvalidSid(SidRole::Channel)),
        }
    }

    const fn prefix(self) -> &'static str {
        match self {
            ChannelKind::Worker => "WK",
            ChannelKind::TaskQueue => "WQ",
            ChannelKind::Workspace => "WS",
        }
    }
}

/// A filter requirement on a request parameter: `{"Name":{"required":true}}`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FilterRequirement<'a> {
    /// The parameter name, e.g. `ActivitySid`.
    pub name: &'a str,
    /// Whether the parameter must be present.
    pub required: bool,
}

impl<'a> FilterRequirement<'a> {
    /// `name` must be present.
    pub const fn required(name: &'a str) -> Self {
        FilterRequirement {
            name,
            required: true,
        }
    }

    /// `name` may be present.
    pub const fn optional(name: &'a str) -> Self {
        FilterRequirement {
            name,
            required: false,
        }
    }
}

/// One access rule: a URL (which may end in `/**`), an HTTP method, allow or deny, and filters.
///
/// ```
/// use twilio_jwt::{FilterRequirement, Policy};
///
/// const NEEDS_QUEUE: &[FilterRequirement] = &[FilterRequirement::required("TaskQueueSid")];
/// let policy = Policy::new("https://taskrouter.twilio.com/v1/Workspaces/WS…/Tasks", "GET")
///     .query_filter(NEEDS_QUEUE);
/// assert!(policy.allowed());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy<'a> {
    url: [&'a str; 6],
    method: &'a str,
    allow: bool,
    query_filter: &'a [FilterRequirement<'a>],
    post_filter: &'a [FilterRequirement<'a>],
}

impl Default for Policy<'_> {
    fn default() -> Self {
        Policy::new("", "GET")
    }
}

impl<'a> Policy<'a> {
    /// An allowing policy for `method` (written upper-case) on `url`, with no filters.
    pub const fn new(url: &'a str, method: &'a str) -> Self {
        Self::from_parts([url, "", "", "", "", ""], method)
    }

    const fn from_parts(url: [&'a str; 6], method: &'a str) -> Self {
        Policy {
            url,
            method,
            allow: true,
            query_filter: &[],
            post_filter: &[],
        }
    }

    /// Allow (`true`, the default) or deny the request.
    #[must_use]
    pub const fn allow(mut self, allow: bool) -> Self {
        self.allow = allow;
        self
    }

    /// Whether the policy allows the request.
    pub const fn allowed(&self) -> bool {
        self.allow
    }

    /// Requirements on query parameters.
    ///
    /// Like the Python dict it stands for, a name given twice is written once, where it first
    /// appears, with the last requirement given for it.
    #[must_use]
    pub const fn query_filter(mut self, filter: &'a [FilterRequirement<'a>]) -> Self {
        self.query_filter = filter;
        self
    }

    /// Requirements on POST parameters (a name given twice counts once, as in
    /// [`query_filter`](Self::query_filter)).
    #[must_use]
    pub const fn post_filter(mut self, filter: &'a [FilterRequirement<'a>]) -> Self {
        self.post_filter = filter;
        self
    }

    fn write(&self, w: &mut JsonWriter<'_>) {
        w.begin_object();
        w.key("url");
        w.string_parts(&self.url);
        w.key("method");
        w.string_with(|s| {
            // Python upper-cases the method with `str.upper()`, which is Unicode-aware.
            for ch in self.method.chars().flat_map(char::to_uppercase) {
                s.put(ch.encode_utf8(&mut [0; 4]).as_bytes());
            }
        });
        w.key("allow");
        w.bool(self.allow);
        for (name, filter) in [
            ("query_filter", self.query_filter),
            ("post_filter", self.post_filter),
        ] {
            w.key(name);
            w.begin_object();
            // A repeated name would be a duplicate JSON key, which verifiers (ours included)
            // reject: keep dict semantics instead, first position and last value.
            for (i, requirement) in filter.iter().enumerate() {
                let name = requirement.name;
                if filter[..i].iter().any(|r| r.name == name) {
                    continue;
                }
                let last = filter.iter().rev().find(|r| r.name == name);
                w.key(name);
                w.begin_object();
                w.key("required");
                w.bool(last.map_or(requirement.required, |r| r.required));
                w.end_object();
            }
            w.end_object();
        }
        w.end_object();
    }
}

/// Which policies a token starts with. The defaults are twilio-python's.
///
/// The worker-only flags are ignored for task queue and workspace tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskRouterOptions {
    /// GET and POST on the event-bridge web socket channel (default on).
    pub allow_web_sockets: bool,
    /// GET the channel's own resource (default on).
    pub allow_fetch_self: bool,
    /// POST the channel's own resource.
    pub allow_update_self: bool,
    /// DELETE the channel's own resource.
    pub allow_delete_self: bool,
    /// GET everything below the channel's resource (`/**`).
    pub allow_fetch_subresources: bool,
    /// POST everything below the channel's resource.
    pub allow_update_subresources: bool,
    /// DELETE everything below the channel's resource.
    pub allow_delete_subresources: bool,
    /// Worker: GET the workspace's activities (default on).
    pub allow_fetch_activities: bool,
    /// Worker: GET the workspace's tasks, `/Tasks/**` (default on).
    pub allow_fetch_reservations: bool,
    /// Worker: GET the worker's reservations (default on).
    pub allow_fetch_worker_reservations: bool,
    /// Worker: POST the worker with an `ActivitySid`.
    pub allow_update_activities: bool,
    /// Worker: POST tasks and the worker's reservations.
    pub allow_update_reservations: bool,
}

impl Default for TaskRouterOptions {
    fn default() -> Self {
        TaskRouterOptions {
            allow_web_sockets: true,
            allow_fetch_self: true,
            allow_update_self: false,
            allow_delete_self: false,
            allow_fetch_subresources: false,
            allow_update_subresources: false,
            allow_delete_subresources: false,
            allow_fetch_activities: true,
            allow_fetch_reservations: true,
            allow_fetch_worker_reservations: true,
            allow_update_activities: false,
            allow_update_reservations: false,
        }
    }
}

impl TaskRouterOptions {
    /// Every flag off: a token with no policies but the ones added afterwards.
    pub const fn none() -> Self {
        TaskRouterOptions {
            allow_web_sockets: false,
            allow_fetch_self: false,
            allow_update_self: false,
            allow_delete_self: false,
            allow_fetch_subresources: false,
            allow_update_subresources: false,
            allow_delete_subresources: false,
            allow_fetch_activities: false,
            allow_fetch_reservations: false,
            allow_fetch_worker_reservations: false,
            allow_update_activities: false,
            allow_update_reservations: false,
        }
    }
}

/// A policy helper, expanded into policies when the token is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Rule<'a> {
    WebSockets(&'a str),
    #[default]
    FetchSelf,
    UpdateSelf,
    DeleteSelf,
    FetchSubresources,
    UpdateSubresources,
    DeleteSubresources,
    FetchActivities,
    FetchReservations,
    FetchWorkerReservations,
    UpdateActivities,
    UpdateReservations,
    Custom(Policy<'a>),
}

impl Rule<'_> {
    const fn worker_only(&self) -> bool {
        matches!(
            self,
            Rule::FetchActivities
                | Rule::FetchReservations
                | Rule::FetchWorkerReservations
                | Rule::UpdateActivities
                | Rule::UpdateReservations
        )
    }
}

/// A TaskRouter capability token builder; up to `N` policies can be added after construction.
///
/// The token starts with the policies its [`TaskRouterOptions`] switch on (in twilio-python's
/// order); helpers called afterwards append theirs, in call order. Signed with the account's
/// auth token, raw or as a [`Key`](crate::Key).
///
/// ```
/// use twilio_jwt::TaskRouterCapability;
///
/// let token = TaskRouterCapability::worker(
///     "AC00000000000000000000000000000000",
///     "auth-token",
///     "WS00000000000000000000000000000000",
///     "WK00000000000000000000000000000000",
/// )
/// .allow_update_activities()
/// .friendly_name("Alice");
/// let jwt = token.to_jwt(1_700_000_000)?;
/// # Ok::<(), twilio_jwt::MintError>(())
/// ```
#[derive(Clone, Copy)]
pub struct TaskRouterCapability<'a, const N: usize = 16> {
    account_sid: &'a str,
    auth_token: Secret<'a>,
    workspace_sid: &'a str,
    channel_id: &'a str,
    kind: Option<ChannelKind>,
    friendly_name: Option<&'a str>,
    options: TaskRouterOptions,
    extra: FixedList<Rule<'a>, N>,
    lifetime: Lifetime,
    algorithm: Option<Algorithm>,
}

impl<'a> TaskRouterCapability<'a> {
    /// A token for `channel_id`, whose kind is read from its prefix (`WK`, `WQ`, `WS`; any other
    /// is [`MintError::InvalidSid`] when minting). Room for 16 added policies.
    pub fn new(
        account_sid: &'a str,
        auth_token: impl Into<Secret<'a>>,
        workspace_sid: &'a str,
        channel_id: &'a str,
    ) -> Self {
        Self::with_capacity(account_sid, auth_token, workspace_sid, channel_id)
    }

    /// A worker token (`WK…`).
    pub fn worker(
        account_sid: &'a str,
        auth_token: impl Into<Secret<'a>>,
        workspace_sid: &'a str,
        worker_sid: &'a str,
    ) -> Self {
        Self::new(account_sid, auth_token, workspace_sid, worker_sid).kind(ChannelKind::Worker)
    }

    /// A task queue token (`WQ…`).
    pub fn task_queue(
        account_sid: &'a str,
        auth_token: impl Into<Secret<'a>>,
        workspace_sid: &'a str,
        task_queue_sid: &'a str,
    ) -> Self {
        Self::new(account_sid, auth_token, workspace_sid, task_queue_sid)
            .kind(ChannelKind::TaskQueue)
    }

    /// A workspace token: the channel is the workspace itself.
    pub fn workspace(
        account_sid: &'a str,
        auth_token: impl Into<Secret<'a>>,
        workspace_sid: &'a str,
    ) -> Self {
        Self::new(account_sid, auth_token, workspace_sid, workspace_sid)
            .kind(ChannelKind::Workspace)
    }
}

impl<'a, const N: usize> TaskRouterCapability<'a, N> {
    /// Like [`new`](TaskRouterCapability::new), with room for `N` added policies.
    pub fn with_capacity(
        account_sid: &'a str,
        auth_token: impl Into<Secret<'a>>,
        workspace_sid: &'a str,
        channel_id: &'a str,
    ) -> Self {
        TaskRouterCapability {
            account_sid,
            auth_token: auth_token.into(),
            workspace_sid,
            channel_id,
            kind: None,
            friendly_name: None,
            options: TaskRouterOptions::default(),
            extra: FixedList::new(),
            lifetime: Lifetime::default(),
            algorithm: None,
        }
    }

    /// Say what the channel is instead of reading it from the prefix; the prefix must still
    /// match (`WK` worker, `WQ` task queue, `WS` workspace).
    #[must_use]
    pub fn kind(mut self, kind: ChannelKind) -> Self {
        self.kind = Some(kind);
        self
    }

    /// The policies the token starts with (default: [`TaskRouterOptions::default`]).
    #[must_use]
    pub fn options(mut self, options: TaskRouterOptions) -> Self {
        self.options = options;
        self
    }

    /// The `friendly_name` claim (default: the channel id).
    #[must_use]
    pub fn friendly_name(mut self, name: &'a str) -> Self {
        self.friendly_name = Some(name);
        self
    }

    fn push(mut self, rule: Rule<'a>) -> Self {
        self.extra.push(rule);
        self
    }

    /// Add GET and POST on the event-bridge channel `channel_id` (e.g. another worker's).
    #[must_use]
    pub fn allow_web_sockets(self, channel_id: &'a str) -> Self {
        self.push(Rule::WebSockets(channel_id))
    }

    /// Add GET on the channel's own resource.
    #[must_use]
    pub fn allow_fetch_self(self) -> Self {
        self.push(Rule::FetchSelf)
    }

    /// Add POST on the channel's own resource.
    #[must_use]
    pub fn allow_update_self(self) -> Self {
        self.push(Rule::UpdateSelf)
    }

    /// Add DELETE on the channel's own resource.
    #[must_use]
    pub fn allow_delete_self(self) -> Self {
        self.push(Rule::DeleteSelf)
    }

    /// Add GET on everything below the channel's resource.
    #[must_use]
    pub fn allow_fetch_subresources(self) -> Self {
        self.push(Rule::FetchSubresources)
    }

    /// Add POST on everything below the channel's resource.
    #[must_use]
    pub fn allow_update_subresources(self) -> Self {
        self.push(Rule::UpdateSubresources)
    }

    /// Add DELETE on everything below the channel's resource.
    #[must_use]
    pub fn allow_delete_subresources(self) -> Self {
        self.push(Rule::DeleteSubresources)
    }

    /// Worker only: add GET on the workspace's activities.
    #[must_use]
    pub fn allow_fetch_activities(self) -> Self {
        self.push(Rule::FetchActivities)
    }

    /// Worker only: add GET on the workspace's tasks (`/Tasks/**`).
    #[must_use]
    pub fn allow_fetch_reservations(self) -> Self {
        self.push(Rule::FetchReservations)
    }

    /// Worker only: add GET on the worker's reservations.
    #[must_use]
    pub fn allow_fetch_worker_reservations(self) -> Self {
        self.push(Rule::FetchWorkerReservations)
    }

    /// Worker only: add POST on the worker, requiring an `ActivitySid`.
    #[must_use]
    pub fn allow_update_activities(self) -> Self {
        self.push(Rule::UpdateActivities)
    }

    /// Worker only: add POST on tasks and on the worker's reservations.
    #[must_use]
    pub fn allow_update_reservations(self) -> Self {
        self.push(Rule::UpdateReservations)
    }

    /// Add a policy of your own.
    #[must_use]
    pub fn policy(self, policy: Policy<'a>) -> Self {
        self.push(Rule::Custom(policy))
    }

    token_methods!();

    fn resolve_kind(&self) -> Result<ChannelKind, MintError> {
        let inferred = ChannelKind::from_channel_id(self.channel_id)?;
        match self.kind {
            Some(kind) if !self.channel_id.starts_with(kind.prefix()) => {
                Err(MintError::InvalidSid(SidRole::Channel))
            }
            Some(kind) => Ok(kind),
            None => Ok(inferred),
        }
    }

    fn prepare(&self, now: u64) -> Result<(SigningKey<'a>, Prepared<'_, 'a, N>), MintError> {
        if self.account_sid.is_empty() {
            return Err(MintError::MissingAccountSid);
        }
        if self.workspace_sid.is_empty() {
            return Err(MintError::MissingWorkspaceSid);
        }
        if self.channel_id.is_empty() {
            return Err(MintError::MissingChannelId);
        }
        if !self.account_sid.starts_with("AC") {
            return Err(MintError::InvalidSid(SidRole::Account));
        }
        if !self.workspace_sid.starts_with("WS") {
            return Err(MintError::InvalidSid(SidRole::Workspace));
        }
        let kind = self.resolve_kind()?;
        if self.auth_token.is_empty() {
            return Err(MintError::MissingSecret);
        }
        self.extra.check("policies")?;
        if kind != ChannelKind::Worker && self.extra.as_slice().iter().any(Rule::worker_only) {
            return Err(MintError::WorkerOnlyPolicy);
        }
        let times = self.lifetime.resolve(now)?;
        let signer = self.auth_token.resolve(self.algorithm)?;
        Ok((
            signer,
            Prepared {
                token: self,
                kind,
                times,
            },
        ))
    }

    /// The rules the options switch on, in twilio-python's order.
    fn default_rules(&self, kind: ChannelKind) -> impl Iterator<Item = Rule<'a>> + '_ {
        let o = &self.options;
        let worker = kind == ChannelKind::Worker;
        [
            (o.allow_web_sockets, Rule::WebSockets(self.channel_id)),
            (o.allow_fetch_self, Rule::FetchSelf),
            (o.allow_update_self, Rule::UpdateSelf),
            (o.allow_delete_self, Rule::DeleteSelf),
            (o.allow_fetch_subresources, Rule::FetchSubresources),
            (o.allow_delete_subresources, Rule::DeleteSubresources),
            (o.allow_update_subresources, Rule::UpdateSubresources),
            (worker && o.allow_fetch_activities, Rule::FetchActivities),
            (
                worker && o.allow_fetch_reservations,
                Rule::FetchReservations,
            ),
            (
                worker && o.allow_fetch_worker_reservations,
                Rule::FetchWorkerReservations,
            ),
            (worker && o.allow_update_activities, Rule::UpdateActivities),
            (
                worker && o.allow_update_reservations,
                Rule::UpdateReservations,
            ),
        ]
        .into_iter()
        .filter_map(|(on, rule)| on.then_some(rule))
    }

    /// The one or two policies a rule stands for.
    fn expand(&self, kind: ChannelKind, rule: Rule<'a>) -> [Option<Policy<'a>>; 2] {
        const ACTIVITY: &[FilterRequirement<'static>] =
            &[FilterRequirement::required("ActivitySid")];
        let ws = self.workspace_sid;
        let ch = self.channel_id;
        let own = match kind {
            ChannelKind::Worker => [TASKROUTER, ws, "/Workers/", ch],
            ChannelKind::TaskQueue => [TASKROUTER, ws, "/TaskQueues/", ch],
            ChannelKind::Workspace => [TASKROUTER, ws, "", ""],
        };
        let [a, b, c, d] = own;
        let own_url = [a, b, c, d, "", ""];
        let all_below = [a, b, c, d, "/**", ""];
        let worker = [TASKROUTER, ws, "/Workers/", ch, "", ""];
        let tasks = [TASKROUTER, ws, "/Tasks/**", "", "", ""];
        let reservations = [TASKROUTER, ws, "/Workers/", ch, "/Reservations/**", ""];
        let one = |url, method| [Some(Policy::from_parts(url, method)), None];
        match rule {
            Rule::WebSockets(channel) => {
                let url = [EVENT_BRIDGE, self.account_sid, "/", channel, "", ""];
                [
                    Some(Policy::from_parts(url, "GET")),
                    Some(Policy::from_parts(url, "POST")),
                ]
            }
            Rule::FetchSelf => one(own_url, "GET"),
            Rule::UpdateSelf => one(own_url, "POST"),
            Rule::DeleteSelf => one(own_url, "DELETE"),
            Rule::FetchSubresources => one(all_below, "GET"),
            Rule::UpdateSubresources => one(all_below, "POST"),
            Rule::DeleteSubresources => one(all_below, "DELETE"),
            Rule::FetchActivities => one([TASKROUTER, ws, "/Activities", "", "", ""], "GET"),
            Rule::FetchReservations => one(tasks, "GET"),
            Rule::FetchWorkerReservations => one(reservations, "GET"),
            Rule::UpdateActivities => [
                Some(Policy::from_parts(worker, "POST").post_filter(ACTIVITY)),
                None,
            ],
            Rule::UpdateReservations => [
                Some(Policy::from_parts(tasks, "POST")),
                Some(Policy::from_parts(reservations, "POST")),
            ],
            Rule::Custom(policy) => [Some(policy), None],
        }
    }
}

struct Prepared<'t, 'a, const N: usize> {
    token: &'t TaskRouterCapability<'a, N>,
    kind: ChannelKind,
    times: Times,
}

impl<const N: usize> Payload for Prepared<'_, '_, N> {
    fn write_claims(&self, w: &mut JsonWriter<'_>) {
        let t = self.token;
        w.field_str("account_sid", t.account_sid);
        w.field_str("workspace_sid", t.workspace_sid);
        w.field_str("channel", t.channel_id);
        w.field_str("version", "v1");
        w.field_str("friendly_name", t.friendly_name.unwrap_or(t.channel_id));
        w.key("policies");
        w.begin_array();
        let rules = t
            .default_rules(self.kind)
            .chain(t.extra.as_slice().iter().copied());
        for rule in rules {
            for policy in t.expand(self.kind, rule).iter().flatten() {
                policy.write(w);
            }
        }
        w.end_array();
        match self.kind {
            ChannelKind::Worker => w.field_str("worker_sid", t.channel_id),
            ChannelKind::TaskQueue => w.field_str("taskqueue_sid", t.channel_id),
            ChannelKind::Workspace => {}
        }
        w.field_str("iss", t.account_sid);
        self.times.write(w);
    }
}

impl<const N: usize> core::fmt::Debug for TaskRouterCapability<'_, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The auth token is never printed.
        f.debug_struct("TaskRouterCapability")
            .field("account_sid", &self.account_sid)
            .field("workspace_sid", &self.workspace_sid)
            .field("channel_id", &self.channel_id)
            .field("kind", &self.kind)
            .field("friendly_name", &self.friendly_name)
            .field("options", &self.options)
            .field("lifetime", &self.lifetime)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

/// A policy read back from a token.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct PolicyView<'s> {
    /// `url`.
    pub url: Option<JsonStr<'s>>,
    /// `method`.
    pub method: Option<JsonStr<'s>>,
    /// `allow` is `true`.
    pub allow: bool,
    /// `query_filter` (an object of `{"required": bool}`).
    pub query_filter: Option<Value<'s>>,
    /// `post_filter` (an object of `{"required": bool}`).
    pub post_filter: Option<Value<'s>>,
}

impl<'s> From<Value<'s>> for PolicyView<'s> {
    fn from(policy: Value<'s>) -> Self {
        PolicyView {
            url: policy.get("url").and_then(|v| v.as_str()),
            method: policy.get("method").and_then(|v| v.as_str()),
            allow: policy.get("allow").and_then(|v| v.as_bool()) == Some(true),
            query_filter: policy.get("query_filter"),
            post_filter: policy.get("post_filter"),
        }
    }
}

/// TaskRouter capability token accessors.
impl<'s> Claims<'s> {
    /// A TaskRouter token's policies (none when the `policies` claim is absent or not an array).
    pub fn policies(&self) -> impl Iterator<Item = PolicyView<'s>> + 's {
        let list = self.claim("policies").filter(|v| v.kind() == Kind::Array);
        list.into_iter()
            .flat_map(|v| v.elements())
            .map(PolicyView::from)
    }
}

//! Legacy Twilio Client capability tokens and their scope URIs.
//!
//! The `scope` claim is a space-separated list of URIs such as
//! `scope:client:outgoing?appParams=foo%3Dbar&appSid=AP…&clientName=alice`, encoded the way
//! twilio-python encodes them: query parameters sorted by name, form-encoded (`A-Z a-z 0-9 _ . - ~`
//! raw, space as `+`, everything else `%XX`), application parameters and event filters
//! form-encoded as `k=v&k2=v2` first and then encoded again as one value.

use crate::grants::set_pair;
use crate::json::{JsonWriter, Sink};
use crate::jws::{Algorithm, Payload, Secret, SigningKey, StackStr};
use crate::lifetime::{Lifetime, Times, token_methods};
use crate::list::FixedList;
use crate::{Claims, MintError};

/// The three kinds of scope a capability token can hold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Scope {
    #[default]
    Incoming,
    Outgoing,
    EventStream,
}

/// A client capability token builder, with up to `N` outgoing parameters and `N` event filters.
///
/// Scopes are written in the order each was first allowed; allowing one again replaces it.
/// Signed with the account's auth token, raw or as a [`Key`](crate::Key).
///
/// ```
/// use twilio_jwt::ClientCapability;
///
/// let token = ClientCapability::new("AC00000000000000000000000000000000", "auth-token")
///     .allow_client_incoming("alice")
///     .allow_client_outgoing("AP00000000000000000000000000000000")
///     .outgoing_param("queue", "support desk");
///
/// let scope = token.scope::<256>()?;
/// assert_eq!(
///     scope.as_str(),
///     "scope:client:incoming?clientName=alice \
///      scope:client:outgoing?appParams=queue%3Dsupport%2Bdesk\
///      &appSid=AP00000000000000000000000000000000&clientName=alice"
/// );
/// let jwt = token.to_jwt(1_700_000_000)?;
/// # Ok::<(), twilio_jwt::MintError>(())
/// ```
#[derive(Clone, Copy)]
pub struct ClientCapability<'a, const N: usize = 8> {
    account_sid: &'a str,
    auth_token: Secret<'a>,
    incoming: Option<&'a str>,
    outgoing: Option<&'a str>,
    params: FixedList<(&'a str, &'a str), N>,
    events: bool,
    filters: FixedList<(&'a str, &'a str), N>,
    order: FixedList<Scope, 3>,
    lifetime: Lifetime,
    algorithm: Option<Algorithm>,
}

impl<'a> ClientCapability<'a> {
    /// A token for `account_sid` (`AC…`) signed with the account's auth token; up to 8
    /// parameters and 8 filters (see [`with_capacity`](ClientCapability::with_capacity)).
    pub fn new(account_sid: &'a str, auth_token: impl Into<Secret<'a>>) -> Self {
        Self::with_capacity(account_sid, auth_token)
    }
}

impl<'a, const N: usize> ClientCapability<'a, N> {
    /// Like [`new`](ClientCapability::new), with room for `N` parameters and `N` filters.
    pub fn with_capacity(account_sid: &'a str, auth_token: impl Into<Secret<'a>>) -> Self {
        ClientCapability {
            account_sid,
            auth_token: auth_token.into(),
            incoming: None,
            outgoing: None,
            params: FixedList::new(),
            events: false,
            filters: FixedList::new(),
            order: FixedList::new(),
            lifetime: Lifetime::default(),
            algorithm: None,
        }
    }

    fn allow(&mut self, scope: Scope) {
        if !self.order.as_slice().contains(&scope) {
            self.order.push(scope);
        }
    }

    /// Allow incoming connections to `client_name` (which is also added to the outgoing scope,
    /// as twilio-python does).
    #[must_use]
    pub fn allow_client_incoming(mut self, client_name: &'a str) -> Self {
        self.incoming = Some(client_name);
        self.allow(Scope::Incoming);
        self
    }

    /// Allow outgoing connections through the TwiML application `application_sid` (`AP…`,
    /// required: empty is [`MintError::MissingApplicationSid`] when minting).
    #[must_use]
    pub fn allow_client_outgoing(mut self, application_sid: &'a str) -> Self {
        self.outgoing = Some(application_sid);
        self.allow(Scope::Outgoing);
        self
    }

    /// Add a parameter passed to the outgoing application (a second value for the same name
    /// replaces the first).
    #[must_use]
    pub fn outgoing_param(mut self, name: &'a str, value: &'a str) -> Self {
        set_pair(&mut self.params, name, value);
        self
    }

    /// Allow subscribing to the event stream.
    #[must_use]
    pub fn allow_event_stream(mut self) -> Self {
        self.events = true;
        self.allow(Scope::EventStream);
        self
    }

    /// Add an event stream filter (a second value for the same name replaces the first).
    #[must_use]
    pub fn event_filter(mut self, name: &'a str, value: &'a str) -> Self {
        set_pair(&mut self.filters, name, value);
        self
    }

    /// The `scope` claim, built into a stack buffer of `CAP` bytes.
    pub fn scope<const CAP: usize>(&self) -> Result<StackStr<CAP>, MintError> {
        self.check()?;
        let mut out = StackSink {
            buf: StackStr::new(),
            needed: 0,
        };
        self.write_scope(&mut out);
        if out.needed > CAP {
            return Err(MintError::BufferTooSmall { needed: out.needed });
        }
        Ok(out.buf)
    }

    token_methods!();

    fn check(&self) -> Result<(), MintError> {
        if self.outgoing == Some("") {
            return Err(MintError::MissingApplicationSid);
        }
        self.params.check("client params")?;
        self.filters.check("event filters")
    }

    fn prepare(&self, now: u64) -> Result<(SigningKey<'a>, Prepared<'_, 'a, N>), MintError> {
        if self.account_sid.is_empty() {
            return Err(MintError::MissingAccountSid);
        }
        if self.auth_token.is_empty() {
            return Err(MintError::MissingSecret);
        }
        self.check()?;
        let times = self.lifetime.resolve(now)?;
        let signer = self.auth_token.resolve(self.algorithm)?;
        Ok((signer, Prepared { token: self, times }))
    }

    #[allow(clippy::expect_used)]
    fn write_scope(&self, out: &mut dyn Sink) {
        for (i, scope) in self.order.as_slice().iter().enumerate() {
            if i > 0 {
                out.put(b" ");
            }
            match scope {
                Scope::Incoming => {
                    out.put(b"scope:client:incoming?clientName=");
                    let name = self
                        .incoming
                        .expect("allowed together with its client name");
                    QuotePlus(out).put(name.as_bytes());
                }
                Scope::Outgoing => {
                    out.put(b"scope:client:outgoing?");
                    if !self.params.as_slice().is_empty() {
                        out.put(b"appParams=");
                        write_form(&mut QuotePlus(out), self.params.as_slice());
                        out.put(b"&");
                    }
                    out.put(b"appSid=");
                    let sid = self
                        .outgoing
                        .expect("allowed together with its application SID");
                    QuotePlus(out).put(sid.as_bytes());
                    if let Some(name) = self.incoming {
                        out.put(b"&clientName=");
                        QuotePlus(out).put(name.as_bytes());
                    }
                }
                Scope::EventStream => {
                    out.put(b"scope:stream:subscribe?");
                    if !self.filters.as_slice().is_empty() {
                        out.put(b"params=");
                        write_form(&mut QuotePlus(out), self.filters.as_slice());
                        out.put(b"&");
                    }
                    out.put(b"path=%2F2010-04-01%2FEvents");
                }
            }
        }
    }
}

impl<const N: usize> core::fmt::Debug for ClientCapability<'_, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The auth token is never printed.
        f.debug_struct("ClientCapability")
            .field("account_sid", &self.account_sid)
            .field("incoming", &self.incoming)
            .field("outgoing", &self.outgoing)
            .field("params", &self.params.as_slice())
            .field("event_stream", &self.events)
            .field("filters", &self.filters.as_slice())
            .field("lifetime", &self.lifetime)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

/// `k=v&k2=v2`, each name and value form-encoded.
fn write_form(out: &mut dyn Sink, pairs: &[(&str, &str)]) {
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.put(b"&");
        }
        QuotePlus(out).put(k.as_bytes());
        out.put(b"=");
        QuotePlus(out).put(v.as_bytes());
    }
}

/// Form-encodes everything streamed through it (Python's `quote_plus`).
struct QuotePlus<'o>(&'o mut dyn Sink);

impl Sink for QuotePlus<'_> {
    fn put(&mut self, bytes: &[u8]) {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        let raw = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'~');
        // Pieces each ending with a byte to encode (the last may hold raw bytes only).
        for piece in bytes.split_inclusive(|b| !raw(b)) {
            match piece.split_last() {
                Some((&b, before)) if !raw(&b) => {
                    self.0.put(before);
                    if b == b' ' {
                        self.0.put(b"+");
                    } else {
                        self.0
                            .put(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]]);
                    }
                }
                _ => self.0.put(piece),
            }
        }
    }
}

/// Fills a [`StackStr`], counting what did not fit.
struct StackSink<const CAP: usize> {
    buf: StackStr<CAP>,
    needed: usize,
}

impl<const CAP: usize> Sink for StackSink<CAP> {
    #[allow(clippy::expect_used)]
    fn put(&mut self, bytes: &[u8]) {
        self.needed += bytes.len();
        // Everything written to a scope is ASCII (literals, and form-encoded text: raw bytes
        // are `A-Z a-z 0-9 _ . - ~`), so any split is a valid `&str`.
        let s = core::str::from_utf8(bytes).expect("scope text is ASCII");
        // What does not fit is counted in `needed`, which `scope` checks.
        let _ = self.buf.push_str(s);
    }
}

struct Prepared<'t, 'a, const N: usize> {
    token: &'t ClientCapability<'a, N>,
    times: Times,
}

impl<const N: usize> Payload for Prepared<'_, '_, N> {
    fn write_claims(&self, w: &mut JsonWriter<'_>) {
        w.key("scope");
        w.string_with(|s| self.token.write_scope(s));
        w.field_str("iss", self.token.account_sid);
        self.times.write(w);
    }
}

/// A scope URI read back from a token: `scope:<service>:<privilege>?<query>`.
///
/// ```
/// use twilio_jwt::ScopeUri;
///
/// let uri = ScopeUri::parse("scope:client:outgoing?appParams=a%3D1%2B2&appSid=AP1").unwrap();
/// assert_eq!((uri.service, uri.privilege), ("client", "outgoing"));
/// let mut buf = [0u8; 64];
/// let app_params = uri.param("appParams").unwrap().decode_into(&mut buf).unwrap();
/// assert_eq!(app_params, "a=1+2");
/// let (k, v) = twilio_jwt::form_pairs(app_params).next().unwrap();
/// assert!(k.eq_decoded("a") && v.eq_decoded("1 2"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScopeUri<'s> {
    /// `client` or `stream`.
    pub service: &'s str,
    /// `incoming`, `outgoing` or `subscribe`.
    pub privilege: &'s str,
    /// The form-encoded query (without `?`), possibly empty.
    pub query: &'s str,
}

impl<'s> ScopeUri<'s> {
    /// Parse one URI; `None` if it does not start with `scope:` and name a service and privilege.
    pub fn parse(uri: &'s str) -> Option<Self> {
        let rest = uri.strip_prefix("scope:")?;
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (service, privilege) = path.split_once(':')?;
        Some(ScopeUri {
            service,
            privilege,
            query,
        })
    }

    /// The query's parameters, in order.
    pub fn params(&self) -> FormPairs<'s> {
        form_pairs(self.query)
    }

    /// The first parameter called `name` (compared decoded).
    pub fn param(&self, name: &str) -> Option<FormEncoded<'s>> {
        self.params()
            .find(|(k, _)| k.eq_decoded(name))
            .map(|(_, v)| v)
    }
}

/// Capability token accessors.
impl<'s> Claims<'s> {
    /// A capability token's scope URIs, parsed; pieces that are not scope URIs are skipped.
    /// `None` when there is no `scope` claim or it holds JSON escapes (scope URIs are ASCII; no
    /// SDK escapes them).
    pub fn scopes(&self) -> Option<impl Iterator<Item = ScopeUri<'s>> + 's> {
        let scope = self.claim("scope")?.as_str()?.as_plain()?;
        Some(scope.split(' ').filter_map(ScopeUri::parse))
    }
}

/// A form-encoded (`application/x-www-form-urlencoded`) piece of text, decoded on demand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FormEncoded<'s>(&'s str);

impl<'s> FormEncoded<'s> {
    /// The encoded text.
    pub fn raw(&self) -> &'s str {
        self.0
    }

    /// The decoded bytes, one at a time; `None` for a malformed `%` escape.
    fn bytes(&self) -> impl Iterator<Item = Option<u8>> + 's {
        let mut rest = self.0.as_bytes();
        core::iter::from_fn(move || {
            let (&b, tail) = rest.split_first()?;
            rest = tail;
            Some(match b {
                b'+' => Some(b' '),
                b'%' => match rest.split_first_chunk::<2>() {
                    Some((&[high, low], after)) => {
                        rest = after;
                        let hex = |c: u8| (c as char).to_digit(16);
                        let pair = hex(high).zip(hex(low));
                        pair.map(|(high, low)| (high * 16 + low) as u8)
                    }
                    // Fewer than two characters after the `%`: malformed, and the end.
                    None => {
                        rest = &[];
                        None
                    }
                },
                b => Some(b),
            })
        })
    }

    /// Decode into `buf`; `None` if it does not fit, an escape is malformed, or the result is
    /// not UTF-8.
    pub fn decode_into<'b>(&self, buf: &'b mut [u8]) -> Option<&'b str> {
        let mut n = 0;
        for b in self.bytes() {
            *buf.get_mut(n)? = b?;
            n += 1;
        }
        core::str::from_utf8(buf.get(..n)?).ok()
    }

    /// Decode into a `String`; `None` if an escape is malformed or the result is not UTF-8.
    #[cfg(feature = "alloc")]
    pub fn decode(&self) -> Option<alloc::string::String> {
        let bytes = self.bytes().collect::<Option<alloc::vec::Vec<u8>>>()?;
        alloc::string::String::from_utf8(bytes).ok()
    }

    /// Whether the decoded text equals `s`.
    pub fn eq_decoded(&self, s: &str) -> bool {
        let mut expected = s.bytes();
        self.bytes().all(|b| b.is_some() && b == expected.next()) && expected.next().is_none()
    }
}

/// The `name=value` pairs of a form-encoded query, split on `&` (a pair without `=` has an
/// empty value).
pub fn form_pairs(query: &str) -> FormPairs<'_> {
    FormPairs(query.split('&'))
}

/// Iterator returned by [`form_pairs`].
#[derive(Clone, Debug)]
pub struct FormPairs<'s>(core::str::Split<'s, char>);

impl<'s> Iterator for FormPairs<'s> {
    type Item = (FormEncoded<'s>, FormEncoded<'s>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let pair = self.0.next()?;
            if pair.is_empty() {
                continue;
            }
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            return Some((FormEncoded(k), FormEncoded(v)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quote_plus(s: &str) -> StackStr<256> {
        let mut out = StackSink::<256> {
            buf: StackStr::new(),
            needed: 0,
        };
        QuotePlus(&mut out).put(s.as_bytes());
        out.buf
    }

    #[test]
    fn quote_plus_is_pythons() {
        assert_eq!(
            quote_plus("a b!'()*~-._/:+@&=é,;$"),
            "a+b%21%27%28%29%2A~-._%2F%3A%2B%40%26%3D%C3%A9%2C%3B%24"
        );
        assert_eq!(quote_plus(""), "");
        assert_eq!(quote_plus("~a_b"), "~a_b");
        assert_eq!(quote_plus(" "), "+");
        assert_eq!(quote_plus("a  b/"), "a++b%2F");
    }

    #[test]
    fn scopes_keep_first_allowed_order_and_mirror_the_client_name() {
        let token = ClientCapability::new("AC", "t")
            .allow_event_stream()
            .allow_client_outgoing("AP1")
            .allow_client_incoming("bob")
            .allow_event_stream()
            .event_filter("a", "1")
            .event_filter("a", "2");
        assert_eq!(
            token.scope::<512>().unwrap(),
            "scope:stream:subscribe?params=a%3D2&path=%2F2010-04-01%2FEvents \
             scope:client:outgoing?appSid=AP1&clientName=bob \
             scope:client:incoming?clientName=bob"
        );
        assert_eq!(
            token.scope::<10>(),
            Err(MintError::BufferTooSmall { needed: 148 })
        );
    }

    #[test]
    fn decoding_handles_both_space_forms_and_bad_escapes() {
        let v = FormEncoded("a+b%20c%C3%A9");
        let mut buf = [0u8; 16];
        assert_eq!(v.decode_into(&mut buf), Some("a b cé"));
        assert!(v.eq_decoded("a b cé"));
        assert!(!v.eq_decoded("a b c"));
        assert_eq!(FormEncoded("%G1").decode_into(&mut buf), None);
        assert_eq!(FormEncoded("%4").decode_into(&mut buf), None);
        assert_eq!(FormEncoded("%").decode_into(&mut buf), None);
        assert_eq!(FormEncoded("%41%4").decode_into(&mut buf), None);
        assert_eq!(FormEncoded("%41%7e").decode_into(&mut buf), Some("A~"));
        assert!(!FormEncoded("a%").eq_decoded("a"));
        assert_eq!(FormEncoded("%FF").decode_into(&mut buf), None);
        assert_eq!(FormEncoded("abc").decode_into(&mut buf[..2]), None);
        assert_eq!(ScopeUri::parse("scope:client"), None);
        assert_eq!(ScopeUri::parse("nope:a:b"), None);
        let uri = ScopeUri::parse("scope:stream:subscribe").unwrap();
        assert_eq!(uri.params().count(), 0);
    }
}

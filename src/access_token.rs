//! Access tokens (`cty: twilio-fpa;v=1`): identity plus product grants, signed with an API key.

use crate::grants::Grant;
use crate::json::{JsonStr, JsonWriter};
use crate::jws::{Algorithm, Payload, Secret, SigningKey};
use crate::lifetime::{Lifetime, Times, token_methods};
use crate::list::FixedList;
use crate::{Claims, MintError, Verifier};

/// The member of `grants` that holds the identity.
const IDENTITY: &str = "identity";

/// An access token builder, holding up to `G` grants (8 by default: one of each kind).
///
/// Grants are borrowed, so building a token allocates nothing; the token is written in the
/// order twilio-python writes it, byte for byte. The builder is `Send` and `Sync` (every
/// [`Grant`] is `Sync`), so it can be held across an `.await`.
///
/// Sign with the raw secret for a one-shot token, or with a [`Key`](crate::Key) made once for
/// the API key when minting many.
///
/// ```
/// use twilio_jwt::{AccessToken, ChatGrant, VideoGrant};
///
/// let video = VideoGrant::new().room("DailyStandup");
/// let chat = ChatGrant::new().service_sid("IS00000000000000000000000000000000");
/// let token = AccessToken::new(
///     "AC00000000000000000000000000000000",
///     "SK00000000000000000000000000000000",
///     "your-api-key-secret",
/// )
/// .identity("alice")
/// .region("us1")
/// .grant(&video)
/// .grant(&chat);
///
/// let jwt = token.to_jwt(1_700_000_000)?;   // or token.to_jwt_now()
///
/// // Without an allocator: into a buffer sized exactly.
/// let mut buf = [0u8; 1024];
/// let len = token.encoded_len(1_700_000_000)?;
/// assert_eq!(token.write_into(1_700_000_000, &mut buf[..len])?, jwt);
/// # Ok::<(), twilio_jwt::MintError>(())
/// ```
#[derive(Clone, Copy)]
pub struct AccessToken<'a, const G: usize = 8> {
    account_sid: &'a str,
    key_sid: &'a str,
    secret: Secret<'a>,
    identity: &'a str,
    region: &'a str,
    lifetime: Lifetime,
    algorithm: Option<Algorithm>,
    grants: FixedList<Option<&'a dyn Grant>, G>,
}

impl<'a> AccessToken<'a> {
    /// The header `cty` of every access token: `twilio-fpa;v=1`.
    pub const CONTENT_TYPE: &'static str = "twilio-fpa;v=1";

    /// A token for `account_sid` (`AC…`), signed with the API key `key_sid` (`SK…`) and its
    /// `secret` (the raw secret, or a [`Key`](crate::Key) made from it). Holds up to 8 grants;
    /// see [`with_capacity`](AccessToken::with_capacity).
    pub fn new(account_sid: &'a str, key_sid: &'a str, secret: impl Into<Secret<'a>>) -> Self {
        Self::with_capacity(account_sid, key_sid, secret)
    }
}

impl<'a, const G: usize> AccessToken<'a, G> {
    /// Like [`new`](AccessToken::new), holding up to `G` grants.
    pub fn with_capacity(
        account_sid: &'a str,
        key_sid: &'a str,
        secret: impl Into<Secret<'a>>,
    ) -> Self {
        AccessToken {
            account_sid,
            key_sid,
            secret: secret.into(),
            identity: "",
            region: "",
            lifetime: Lifetime::default(),
            algorithm: None,
            grants: FixedList::new(),
        }
    }

    /// The user's identity (required, non-empty).
    #[must_use]
    pub fn identity(mut self, identity: &'a str) -> Self {
        self.identity = identity;
        self
    }

    /// The Twilio region for home-region routing (`us1`, `ie1`, `au1`, …): the `twr` header.
    /// Empty means none.
    #[must_use]
    pub fn region(mut self, region: &'a str) -> Self {
        self.region = region;
        self
    }

    /// Add a grant. Grants are written in the order first added; adding a grant with the key of
    /// one already present replaces it in place. More than `G` grants make minting fail with
    /// [`MintError::CapacityExceeded`].
    #[must_use]
    pub fn grant(mut self, grant: &'a dyn Grant) -> Self {
        let key = grant.key();
        match self
            .grants
            .as_mut_slice()
            .iter_mut()
            .find(|slot| slot.is_some_and(|g| g.key() == key))
        {
            Some(slot) => *slot = Some(grant),
            None => self.grants.push(Some(grant)),
        }
        self
    }

    token_methods!();

    fn prepare(&self, now: u64) -> Result<(SigningKey<'a>, Prepared<'_, 'a, G>), MintError> {
        if self.account_sid.is_empty() {
            return Err(MintError::MissingAccountSid);
        }
        if self.key_sid.is_empty() {
            return Err(MintError::MissingKeySid);
        }
        if self.secret.is_empty() {
            return Err(MintError::MissingSecret);
        }
        if self.identity.is_empty() {
            return Err(MintError::MissingIdentity);
        }
        self.grants.check("grants")?;
        for grant in self.grants.as_slice().iter().flatten() {
            match grant.key() {
                "" => return Err(MintError::EmptyGrantKey),
                IDENTITY => return Err(MintError::ReservedGrantKey),
                _ => grant.validate()?,
            }
        }
        let times = self.lifetime.resolve(now)?;
        let signer = self.secret.resolve(self.algorithm)?;
        Ok((signer, Prepared { token: self, times }))
    }
}

/// A validated token with its times resolved, ready to be written.
struct Prepared<'t, 'a, const G: usize> {
    token: &'t AccessToken<'a, G>,
    times: Times,
}

impl<const G: usize> Payload for Prepared<'_, '_, G> {
    fn write_header(&self, w: &mut JsonWriter<'_>) {
        w.raw(r#""cty":"twilio-fpa;v=1""#, true);
        w.field_opt("twr", self.token.region);
    }

    fn write_claims(&self, w: &mut JsonWriter<'_>) {
        // Each member is one run, its name and punctuation a single literal.
        let t = self.token;
        w.splice(r#""jti":""#, t.key_sid, "-", false);
        w.splice_u64("", self.times.now, r#"","grants":{"#, false);
        for grant in t.grants.as_slice().iter().flatten() {
            w.key(grant.key());
            grant.write_value(w);
        }
        // `identity` (the IDENTITY member) closes `grants`.
        w.splice(r#""identity":""#, t.identity, r#""}"#, true);
        w.splice(r#""iss":""#, t.key_sid, r#"""#, true);
        self.times.write(w);
        w.splice(r#""sub":""#, t.account_sid, r#"""#, true);
    }
}

impl<const G: usize> core::fmt::Debug for AccessToken<'_, G> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The secret is never printed.
        f.debug_struct("AccessToken")
            .field("account_sid", &self.account_sid)
            .field("key_sid", &self.key_sid)
            .field("identity", &self.identity)
            .field("region", &self.region)
            .field("lifetime", &self.lifetime)
            .field("algorithm", &self.algorithm)
            .field("grants", &self.grants.as_slice().iter().flatten().count())
            .finish_non_exhaustive()
    }
}

/// Access token accessors.
impl<'s> Claims<'s> {
    /// The access token's identity (`grants.identity`).
    pub fn identity(&self) -> Option<JsonStr<'s>> {
        self.grant(IDENTITY)?.as_str()
    }
}

#[cfg(feature = "alloc")]
impl crate::OwnedClaims {
    /// The access token's identity, unescaped.
    pub fn identity(&self) -> Option<alloc::string::String> {
        self.claims()
            .identity()
            .map(|s| alloc::string::ToString::to_string(&s))
    }
}

/// The access token preset of the verifier.
impl<'a, const K: usize> Verifier<'a, K> {
    /// The preset for access tokens: all three optional checks, for tokens of `account_sid`
    /// (`sub`) signed by the API key `key_sid` (`iss`) with the access token `cty`
    /// ([`AccessToken::CONTENT_TYPE`]). Follow with
    /// [`expect_issuers`](Verifier::expect_issuers) to accept a few keys.
    #[must_use]
    pub fn access_tokens<'b>(self, account_sid: &'b str, key_sid: &'b str) -> Verifier<'b, K>
    where
        'a: 'b,
    {
        self.expect_account(account_sid)
            .expect_issuer(key_sid)
            .expect_content_type(AccessToken::CONTENT_TYPE)
    }
}

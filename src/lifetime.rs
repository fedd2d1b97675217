//! Lifetime of a token (ttl, nbf, valid_until) and the methods every token family shares.

use crate::MintError;
use crate::json::JsonWriter;

/// Twilio's maximum token lifetime: 24 hours.
pub const MAX_TTL: i64 = 86_400;

/// The default lifetime of every token: one hour.
pub const DEFAULT_TTL: i64 = 3_600;

/// When a token starts being valid.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Nbf {
    /// `nbf` = the `now` the token is minted with (twilio-python's default).
    #[default]
    Now,
    /// A fixed `nbf`.
    At(u64),
    /// No `nbf` claim.
    Omit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Lifetime {
    pub(crate) ttl: i64,
    pub(crate) nbf: Nbf,
    pub(crate) valid_until: Option<u64>,
}

impl Default for Lifetime {
    fn default() -> Self {
        Lifetime {
            ttl: DEFAULT_TTL,
            nbf: Nbf::Now,
            valid_until: None,
        }
    }
}

/// The resolved time claims of one token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Times {
    pub(crate) now: u64,
    pub(crate) exp: u64,
    pub(crate) nbf: Option<u64>,
}

impl Lifetime {
    /// `exp` is `valid_until` when set, else `now + ttl`; the lifetime `exp - now` must be within
    /// 1..=24 h, and `nbf` must come before `exp`.
    pub(crate) fn resolve(&self, now: u64) -> Result<Times, MintError> {
        let exp = match self.valid_until {
            Some(at) => i128::from(at),
            None => i128::from(now) + i128::from(self.ttl),
        };
        let lifetime = exp - i128::from(now);
        if lifetime < 1 {
            return Err(MintError::LifetimeTooShort);
        }
        if lifetime > i128::from(MAX_TTL) {
            return Err(MintError::LifetimeTooLong);
        }
        // An expiry past the end of u64 time is further away than any lifetime allows.
        let exp = u64::try_from(exp).map_err(|_| MintError::LifetimeTooLong)?;
        let nbf = match self.nbf {
            Nbf::Now => Some(now),
            Nbf::At(at) => Some(at),
            Nbf::Omit => None,
        };
        if nbf.is_some_and(|nbf| nbf >= exp) {
            return Err(MintError::NbfNotBeforeExp);
        }
        Ok(Times { now, exp, nbf })
    }
}

impl Times {
    /// `"exp":…` and, when set, `"nbf":…`.
    pub(crate) fn write(&self, w: &mut JsonWriter<'_>) {
        w.splice_u64(r#""exp":"#, self.exp, "", true);
        if let Some(nbf) = self.nbf {
            w.splice_u64(r#""nbf":"#, nbf, "", true);
        }
    }
}

/// The current unix time in whole seconds, from the system clock; 0 if the clock is set
/// before 1970 (which `SystemTime` reports as an error, and no `u64` can hold).
///
/// Not available on `wasm32-unknown-unknown`, which has no system clock (`SystemTime::now`
/// panics there): pass `now` explicitly, e.g. from `Date.now()`.
#[cfg(all(
    feature = "std",
    not(all(target_arch = "wasm32", target_os = "unknown"))
))]
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Builder methods for the lifetime and algorithm, and the minting methods, shared by every
/// token family. The family provides
/// `fn prepare(&self, now) -> Result<(SigningKey, impl Payload), MintError>` and fields
/// `lifetime: Lifetime`, `algorithm: Option<Algorithm>`.
macro_rules! token_methods {
    () => {
        /// Lifetime in seconds from `now` (default 3600; must give a lifetime of 1 s to 24 h).
        /// Ignored when [`valid_until`](Self::valid_until) is set.
        #[must_use]
        pub fn ttl(mut self, seconds: i64) -> Self {
            self.lifetime.ttl = seconds;
            self
        }

        /// An absolute expiry (unix seconds) instead of `now + ttl`.
        #[must_use]
        pub fn valid_until(mut self, unix_seconds: u64) -> Self {
            self.lifetime.valid_until = Some(unix_seconds);
            self
        }

        /// A fixed `nbf` (not before, unix seconds) instead of the default `now`.
        #[must_use]
        pub fn nbf(mut self, unix_seconds: u64) -> Self {
            self.lifetime.nbf = $crate::lifetime::Nbf::At(unix_seconds);
            self
        }

        /// Leave the `nbf` claim out (useful when the minting host's clock runs ahead).
        #[must_use]
        pub fn no_nbf(mut self) -> Self {
            self.lifetime.nbf = $crate::lifetime::Nbf::Omit;
            self
        }

        /// The signing algorithm (default HS256, the only one Twilio documents). A token signed
        /// with a [`Key`]($crate::Key) uses the key's algorithm; asking for another one is
        /// [`MintError::KeyAlgorithmMismatch`]($crate::MintError::KeyAlgorithmMismatch).
        #[must_use]
        pub fn algorithm(mut self, algorithm: $crate::Algorithm) -> Self {
            self.algorithm = Some(algorithm);
            self
        }

        /// The exact length in bytes of the token minted at `now`, to size a buffer.
        pub fn encoded_len(&self, now: u64) -> Result<usize, $crate::MintError> {
            let (signer, claims) = self.prepare(now)?;
            signer.encoded_len(&claims)
        }

        /// Mint the token at `now` (unix seconds) into `out`, returning the token text.
        /// Allocation-free; [`MintError::BufferTooSmall`]($crate::MintError::BufferTooSmall)
        /// says how many bytes are needed.
        pub fn write_into<'b>(
            &self,
            now: u64,
            out: &'b mut [u8],
        ) -> Result<&'b str, $crate::MintError> {
            let (signer, claims) = self.prepare(now)?;
            signer.sign_into(&claims, out)
        }

        /// Mint the token at `now` into a fixed-capacity stack buffer of `N` bytes.
        pub fn to_buf<const CAP: usize>(
            &self,
            now: u64,
        ) -> Result<$crate::StackStr<CAP>, $crate::MintError> {
            let (signer, claims) = self.prepare(now)?;
            signer.sign_to_buf(&claims)
        }

        /// Mint the token at `now` (unix seconds) as a `String`.
        #[cfg(feature = "alloc")]
        pub fn to_jwt(&self, now: u64) -> Result<alloc::string::String, $crate::MintError> {
            let (signer, claims) = self.prepare(now)?;
            signer.sign(&claims)
        }

        /// Mint the token now, by the system clock. Not on `wasm32-unknown-unknown` (no clock
        /// there): use [`to_jwt`](Self::to_jwt) with the time from the host.
        #[cfg(all(
            feature = "std",
            not(all(target_arch = "wasm32", target_os = "unknown"))
        ))]
        pub fn to_jwt_now(&self) -> Result<alloc::string::String, $crate::MintError> {
            self.to_jwt($crate::unix_now())
        }
    };
}
pub(crate) use token_methods;

#[cfg(test)]
mod tests {
    use super::*;

    fn lifetime(ttl: i64, nbf: Nbf, valid_until: Option<u64>) -> Lifetime {
        Lifetime {
            ttl,
            nbf,
            valid_until,
        }
    }

    #[test]
    fn exp_is_now_plus_ttl_or_valid_until() {
        let t = lifetime(60, Nbf::Now, None).resolve(100).unwrap();
        assert_eq!((t.exp, t.nbf), (160, Some(100)));
        let t = lifetime(0, Nbf::Omit, Some(150)).resolve(100).unwrap();
        assert_eq!((t.exp, t.nbf), (150, None));
    }

    #[test]
    fn lifetime_bounds_are_one_second_to_a_day() {
        assert!(lifetime(1, Nbf::Now, None).resolve(0).is_ok());
        assert!(lifetime(MAX_TTL, Nbf::Now, None).resolve(0).is_ok());
        for ttl in [0, -1, i64::MIN] {
            assert_eq!(
                lifetime(ttl, Nbf::Now, None).resolve(u64::MAX),
                Err(MintError::LifetimeTooShort)
            );
        }
        for ttl in [MAX_TTL + 1, i64::MAX] {
            assert_eq!(
                lifetime(ttl, Nbf::Now, None).resolve(0),
                Err(MintError::LifetimeTooLong)
            );
        }
        assert_eq!(
            lifetime(60, Nbf::Now, Some(10)).resolve(100),
            Err(MintError::LifetimeTooShort)
        );
        // now + ttl past u64::MAX is refused, not wrapped.
        assert_eq!(
            lifetime(60, Nbf::Now, None).resolve(u64::MAX),
            Err(MintError::LifetimeTooLong)
        );
    }

    #[test]
    fn nbf_must_precede_exp() {
        assert_eq!(
            lifetime(60, Nbf::At(160), None).resolve(100),
            Err(MintError::NbfNotBeforeExp)
        );
        assert!(lifetime(60, Nbf::At(159), None).resolve(100).is_ok());
        assert!(lifetime(60, Nbf::At(0), None).resolve(100).is_ok());
    }
}

//! Bad inputs beyond the conformance suite: each gets its typed error, none panics.

#![cfg(feature = "std")]

use base64ct::{Base64UrlUnpadded, Encoding};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use twilio_jwt::json::Rule;
use twilio_jwt::{
    AccessToken, Algorithm, ChannelKind, ClientCapability, EmptySecret, FilterRequirement, Key,
    MAX_TOKEN_LEN, MintError, PlaybackGrant, Policy, Segment, SidRole, TaskRouterCapability,
    TaskRouterOptions, TimeClaim, Verifier, VerifyError, VideoGrant, VoiceGrant, decode_unverified,
};

const NOW: u64 = 1_700_000_000;
const KEY: &[u8] = b"secret";

/// A token over raw header and payload JSON, correctly HS256-signed with `KEY`.
fn signed(header: &str, payload: &str) -> String {
    let input = format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(header.as_bytes()),
        Base64UrlUnpadded::encode_string(payload.as_bytes())
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(KEY).unwrap();
    mac.update(input.as_bytes());
    let sig = Base64UrlUnpadded::encode_string(&mac.finalize().into_bytes());
    format!("{input}.{sig}")
}

fn verifier() -> Verifier<'static> {
    Verifier::from_secret(KEY).unwrap()
}

fn verify(token: &str) -> Result<(), VerifyError> {
    verifier().verify_owned(token, NOW).map(|_| ())
}

const HS256: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

#[test]
fn a_well_formed_token_verifies() {
    assert_eq!(verify(&signed(HS256, r#"{"exp":1700000001}"#)), Ok(()));
}

#[test]
fn algorithm_confusion_is_refused() {
    // The header cannot choose the algorithm: the verifier's is used for the MAC.
    for alg in ["none", "HS512", "RS256", "hs256", "HS256\\u0000", ""] {
        let header = format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#);
        assert_eq!(
            verify(&signed(&header, r#"{"exp":1700000001}"#)),
            Err(VerifyError::AlgorithmMismatch),
            "{alg}"
        );
    }
    // An unsigned token ("alg":"none" with an empty signature) is malformed.
    let token = signed(r#"{"alg":"none"}"#, r#"{"exp":1700000001}"#);
    let unsigned = &token[..=token.rfind('.').unwrap()];
    assert_eq!(
        verify(unsigned),
        Err(VerifyError::EmptySegment(Segment::Signature))
    );
    // An HS256 token checked as HS384 fails on the MAC, before the header is read.
    let token = signed(HS256, r#"{"exp":1700000001}"#);
    let hs384 = Verifier::new(Key::new(Algorithm::HS384, KEY).unwrap());
    assert_eq!(
        hs384.verify_owned(&token, NOW).err(),
        Some(VerifyError::BadSignature)
    );
    // A header naming critical extensions is refused, even an empty list, even escaped.
    for header in [
        r#"{"alg":"HS256","crit":["x"],"x":1}"#,
        r#"{"alg":"HS256","crit":[]}"#,
        r#"{"alg":"HS256","\u0063rit":["x"]}"#,
    ] {
        let token = signed(header, r#"{"exp":1700000001}"#);
        assert_eq!(verify(&token), Err(VerifyError::Crit), "{header}");
    }
    // `crit` in the payload is just a claim.
    assert_eq!(
        verify(&signed(HS256, r#"{"exp":1700000001,"crit":[]}"#)),
        Ok(())
    );
}

#[test]
fn malleable_base64_is_refused() {
    let token = signed(HS256, r#"{"exp":1700000001}"#);
    let (rest, sig) = token.rsplit_once('.').unwrap();
    // Padding, the standard alphabet, whitespace and non-zero trailing bits are all rejected.
    let bad_sig = Err(VerifyError::Base64(Segment::Signature));
    assert_eq!(verify(&format!("{token}=")), bad_sig);
    assert_eq!(verify(&format!("{rest}.{sig}\n")), bad_sig);
    assert_eq!(
        verify(&format!(" {token}")),
        Err(VerifyError::Base64(Segment::Header))
    );
    let last = sig.chars().last().unwrap();
    let other = Base64UrlUnpadded::encode_string(&[0xff; 32]);
    assert_ne!(last, 'A');
    // 32 bytes = 43 characters: the last carries 2 unused bits; flip them.
    let flipped: String = {
        let mut bytes = sig.as_bytes().to_vec();
        let last = bytes.last_mut().unwrap();
        *last = if *last == b'A' { b'B' } else { b'A' };
        String::from_utf8(bytes).unwrap()
    };
    let r = verify(&format!("{rest}.{flipped}"));
    assert!(
        matches!(
            r,
            Err(VerifyError::Base64(Segment::Signature) | VerifyError::BadSignature)
        ),
        "{r:?}"
    );
    assert_eq!(
        verify(&format!("{rest}.{}", other.replace('_', "/"))),
        bad_sig
    );
    // Wrong segment counts and empty segments.
    assert_eq!(verify(rest), Err(VerifyError::SegmentCount));
    assert_eq!(
        verify(&format!("{token}.x")),
        Err(VerifyError::SegmentCount)
    );
    assert_eq!(verify(&format!(".{token}")), Err(VerifyError::SegmentCount));
    assert_eq!(verify(""), Err(VerifyError::SegmentCount));
    assert_eq!(
        verify(".."),
        Err(VerifyError::EmptySegment(Segment::Header))
    );
    assert_eq!(
        verify(&format!("{}..{sig}", &rest[..rest.find('.').unwrap()])),
        Err(VerifyError::EmptySegment(Segment::Payload))
    );
    let (header, _) = rest.split_once('.').unwrap();
    assert_eq!(
        verify(&format!("{header}.e=.{sig}")),
        Err(VerifyError::Base64(Segment::Payload))
    );
}

#[test]
fn a_canonical_signature_of_any_length_is_bad_not_malformed() {
    let token = signed(HS256, r#"{"exp":1700000001}"#);
    let (rest, _) = token.rsplit_once('.').unwrap();
    for len in [0usize, 1, 31, 33, 48, 64, 65, 66, 100, 200, 1000] {
        let sig = Base64UrlUnpadded::encode_string(&vec![0x5a; len]);
        let expected = if len == 0 {
            Err(VerifyError::EmptySegment(Segment::Signature))
        } else {
            Err(VerifyError::BadSignature)
        };
        assert_eq!(verify(&format!("{rest}.{sig}")), expected, "{len}");
        // One non-canonical character anywhere in it is still malformed.
        if len > 0 {
            let mut bad = sig.into_bytes();
            let at = bad.len() / 2;
            bad[at] = b'=';
            let bad = String::from_utf8(bad).unwrap();
            assert_eq!(
                verify(&format!("{rest}.{bad}")),
                Err(VerifyError::Base64(Segment::Signature)),
                "{len}"
            );
        }
    }
}

#[test]
fn time_claims_must_be_plain_integers() {
    for exp in [
        r#""1700000001""#,
        "1700000001.0",
        "1.700000001e9",
        "-1",
        "null",
        "true",
        "[1700000001]",
        "{}",
        "9007199254740992",
        "18446744073709551616",
    ] {
        let payload = format!(r#"{{"exp":{exp}}}"#);
        assert_eq!(
            verify(&signed(HS256, &payload)),
            Err(VerifyError::InvalidClaim(TimeClaim::Exp)),
            "{exp}"
        );
    }
    for (claim, which) in [("nbf", TimeClaim::Nbf), ("iat", TimeClaim::Iat)] {
        for value in [r#""0""#, "-0", "-1", "0.5"] {
            let payload = format!(r#"{{"exp":1700000001,"{claim}":{value}}}"#);
            assert_eq!(
                verify(&signed(HS256, &payload)),
                Err(VerifyError::InvalidClaim(which)),
                "{claim} {value}"
            );
        }
    }
    // `exp` must be at the top level; a nested one does not count.
    let nested = r#"{"grants":{"exp":1700000001}}"#;
    assert_eq!(verify(&signed(HS256, nested)), Err(VerifyError::MissingExp));
    // Header and payload must be objects.
    assert_eq!(
        verify(&signed(HS256, "[1]")),
        Err(VerifyError::NotAnObject(Segment::Payload))
    );
    assert_eq!(
        verify(&signed(r#""HS256""#, r#"{"exp":1700000001}"#)),
        Err(VerifyError::NotAnObject(Segment::Header))
    );
    // And strict JSON, the reader's own error carried as it is.
    assert!(matches!(
        verify(&signed(HS256, r#"{"exp":1700000001,}"#)),
        Err(VerifyError::PayloadJson(e)) if e.rule() == Rule::TrailingComma
    ));
    assert!(matches!(
        verify(&signed(r#"{"alg":"HS256","alg":"HS256"}"#, r#"{"exp":1}"#)),
        Err(VerifyError::HeaderJson(e)) if e.rule() == Rule::DuplicateKey
    ));
}

#[test]
fn times_at_the_edges_of_u64_do_not_overflow() {
    let token = signed(HS256, r#"{"exp":9007199254740991,"nbf":0}"#);
    let far = verifier().leeway(u64::MAX);
    assert!(far.verify_owned(&token, u64::MAX).is_ok());
    assert!(verifier().verify_owned(&token, u64::MAX).is_err());
    assert!(verifier().leeway(u64::MAX).verify_owned(&token, 0).is_ok());
}

#[test]
fn huge_and_deep_inputs_are_refused_quickly() {
    let too_long = "a".repeat(MAX_TOKEN_LEN + 1);
    assert_eq!(
        verify(&too_long),
        Err(VerifyError::TooLong {
            len: MAX_TOKEN_LEN + 1
        })
    );
    let deep = format!(
        r#"{{"exp":1700000001,"x":{}1{}}}"#,
        "[".repeat(15),
        "]".repeat(15)
    );
    assert_eq!(verify(&signed(HS256, &deep)), Ok(()));
    let deeper = format!(
        r#"{{"exp":1700000001,"x":{}1{}}}"#,
        "[".repeat(16),
        "]".repeat(16)
    );
    assert!(matches!(
        verify(&signed(HS256, &deeper)),
        Err(VerifyError::PayloadJson(e)) if e.rule() == Rule::TooDeep
    ));
    let very_deep = format!(r#"{{"exp":1,"x":{}}}"#, "[".repeat(40_000));
    assert!(verify(&signed(HS256, &very_deep)).is_err());
    // Thousands of keys in one object still verify, and a duplicate among them is found.
    let mut many: String = (0..3000).map(|i| format!(r#""k{i}":{i},"#)).collect();
    many.insert(0, '{');
    let ok = format!(r#"{many}"exp":1700000001}}"#);
    assert_eq!(verify(&signed(HS256, &ok)), Ok(()));
    let dup = format!(r#"{many}"exp":1700000001,"k1234":0}}"#);
    assert!(matches!(
        verify(&signed(HS256, &dup)),
        Err(VerifyError::PayloadJson(e)) if e.rule() == Rule::DuplicateKey
    ));
}

#[test]
fn a_short_scratch_buffer_is_a_typed_error() {
    let token = signed(HS256, r#"{"exp":1700000001}"#);
    let mut small = [0u8; 8];
    let err = verifier().verify(&token, NOW, &mut small).err();
    assert!(
        matches!(err, Some(VerifyError::BufferTooSmall { needed }) if needed > 8),
        "{err:?}"
    );
    assert!(matches!(
        decode_unverified(&token, &mut small),
        Err(VerifyError::BufferTooSmall { .. })
    ));
}

#[test]
fn minting_refuses_what_twilio_would_reject() {
    let video = VideoGrant::new().room("r");
    let base = AccessToken::new("AC1", "SK1", "secret")
        .identity("alice")
        .grant(&video);
    let short = Err(MintError::LifetimeTooShort);
    let long = Err(MintError::LifetimeTooLong);
    assert_eq!(base.ttl(0).to_jwt(NOW), short);
    assert_eq!(base.ttl(-5).to_jwt(NOW), short);
    assert_eq!(base.ttl(86_401).to_jwt(NOW), long);
    assert_eq!(base.ttl(i64::MAX).to_jwt(u64::MAX), long);
    assert_eq!(base.valid_until(NOW).to_jwt(NOW), short);
    assert_eq!(base.valid_until(NOW - 1).to_jwt(NOW), short);
    assert!(base.valid_until(NOW + 86_400).to_jwt(NOW).is_ok());
    assert_eq!(
        base.nbf(NOW + 3600).to_jwt(NOW),
        Err(MintError::NbfNotBeforeExp)
    );
    assert!(base.nbf(NOW + 3599).to_jwt(NOW).is_ok());
    assert!(base.no_nbf().to_jwt(NOW).is_ok());
    assert_eq!(
        "HS1".parse::<Algorithm>(),
        Err(MintError::UnsupportedAlgorithm)
    );
    // A key's algorithm is the token's: asking for another is an error, not a silent switch.
    let key = Key::hs256(b"secret").unwrap();
    let with_key = AccessToken::new("AC1", "SK1", &key).identity("alice");
    assert!(with_key.algorithm(Algorithm::HS256).to_jwt(NOW).is_ok());
    assert_eq!(
        with_key.algorithm(Algorithm::HS512).to_jwt(NOW),
        Err(MintError::KeyAlgorithmMismatch)
    );
    // A tiny buffer: nothing written, the exact size reported.
    let needed = base.encoded_len(NOW).unwrap();
    let mut buf = vec![0u8; needed - 1];
    assert_eq!(
        base.write_into(NOW, &mut buf),
        Err(MintError::BufferTooSmall { needed })
    );
    assert_eq!(
        base.to_buf::<16>(NOW).err(),
        Some(MintError::BufferTooSmall { needed })
    );
}

#[test]
fn no_token_is_minted_that_no_verifier_would_accept() {
    // The header, the signature and the other claims take about 300 bytes: an identity just
    // short of the limit fits, one past it does not, whatever the buffer.
    let fits = |n: usize| {
        let identity = "x".repeat(n);
        let token = AccessToken::new("AC1", "SK1", "secret").identity(&identity);
        token.to_jwt(NOW).map(|jwt| jwt.len())
    };
    // The longest identity that fits, by bisection: it fits, one more byte does not.
    let (mut lo, mut hi) = (0, MAX_TOKEN_LEN);
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if fits(mid).is_ok() {
            lo = mid
        } else {
            hi = mid
        }
    }
    let n = lo;
    // One more byte of JSON adds one or two base64 characters.
    assert!(fits(n).unwrap() + 2 >= MAX_TOKEN_LEN);
    assert!(matches!(fits(n + 1), Err(MintError::TokenTooLong { len }) if len > MAX_TOKEN_LEN));
    let identity = "x".repeat(n + 1);
    let token = AccessToken::new("AC1", "SK1", "secret").identity(&identity);
    let mut buf = vec![0u8; 2 * MAX_TOKEN_LEN];
    assert!(matches!(
        token.write_into(NOW, &mut buf),
        Err(MintError::TokenTooLong { .. })
    ));
    assert!(matches!(
        token.encoded_len(NOW),
        Err(MintError::TokenTooLong { .. })
    ));
    // The longest token minted still verifies.
    let identity = "x".repeat(n);
    let jwt = AccessToken::new("AC1", "SK1", "secret")
        .identity(&identity)
        .to_jwt(NOW)
        .unwrap();
    assert!(verifier().verify_owned(&jwt, NOW).is_ok());
}

#[test]
fn grants_are_checked() {
    let token = AccessToken::new("AC1", "SK1", "secret").identity("alice");
    for json in ["", "[]", "null", "\"x\"", "{", "{} {}", r#"{"a":1,"a":2}"#] {
        let grant = PlaybackGrant::new(json);
        assert_eq!(
            token.grant(&grant).to_jwt(NOW),
            Err(MintError::InvalidGrant { key: "player" }),
            "{json:?}"
        );
    }
    assert_eq!(
        token.grant(&PlaybackGrant::empty()).to_jwt(NOW),
        Err(MintError::InvalidGrant {
            key: PlaybackGrant::KEY
        })
    );
    // Re-written compactly, in the crate's escaping.
    let grant = PlaybackGrant::new("{ \"url\" : \"https://x/\\u00e9\", \"n\": [1, 2.5e3] }");
    let jwt = token.grant(&grant).to_jwt(NOW).unwrap();
    let claims = verifier().verify_owned(&jwt, NOW).unwrap();
    assert!(
        claims
            .payload_json()
            .contains(r#""player":{"url":"https://x/\u00e9","n":[1,2.5e3]}"#)
    );

    // The playback object sits two levels down in the payload: as deep as a verifier still
    // reads, and no deeper.
    let nested = |levels: usize| {
        format!(
            "{}{}",
            "{\"a\":".repeat(levels - 1) + "{}",
            "}".repeat(levels - 1)
        )
    };
    let deepest = nested(twilio_jwt::json::MAX_DEPTH - 2);
    let jwt = token
        .grant(&PlaybackGrant::new(&deepest))
        .to_jwt(NOW)
        .unwrap();
    assert!(verifier().verify_owned(&jwt, NOW).is_ok());
    let too_deep = nested(twilio_jwt::json::MAX_DEPTH - 1);
    assert_eq!(
        token.grant(&PlaybackGrant::new(&too_deep)).to_jwt(NOW),
        Err(MintError::InvalidGrant { key: "player" })
    );

    // Fixed capacities: one parameter too many is an error, not a silently shorter token.
    let mut voice = VoiceGrant::<2>::with_capacity().outgoing_application_sid("AP1");
    for k in ["a", "b", "c"] {
        voice = voice.outgoing_param(k, "v");
    }
    assert_eq!(
        token.grant(&voice).to_jwt(NOW),
        Err(MintError::CapacityExceeded {
            list: "voice params"
        })
    );
    let (v1, v2) = (VideoGrant::new().room("1"), VideoGrant::new().room("2"));
    let crowded = AccessToken::<1>::with_capacity("AC1", "SK1", "secret")
        .identity("alice")
        .grant(&v1)
        .grant(&v2); // same key: replaces, still fits
    assert!(crowded.to_jwt(NOW).is_ok());
    let chat = twilio_jwt::ChatGrant::new();
    assert_eq!(
        crowded.grant(&chat).to_jwt(NOW),
        Err(MintError::CapacityExceeded { list: "grants" })
    );
}

#[test]
fn credentials_are_required() {
    assert_eq!(
        AccessToken::new("", "SK", "s").identity("a").to_jwt(NOW),
        Err(MintError::MissingAccountSid)
    );
    assert_eq!(
        AccessToken::new("AC", "", "s").identity("a").to_jwt(NOW),
        Err(MintError::MissingKeySid)
    );
    assert_eq!(
        AccessToken::new("AC", "SK", "").identity("a").to_jwt(NOW),
        Err(MintError::MissingSecret)
    );
    assert_eq!(
        AccessToken::new("AC", "SK", "s").to_jwt(NOW),
        Err(MintError::MissingIdentity)
    );
    assert_eq!(
        ClientCapability::new("", "t").to_jwt(NOW),
        Err(MintError::MissingAccountSid)
    );
    assert_eq!(
        ClientCapability::new("AC", "").to_jwt(NOW),
        Err(MintError::MissingSecret)
    );
    assert_eq!(
        ClientCapability::new("AC", "t")
            .allow_client_outgoing("")
            .to_jwt(NOW),
        Err(MintError::MissingApplicationSid)
    );
}

#[test]
fn taskrouter_sids_are_checked() {
    let ok = TaskRouterCapability::worker("AC1", "t", "WS1", "WK1");
    assert!(ok.to_jwt(NOW).is_ok());
    assert_eq!(
        TaskRouterCapability::worker("XX1", "t", "WS1", "WK1").to_jwt(NOW),
        Err(MintError::InvalidSid(SidRole::Account))
    );
    assert_eq!(
        TaskRouterCapability::worker("AC1", "t", "XX1", "WK1").to_jwt(NOW),
        Err(MintError::InvalidSid(SidRole::Workspace))
    );
    assert_eq!(
        TaskRouterCapability::worker("AC1", "t", "WS1", "WQ1").to_jwt(NOW),
        Err(MintError::InvalidSid(SidRole::Channel))
    );
    assert_eq!(
        TaskRouterCapability::new("AC1", "t", "WS1", "XY1").to_jwt(NOW),
        Err(MintError::InvalidSid(SidRole::Channel))
    );
    assert_eq!(
        TaskRouterCapability::new("AC1", "t", "", "WK1").to_jwt(NOW),
        Err(MintError::MissingWorkspaceSid)
    );
    assert_eq!(
        TaskRouterCapability::new("AC1", "t", "WS1", "").to_jwt(NOW),
        Err(MintError::MissingChannelId)
    );
    assert_eq!(
        TaskRouterCapability::new("AC1", "", "WS1", "WK1").to_jwt(NOW),
        Err(MintError::MissingSecret)
    );
    assert_eq!(
        TaskRouterCapability::task_queue("AC1", "t", "WS1", "WQ1")
            .allow_update_activities()
            .to_jwt(NOW),
        Err(MintError::WorkerOnlyPolicy)
    );
    assert_eq!(
        ChannelKind::from_channel_id("WQ1"),
        Ok(ChannelKind::TaskQueue)
    );
    // No policies at all is a valid (if useless) token.
    let none =
        TaskRouterCapability::workspace("AC1", "t", "WS1").options(TaskRouterOptions::none());
    let claims = Verifier::from_secret(b"t")
        .unwrap()
        .verify_owned(&none.to_jwt(NOW).unwrap(), NOW)
        .unwrap();
    assert_eq!(claims.claims().policies().count(), 0);
}

#[test]
fn repeated_filter_names_are_written_once() {
    // A Python dict cannot hold a name twice; a slice can. Writing it twice would give a
    // duplicate JSON key that every strict verifier (ours included) refuses.
    const FILTER: &[FilterRequirement] = &[
        FilterRequirement::required("A"),
        FilterRequirement::optional("B"),
        FilterRequirement::optional("A"),
    ];
    let token = TaskRouterCapability::workspace("AC1", "t", "WS1")
        .options(TaskRouterOptions::none())
        .policy(
            Policy::new("https://example.com", "get")
                .query_filter(FILTER)
                .post_filter(FILTER),
        )
        .to_jwt(NOW)
        .unwrap();
    let claims = Verifier::from_secret(b"t")
        .unwrap()
        .verify_owned(&token, NOW)
        .unwrap();
    let json = claims.payload_json();
    assert!(
        json.contains(r#""query_filter":{"A":{"required":false},"B":{"required":false}}"#),
        "{json}"
    );
    assert!(
        json.contains(r#""post_filter":{"A":{"required":false},"B":{"required":false}}"#),
        "{json}"
    );
}

#[test]
fn an_empty_secret_is_refused_where_the_key_is_made() {
    assert_eq!(Key::hs256(b"").err(), Some(EmptySecret));
    assert_eq!(Verifier::from_secret(b"").err(), Some(EmptySecret));
    assert_eq!(VerifyError::from(EmptySecret).kind(), "missing_secret");
    assert_eq!(MintError::from(EmptySecret).kind(), "missing_secret");
    let token = signed(HS256, r#"{"exp":1700000001}"#);
    assert_eq!(
        twilio_jwt::verify(&token, b"", NOW).err(),
        Some(VerifyError::MissingSecret)
    );
}

#[test]
fn optional_checks_each_have_their_error() {
    let key = Key::hs256(KEY).unwrap();
    let jwt = AccessToken::new("AC1", "SK1", &key)
        .identity("alice")
        .to_jwt(NOW)
        .unwrap();
    let base = Verifier::new(key.clone());
    assert!(base.verify_owned(&jwt, NOW).is_ok());
    let preset = base.clone().access_tokens("AC1", "SK1");
    assert!(preset.verify_owned(&jwt, NOW).is_ok());
    let err = |v: &Verifier<'_>, token: &str| v.verify_owned(token, NOW).err();
    assert_eq!(
        err(&base.clone().expect_account("AC2"), &jwt),
        Some(VerifyError::WrongAccount)
    );
    assert_eq!(
        err(&base.clone().expect_issuer("SK2"), &jwt),
        Some(VerifyError::WrongIssuer)
    );
    let rotation = ["SK0", "SK1"];
    assert!(err(&base.clone().expect_issuers(&rotation), &jwt).is_none());
    assert_eq!(
        err(&base.clone().expect_issuers(&["SK2", "SK3"]), &jwt),
        Some(VerifyError::WrongIssuer)
    );
    // A capability token has no sub and no cty: the access token preset refuses it.
    let capability = ClientCapability::new("AC1", &key)
        .allow_client_incoming("alice")
        .to_jwt(NOW)
        .unwrap();
    assert!(base.verify_owned(&capability, NOW).is_ok());
    assert_eq!(err(&preset, &capability), Some(VerifyError::WrongAccount));
    let escaped_sub = signed(HS256, r#"{"exp":1700000001,"sub":"A\u00431","iss":"SK1"}"#);
    assert_eq!(
        err(
            &base.clone().expect_account("AC1").expect_issuer("SK1"),
            &escaped_sub
        ),
        None
    );
    assert_eq!(
        err(
            &base.clone().expect_content_type(AccessToken::CONTENT_TYPE),
            &escaped_sub
        ),
        Some(VerifyError::WrongContentType)
    );
    let other_cty = signed(
        r#"{"alg":"HS256","cty":"twilio-fpa;v=2"}"#,
        r#"{"exp":1700000001}"#,
    );
    assert_eq!(
        err(
            &base.clone().expect_content_type(AccessToken::CONTENT_TYPE),
            &other_cty
        ),
        Some(VerifyError::WrongContentType)
    );
    // The optional checks come after the clock.
    assert_eq!(
        preset
            .clone()
            .expect_account("AC2")
            .verify_owned(&jwt, NOW + 4000)
            .err(),
        Some(VerifyError::Expired)
    );
}

#[test]
fn a_verifier_holds_a_few_keys_for_rotation() {
    let old = Key::hs256(b"old").unwrap();
    let new = Key::new(Algorithm::HS512, b"new").unwrap();
    let verifier = Verifier::with_keys([new.clone(), old.clone()]);
    for key in [&old, &new] {
        let jwt = AccessToken::new("AC1", "SK1", key)
            .identity("alice")
            .to_jwt(NOW)
            .unwrap();
        assert!(verifier.verify_owned(&jwt, NOW).is_ok());
    }
    let stranger = AccessToken::new("AC1", "SK1", "stranger")
        .identity("alice")
        .to_jwt(NOW)
        .unwrap();
    assert_eq!(
        verifier.verify_owned(&stranger, NOW).err(),
        Some(VerifyError::BadSignature)
    );
    // The header's alg must be the algorithm of the key that matched.
    let mut mac = Hmac::<Sha256>::new_from_slice(b"old").unwrap();
    let input = format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(br#"{"alg":"HS512"}"#),
        Base64UrlUnpadded::encode_string(br#"{"exp":1700000001}"#)
    );
    mac.update(input.as_bytes());
    let sig = Base64UrlUnpadded::encode_string(&mac.finalize().into_bytes());
    assert_eq!(
        verifier.verify_owned(&format!("{input}.{sig}"), NOW).err(),
        Some(VerifyError::AlgorithmMismatch)
    );
}

/// SPEC 3 step 2 with several keys: no JSON is read before one of them matches, so a token whose
/// header and payload are not JSON at all is `BadSignature` under strangers' keys and only
/// `malformed` (naming the part) once a kept key signed it.
#[test]
fn a_rotating_verifier_reads_no_json_before_a_key_matches() {
    let verifier = Verifier::with_keys([
        Key::new(Algorithm::HS512, b"new").unwrap(),
        Key::hs256(KEY).unwrap(),
    ]);
    let garbage = [
        ("not json", r#"{"exp":1700000001}"#),
        (r#"{"alg":"HS256","alg":"HS256"}"#, r#"{"exp":1700000001}"#),
        (HS256, r#"{"exp":1700000001,"exp":1}"#),
        (HS256, "[1,]"),
    ];
    for (header, payload) in garbage {
        // Signed with `KEY`, the second key: its JSON is read, and refused.
        let ours = signed(header, payload);
        let answer = verifier.verify_owned(&ours, NOW).err();
        assert!(
            matches!(
                answer,
                Some(VerifyError::HeaderJson(_) | VerifyError::PayloadJson(_))
            ),
            "{header} {payload}: {answer:?}"
        );
        // The same bytes signed with a key the verifier does not hold: the MAC fails first.
        let mut mac = Hmac::<Sha256>::new_from_slice(b"stranger").unwrap();
        let (input, _) = ours.rsplit_once('.').unwrap();
        mac.update(input.as_bytes());
        let sig = Base64UrlUnpadded::encode_string(&mac.finalize().into_bytes());
        assert_eq!(
            verifier.verify_owned(&format!("{input}.{sig}"), NOW).err(),
            Some(VerifyError::BadSignature),
            "{header} {payload}"
        );
    }
}

#[test]
fn errors_read_well() {
    assert_eq!(
        MintError::MissingIdentity.to_string(),
        "identity is required for an access token"
    );
    assert_eq!(
        MintError::BufferTooSmall { needed: 42 }.to_string(),
        "output buffer too small: the token needs 42 bytes"
    );
    assert_eq!(
        MintError::InvalidSid(SidRole::Workspace).to_string(),
        "the workspace SID must start with WS"
    );
    assert_eq!(
        MintError::InvalidGrant { key: "player" }.to_string(),
        "the \"player\" grant is invalid"
    );
    assert_eq!(
        MintError::TokenTooLong { len: 70_000 }.kind(),
        "token_too_long"
    );
    assert_eq!(VerifyError::Expired.kind(), "expired");
    assert_eq!(VerifyError::Crit.kind(), "malformed");
    assert_eq!(
        VerifyError::Base64(Segment::Payload).to_string(),
        "the token's payload segment is not canonical unpadded base64url"
    );
    assert_eq!(
        VerifyError::InvalidClaim(TimeClaim::Nbf).to_string(),
        "the token's nbf claim is not a non-negative integer below 2^53"
    );
    let json = twilio_jwt::json::parse(b"[1,]").unwrap_err();
    let e: Box<dyn std::error::Error> = Box::new(VerifyError::PayloadJson(json));
    assert_eq!(
        e.to_string(),
        format!("the token's payload is not strict JSON: {json}")
    );
    // The reader's error is in the message, so it is not also the source: a reporter that
    // prints the chain (anyhow's `{:#}`) would otherwise repeat it.
    assert!(e.source().is_none());
    // Every message of every variant is one sentence: no period inside or at the end, no line
    // break; and every kind is snake_case.
    let mint = [
        MintError::MissingAccountSid,
        MintError::MissingKeySid,
        MintError::MissingSecret,
        MintError::MissingIdentity,
        MintError::MissingApplicationSid,
        MintError::MissingWorkspaceSid,
        MintError::MissingChannelId,
        MintError::InvalidSid(SidRole::Account),
        MintError::InvalidSid(SidRole::Workspace),
        MintError::InvalidSid(SidRole::Channel),
        MintError::LifetimeTooShort,
        MintError::LifetimeTooLong,
        MintError::NbfNotBeforeExp,
        MintError::UnsupportedAlgorithm,
        MintError::KeyAlgorithmMismatch,
        MintError::InvalidGrant { key: "player" },
        MintError::EmptyGrantKey,
        MintError::ReservedGrantKey,
        MintError::WorkerOnlyPolicy,
        MintError::CapacityExceeded { list: "grants" },
        MintError::TokenTooLong { len: 70_000 },
        MintError::BufferTooSmall { needed: 42 },
    ];
    let verify = [
        VerifyError::MissingSecret,
        VerifyError::TooLong { len: 70_000 },
        VerifyError::SegmentCount,
        VerifyError::EmptySegment(Segment::Signature),
        VerifyError::Base64(Segment::Header),
        VerifyError::BadSignature,
        VerifyError::HeaderJson(json),
        VerifyError::PayloadJson(json),
        VerifyError::NotAnObject(Segment::Payload),
        VerifyError::Crit,
        VerifyError::AlgorithmMismatch,
        VerifyError::MissingExp,
        VerifyError::InvalidClaim(TimeClaim::Iat),
        VerifyError::Expired,
        VerifyError::NotYetValid,
        VerifyError::WrongAccount,
        VerifyError::WrongIssuer,
        VerifyError::WrongContentType,
        VerifyError::BufferTooSmall { needed: 42 },
    ];
    let all = mint
        .iter()
        .map(|e| (e.to_string(), e.kind()))
        .chain(verify.iter().map(|e| (e.to_string(), e.kind())));
    for (message, kind) in all {
        assert!(
            !message.contains(". ") && !message.ends_with('.') && !message.contains('\n'),
            "{message}"
        );
        assert!(
            !kind.is_empty() && kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "{kind}"
        );
    }
}

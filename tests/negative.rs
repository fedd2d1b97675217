//! Bad inputs beyond the conformance suite: each gets its typed error, none panics.

#![cfg(feature = "std")]

use base64ct::{Base64UrlUnpadded, Encoding};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use twilio_jwt::{
    AccessToken, Algorithm, ChannelKind, ClientCapability, Error, FilterRequirement, MAX_TOKEN_LEN,
    PlaybackGrant, Policy, TaskRouterCapability, TaskRouterOptions, Verifier, VideoGrant,
    VoiceGrant, decode_unverified,
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

fn verify(token: &str) -> Result<(), Error> {
    Verifier::new(KEY).verify_owned(token, NOW).map(|_| ())
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
            Err(Error::AlgorithmMismatch),
            "{alg}"
        );
    }
    // An unsigned token ("alg":"none" with an empty signature) is malformed.
    let token = signed(r#"{"alg":"none"}"#, r#"{"exp":1700000001}"#);
    let unsigned = &token[..=token.rfind('.').unwrap()];
    assert_eq!(verify(unsigned), Err(Error::Malformed));
    // An HS256 token checked as HS384 fails on the MAC, before the header is read.
    let token = signed(HS256, r#"{"exp":1700000001}"#);
    let hs384 = Verifier::new(KEY).algorithm(Algorithm::HS384);
    assert_eq!(
        hs384.verify_owned(&token, NOW).err(),
        Some(Error::BadSignature)
    );
}

#[test]
fn malleable_base64_is_refused() {
    let token = signed(HS256, r#"{"exp":1700000001}"#);
    let (rest, sig) = token.rsplit_once('.').unwrap();
    // Padding, the standard alphabet, whitespace and non-zero trailing bits are all rejected.
    assert_eq!(verify(&format!("{token}=")), Err(Error::Malformed));
    assert_eq!(verify(&format!("{rest}.{sig}\n")), Err(Error::Malformed));
    assert_eq!(verify(&format!(" {token}")), Err(Error::Malformed));
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
        matches!(r, Err(Error::Malformed | Error::BadSignature)),
        "{r:?}"
    );
    assert_eq!(
        verify(&format!("{rest}.{}", other.replace('_', "/"))),
        Err(Error::Malformed)
    );
    // Wrong segment counts.
    assert_eq!(verify(rest), Err(Error::Malformed));
    assert_eq!(verify(&format!("{token}.x")), Err(Error::Malformed));
    assert_eq!(verify(&format!(".{token}")), Err(Error::Malformed));
    assert_eq!(verify(""), Err(Error::Malformed));
    assert_eq!(verify(".."), Err(Error::Malformed));
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
            Err(Error::InvalidClaims),
            "{exp}"
        );
    }
    for claim in ["nbf", "iat"] {
        let payload = format!(r#"{{"exp":1700000001,"{claim}":"0"}}"#);
        assert_eq!(
            verify(&signed(HS256, &payload)),
            Err(Error::InvalidClaims),
            "{claim}"
        );
    }
    // `exp` must be at the top level; a nested one does not count.
    let nested = r#"{"grants":{"exp":1700000001}}"#;
    assert_eq!(verify(&signed(HS256, nested)), Err(Error::InvalidClaims));
    // Header and payload must be objects.
    assert_eq!(verify(&signed(HS256, "[1]")), Err(Error::Malformed));
    assert_eq!(
        verify(&signed(r#""HS256""#, r#"{"exp":1700000001}"#)),
        Err(Error::Malformed)
    );
}

#[test]
fn times_at_the_edges_of_u64_do_not_overflow() {
    let token = signed(HS256, r#"{"exp":9007199254740991,"nbf":0}"#);
    let far = Verifier::new(KEY).leeway(u64::MAX);
    assert!(far.verify_owned(&token, u64::MAX).is_ok());
    assert!(Verifier::new(KEY).verify_owned(&token, u64::MAX).is_err());
    assert!(
        Verifier::new(KEY)
            .leeway(u64::MAX)
            .verify_owned(&token, 0)
            .is_ok()
    );
}

#[test]
fn huge_and_deep_inputs_are_refused_quickly() {
    let too_long = "a".repeat(MAX_TOKEN_LEN + 1);
    assert_eq!(verify(&too_long), Err(Error::Malformed));
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
    assert_eq!(verify(&signed(HS256, &deeper)), Err(Error::Malformed));
    let very_deep = format!(r#"{{"exp":1,"x":{}}}"#, "[".repeat(40_000));
    assert!(verify(&signed(HS256, &very_deep)).is_err());
    // Thousands of keys in one object still verify, and a duplicate among them is found.
    let mut many: String = (0..3000).map(|i| format!(r#""k{i}":{i},"#)).collect();
    many.insert(0, '{');
    let ok = format!(r#"{many}"exp":1700000001}}"#);
    assert_eq!(verify(&signed(HS256, &ok)), Ok(()));
    let dup = format!(r#"{many}"exp":1700000001,"k1234":0}}"#);
    assert_eq!(verify(&signed(HS256, &dup)), Err(Error::Malformed));
}

#[test]
fn a_short_scratch_buffer_is_a_typed_error() {
    let token = signed(HS256, r#"{"exp":1700000001}"#);
    let mut small = [0u8; 8];
    let err = Verifier::new(KEY).verify(&token, NOW, &mut small).err();
    assert!(
        matches!(err, Some(Error::BufferTooSmall { needed }) if needed > 8),
        "{err:?}"
    );
    assert!(matches!(
        decode_unverified(&token, &mut small),
        Err(Error::BufferTooSmall { .. })
    ));
}

#[test]
fn minting_refuses_what_twilio_would_reject() {
    let video = VideoGrant::new().room("r");
    let base = AccessToken::new("AC1", "SK1", "secret")
        .identity("alice")
        .grant(&video);
    assert_eq!(base.ttl(0).to_jwt(NOW), Err(Error::InvalidTtl));
    assert_eq!(base.ttl(-5).to_jwt(NOW), Err(Error::InvalidTtl));
    assert_eq!(base.ttl(86_401).to_jwt(NOW), Err(Error::InvalidTtl));
    assert_eq!(base.ttl(i64::MAX).to_jwt(u64::MAX), Err(Error::InvalidTtl));
    assert_eq!(base.valid_until(NOW).to_jwt(NOW), Err(Error::InvalidTtl));
    assert_eq!(
        base.valid_until(NOW - 1).to_jwt(NOW),
        Err(Error::InvalidTtl)
    );
    assert!(base.valid_until(NOW + 86_400).to_jwt(NOW).is_ok());
    assert_eq!(base.nbf(NOW + 3600).to_jwt(NOW), Err(Error::InvalidNbf));
    assert!(base.nbf(NOW + 3599).to_jwt(NOW).is_ok());
    assert!(base.no_nbf().to_jwt(NOW).is_ok());
    assert_eq!("HS1".parse::<Algorithm>(), Err(Error::UnsupportedAlgorithm));
    // A tiny buffer: nothing written, the exact size reported.
    let needed = base.encoded_len(NOW).unwrap();
    let mut buf = vec![0u8; needed - 1];
    assert_eq!(
        base.write_into(NOW, &mut buf),
        Err(Error::BufferTooSmall { needed })
    );
    assert_eq!(
        base.to_buf::<16>(NOW).err(),
        Some(Error::BufferTooSmall { needed })
    );
}

#[test]
fn grants_are_checked() {
    let token = AccessToken::new("AC1", "SK1", "secret").identity("alice");
    for json in ["", "[]", "null", "\"x\"", "{", "{} {}", r#"{"a":1,"a":2}"#] {
        let grant = PlaybackGrant::new(json);
        assert_eq!(
            token.grant(&grant).to_jwt(NOW),
            Err(Error::InvalidGrant),
            "{json:?}"
        );
    }
    assert_eq!(
        token.grant(&PlaybackGrant::empty()).to_jwt(NOW),
        Err(Error::InvalidGrant)
    );
    // Re-written compactly, in the crate's escaping.
    let grant = PlaybackGrant::new("{ \"url\" : \"https://x/\\u00e9\", \"n\": [1, 2.5e3] }");
    let jwt = token.grant(&grant).to_jwt(NOW).unwrap();
    let claims = Verifier::new(b"secret").verify_owned(&jwt, NOW).unwrap();
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
    assert!(Verifier::new(b"secret").verify_owned(&jwt, NOW).is_ok());
    let too_deep = nested(twilio_jwt::json::MAX_DEPTH - 1);
    assert_eq!(
        token.grant(&PlaybackGrant::new(&too_deep)).to_jwt(NOW),
        Err(Error::InvalidGrant)
    );

    // Fixed capacities: one parameter too many is an error, not a silently shorter token.
    let mut voice = VoiceGrant::<2>::with_capacity().outgoing_application_sid("AP1");
    for k in ["a", "b", "c"] {
        voice = voice.outgoing_param(k, "v");
    }
    assert_eq!(
        token.grant(&voice).to_jwt(NOW),
        Err(Error::CapacityExceeded)
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
        Err(Error::CapacityExceeded)
    );
}

#[test]
fn credentials_are_required() {
    assert_eq!(
        AccessToken::new("", "SK", "s").identity("a").to_jwt(NOW),
        Err(Error::MissingAccountSid)
    );
    assert_eq!(
        AccessToken::new("AC", "", "s").identity("a").to_jwt(NOW),
        Err(Error::MissingKeySid)
    );
    assert_eq!(
        AccessToken::new("AC", "SK", "").identity("a").to_jwt(NOW),
        Err(Error::MissingSecret)
    );
    assert_eq!(
        AccessToken::new("AC", "SK", "s").to_jwt(NOW),
        Err(Error::MissingIdentity)
    );
    assert_eq!(
        ClientCapability::new("", "t").to_jwt(NOW),
        Err(Error::MissingAccountSid)
    );
    assert_eq!(
        ClientCapability::new("AC", "").to_jwt(NOW),
        Err(Error::MissingSecret)
    );
    assert_eq!(
        ClientCapability::new("AC", "t")
            .allow_client_outgoing("")
            .to_jwt(NOW),
        Err(Error::MissingApplicationSid)
    );
}

#[test]
fn taskrouter_sids_are_checked() {
    let ok = TaskRouterCapability::worker("AC1", "t", "WS1", "WK1");
    assert!(ok.to_jwt(NOW).is_ok());
    assert_eq!(
        TaskRouterCapability::worker("XX1", "t", "WS1", "WK1").to_jwt(NOW),
        Err(Error::InvalidSid)
    );
    assert_eq!(
        TaskRouterCapability::worker("AC1", "t", "XX1", "WK1").to_jwt(NOW),
        Err(Error::InvalidSid)
    );
    assert_eq!(
        TaskRouterCapability::worker("AC1", "t", "WS1", "WQ1").to_jwt(NOW),
        Err(Error::InvalidSid)
    );
    assert_eq!(
        TaskRouterCapability::new("AC1", "t", "WS1", "XY1").to_jwt(NOW),
        Err(Error::InvalidSid)
    );
    assert_eq!(
        TaskRouterCapability::new("AC1", "t", "", "WK1").to_jwt(NOW),
        Err(Error::MissingWorkspaceSid)
    );
    assert_eq!(
        TaskRouterCapability::new("AC1", "t", "WS1", "").to_jwt(NOW),
        Err(Error::MissingChannelId)
    );
    assert_eq!(
        TaskRouterCapability::new("AC1", "", "WS1", "WK1").to_jwt(NOW),
        Err(Error::MissingSecret)
    );
    assert_eq!(
        TaskRouterCapability::task_queue("AC1", "t", "WS1", "WQ1")
            .allow_update_activities()
            .to_jwt(NOW),
        Err(Error::WorkerOnlyPolicy)
    );
    assert_eq!(
        ChannelKind::from_channel_id("WQ1"),
        Ok(ChannelKind::TaskQueue)
    );
    // No policies at all is a valid (if useless) token.
    let none =
        TaskRouterCapability::workspace("AC1", "t", "WS1").options(TaskRouterOptions::none());
    let claims = Verifier::new(b"t")
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
    let claims = Verifier::new(b"t").verify_owned(&token, NOW).unwrap();
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
fn errors_read_well() {
    assert_eq!(
        Error::MissingIdentity.to_string(),
        "identity is required for an access token"
    );
    assert_eq!(
        Error::BufferTooSmall { needed: 42 }.to_string(),
        "output buffer too small: the token needs 42 bytes"
    );
    assert_eq!(Error::Expired.kind(), "expired");
    let e: Box<dyn std::error::Error> = Box::new(Error::Malformed);
    assert_eq!(e.to_string(), "the token is malformed");
}

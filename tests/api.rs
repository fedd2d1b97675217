//! Properties of the public types themselves: thread safety, `'static` keys, and `Debug` output
//! that never shows a secret.

#![cfg(feature = "std")]

use twilio_jwt::{
    AccessToken, Algorithm, ChatGrant, Claims, ClientCapability, ConversationsGrant, EmptySecret,
    Grant, IpMessagingGrant, Key, MintError, OwnedClaims, PlaybackGrant, Policy, Secret, StackStr,
    SyncGrant, TaskRouterCapability, TaskRouterGrant, Verifier, VerifyError, VideoGrant,
    VoiceGrant,
};

fn send_sync<T: Send + Sync>() {}
/// What an error type is expected to be: small, comparable, hashable, thread-safe.
fn error_type<T: Copy + Eq + std::hash::Hash + std::error::Error + Send + Sync + 'static>() {}
fn owned<T: Send + Sync + Clone + 'static>() {}

#[test]
fn builders_grants_keys_and_verifiers_are_send_and_sync() {
    // Compile-time: this test only has to build.
    send_sync::<AccessToken<'static>>();
    send_sync::<AccessToken<'static, 2>>();
    send_sync::<&dyn Grant>();
    send_sync::<VideoGrant<'static>>();
    send_sync::<ChatGrant<'static>>();
    send_sync::<IpMessagingGrant<'static>>();
    send_sync::<SyncGrant<'static>>();
    send_sync::<TaskRouterGrant<'static>>();
    send_sync::<ConversationsGrant<'static>>();
    send_sync::<VoiceGrant<'static>>();
    send_sync::<PlaybackGrant<'static>>();
    send_sync::<ClientCapability<'static>>();
    send_sync::<TaskRouterCapability<'static>>();
    send_sync::<Policy<'static>>();
    send_sync::<Secret<'static>>();
    owned::<Key>();
    owned::<Verifier<'static>>();
    owned::<Verifier<'static, 3>>();
    // What a server hands on: claims into request extensions, errors into
    // `Box<dyn Error + Send + Sync>`, a minted token across an `.await`.
    send_sync::<Claims<'static>>();
    owned::<OwnedClaims>();
    owned::<StackStr<1024>>();
    error_type::<MintError>();
    error_type::<VerifyError>();
    error_type::<EmptySecret>();
    error_type::<twilio_jwt::json::JsonError>();
}

#[test]
fn every_form_of_a_secret_signs_the_same_token() {
    let key = Key::hs256(b"secret").unwrap();
    let owned = String::from("secret");
    let mint = |secret: Secret<'_>| {
        AccessToken::new("AC1", "SK1", secret)
            .identity("alice")
            .to_jwt(1_700_000_000)
            .unwrap()
    };
    let expected = mint(Secret::from("secret"));
    for secret in [
        Secret::from(b"secret"),
        Secret::from(&b"secret"[..]),
        Secret::from(&owned),
        Secret::from(&key),
    ] {
        assert_eq!(mint(secret), expected);
    }
}

#[test]
fn a_token_built_on_one_thread_mints_on_another() {
    let key = Key::hs256(b"secret").unwrap();
    let video = VideoGrant::new().room("r");
    let token = AccessToken::new("AC1", "SK1", &key)
        .identity("alice")
        .grant(&video);
    let verifier = Verifier::new(key.clone());
    let jwt = std::thread::scope(|s| s.spawn(|| token.to_jwt(1_700_000_000)).join().unwrap());
    assert!(verifier.verify_owned(&jwt.unwrap(), 1_700_000_000).is_ok());
}

const SECRET: &str = "s3cr3t-API-key-value-0123456789abcdef";

/// Every way the secret could show up in text.
fn leaks(text: &str) -> bool {
    let hex: String = SECRET.bytes().map(|b| format!("{b:02x}")).collect();
    let bytes = format!("{:?}", SECRET.as_bytes());
    text.contains(SECRET) || text.contains(&hex) || text.contains(&bytes[1..bytes.len() - 1])
}

#[test]
fn no_debug_output_shows_a_secret() {
    let key = Key::new(Algorithm::HS384, SECRET.as_bytes()).unwrap();
    let video = VideoGrant::new().room("r");
    let access = AccessToken::new("AC1", "SK1", SECRET)
        .identity("alice")
        .grant(&video);
    let access_key = AccessToken::new("AC1", "SK1", &key).identity("alice");
    let client = ClientCapability::new("AC1", SECRET).allow_client_incoming("alice");
    let taskrouter = TaskRouterCapability::worker("AC1", SECRET, "WS1", "WK1");
    let verifier = Verifier::new(key.clone()).access_tokens("AC1", "SK1");
    let outputs = [
        format!("{key:?}"),
        format!("{key:#?}"),
        format!("{:?}", Secret::from(SECRET)),
        format!("{:?}", Secret::from(&key)),
        format!("{access:?}"),
        format!("{access:#?}"),
        format!("{access_key:?}"),
        format!("{client:?}"),
        format!("{taskrouter:?}"),
        format!("{verifier:?}"),
        format!("{:?}", Verifier::from_secret(SECRET.as_bytes()).unwrap()),
    ];
    for out in &outputs {
        assert!(!leaks(out), "{out}");
    }
    // They still say what they are.
    assert_eq!(outputs[0], "Key { algorithm: HS384, .. }");
    assert!(outputs[4].contains("alice") && outputs[4].contains("SK1"));
    assert!(outputs[9].contains("AC1"));
}

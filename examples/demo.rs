//! Mint a demo access token with obviously fake credentials, print it, and verify it.
//!
//! `cargo run --example demo`

use twilio_jwt::{AccessToken, Key, Verifier, VideoGrant, VoiceGrant, unix_now};

const ACCOUNT_SID: &str = "AC00000000000000000000000000000000";
const API_KEY_SID: &str = "SK00000000000000000000000000000000";
const API_KEY_SECRET: &str = "not-a-real-secret-demo-only-0000";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    eprintln!("demo: using built-in FAKE credentials; this token will not work with Twilio");
    let video = VideoGrant::new().room("demo");
    let voice = VoiceGrant::new().incoming_allow(true);
    let now = unix_now();
    // One key per API key, made once: minting and verifying both start from its HMAC state.
    let key = Key::hs256(API_KEY_SECRET.as_bytes())?;
    let jwt = AccessToken::new(ACCOUNT_SID, API_KEY_SID, &key)
        .identity("alice")
        .grant(&video)
        .grant(&voice)
        .to_jwt(now)?;
    println!("{jwt}");

    let claims = Verifier::new(key)
        .access_tokens(ACCOUNT_SID, API_KEY_SID)
        .verify_owned(&jwt, now)?;
    eprintln!(
        "demo: verified; identity {:?}, expires at {}",
        claims.identity().unwrap_or_default(),
        claims.claims().exp()
    );
    Ok(())
}

//! Property tests: the writer's JSON, scope URIs, and mint → verify round trips.

#![cfg(feature = "std")]

use proptest::prelude::*;
use twilio_jwt::json::JsonWriter;
use twilio_jwt::{
    AccessToken, Algorithm, ChatGrant, ClientCapability, Key, Payload, ScopeUri, Verifier,
    VerifyError, VideoGrant, VoiceGrant, form_pairs,
};

fn write_json(f: impl Fn(&mut JsonWriter<'_>)) -> String {
    twilio_jwt::json::to_string(f)
}

const NOW: u64 = 1_700_000_000;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn written_strings_parse_back_and_are_ascii(s in any::<String>()) {
        let json = write_json(|w| w.string(&s));
        prop_assert!(json.is_ascii());
        let back: String = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &s);
        // Our own reader agrees.
        let value = twilio_jwt::json::parse(json.as_bytes()).unwrap();
        prop_assert_eq!(value.as_str().unwrap().chars().collect::<String>(), s);
    }

    #[test]
    fn written_objects_parse_back(pairs in proptest::collection::vec((any::<String>(), any::<String>()), 0..6)) {
        let json = write_json(|w| {
            w.begin_object();
            for (i, (k, v)) in pairs.iter().enumerate() {
                w.key(&format!("{i}{k}"));
                w.string(v);
            }
            w.end_object();
        });
        let back: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back.len(), pairs.len());
        for ((k, v), (i, (k2, v2))) in back.iter().zip(pairs.iter().enumerate()) {
            prop_assert_eq!(k, &format!("{i}{k2}"));
            prop_assert_eq!(v.as_str().unwrap(), v2.as_str());
        }
    }

    #[test]
    fn scope_uris_decode_back_to_their_params(
        name in any::<String>(),
        app in "[A-Za-z0-9 /&=+%é]{1,12}",
        params in proptest::collection::vec((any::<String>(), any::<String>()), 0..5),
        filters in proptest::collection::vec(("[a-z]{1,4}", any::<String>()), 0..4),
    ) {
        let mut token = ClientCapability::<16>::with_capacity("AC0", "secret")
            .allow_client_incoming(&name)
            .allow_client_outgoing(&app)
            .allow_event_stream();
        for (k, v) in &params {
            token = token.outgoing_param(k, v);
        }
        for (k, v) in &filters {
            token = token.event_filter(k, v);
        }
        // Later values for the same name replace earlier ones, in first-seen order.
        let dedup = |list: &[(String, String)]| {
            let mut out: Vec<(String, String)> = Vec::new();
            for (k, v) in list {
                match out.iter_mut().find(|(k2, _)| k2 == k) {
                    Some(pair) => pair.1 = v.clone(),
                    None => out.push((k.clone(), v.clone())),
                }
            }
            out
        };
        let scope = token.scope::<65536>().unwrap();
        let uris: Vec<ScopeUri<'_>> = scope.split(' ').map(|u| ScopeUri::parse(u).unwrap()).collect();
        prop_assert_eq!(uris.len(), 3);
        prop_assert_eq!(uris[0].param("clientName").unwrap().decode().unwrap(), name.clone());
        prop_assert_eq!(uris[1].param("appSid").unwrap().decode().unwrap(), app);
        prop_assert_eq!(uris[1].param("clientName").unwrap().decode().unwrap(), name);
        for (uri, key, expected) in [(&uris[1], "appParams", dedup(&params)), (&uris[2], "params", dedup(&filters))] {
            let decoded: Vec<(String, String)> = match uri.param(key) {
                Some(v) => form_pairs(&v.decode().unwrap())
                    .map(|(k, v)| (k.decode().unwrap(), v.decode().unwrap()))
                    .collect(),
                None => Vec::new(),
            };
            prop_assert_eq!(decoded, expected);
        }
    }

    #[test]
    fn minted_access_tokens_verify_to_what_they_were_built_from(
        identity in ".{1,40}",
        room in any::<String>(),
        service in "IS[0-9a-f]{0,32}",
        params in proptest::collection::vec(("[a-z]{1,6}", any::<String>()), 0..4),
        ttl in 1i64..=86_400,
        alg in prop_oneof![Just(Algorithm::HS256), Just(Algorithm::HS384), Just(Algorithm::HS512)],
        region in "[a-z0-9]{0,4}",
    ) {
        let video = VideoGrant::new().room(&room);
        let chat = ChatGrant::new().service_sid(&service);
        let mut voice = VoiceGrant::new().incoming_allow(true).outgoing_application_sid("AP1");
        for (k, v) in &params {
            voice = voice.outgoing_param(k, v);
        }
        let token = AccessToken::new("AC1", "SK1", "s3cret")
            .identity(&identity)
            .region(&region)
            .ttl(ttl)
            .algorithm(alg)
            .grant(&video)
            .grant(&chat)
            .grant(&voice);
        let jwt = token.to_jwt(NOW).unwrap();
        prop_assert_eq!(jwt.len(), token.encoded_len(NOW).unwrap());

        let mut scratch = vec![0u8; jwt.len()];
        let verifier = Verifier::new(Key::new(alg, b"s3cret").unwrap());
        let claims = verifier.verify(&jwt, NOW, &mut scratch).unwrap();
        prop_assert_eq!(claims.identity().unwrap().to_string(), identity);
        prop_assert_eq!(claims.exp(), NOW + ttl as u64);
        prop_assert_eq!(claims.nbf(), Some(NOW));
        prop_assert_eq!(claims.jti().unwrap().to_string(), format!("SK1-{NOW}"));
        prop_assert_eq!(claims.iss().unwrap(), "SK1");
        prop_assert_eq!(claims.sub().unwrap(), "AC1");
        prop_assert_eq!(claims.region().map(|r| r.to_string()).unwrap_or_default(), region);
        let video = claims.video().unwrap();
        prop_assert_eq!(video.room.map(|r| r.to_string()).unwrap_or_default(), room);
        prop_assert_eq!(claims.chat().unwrap().service_sid.unwrap().to_string(), service);
        let voice = claims.voice().unwrap();
        prop_assert!(voice.incoming_allow);
        prop_assert_eq!(voice.outgoing_application_sid.unwrap(), "AP1");
        let got: Vec<(String, String)> = voice
            .outgoing_params
            .map(|p| p.members().map(|(k, v)| (k.to_string(), v.as_str().unwrap().to_string())).collect())
            .unwrap_or_default();
        let mut want: Vec<(String, String)> = Vec::new();
        for (k, v) in &params {
            match want.iter_mut().find(|(k2, _)| k2 == k) {
                Some(pair) => pair.1 = v.clone(),
                None => want.push((k.clone(), v.clone())),
            }
        }
        prop_assert_eq!(got, want);

        // One second before expiry it verifies, at expiry it does not.
        let last = NOW + ttl as u64 - 1;
        prop_assert!(verifier.verify(&jwt, last, &mut scratch).is_ok());
        prop_assert_eq!(
            verifier.verify(&jwt, last + 1, &mut scratch).err(),
            Some(VerifyError::Expired)
        );
    }

    #[test]
    fn a_reused_key_mints_and_verifies_as_the_raw_secret_does(
        secret in proptest::collection::vec(any::<u8>(), 1..200),
        identity in ".{1,20}",
        alg in prop_oneof![Just(Algorithm::HS256), Just(Algorithm::HS384), Just(Algorithm::HS512)],
        tamper in any::<Option<(prop::sample::Index, u8)>>(),
        now in NOW - 7200..NOW + 7200,
    ) {
        let key = Key::new(alg, &secret).unwrap();
        // A key used once before: its state must not carry anything over.
        let _ = AccessToken::new("AC1", "SK1", &key).identity("warm-up").to_jwt(NOW).unwrap();
        let raw = AccessToken::new("AC1", "SK1", secret.as_slice()).identity(&identity).algorithm(alg);
        let jwt = raw.to_jwt(NOW).unwrap();
        let with_key = AccessToken::new("AC1", "SK1", &key).identity(&identity);
        prop_assert_eq!(&with_key.to_jwt(NOW).unwrap(), &jwt);

        // The signature is the HMAC of the signing input under the secret itself.
        use hmac::{Hmac, KeyInit, Mac};
        use base64ct::{Base64UrlUnpadded, Encoding};
        let (input, sig) = jwt.rsplit_once('.').unwrap();
        let expected = match alg {
            Algorithm::HS256 => Hmac::<sha2::Sha256>::new_from_slice(&secret).unwrap()
                .chain_update(input).finalize().into_bytes().to_vec(),
            Algorithm::HS384 => Hmac::<sha2::Sha384>::new_from_slice(&secret).unwrap()
                .chain_update(input).finalize().into_bytes().to_vec(),
            _ => Hmac::<sha2::Sha512>::new_from_slice(&secret).unwrap()
                .chain_update(input).finalize().into_bytes().to_vec(),
        };
        prop_assert_eq!(sig, Base64UrlUnpadded::encode_string(&expected));

        // Verification answers the same, with a kept key or a fresh one, on good and bad tokens.
        let mut token = jwt.into_bytes();
        if let Some((at, byte)) = tamper {
            let at = at.index(token.len());
            token[at] = byte;
        }
        let Ok(token) = String::from_utf8(token) else { return Ok(()) };
        let kept = Verifier::new(key.clone());
        let kept_answer = kept.verify_owned(&token, now);
        prop_assert_eq!(&kept.verify_owned(&token, now), &kept_answer);
        let fresh = Verifier::new(Key::new(alg, &secret).unwrap()).verify_owned(&token, now);
        prop_assert_eq!(&fresh, &kept_answer);
        if alg == Algorithm::HS256 {
            prop_assert_eq!(&twilio_jwt::verify(&token, &secret, now), &kept_answer);
        }
    }

    #[test]
    fn changing_any_byte_breaks_verification(index in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let video = VideoGrant::new().room("r");
        let jwt = AccessToken::new("AC1", "SK1", "s3cret").identity("alice").grant(&video).to_jwt(NOW).unwrap();
        let mut bytes = jwt.clone().into_bytes();
        let i = index.index(bytes.len());
        prop_assume!(bytes[i] != byte);
        bytes[i] = byte;
        let Ok(tampered) = String::from_utf8(bytes) else { return Ok(()) };
        let mut scratch = vec![0u8; tampered.len() + 4];
        let result = Verifier::from_secret(b"s3cret").unwrap().verify(&tampered, NOW, &mut scratch);
        prop_assert!(result.is_err(), "tampered token verified: {tampered}");
    }
}

/// A custom payload for the generic signer.
struct Custom<'a>(&'a str);

impl Payload for Custom<'_> {
    fn write_header(&self, w: &mut JsonWriter<'_>) {
        w.field_str("kid", "k1");
    }
    fn write_claims(&self, w: &mut JsonWriter<'_>) {
        w.field_str("sub", self.0);
        w.field_u64("exp", NOW + 60);
    }
}

#[test]
fn generic_signer_tokens_verify() {
    for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
        let key = Key::new(alg, b"k").unwrap();
        let jwt = key.sign(&Custom("Zoë")).unwrap();
        let claims = Verifier::new(key).verify_owned(&jwt, NOW).unwrap();
        assert_eq!(claims.claims().sub().unwrap().to_string(), "Zoë");
        assert_eq!(
            claims.header_json(),
            format!(r#"{{"alg":"{alg}","kid":"k1","typ":"JWT"}}"#)
        );
    }
}

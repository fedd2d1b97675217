//! Benchmark: mint and verify against the bare HMAC floor and `jsonwebtoken`, in one run.
//!
//! ```text
//! cargo run --release --example bench            # full run, ~20-40 s
//! cargo run --release --example bench -- --quick # CI smoke run, about a second
//! ```
//!
//! Every measurement runs in the same process and is interleaved with all the others: each
//! round visits every measurement once (starting from a different one each round), so machine
//! noise hits them all alike. Within a round a measurement runs a few sub-batches of `N`
//! iterations (`N` sized so one sub-batch takes ~3 ms); the round's value is the median
//! ns/op of its sub-batches and the reported value is the median of the round values (median
//! of medians). The p25-p75 spread of the round values is shown beside it.
//!
//! The floor is HMAC-SHA256 alone over the token's exact signing input
//! (`base64url(header) "." base64url(payload)`), with the key setup included, per operation:
//! no token can be minted or verified faster than that.
//!
//! Heap allocations per operation are counted by a global allocator wrapping `System`, in a
//! separate (untimed) pass, so counting costs nothing in the timed loops.
//!
//! At the end, stdout gets one JSON object per line: first the CPU it ran on, then
//! `{"name", "ns_per_op", "allocs_per_op"}` per measurement, then the headline ratios with the
//! goals of issue #13 (reported, not asserted: a ratio is only meaningful on a quiet machine):
//!
//! | ratio | of | goal |
//! |---|---|---|
//! | `mint_vs_hmac` | `access/mint_stack` / `access/hmac_floor` | <= 1.6 |
//! | `verify_vs_hmac` | `access/verify_decode` / `access/hmac_floor` | <= 2.1 |
//! | `mint_key_vs_hmac` | `access/mint_key` / `access/hmac_floor` | <= 1.45 |
//! | `verify_key_vs_hmac` | `access/verify_key` / `access/hmac_floor` | <= 1.9 |
//! | `mint_vs_jsonwebtoken` | `access/jsonwebtoken_encode` / `access/mint_stack` | >= 1.8 |
//! | `verify_vs_jsonwebtoken` | `access/jsonwebtoken_decode` / `access/verify_decode` | >= 1.8 |
//! | `mint_key_vs_jsonwebtoken` | `access/jsonwebtoken_encode` / `access/mint_key` | >= 1.9 |
//! | `verify_key_vs_jsonwebtoken` | `access/jsonwebtoken_decode` / `access/verify_key` | >= 3.0 |
//! | `worst_case_vs_long_string` | `64kb/many_keys_decode_unverified` / `64kb/long_string_decode_unverified` | <= 4 |
//!
//! `mint_stack` and `verify_decode` start from the raw secret every time (one-shot use: the HMAC
//! key schedule runs per operation, as in the floor); `mint_key` and `verify_key` reuse a
//! [`Key`](twilio_jwt::Key) made once, as a server keeps one per API key. The `_vs_jsonwebtoken`
//! ratios are "jsonwebtoken time / twilio-jwt time": above 1 means this crate is faster.

// A global allocator needs `unsafe`; the library itself forbids it.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64ct::{Base64UrlUnpadded, Encoding};
use hmac::{Hmac, KeyInit, Mac};
use jsonwebtoken::{Algorithm as JwtAlgorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use twilio_jwt::{
    AccessToken, ChatGrant, ClientCapability, Key, TaskRouterCapability, Verifier, VideoGrant,
    VoiceGrant, unix_now,
};

// ---------------------------------------------------------------------------------------------
// Counting allocator
// ---------------------------------------------------------------------------------------------

/// Counts calls that obtain heap memory (`alloc`, `alloc_zeroed`, `realloc`).
struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

impl Counting {
    #[inline]
    fn bump() {
        // The benchmark is single-threaded: a relaxed load + store (no locked read-modify-write)
        // keeps the allocator's overhead at one plain increment.
        ALLOCS.store(ALLOCS.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
    }
}

// SAFETY (of the trait contract): every call is forwarded unchanged to `System`.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Self::bump();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Self::bump();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        Self::bump();
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

// ---------------------------------------------------------------------------------------------
// The reference tokens
// ---------------------------------------------------------------------------------------------

const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
const API_KEY_SID: &str = "SK0123456789abcdef0123456789abcdef";
const API_KEY_SECRET: &str = "bench-secret-0123456789abcdef0123";
const AUTH_TOKEN: &str = "0123456789abcdef0123456789abcdef";
const IDENTITY: &str = "alice@example.com";
const ROOM: &str = "DailyStandup";
const CHAT_SERVICE_SID: &str = "IS0123456789abcdef0123456789abcdef";
const CHAT_ENDPOINT_ID: &str = "alice:device";
const VOICE_APP_SID: &str = "AP0123456789abcdef0123456789abcdef";
const WORKSPACE_SID: &str = "WS0123456789abcdef0123456789abcdef";
const WORKER_SID: &str = "WK0123456789abcdef0123456789abcdef";
const CTY: &str = AccessToken::CONTENT_TYPE;

/// Enough for every token here (the 3 KB-identity token is ~4.7 KB).
const BUF: usize = 8192;

/// The same claims as the reference access token, for `jsonwebtoken` + `serde_json`. The field
/// order is the crate's, so the payload serializes to the same bytes.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct JtClaims {
    jti: String,
    grants: JtGrants,
    iss: String,
    exp: u64,
    nbf: u64,
    sub: String,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct JtGrants {
    video: JtVideo,
    chat: JtChat,
    voice: JtVoice,
    identity: String,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct JtVideo {
    room: String,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct JtChat {
    service_sid: String,
    endpoint_id: String,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct JtVoice {
    incoming: JtIncoming,
    outgoing: JtOutgoing,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct JtIncoming {
    allow: bool,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct JtOutgoing {
    application_sid: String,
}

impl JtClaims {
    fn new(identity: &str, now: u64) -> Self {
        JtClaims {
            jti: format!("{API_KEY_SID}-{now}"),
            grants: JtGrants {
                video: JtVideo { room: ROOM.into() },
                chat: JtChat {
                    service_sid: CHAT_SERVICE_SID.into(),
                    endpoint_id: CHAT_ENDPOINT_ID.into(),
                },
                voice: JtVoice {
                    incoming: JtIncoming { allow: true },
                    outgoing: JtOutgoing {
                        application_sid: VOICE_APP_SID.into(),
                    },
                },
                identity: identity.into(),
            },
            iss: API_KEY_SID.into(),
            exp: now + 3600,
            nbf: now,
            sub: ACCOUNT_SID.into(),
        }
    }
}

/// A 3 KB identity (ASCII, nothing to escape).
fn big_identity() -> String {
    let mut s = String::from(IDENTITY);
    s.push('/');
    let filler = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut i = 0;
    while s.len() < 3072 {
        s.push(char::from(filler[i % filler.len()]));
        i += 1;
    }
    s
}

/// The part of a compact JWS that the HMAC covers.
fn signing_input(jwt: &str) -> &str {
    jwt.rsplit_once('.').expect("three segments").0
}

// ---------------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------------

/// One measured operation: `run(n)` performs it `n` times.
struct Measurement<'a> {
    name: String,
    /// Index of the measurement the "x floor" column divides by (its group's HMAC floor).
    floor: usize,
    run: Box<dyn FnMut(u64) + 'a>,
    iters: u64,
    rounds: Vec<f64>,
    allocs_per_op: f64,
}

struct Config {
    rounds: usize,
    sub_batches: usize,
    sub_batch: Duration,
    warm_up: Duration,
}

impl Config {
    fn full() -> Self {
        Config {
            rounds: 51,
            sub_batches: 7,
            sub_batch: Duration::from_micros(3000),
            warm_up: Duration::from_millis(60),
        }
    }

    fn quick() -> Self {
        Config {
            rounds: 5,
            sub_batches: 3,
            sub_batch: Duration::from_micros(1000),
            warm_up: Duration::from_millis(10),
        }
    }
}

struct Bench<'a> {
    list: Vec<Measurement<'a>>,
    group_floor: Option<usize>,
}

impl<'a> Bench<'a> {
    /// Start a group of measurements; the first one added to it is its floor.
    fn group(&mut self) {
        self.group_floor = None;
    }

    fn add<R>(&mut self, name: impl Into<String>, mut op: impl FnMut() -> R + 'a) {
        let index = self.list.len();
        let floor = *self.group_floor.get_or_insert(index);
        self.list.push(Measurement {
            name: name.into(),
            floor,
            run: Box::new(move |n| {
                for _ in 0..n {
                    black_box(op());
                }
            }),
            iters: 1,
            rounds: Vec::new(),
            allocs_per_op: 0.0,
        });
    }

    fn run(&mut self, cfg: &Config) {
        // Warm up and size the batches.
        for m in &mut self.list {
            let mut n = 1u64;
            let start = Instant::now();
            let per_op = loop {
                let t = Instant::now();
                (m.run)(n);
                let took = t.elapsed();
                if start.elapsed() >= cfg.warm_up && took >= cfg.sub_batch / 4 {
                    break took.as_nanos() as f64 / n as f64;
                }
                if took < cfg.sub_batch {
                    n *= 2;
                }
            };
            m.iters = ((cfg.sub_batch.as_nanos() as f64 / per_op) as u64).max(1);
        }
        // Allocations per operation, untimed.
        for m in &mut self.list {
            let n = 256;
            let before = ALLOCS.load(Ordering::Relaxed);
            (m.run)(n);
            let after = ALLOCS.load(Ordering::Relaxed);
            m.allocs_per_op = (after - before) as f64 / n as f64;
        }
        // Interleaved rounds.
        let count = self.list.len();
        let mut samples = vec![0f64; cfg.sub_batches];
        for round in 0..cfg.rounds {
            for k in 0..count {
                let m = &mut self.list[(round + k) % count];
                for sample in samples.iter_mut() {
                    let t = Instant::now();
                    (m.run)(m.iters);
                    *sample = t.elapsed().as_nanos() as f64 / m.iters as f64;
                }
                m.rounds.push(median(&mut samples));
            }
        }
    }

    fn ns(&self, name: &str) -> f64 {
        let m = self
            .list
            .iter()
            .find(|m| m.name == name)
            .unwrap_or_else(|| panic!("no measurement {name}"));
        median(&mut m.rounds.clone())
    }
}

fn median(v: &mut [f64]) -> f64 {
    percentile(v, 0.5)
}

/// Linear-interpolated percentile (sorts `v`).
fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    let x = p * (v.len() - 1) as f64;
    let (lo, hi) = (x.floor() as usize, x.ceil() as usize);
    v[lo] + (v[hi] - v[lo]) * (x - lo as f64)
}

// ---------------------------------------------------------------------------------------------
// Measurements
// ---------------------------------------------------------------------------------------------

fn hmac_floor(key: &'static [u8], input: String) -> impl FnMut() -> [u8; 32] {
    move || {
        let mut mac = Hmac::<Sha256>::new_from_slice(black_box(key)).expect("any key length");
        mac.update(black_box(input.as_bytes()));
        mac.finalize().into_bytes().into()
    }
}

/// The access-token measurements for one identity.
fn access_group<'a>(
    bench: &mut Bench<'a>,
    prefix: &str,
    identity: &'a str,
    now: u64,
    extras: bool,
) {
    let video: &'a VideoGrant<'a> = Box::leak(Box::new(VideoGrant::new().room(ROOM)));
    let chat: &'a ChatGrant<'a> = Box::leak(Box::new(
        ChatGrant::new()
            .service_sid(CHAT_SERVICE_SID)
            .endpoint_id(CHAT_ENDPOINT_ID),
    ));
    let voice: &'a VoiceGrant<'a> = Box::leak(Box::new(
        VoiceGrant::new()
            .incoming_allow(true)
            .outgoing_application_sid(VOICE_APP_SID),
    ));
    let token = AccessToken::new(ACCOUNT_SID, API_KEY_SID, API_KEY_SECRET)
        .identity(identity)
        .grant(video)
        .grant(chat)
        .grant(voice);
    let jwt = token.to_jwt(now).expect("mint");
    let key: &'a Key = Box::leak(Box::new(
        Key::hs256(API_KEY_SECRET.as_bytes()).expect("non-empty"),
    ));
    let keyed_token = AccessToken::new(ACCOUNT_SID, API_KEY_SID, key)
        .identity(identity)
        .grant(video)
        .grant(chat)
        .grant(voice);
    let verifier = Verifier::new(key.clone());

    // jsonwebtoken: the same claims, HS256, `cty` in the header.
    let jt_claims = JtClaims::new(identity, now);
    let jt_header = Header {
        cty: Some(CTY.into()),
        ..Header::new(JwtAlgorithm::HS256)
    };
    let jt_enc = EncodingKey::from_secret(API_KEY_SECRET.as_bytes());
    let jt_dec = DecodingKey::from_secret(API_KEY_SECRET.as_bytes());
    let mut validation = Validation::new(JwtAlgorithm::HS256);
    // Same spirit as `Verifier`: `exp` required and checked, `nbf` checked when present, no
    // leeway (the default required claims are `{"exp"}`; there is no `aud` to check).
    validation.validate_nbf = true;
    validation.leeway = 0;
    let jt_jwt = jsonwebtoken::encode(&jt_header, &jt_claims, &jt_enc).expect("jsonwebtoken");

    // Sanity (untimed): both libraries produce and accept the same claims.
    {
        let ours: Vec<&str> = jwt.split('.').collect();
        let theirs: Vec<&str> = jt_jwt.split('.').collect();
        assert_eq!(ours[1], theirs[1], "{prefix}: payloads differ");
        let decoded = jsonwebtoken::decode::<JtClaims>(&jwt, &jt_dec, &validation)
            .expect("jsonwebtoken accepts our token");
        assert_eq!(decoded.claims, jt_claims);
        assert_eq!(decoded.header.cty.as_deref(), Some(CTY));
        let mut scratch = [0u8; BUF];
        let c = verifier
            .verify(&jt_jwt, now, &mut scratch)
            .expect("we accept jsonwebtoken's token");
        assert!(c.identity().is_some_and(|i| i == identity));
        assert!(c.video().and_then(|v| v.room).is_some_and(|r| r == ROOM));
        let c = verifier.verify(&jwt, now, &mut scratch).expect("verify");
        assert!(c.identity().is_some_and(|i| i == identity));
        assert!(c.video().and_then(|v| v.room).is_some_and(|r| r == ROOM));
        assert_eq!(c.exp(), now + 3600);
        assert_eq!(token.write_into(now, &mut scratch).expect("mint"), jwt);
        assert_eq!(
            keyed_token.write_into(now, &mut scratch).expect("mint"),
            jwt
        );
    }

    bench.group();
    bench.add(
        format!("{prefix}/hmac_floor"),
        hmac_floor(API_KEY_SECRET.as_bytes(), signing_input(&jwt).to_owned()),
    );
    if extras {
        // Context for the floor: the HMAC with its key schedule precomputed, and base64url
        // encoding alone with base64ct (header + payload + signature).
        let keyed = Hmac::<Sha256>::new_from_slice(API_KEY_SECRET.as_bytes()).expect("key");
        let input = signing_input(&jwt).to_owned();
        bench.add(format!("{prefix}/hmac_keyed_reused"), move || {
            let mut mac = black_box(&keyed).clone();
            mac.update(black_box(input.as_bytes()));
            <[u8; 32]>::from(mac.finalize().into_bytes())
        });
        let mut parts = jwt.split('.');
        let header = Base64UrlUnpadded::decode_vec(parts.next().expect("header")).expect("b64");
        let payload = Base64UrlUnpadded::decode_vec(parts.next().expect("payload")).expect("b64");
        let sig = Base64UrlUnpadded::decode_vec(parts.next().expect("sig")).expect("b64");
        let mut out = [0u8; BUF];
        bench.add(format!("{prefix}/base64ct_encode_only"), move || {
            let out = black_box(&mut out[..]);
            let a = Base64UrlUnpadded::encode(black_box(&header), out)
                .expect("fits")
                .len();
            let (_, rest) = out.split_at_mut(a);
            let b = Base64UrlUnpadded::encode(black_box(&payload), rest)
                .expect("fits")
                .len();
            let (_, rest) = rest.split_at_mut(b);
            let c = Base64UrlUnpadded::encode(black_box(&sig), rest)
                .expect("fits")
                .len();
            a + b + c
        });
    }
    let mut buf = [0u8; BUF];
    bench.add(format!("{prefix}/mint_stack"), move || {
        let jwt = black_box(&token)
            .write_into(black_box(now), black_box(&mut buf))
            .expect("mint");
        black_box(jwt);
    });
    if extras {
        bench.add(format!("{prefix}/encoded_len"), move || {
            black_box(&token).encoded_len(black_box(now)).expect("len")
        });
    }
    let mut buf = [0u8; BUF];
    bench.add(format!("{prefix}/mint_key"), move || {
        let jwt = black_box(&keyed_token)
            .write_into(black_box(now), black_box(&mut buf))
            .expect("mint");
        black_box(jwt);
    });
    bench.add(format!("{prefix}/mint_string"), move || {
        black_box(&token).to_jwt(black_box(now)).expect("mint")
    });
    let mut scratch = [0u8; BUF];
    let jwt2 = jwt.clone();
    bench.add(format!("{prefix}/verify_decode"), move || {
        // One-shot: the key schedule runs for this token alone.
        let verifier = Verifier::from_secret(black_box(API_KEY_SECRET.as_bytes())).expect("key");
        let claims = verifier
            .verify(black_box(&jwt2), black_box(now), &mut scratch)
            .expect("verify");
        claims.identity().is_some_and(|i| i == identity)
            && claims
                .video()
                .and_then(|v| v.room)
                .is_some_and(|r| r == ROOM)
    });
    let mut scratch = [0u8; BUF];
    let jwt2 = jwt.clone();
    let kept = verifier.clone();
    bench.add(format!("{prefix}/verify_key"), move || {
        let claims = black_box(&kept)
            .verify(black_box(&jwt2), black_box(now), &mut scratch)
            .expect("verify");
        claims.identity().is_some_and(|i| i == identity)
            && claims
                .video()
                .and_then(|v| v.room)
                .is_some_and(|r| r == ROOM)
    });
    if extras {
        let jwt2 = jwt.clone();
        bench.add(format!("{prefix}/verify_owned"), move || {
            let owned = black_box(&verifier)
                .verify_owned(black_box(&jwt2), black_box(now))
                .expect("verify");
            let claims = owned.claims();
            claims.identity().is_some_and(|i| i == identity)
                && claims
                    .video()
                    .and_then(|v| v.room)
                    .is_some_and(|r| r == ROOM)
        });
    }
    bench.add(format!("{prefix}/jsonwebtoken_encode"), move || {
        jsonwebtoken::encode(black_box(&jt_header), black_box(&jt_claims), &jt_enc)
            .expect("jsonwebtoken")
    });
    // jsonwebtoken decodes the very token `verify_decode` verifies.
    bench.add(format!("{prefix}/jsonwebtoken_decode"), move || {
        let data = jsonwebtoken::decode::<JtClaims>(black_box(&jwt), &jt_dec, &validation)
            .expect("jsonwebtoken");
        data.claims.grants.identity == identity && data.claims.grants.video.room == ROOM
    });
}

fn client_group(bench: &mut Bench<'_>, now: u64) {
    let token = ClientCapability::new(ACCOUNT_SID, AUTH_TOKEN)
        .allow_client_incoming("alice")
        .allow_client_outgoing(VOICE_APP_SID)
        .outgoing_param("k", "v");
    let jwt = token.to_jwt(now).expect("mint");
    let verifier = Verifier::from_secret(AUTH_TOKEN.as_bytes()).expect("key");
    {
        let mut scratch = [0u8; BUF];
        let c = verifier.verify(&jwt, now, &mut scratch).expect("verify");
        assert!(c.iss().is_some_and(|i| i == ACCOUNT_SID));
        assert_eq!(c.scopes().expect("scope").count(), 2);
    }
    bench.group();
    bench.add(
        "client/hmac_floor",
        hmac_floor(AUTH_TOKEN.as_bytes(), signing_input(&jwt).to_owned()),
    );
    let mut buf = [0u8; BUF];
    bench.add("client/mint_stack", move || {
        let jwt = black_box(&token)
            .write_into(black_box(now), black_box(&mut buf))
            .expect("mint");
        black_box(jwt);
    });
    bench.add("client/mint_string", move || {
        black_box(&token).to_jwt(black_box(now)).expect("mint")
    });
    let mut scratch = [0u8; BUF];
    bench.add("client/verify_decode", move || {
        let claims = black_box(&verifier)
            .verify(black_box(&jwt), black_box(now), &mut scratch)
            .expect("verify");
        claims.iss().is_some_and(|i| i == ACCOUNT_SID)
            && claims.scopes().map_or(0, Iterator::count) == 2
    });
}

fn taskrouter_group(bench: &mut Bench<'_>, now: u64) {
    let token = TaskRouterCapability::worker(ACCOUNT_SID, AUTH_TOKEN, WORKSPACE_SID, WORKER_SID)
        .allow_update_activities();
    let jwt = token.to_jwt(now).expect("mint");
    let verifier = Verifier::from_secret(AUTH_TOKEN.as_bytes()).expect("key");
    let policies = {
        let mut scratch = [0u8; BUF];
        let c = verifier.verify(&jwt, now, &mut scratch).expect("verify");
        assert!(c.iss().is_some_and(|i| i == ACCOUNT_SID));
        c.policies().count()
    };
    assert!(policies > 0);
    bench.group();
    bench.add(
        "taskrouter/hmac_floor",
        hmac_floor(AUTH_TOKEN.as_bytes(), signing_input(&jwt).to_owned()),
    );
    let mut buf = [0u8; BUF];
    bench.add("taskrouter/mint_stack", move || {
        let jwt = black_box(&token)
            .write_into(black_box(now), black_box(&mut buf))
            .expect("mint");
        black_box(jwt);
    });
    bench.add("taskrouter/mint_string", move || {
        black_box(&token).to_jwt(black_box(now)).expect("mint")
    });
    let mut scratch = [0u8; BUF];
    bench.add("taskrouter/verify_decode", move || {
        let claims = black_box(&verifier)
            .verify(black_box(&jwt), black_box(now), &mut scratch)
            .expect("verify");
        claims.iss().is_some_and(|i| i == ACCOUNT_SID) && claims.policies().count() == policies
    });
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

fn main() {
    let quick = std::env::args().skip(1).any(|a| a == "--quick");
    let cfg = if quick {
        Config::quick()
    } else {
        Config::full()
    };
    if cfg!(debug_assertions) {
        eprintln!("warning: debug build; run with --release for meaningful numbers");
    }
    // jsonwebtoken checks `exp`/`nbf` against the system clock, so mint at the real now.
    let now = unix_now();
    let identity_3kb: &'static str = Box::leak(big_identity().into_boxed_str());

    let mut bench = Bench {
        list: Vec::new(),
        group_floor: None,
    };
    access_group(&mut bench, "access", IDENTITY, now, true);
    access_group(&mut bench, "access_3kb", identity_3kb, now, false);
    client_group(&mut bench, now);
    taskrouter_group(&mut bench, now);
    worst_case_group(&mut bench);

    let started = Instant::now();
    // A number is only comparable on the machine it came from: name it.
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            let line = info.lines().find(|l| l.starts_with("model name"))?;
            Some(line.split_once(':')?.1.trim().to_string())
        })
        .unwrap_or_else(|| String::from("unknown (no /proc/cpuinfo)"));
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    eprintln!(
        "bench: CPU {cpu}, {cores} cores, {}",
        std::env::consts::ARCH
    );
    println!(
        "{}",
        serde_json::json!({"cpu": cpu, "cores": cores, "arch": std::env::consts::ARCH})
    );
    eprintln!(
        "bench: {} measurements x {} rounds x {} sub-batches of ~{:?}{}",
        bench.list.len(),
        cfg.rounds,
        cfg.sub_batches,
        cfg.sub_batch,
        if quick { " (quick)" } else { "" }
    );
    bench.run(&cfg);

    // Human table.
    eprintln!();
    eprintln!(
        "{:<34} {:>10} {:>19} {:>9} {:>10}",
        "measurement", "ns/op", "p25..p75", "x floor", "allocs/op"
    );
    let results: Vec<(String, f64, f64)> = bench
        .list
        .iter()
        .map(|m| {
            let mut r = m.rounds.clone();
            let ns = median(&mut r);
            let spread = format!(
                "{:.0}..{:.0}",
                percentile(&mut r, 0.25),
                percentile(&mut r, 0.75)
            );
            let floor = ns / median(&mut bench.list[m.floor].rounds.clone());
            eprintln!(
                "{:<34} {:>10.1} {:>19} {:>9} {:>10}",
                m.name,
                ns,
                spread,
                format!("{floor:.2}x"),
                fmt_allocs(m.allocs_per_op)
            );
            (m.name.clone(), ns, m.allocs_per_op)
        })
        .collect();

    let floor = bench.ns("access/hmac_floor");
    let mint = bench.ns("access/mint_stack");
    let verify = bench.ns("access/verify_decode");
    let jt_mint = bench.ns("access/jsonwebtoken_encode");
    let jt_verify = bench.ns("access/jsonwebtoken_decode");
    let mint_key = bench.ns("access/mint_key");
    let verify_key = bench.ns("access/verify_key");
    let worst_case = bench.ns("64kb/many_keys_decode_unverified")
        / bench.ns("64kb/long_string_decode_unverified");
    let ratios = [
        Ratio::at_most(
            "mint_vs_hmac",
            mint / floor,
            1.6,
            "twilio-jwt mint_stack time / HMAC-only time",
        ),
        Ratio::at_most(
            "verify_vs_hmac",
            verify / floor,
            2.1,
            "twilio-jwt verify_decode time / HMAC-only time",
        ),
        Ratio::at_most(
            "mint_key_vs_hmac",
            mint_key / floor,
            1.45,
            "twilio-jwt mint_key time (reused Key) / HMAC-only time",
        ),
        Ratio::at_most(
            "verify_key_vs_hmac",
            verify_key / floor,
            1.9,
            "twilio-jwt verify_key time (reused Key) / HMAC-only time",
        ),
        Ratio::at_least(
            "mint_vs_jsonwebtoken",
            jt_mint / mint,
            1.8,
            "jsonwebtoken encode time / twilio-jwt mint_stack time (>1: twilio-jwt faster)",
        ),
        Ratio::at_least(
            "verify_vs_jsonwebtoken",
            jt_verify / verify,
            1.8,
            "jsonwebtoken decode time / twilio-jwt verify_decode time (>1: twilio-jwt faster)",
        ),
        Ratio::at_least(
            "mint_key_vs_jsonwebtoken",
            jt_mint / mint_key,
            1.9,
            "jsonwebtoken encode time / twilio-jwt mint_key time (>1: twilio-jwt faster)",
        ),
        Ratio::at_least(
            "verify_key_vs_jsonwebtoken",
            jt_verify / verify_key,
            3.0,
            "jsonwebtoken decode time / twilio-jwt verify_key time (>1: twilio-jwt faster)",
        ),
        Ratio::at_most(
            "worst_case_vs_long_string",
            worst_case,
            4.0,
            "decode_unverified time of a 64 KB token of short keys / of one long string",
        ),
    ];
    eprintln!();
    for r in &ratios {
        eprintln!(
            "{:<26} {:>6.2}  (target {}: {})  {}",
            r.name,
            r.value,
            r.target(),
            if r.met() { "met" } else { "NOT met" },
            r.meaning
        );
    }
    eprintln!("bench: {:.1} s", started.elapsed().as_secs_f64());

    // Machine-readable summary, one JSON object per line.
    for (name, ns, allocs) in &results {
        println!(
            "{}",
            serde_json::json!({"name": name, "ns_per_op": round2(*ns), "allocs_per_op": round2(*allocs)})
        );
    }
    for r in &ratios {
        println!(
            "{}",
            serde_json::json!({"ratio": r.name, "value": round2(r.value), "meaning": r.meaning, "target": r.target(), "met": r.met()})
        );
    }
}

/// A headline ratio and the goal it is held to (reported, not asserted).
struct Ratio {
    name: &'static str,
    value: f64,
    /// The goal, and whether the value must be at most (`true`) or at least it.
    goal: f64,
    at_most: bool,
    meaning: &'static str,
}

impl Ratio {
    fn at_most(name: &'static str, value: f64, goal: f64, meaning: &'static str) -> Self {
        Ratio {
            name,
            value,
            goal,
            at_most: true,
            meaning,
        }
    }

    fn at_least(name: &'static str, value: f64, goal: f64, meaning: &'static str) -> Self {
        Ratio {
            name,
            value,
            goal,
            at_most: false,
            meaning,
        }
    }

    fn target(&self) -> String {
        format!("{} {}", if self.at_most { "<=" } else { ">=" }, self.goal)
    }

    fn met(&self) -> bool {
        if self.at_most {
            self.value <= self.goal
        } else {
            self.value >= self.goal
        }
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn fmt_allocs(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

// ---------------------------------------------------------------------------------------------
// Worst case: a 64 KB token whose payload is one flat object of short keys
// ---------------------------------------------------------------------------------------------

/// A payload written member by member.
struct Members(Vec<(String, String)>);

impl twilio_jwt::Payload for Members {
    fn write_claims(&self, w: &mut twilio_jwt::json::JsonWriter<'_>) {
        for (key, value) in &self.0 {
            w.field_str(key, value);
        }
    }
}

/// A token just under `MAX_TOKEN_LEN` holding `member(i)` for i = 0, 1, … while it fits.
fn token_64kb(member: impl Fn(usize) -> (String, String)) -> String {
    let signer = twilio_jwt::Key::hs256(API_KEY_SECRET.as_bytes()).expect("a non-empty secret");
    let mut members = Members(vec![("exp".into(), "1".into())]);
    // Grow by the JSON's length (`,"key":"value"`), then trim to the exact limit.
    let mut json = 13;
    while (json + 64) * 4 / 3 + 100 < twilio_jwt::MAX_TOKEN_LEN {
        let m = member(members.0.len());
        json += m.0.len() + m.1.len() + 6;
        members.0.push(m);
    }
    while signer.encoded_len(&members).is_err() {
        members.0.pop();
    }
    signer.sign(&members).expect("signs")
}

fn worst_case_group(bench: &mut Bench<'_>) {
    // Short distinct keys ("0", "1", … in base 36) with empty values: ~6,600 of them.
    let many_keys = token_64kb(|i| (radix36(i), String::new()));
    // One string member whose value grows a byte at a time would take long to build: grow it
    // by a kilobyte, then by single bytes.
    let long_string = {
        let signer = twilio_jwt::Key::hs256(API_KEY_SECRET.as_bytes()).expect("a non-empty secret");
        let mut len = 0;
        for step in [1024, 1] {
            while signer
                .encoded_len(&Members(vec![("s".into(), "x".repeat(len + step))]))
                .is_ok()
            {
                len += step;
            }
        }
        signer
            .sign(&Members(vec![("s".into(), "x".repeat(len))]))
            .expect("signs")
    };
    bench.group();
    for (name, token) in [("long_string", long_string), ("many_keys", many_keys)] {
        let token: &'static str = Box::leak(token.into_boxed_str());
        let mut scratch = vec![0u8; token.len()];
        bench.add(format!("64kb/{name}_decode_unverified"), move || {
            twilio_jwt::decode_unverified(black_box(token), &mut scratch).map(|c| c.exp())
        });
    }
}

fn radix36(mut i: usize) -> String {
    let mut digits = Vec::new();
    loop {
        digits.push(b"0123456789abcdefghijklmnopqrstuvwxyz"[i % 36]);
        i /= 36;
        if i == 0 {
            break;
        }
    }
    digits.reverse();
    String::from_utf8(digits).expect("ASCII")
}

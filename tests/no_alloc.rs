//! The buffer paths allocate nothing: minting into a `&mut [u8]` or a `StackStr`, and verifying
//! into a scratch buffer. Checked with a counting global allocator.

#![cfg(feature = "std")]
// A global allocator needs `unsafe`; the library itself forbids it.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use twilio_jwt::{
    AccessToken, Algorithm, ChatGrant, ClientCapability, Key, PlaybackGrant, StackStr,
    TaskRouterCapability, Verifier, VideoGrant, VoiceGrant,
};

/// Counts allocations made by the current thread (tests run on several threads).
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_in(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

const NOW: u64 = 1_700_000_000;

#[test]
fn the_counter_sees_allocations() {
    // Guards the test itself: a String must be counted.
    let n = allocations_in(|| {
        let s = std::hint::black_box(String::from("x")).repeat(100);
        std::hint::black_box(s);
    });
    assert!(n >= 1);
}

#[test]
fn minting_into_buffers_allocates_nothing() {
    let mut buf = [0u8; 4096];
    let n = allocations_in(|| {
        let video = VideoGrant::new().room("DailyStandup");
        let chat = ChatGrant::new()
            .service_sid("IS0")
            .endpoint_id("alice:phone");
        let voice = VoiceGrant::new()
            .incoming_allow(true)
            .outgoing_application_sid("AP0")
            .outgoing_param("queue", "support");
        let playback = PlaybackGrant::new(r#"{"playbackUrl":"https://e.com/x","n":[1,null]}"#);
        let token = AccessToken::new("AC0", "SK0", "secret")
            .identity("Zoë 😀")
            .region("us1")
            .grant(&video)
            .grant(&chat)
            .grant(&voice)
            .grant(&playback);
        let len = token.encoded_len(NOW).unwrap();
        assert_eq!(token.write_into(NOW, &mut buf).unwrap().len(), len);
        let on_stack: StackStr<2048> = token.to_buf(NOW).unwrap();
        assert_eq!(on_stack.len(), len);

        let client = ClientCapability::new("AC0", "token")
            .allow_client_incoming("alice")
            .allow_client_outgoing("AP0")
            .outgoing_param("a b", "c&d")
            .allow_event_stream()
            .event_filter("CallSid", "CA1");
        client.write_into(NOW, &mut buf).unwrap();
        client.scope::<512>().unwrap();

        TaskRouterCapability::worker("AC0", "token", "WS0", "WK0")
            .allow_update_activities()
            .write_into(NOW, &mut buf)
            .unwrap();
    });
    assert_eq!(n, 0, "minting into buffers allocated {n} times");
}

#[test]
fn verifying_into_scratch_allocates_nothing() {
    let video = VideoGrant::new().room("DailyStandup");
    let voice = VoiceGrant::new()
        .outgoing_application_sid("AP0")
        .outgoing_param("k", "v");
    let jwt = AccessToken::new("AC0", "SK0", "secret")
        .identity("Zoë")
        .grant(&video)
        .grant(&voice)
        .to_jwt(NOW)
        .unwrap();
    let client = ClientCapability::new("AC0", "secret")
        .allow_client_outgoing("AP0")
        .outgoing_param("x", "y z")
        .to_jwt(NOW)
        .unwrap();
    let mut scratch = [0u8; 2048];
    let mut name = [0u8; 64];
    let verifier = Verifier::from_secret(b"secret").unwrap().leeway(5);
    let n = allocations_in(|| {
        let claims = verifier.verify(&jwt, NOW + 1, &mut scratch).unwrap();
        assert_eq!(
            claims.identity().unwrap().unescape_into(&mut name),
            Some("Zoë")
        );
        assert_eq!(claims.video().unwrap().room.unwrap(), "DailyStandup");
        let voice = claims.voice().unwrap();
        assert_eq!(voice.outgoing_params.unwrap().members().count(), 1);
        assert_eq!(claims.exp(), NOW + 3600);

        let claims = verifier.verify(&client, NOW + 1, &mut scratch).unwrap();
        let scope = claims.scopes().unwrap().next().unwrap();
        assert_eq!(scope.privilege, "outgoing");
        assert!(scope.param("appSid").unwrap().eq_decoded("AP0"));

        assert!(verifier.verify(&jwt, NOW + 4000, &mut scratch).is_err());
    });
    assert_eq!(n, 0, "verifying into scratch allocated {n} times");
}

#[test]
fn keys_are_made_and_used_without_allocating() {
    let mut buf = [0u8; 2048];
    let mut scratch = [0u8; 2048];
    let n = allocations_in(|| {
        let key = Key::new(Algorithm::HS512, b"secret").unwrap();
        let copy = key.clone();
        let video = VideoGrant::new().room("r");
        let jwt = AccessToken::new("AC0", "SK0", &key)
            .identity("alice")
            .grant(&video)
            .write_into(NOW, &mut buf)
            .unwrap();
        let verifier =
            Verifier::with_keys([Key::hs256(b"old").unwrap(), copy]).access_tokens("AC0", "SK0");
        let claims = verifier.verify(jwt, NOW, &mut scratch).unwrap();
        assert!(claims.identity().unwrap() == "alice");
    });
    assert_eq!(n, 0, "keys allocated {n} times");
}

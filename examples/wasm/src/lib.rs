//! Mint a Twilio access token from WebAssembly, with no allocator and no std.
//!
//! # ABI
//!
//! The module owns two static buffers in its linear memory: the host writes the inputs into
//! one and reads the token back from the other. Only numbers cross the boundary.
//!
//! - `input_ptr() -> *mut u8`, `input_cap() -> usize`: where the host writes the input strings,
//!   one after another with no separator: account SID, API key SID, API key secret, identity,
//!   video room, chat service SID (UTF-8; the last two may be empty to leave out that grant).
//! - `output_ptr() -> *const u8`, `output_cap() -> usize`: where the token is written.
//! - `mint(now: u64, account_len, key_len, secret_len, identity_len, room_len, chat_len) -> i32`:
//!   the lengths of the six input strings; returns the token's length in bytes (at
//!   `output_ptr()`), or a negative error code:
//!   - `-1` the lengths overrun the input buffer, or an input is not UTF-8;
//!   - `-2` the token does not fit the output buffer;
//!   - `-3` any other minting error (empty SID, secret or identity, …).
//!
//! # Why `static mut`
//!
//! Without an allocator the module cannot hand out fresh memory, so it exposes two fixed
//! buffers. A `wasm32-unknown-unknown` module runs on one thread and `mint` never re-enters
//! itself, so `mint` is the only code that ever borrows them: the single `unsafe` block below
//! takes the one live borrow of each. The pointer getters only take raw addresses (`&raw`),
//! which is safe.

#![no_std]

use twilio_jwt::{AccessToken, ChatGrant, MintError, VideoGrant};

const INPUT_CAP: usize = 1024;
const OUTPUT_CAP: usize = 2048;

static mut INPUT: [u8; INPUT_CAP] = [0; INPUT_CAP];
static mut OUTPUT: [u8; OUTPUT_CAP] = [0; OUTPUT_CAP];

/// Address of the input buffer, for the host to write into.
#[unsafe(no_mangle)]
pub extern "C" fn input_ptr() -> *mut u8 {
    (&raw mut INPUT).cast()
}

/// Size of the input buffer in bytes.
#[unsafe(no_mangle)]
pub extern "C" fn input_cap() -> usize {
    INPUT_CAP
}

/// Address of the output buffer, for the host to read the token from.
#[unsafe(no_mangle)]
pub extern "C" fn output_ptr() -> *const u8 {
    (&raw const OUTPUT).cast()
}

/// Size of the output buffer in bytes.
#[unsafe(no_mangle)]
pub extern "C" fn output_cap() -> usize {
    OUTPUT_CAP
}

/// Mint an access token at `now` (unix seconds) from the inputs; see the module docs.
#[unsafe(no_mangle)]
pub extern "C" fn mint(
    now: u64,
    account_len: usize,
    key_len: usize,
    secret_len: usize,
    identity_len: usize,
    room_len: usize,
    chat_len: usize,
) -> i32 {
    // SAFETY: single-threaded module, `mint` is not re-entrant, and nothing else in the module
    // borrows the buffers (see the module docs), so these are the only live references.
    let (input, output) = unsafe {
        (
            core::slice::from_raw_parts((&raw const INPUT).cast::<u8>(), INPUT_CAP),
            core::slice::from_raw_parts_mut((&raw mut OUTPUT).cast::<u8>(), OUTPUT_CAP),
        )
    };

    let mut rest: &[u8] = input;
    let mut fields = [""; 6];
    for (field, len) in fields.iter_mut().zip([
        account_len,
        key_len,
        secret_len,
        identity_len,
        room_len,
        chat_len,
    ]) {
        let Some((bytes, tail)) = rest.split_at_checked(len) else {
            return -1;
        };
        let Ok(text) = core::str::from_utf8(bytes) else {
            return -1;
        };
        *field = text;
        rest = tail;
    }
    let [account_sid, key_sid, secret, identity, room, chat_service] = fields;

    let video = VideoGrant::new().room(room);
    let chat = ChatGrant::new().service_sid(chat_service);
    let mut token = AccessToken::new(account_sid, key_sid, secret).identity(identity);
    if !room.is_empty() {
        token = token.grant(&video);
    }
    if !chat_service.is_empty() {
        token = token.grant(&chat);
    }

    match token.write_into(now, output) {
        // At most OUTPUT_CAP (2048) bytes, so the length always fits an i32.
        Ok(jwt) => i32::try_from(jwt.len()).unwrap_or(-2),
        Err(MintError::BufferTooSmall { .. }) => -2,
        Err(_) => -3,
    }
}

/// With `panic = "abort"` and no std, a panic just traps. The library's minting path is
/// written without panics, so this should never be reached (and, being a trap, pulls in no
/// formatting code).
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

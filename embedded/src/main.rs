//! Mint a Twilio access token on a Cortex-M3 with no allocator and print it over semihosting.
//!
//! Runs under QEMU (`cargo run --release`, see `.cargo/config.toml`): prints the token on one
//! line and exits QEMU with status 0, or prints `error: <kind>` and exits with status 1.
//! `ci/cortex-m.sh` builds it, runs it and verifies the token on the host.

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hio};
use panic_halt as _;
use twilio_jwt::{AccessToken, VideoGrant, VoiceGrant};

/// A fixed clock: the board has no real-time clock. `ci/cortex-m.sh` checks the same value.
const NOW: u64 = 1_700_000_000;

const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
const API_KEY_SID: &str = "SK0123456789abcdef0123456789abcdef";
const API_KEY_SECRET: &str = "cortex-m-example-secret";

#[entry]
fn main() -> ! {
    let video = VideoGrant::new().room("demo");
    let voice = VoiceGrant::new()
        .incoming_allow(true)
        .outgoing_application_sid("AP0123456789abcdef0123456789abcdef")
        .outgoing_param("device", "lm3s6965");
    let token = AccessToken::new(ACCOUNT_SID, API_KEY_SID, API_KEY_SECRET)
        .identity("device-42")
        .grant(&video)
        .grant(&voice);

    // The token lives on the stack; `write_into` reports the exact size if this is too small.
    let mut buf = [0u8; 1024];
    let status = match token.write_into(NOW, &mut buf) {
        Ok(jwt) => {
            print(&[jwt.as_bytes(), b"\n"]);
            debug::EXIT_SUCCESS
        }
        Err(e) => {
            print(&[b"error: ", e.kind().as_bytes(), b"\n"]);
            debug::EXIT_FAILURE
        }
    };
    debug::exit(status);
    loop {
        cortex_m::asm::wfi();
    }
}

/// Write to the host's stdout without `core::fmt` (keeps formatting code out of the flash).
fn print(parts: &[&[u8]]) {
    if let Ok(mut out) = hio::hstdout() {
        for part in parts {
            let _ = out.write_all(part);
        }
    }
}

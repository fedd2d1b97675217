//! An axum server that hands out Video + Voice access tokens and checks them on every request.
//!
//! ```text
//! TWILIO_ACCOUNT_SID=AC… TWILIO_API_KEY=SK… TWILIO_API_SECRET=… \
//!     cargo run --example axum_server
//! curl 'http://127.0.0.1:3000/token?identity=alice'
//! curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:3000/me
//! ```
//!
//! The API key's [`Key`] is made once at startup and shared by every request: minting and
//! verifying start from its precomputed HMAC state. The [`Verifier`] lives in the application
//! state and checks, beyond the signature and times, that each token is ours: `sub` is our
//! account, `iss` our API key and `cty` an access token's (the access token preset).
//! `tests/axum_server.rs` runs this router on a loopback port.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use twilio_jwt::{AccessToken, EmptySecret, Key, Verifier, VideoGrant, VoiceGrant, unix_now};

/// What every request shares.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    account_sid: &'static str,
    key_sid: &'static str,
    key: Key,
    verifier: Verifier<'static>,
}

impl AppState {
    /// The state for one account and API key. The SIDs are configuration that lives as long as
    /// the process, so they are leaked once to give the verifier `'static` borrows.
    pub fn new(account_sid: &str, key_sid: &str, secret: &str) -> Result<Self, EmptySecret> {
        let account_sid: &'static str = Box::leak(account_sid.into());
        let key_sid: &'static str = Box::leak(key_sid.into());
        let key = Key::hs256(secret.as_bytes())?;
        let verifier = Verifier::new(key.clone())
            .leeway(30)
            .access_tokens(account_sid, key_sid);
        Ok(AppState(Arc::new(Inner {
            account_sid,
            key_sid,
            key,
            verifier,
        })))
    }

    /// The state from `TWILIO_ACCOUNT_SID`, `TWILIO_API_KEY` and `TWILIO_API_SECRET`.
    pub fn from_env() -> Result<Self, String> {
        let var = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set"));
        let (account, key, secret) = (
            var("TWILIO_ACCOUNT_SID")?,
            var("TWILIO_API_KEY")?,
            var("TWILIO_API_SECRET")?,
        );
        Self::new(&account, &key, &secret).map_err(|e| format!("TWILIO_API_SECRET: {e}"))
    }
}

/// The routes: `GET /token?identity=…` (open) and `GET /me` (requires a valid token).
pub fn router(state: AppState) -> Router {
    let protected = Router::new()
        .route("/me", get(me))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token));
    Router::new()
        .route("/token", get(token))
        .merge(protected)
        .with_state(state)
}

/// Mint a Video + Voice token for `?identity=` (form-encoded: `alice%40example.com`).
async fn token(State(state): State<AppState>, uri: Uri) -> Response {
    let Some(identity) = query_param(uri.query().unwrap_or_default(), "identity") else {
        return (
            StatusCode::BAD_REQUEST,
            "identity is not valid form encoding",
        )
            .into_response();
    };
    let video = VideoGrant::new().room("standup");
    let voice = VoiceGrant::new().incoming_allow(true);
    let token = AccessToken::new(state.0.account_sid, state.0.key_sid, &state.0.key)
        .identity(&identity)
        .grant(&video)
        .grant(&voice);
    // Held across an await point: the handler's future must be `Send`, so the builder (and the
    // grants it borrows) must be too. Stands for a database or rate-limit lookup.
    tokio::task::yield_now().await;
    match token.to_jwt(unix_now()) {
        Ok(jwt) => jwt.into_response(),
        // Every mint error names its input: here, most likely a missing identity.
        Err(e) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    }
}

/// The decoded value of `name` in a query string (`""` when absent; `None` when its
/// `%XX` escapes are broken or do not decode to UTF-8). `+` is a space, as in HTML forms.
fn query_param(query: &str, name: &str) -> Option<String> {
    let Some(raw) = query.split('&').find_map(|pair| {
        pair.strip_prefix(name)
            .and_then(|rest| rest.strip_prefix('='))
    }) else {
        return Some(String::new());
    };
    let mut bytes = Vec::with_capacity(raw.len());
    let mut rest = raw.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        rest = tail;
        match b {
            b'+' => bytes.push(b' '),
            b'%' => {
                let hex = rest
                    .get(..2)
                    .filter(|h| h.iter().all(u8::is_ascii_hexdigit))?;
                bytes.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
                rest = &rest[2..];
            }
            _ => bytes.push(b),
        }
    }
    String::from_utf8(bytes).ok()
}

/// The verified identity, put in the request by [`require_token`].
#[derive(Clone)]
struct Identity(String);

/// Refuse requests without a valid `Authorization: Bearer <access token>` of ours.
async fn require_token(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let Some(bearer) = bearer else {
        return (StatusCode::UNAUTHORIZED, "a bearer token is required").into_response();
    };
    match state.0.verifier.verify_owned(bearer, unix_now()) {
        Ok(claims) => {
            let identity = claims.identity().unwrap_or_default();
            req.extensions_mut().insert(Identity(identity));
            next.run(req).await
        }
        Err(e) => (StatusCode::UNAUTHORIZED, e.to_string()).into_response(),
    }
}

async fn me(req: Request) -> Response {
    match req.extensions().get::<Identity>() {
        Some(Identity(name)) => format!("hello, {name}").into_response(),
        None => StatusCode::UNAUTHORIZED.into_response(),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let state = AppState::from_env()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    eprintln!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, router(state)).await?;
    Ok(())
}

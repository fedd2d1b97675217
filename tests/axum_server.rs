//! `examples/axum_server.rs` on a loopback port: real HTTP requests, bounded in time.

#![cfg(feature = "std")]

#[path = "../examples/axum_server.rs"]
#[allow(dead_code)]
mod server;

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use twilio_jwt::{AccessToken, Verifier};

const ACCOUNT: &str = "AC00000000000000000000000000000001";
const KEY_SID: &str = "SK00000000000000000000000000000002";
const SECRET: &str = "axum-test-secret";

/// One HTTP/1.1 request; the status code and the body.
async fn get(addr: std::net::SocketAddr, path: &str, bearer: Option<&str>) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let auth = bearer
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\n{auth}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response.split_once("\r\n\r\n").unwrap().1.to_string();
    (status, body)
}

#[tokio::test]
async fn tokens_are_minted_and_checked_over_http() {
    let state = server::AppState::new(ACCOUNT, KEY_SID, SECRET).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, server::router(state)).await });

    let run = async {
        let (status, jwt) = get(addr, "/token?identity=alice", None).await;
        assert_eq!(status, 200, "{jwt}");
        // The token is a real Video + Voice access token of this account and key.
        let claims = Verifier::from_secret(SECRET.as_bytes())
            .unwrap()
            .access_tokens(ACCOUNT, KEY_SID)
            .verify_now(&jwt)
            .unwrap();
        assert_eq!(claims.identity().as_deref(), Some("alice"));
        let view = claims.claims();
        assert_eq!(view.video().unwrap().room.unwrap(), "standup");
        assert!(view.voice().unwrap().incoming_allow);

        assert_eq!(
            get(addr, "/me", Some(&jwt)).await,
            (200, "hello, alice".into())
        );
        let (status, body) = get(addr, "/me", None).await;
        assert_eq!((status, body.as_str()), (401, "a bearer token is required"));
        // Signed with our secret but for another account: the preset refuses it.
        let foreign = AccessToken::new("AC00000000000000000000000000000009", KEY_SID, SECRET)
            .identity("mallory")
            .to_jwt_now()
            .unwrap();
        let (status, body) = get(addr, "/me", Some(&foreign)).await;
        assert_eq!(status, 401);
        assert!(body.contains("account"), "{body}");
        let (status, body) = get(addr, "/me", Some("not.a.token")).await;
        assert_eq!(status, 401, "{body}");
        // The query is form-decoded: an e-mail address or a name with a space.
        let (status, jwt) = get(addr, "/token?room=x&identity=alice%40example.com", None).await;
        assert_eq!(status, 200, "{jwt}");
        assert_eq!(
            get(addr, "/me", Some(&jwt)).await,
            (200, "hello, alice@example.com".into())
        );
        let (_, jwt) = get(addr, "/token?identity=Zo%C3%AB+Smith", None).await;
        assert_eq!(
            get(addr, "/me", Some(&jwt)).await,
            (200, "hello, Zoë Smith".into())
        );
        for broken in ["alice%4", "alice%zz", "%+1", "%ff"] {
            let (status, _) = get(addr, &format!("/token?identity={broken}"), None).await;
            assert_eq!(status, 400, "{broken}");
        }
        // Without an identity, minting says so.
        let (status, body) = get(addr, "/token", None).await;
        assert_eq!(status, 400);
        assert!(body.contains("identity"), "{body}");
    };
    tokio::time::timeout(Duration::from_secs(20), run)
        .await
        .expect("the server answered in time");
}

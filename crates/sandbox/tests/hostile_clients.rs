//! Clients that misbehave on purpose, as an attacker on the same machine would: a
//! connection that never speaks, a TLS handshake left half done, an endless body without
//! credentials, headers that never end, a request naming another host (DNS rebinding).
//! None of them makes a server hold memory for it, answer for another host, or keeps
//! the sandbox from stopping within 5 s.
#![allow(clippy::unwrap_used)]

use crate::common;
use common::*;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

fn addr_of(url: &str) -> SocketAddr {
    url.split("://")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

async fn tls(addr: SocketAddr, ca_pem: &str) -> tokio_rustls::client::TlsStream<TcpStream> {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca_pem.as_bytes()).unwrap())
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let tcp = TcpStream::connect(addr).await.unwrap();
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(ServerName::IpAddress(addr.ip().into()), tcp)
        .await
        .unwrap()
}

/// The status code of the response the stream starts with.
async fn status_of(mut s: impl AsyncRead + Unpin) -> u16 {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n") {
        let n = s.read(&mut byte).await.unwrap();
        assert!(n > 0, "the server closed the connection without answering");
        head.push(byte[0]);
    }
    let line = String::from_utf8_lossy(&head);
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

async fn within<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(5), f)
        .await
        .unwrap_or_else(|_| panic!("{what} took more than 5 s"))
}

/// Send a raw HTTP/1.1 request and read the answer's status.
async fn request(mut s: impl AsyncRead + AsyncWrite + Unpin, head: &str) -> u16 {
    s.write_all(head.as_bytes()).await.unwrap();
    within("the answer", status_of(&mut s)).await
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unauthenticated_body_is_not_read() {
    let env = Env::start().await;
    let app = addr_of(&env.sb.info().app_server);
    let mut s = tls(app, &env.sb.app.ca_pem).await;
    // A gigabyte announced, one byte sent: the answer comes at once, without the rest.
    let status = request(
        &mut s,
        "POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: 127.0.0.1\r\n\
         Content-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n{",
    )
    .await;
    assert_eq!(status, 401);
    let mut s = tls(app, &env.sb.app.ca_pem).await;
    let status = request(
        &mut s,
        "POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: 127.0.0.1\r\n\
         Authorization: Bearer not-a-token\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{\"a\":",
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_for_other_hosts_are_refused() {
    let env = Env::start().await;
    let info = env.sb.info().clone();
    let app = addr_of(&info.app_server);
    let cp = addr_of(&info.control_plane_server);
    for (addr, port) in [(app, app.port()), (cp, cp.port())] {
        let get = |host: String| format!("GET /version HTTP/1.1\r\nHost: {host}\r\n\r\n");
        let s = tls(addr, &env.sb.app.ca_pem).await;
        assert_eq!(request(s, &get("evil.example".into())).await, 400);
        let s = tls(addr, &env.sb.app.ca_pem).await;
        assert_eq!(request(s, &get(format!("evil.example:{port}"))).await, 400);
        for ok in [format!("127.0.0.1:{port}"), format!("localhost:{port}")] {
            let s = tls(addr, &env.sb.app.ca_pem).await;
            assert_eq!(request(s, &get(ok)).await, 200);
        }
    }
    // The issuer's password grant and the backend: a page on evil.example that resolves
    // to 127.0.0.1 gets nothing.
    let issuer = addr_of(&info.oidc_issuer);
    let body = format!(
        "grant_type=password&client_id={}&username=developer&password=developer&scope=openid",
        sandbox::CLI_CLIENT_ID
    );
    let token = |host: &str| {
        format!(
            "POST /token HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    let s = TcpStream::connect(issuer).await.unwrap();
    assert_eq!(request(s, &token("evil.example")).await, 400);
    let s = TcpStream::connect(issuer).await.unwrap();
    assert_eq!(request(s, &token(&issuer.to_string())).await, 200);
    let backend = addr_of(&info.bind_url);
    let export = |host: &str| format!("GET /export HTTP/1.1\r\nHost: {host}\r\n\r\n");
    let s = TcpStream::connect(backend).await.unwrap();
    assert_eq!(request(s, &export("evil.example")).await, 400);
    let s = TcpStream::connect(backend).await.unwrap();
    assert_eq!(request(s, &export(&backend.to_string())).await, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn stuck_clients_do_not_hold_up_shutdown() {
    let env = Env::start().await;
    let info = env.sb.info().clone();
    let ca = env.sb.app.ca_pem.clone();
    let app = addr_of(&info.app_server);
    let cp = addr_of(&info.control_plane_server);
    let issuer = addr_of(&info.oidc_issuer);
    let backend = addr_of(&info.bind_url);
    let mut held = Vec::new();
    // Connections that never say anything, on every server.
    for a in [app, cp, issuer, backend] {
        held.push(TcpStream::connect(a).await.unwrap());
    }
    // A TLS handshake begun (a record header announcing a ClientHello) and left there.
    for a in [app, cp] {
        let mut s = TcpStream::connect(a).await.unwrap();
        s.write_all(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
            .await
            .unwrap();
        held.push(s);
    }
    // Headers that never end.
    for a in [issuer, backend] {
        let mut s = TcpStream::connect(a).await.unwrap();
        s.write_all(b"GET /export HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            .await
            .unwrap();
        held.push(s);
    }
    // An authenticated request whose body never ends, and one without credentials.
    let kc: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(&env.kubeconfig).unwrap()).unwrap();
    let admin_token = kc["users"][0]["user"]["token"].as_str().unwrap().to_owned();
    let mut trickling = Vec::new();
    for auth in [
        format!("Authorization: Bearer {admin_token}\r\n"),
        String::new(),
    ] {
        let mut s = tls(app, &ca).await;
        s.write_all(
            format!(
                "POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}\
                 Content-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n{{"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
        trickling.push(tokio::spawn(async move {
            while s.write_all(b" ").await.is_ok() {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }));
    }
    // A watch left open.
    let watch = {
        let client = env.app().await;
        let req = http::Request::get("/api/v1/namespaces/default/configmaps?watch=true")
            .body(Vec::new())
            .unwrap();
        client.request_stream(req).await.unwrap()
    };
    let Env { sb, dir, .. } = env;
    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(5), sb.shutdown())
        .await
        .expect("the sandbox stops within 5 s whatever its clients do");
    eprintln!("stopped in {:?}", started.elapsed());
    drop((held, watch, dir));
    for t in trickling {
        t.abort();
    }
}

//! Accepting connections, the same way for every server of the sandbox (both API servers,
//! the OIDC issuer, the bind backend). A local attacker may open connections and say
//! nothing, trickle headers, or keep a TLS handshake half done; so connections are bounded
//! in number, TLS handshakes and request headers must arrive in time, an HTTP/2
//! connection carries a bounded number of streams, and stopping ends every connection at
//! once whatever its client does. The Host header must name this server (a loopback
//! name or the address it listens on), so that a web page reached through DNS rebinding
//! cannot talk to it.

use http::{Request, Response};
use hyper::body::{Body, Incoming};
use hyper::service::Service;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use std::convert::Infallible;
use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// How much one server lets its clients hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Open connections; further clients wait in the listen backlog.
    pub connections: usize,
    /// From accepting a connection to the end of its TLS handshake.
    pub handshake: Duration,
    /// For an HTTP/1 request's headers (also the first request's, after connecting).
    pub headers: Duration,
    /// Concurrent streams of one HTTP/2 connection.
    pub streams: u32,
}

/// The API servers: kube-runtime and kubectl keep one connection per watch over HTTP/1.1,
/// so a busy client (500 watchers) holds hundreds. The header timeout is kube-apiserver's
/// `ReadHeaderTimeout` (32 s); with hyper it also closes a kept-alive connection idle that
/// long, so it must not be as short as a client's period (the cockpit's heartbeat, every
/// 10 s, met a 10 s timeout on every beat).
pub const API_LIMITS: Limits = Limits {
    connections: 4096,
    handshake: Duration::from_secs(10),
    headers: Duration::from_secs(32),
    streams: 250,
};

/// The issuer and the backend: browsers and our CLI, a few connections each.
pub const WEB_LIMITS: Limits = Limits {
    connections: 256,
    handshake: Duration::from_secs(10),
    headers: Duration::from_secs(10),
    streams: 100,
};

/// After a failed accept (out of file descriptors), wait this long before the next.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// The host names a server answers to: loopback names, and the host of its own URL. A
/// server listening on every address (0.0.0.0) answers to any IP address, never to a
/// DNS name other than `localhost`.
#[derive(Debug, Clone)]
pub struct HostCheck {
    names: Vec<String>,
    any_ip: bool,
}

impl HostCheck {
    /// For a server reached at `url` (`https://127.0.0.1:6443`, `http://issuer.test`).
    pub fn for_url(url: &str) -> Self {
        let mut names = vec![
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
            "::1".to_owned(),
        ];
        let mut any_ip = false;
        if let Ok(u) = url::Url::parse(url) {
            match u.host() {
                Some(url::Host::Domain(d)) => names.push(d.to_ascii_lowercase()),
                Some(url::Host::Ipv4(ip)) => {
                    any_ip |= ip.is_unspecified();
                    names.push(ip.to_string());
                }
                Some(url::Host::Ipv6(ip)) => {
                    any_ip |= ip.is_unspecified();
                    names.push(ip.to_string());
                }
                None => {}
            }
        }
        Self { names, any_ip }
    }

    /// Whether a Host header (or HTTP/2 authority) value names this server; the port is
    /// not looked at.
    pub fn allows(&self, host: &str) -> bool {
        let name = host_name(host).to_ascii_lowercase();
        let name = name.trim_end_matches('.');
        self.names.iter().any(|n| n == name) || (self.any_ip && name.parse::<IpAddr>().is_ok())
    }

    /// The host of a request: its Host header, else the authority of its URI (HTTP/2).
    /// `None` when it names none (HTTP/1.0): nothing to check, a browser always sends one.
    pub fn host_of<B>(req: &Request<B>) -> Option<String> {
        req.headers()
            .get(http::header::HOST)
            .map(|h| String::from_utf8_lossy(h.as_bytes()).into_owned())
            .or_else(|| req.uri().authority().map(|a| a.as_str().to_owned()))
    }
}

/// `[::1]:80` → `::1`, `example.com:80` → `example.com`.
fn host_name(host: &str) -> &str {
    let host = host.trim();
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

/// What a server needs to serve its connections.
pub struct Serving<S, R> {
    /// Answers every request whose Host header is accepted.
    pub service: S,
    /// The answer to a request for another host (it gets the Host header's value).
    pub refuse: R,
    pub hosts: HostCheck,
    pub tls: Option<Arc<rustls::ServerConfig>>,
    pub limits: Limits,
    /// Connections and HTTP/2 streams run here; waiting for it after `run` returns waits
    /// for them.
    pub tasks: TaskTracker,
    /// A short name for logs.
    pub name: String,
}

/// Runs hyper's HTTP/2 stream tasks on a [`TaskTracker`], so that waiting for it waits for
/// them too.
#[derive(Clone)]
struct TrackedExecutor(TaskTracker);

impl<F> hyper::rt::Executor<F> for TrackedExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        self.0.spawn(future);
    }
}

/// Accept connections on `listener` until `shutdown` completes; then end every open
/// connection (they run on `serving.tasks`).
pub async fn run<S, B, R>(
    serving: Serving<S, R>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) where
    S: Service<Request<Incoming>, Response = Response<B>, Error = Infallible>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    R: Fn(&str) -> Response<B> + Send + Sync + 'static,
{
    let stop = CancellationToken::new();
    let slots = Arc::new(Semaphore::new(serving.limits.connections));
    let hosts = Arc::new(serving.hosts);
    let refuse = Arc::new(serving.refuse);
    let acceptor = serving.tls.map(TlsAcceptor::from);
    let inner = serving.service;
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let inner = inner.clone();
        let hosts = hosts.clone();
        let refuse = refuse.clone();
        async move {
            match HostCheck::host_of(&req) {
                Some(host) if !hosts.allows(&host) => Ok(refuse(&host)),
                _ => inner.call(req).await,
            }
        }
    });
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            () = &mut shutdown => break,
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let tcp = tokio::select! {
            () = &mut shutdown => break,
            a = listener.accept() => match a {
                Ok((tcp, _)) => tcp,
                Err(error) => {
                    tracing::warn!(server = %serving.name, %error, "accepting a connection failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
        };
        let _ = tcp.set_nodelay(true);
        let conn = Connection {
            service: service.clone(),
            acceptor: acceptor.clone(),
            limits: serving.limits,
            executor: TrackedExecutor(serving.tasks.clone()),
        };
        let stop = stop.clone();
        serving.tasks.spawn(async move {
            tokio::select! {
                () = conn.serve(tcp) => {}
                () = stop.cancelled() => {}
            }
            drop(permit);
        });
    }
    stop.cancel();
}

/// Serve a web router (the issuer, the backend) on `listener` until `shutdown` completes,
/// then end its connections and wait for them.
pub async fn router(
    router: axum::Router,
    listener: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    url: &str,
    name: &str,
    shutdown: impl Future<Output = ()> + Send,
) {
    let tasks = TaskTracker::new();
    let serving = Serving {
        service: hyper_util::service::TowerToHyperService::new(router),
        refuse: |host: &str| {
            let mut r = Response::new(axum::body::Body::from(format!(
                "The Host header {host:?} does not name this server. Open it by its address \
                 (127.0.0.1 or localhost); other names could be a web page reaching it through \
                 DNS rebinding.\n"
            )));
            *r.status_mut() = http::StatusCode::BAD_REQUEST;
            r.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            r
        },
        hosts: HostCheck::for_url(url),
        tls,
        limits: WEB_LIMITS,
        tasks: tasks.clone(),
        name: name.to_owned(),
    };
    run(serving, listener, shutdown).await;
    tasks.close();
    tasks.wait().await;
}

struct Connection<S> {
    service: S,
    acceptor: Option<TlsAcceptor>,
    limits: Limits,
    executor: TrackedExecutor,
}

impl<S, B> Connection<S>
where
    S: Service<Request<Incoming>, Response = Response<B>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    async fn serve(self, tcp: TcpStream) {
        let Some(acceptor) = self.acceptor.clone() else {
            self.http(tcp, false).await;
            return;
        };
        let Ok(Ok(tls)) = tokio::time::timeout(self.limits.handshake, acceptor.accept(tcp)).await
        else {
            return;
        };
        let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
        self.http(tls, h2).await;
    }

    /// HTTP/2 when TLS negotiated it, HTTP/1.1 otherwise (whose header timeout also
    /// covers the wait for the first request).
    async fn http<I>(self, io: I, h2: bool)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let mut builder = auto::Builder::new(self.executor);
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(self.limits.headers);
        builder
            .http2()
            .timer(TokioTimer::new())
            .max_concurrent_streams(self.limits.streams)
            .keep_alive_interval(Duration::from_secs(30));
        let builder = if h2 {
            builder.http2_only()
        } else {
            builder.http1_only()
        };
        let _ = builder
            .serve_connection(TokioIo::new(io), self.service)
            .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use http_body_util::Full;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[test]
    fn hosts_are_loopback_names_or_the_servers_own() {
        let h = HostCheck::for_url("https://127.0.0.1:6443");
        for ok in [
            "127.0.0.1:6443",
            "localhost:1",
            "LOCALHOST",
            "[::1]:80",
            "localhost.",
        ] {
            assert!(h.allows(ok), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:6443",
            "127.0.0.1.evil.example",
            "10.0.0.1:6443",
            "",
        ] {
            assert!(!h.allows(bad), "{bad}");
        }
        let any = HostCheck::for_url("https://0.0.0.0:6443");
        assert!(any.allows("10.0.0.1:6443") && !any.allows("evil.example"));
        let named = HostCheck::for_url("http://issuer.test:8080/realms/x");
        assert!(named.allows("issuer.test:8080") && !named.allows("other.test"));
    }

    const TIGHT: Limits = Limits {
        connections: 2,
        handshake: Duration::from_millis(300),
        headers: Duration::from_millis(300),
        streams: 2,
    };

    /// A server whose requests wait for `release` (when given), counting how many wait at
    /// once; its address and the most that ever waited together.
    async fn start(
        tls: Option<Arc<rustls::ServerConfig>>,
        release: Option<Arc<tokio::sync::Notify>>,
    ) -> (
        std::net::SocketAddr,
        Arc<AtomicUsize>,
        tokio::sync::mpsc::UnboundedReceiver<()>,
        CancellationToken,
    ) {
        let (entered, entries) = tokio::sync::mpsc::unbounded_channel();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (now, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let service = hyper::service::service_fn({
            let (most, entered) = (most.clone(), entered.clone());
            move |_req: Request<Incoming>| {
                let (now, most, release) = (now.clone(), most.clone(), release.clone());
                let entered = entered.clone();
                async move {
                    let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(n, Ordering::SeqCst);
                    let _ = entered.send(());
                    if let Some(r) = release {
                        r.notified().await;
                    }
                    now.fetch_sub(1, Ordering::SeqCst);
                    Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"ok"))))
                }
            }
        });
        let stop = CancellationToken::new();
        let serving = Serving {
            service,
            refuse: |_: &str| Response::new(Full::new(Bytes::from_static(b"refused"))),
            hosts: HostCheck::for_url("http://127.0.0.1"),
            tls,
            limits: TIGHT,
            tasks: TaskTracker::new(),
            name: "test".into(),
        };
        tokio::spawn(run(serving, listener, stop.clone().cancelled_owned()));
        (addr, most, entries, stop)
    }

    /// Wait (at most 5 s) until the server closes `s`.
    async fn closed(mut s: TcpStream) {
        let mut buf = [0u8; 64];
        let read = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                match s.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
            }
        });
        read.await.expect("the server closes the connection");
    }

    #[tokio::test]
    async fn silent_clients_are_cut_off() {
        let (plain, _, _, stop) = start(None, None).await;
        // Nothing sent, and headers that never end: both closed after the header timeout.
        closed(TcpStream::connect(plain).await.unwrap()).await;
        let mut half = TcpStream::connect(plain).await.unwrap();
        half.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            .await
            .unwrap();
        closed(half).await;
        stop.cancel();
        let ca = crate::tls::Ca::generate().unwrap();
        let tls = ca.server_config(&["127.0.0.1".parse().unwrap()]).unwrap();
        let (secure, _, _, stop) = start(Some(tls), None).await;
        // A TLS handshake that never starts, and one left half done.
        closed(TcpStream::connect(secure).await.unwrap()).await;
        let mut hello = TcpStream::connect(secure).await.unwrap();
        hello
            .write_all(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
            .await
            .unwrap();
        closed(hello).await;
        stop.cancel();
    }

    #[tokio::test]
    async fn connections_wait_for_a_free_slot() {
        let release = Arc::new(tokio::sync::Notify::new());
        let (addr, most, mut entered, stop) = start(None, Some(release.clone())).await;
        let ask = |addr| async move {
            let mut s = TcpStream::connect(addr).await.unwrap();
            s.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                .await
                .unwrap();
            let mut buf = vec![0u8; 256];
            let n = s.read(&mut buf).await.unwrap();
            String::from_utf8_lossy(&buf[..n]).into_owned()
        };
        let asking: Vec<_> = (0..3).map(|_| tokio::spawn(ask(addr))).collect();
        // Two connections are served and hold their slots...
        for _ in 0..2 {
            entered.recv().await;
        }
        // ...so the third waits in the backlog.
        let third = tokio::time::timeout(Duration::from_millis(300), entered.recv()).await;
        assert!(third.is_err(), "a third connection was served beside two");
        // Once one ends, the third is served.
        release.notify_one();
        tokio::time::timeout(Duration::from_secs(5), entered.recv())
            .await
            .expect("the third connection is served when a slot frees");
        release.notify_one();
        release.notify_one();
        for a in asking {
            let answer = tokio::time::timeout(Duration::from_secs(5), a)
                .await
                .expect("answered")
                .unwrap();
            assert!(answer.contains("200 OK"), "{answer}");
        }
        assert_eq!(
            most.load(Ordering::SeqCst),
            2,
            "never more than two at once"
        );
        stop.cancel();
    }

    #[tokio::test]
    async fn http2_streams_per_connection_are_bounded() {
        use rustls::pki_types::pem::PemObject;
        let ca = crate::tls::Ca::generate().unwrap();
        let tls = ca.server_config(&["127.0.0.1".parse().unwrap()]).unwrap();
        let release = Arc::new(tokio::sync::Notify::new());
        let (addr, most, mut entered, stop) = start(Some(tls), Some(release.clone())).await;
        let mut roots = rustls::RootCertStore::empty();
        let der = rustls::pki_types::CertificateDer::from_pem_slice(ca.cert_pem.as_bytes());
        roots.add(der.unwrap()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"h2".to_vec()];
        let tcp = TcpStream::connect(addr).await.unwrap();
        let name = rustls::pki_types::ServerName::IpAddress(addr.ip().into());
        let io = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .unwrap();
        let (sender, conn) = hyper::client::conn::http2::handshake(
            hyper_util::rt::TokioExecutor::new(),
            TokioIo::new(io),
        )
        .await
        .unwrap();
        tokio::spawn(conn);
        // One request first, so that the client knows the server's settings (a stream
        // opened before they arrive may be refused instead of waiting).
        let get = || {
            Request::get(format!("https://{addr}/"))
                .body(Full::new(Bytes::new()))
                .unwrap()
        };
        let first = tokio::spawn(sender.clone().send_request(get()));
        entered.recv().await;
        release.notify_one();
        assert_eq!(first.await.unwrap().unwrap().status(), 200);
        let asking: Vec<_> = (0..3)
            .map(|_| {
                let mut sender = sender.clone();
                let req = get();
                tokio::spawn(async move { sender.send_request(req).await.unwrap().status() })
            })
            .collect();
        for _ in 0..2 {
            entered.recv().await;
        }
        let third = tokio::time::timeout(Duration::from_millis(300), entered.recv()).await;
        assert!(
            third.is_err(),
            "a third stream ran beside two on one connection"
        );
        for _ in 0..3 {
            release.notify_one();
        }
        for a in asking {
            let status = tokio::time::timeout(Duration::from_secs(5), a)
                .await
                .expect("answered");
            assert_eq!(status.unwrap(), 200);
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
        stop.cancel();
    }
}

//! HTTPS serving: TLS, HTTP/1.1 and HTTP/2 connections, request bodies with a size limit,
//! and turning handler replies (or errors, or panics) into responses.

use super::ApiServer;
use super::dispatch::{self, Incoming};
use super::error::ApiError;
use super::reply::{Reply, RespBody};
use bytes::Bytes;
use futures::FutureExt;
use http::{HeaderValue, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming as Body;
use hyper_util::rt::TokioIo;
use hyper_util::server::conn::auto;
use std::convert::Infallible;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_util::task::TaskTracker;

/// Largest accepted request body (the apiserver's limit).
pub const MAX_BODY: usize = 3 * 1024 * 1024;

fn full(b: Bytes) -> RespBody {
    Full::new(b).boxed()
}

fn into_response(reply: Reply) -> Response<RespBody> {
    match reply {
        Reply::Json {
            code,
            body,
            content_type,
            warnings,
        } => {
            let mut r = Response::new(full(body));
            *r.status_mut() =
                StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            r.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-cache, private"),
            );
            for w in warnings {
                let text = format!("299 - {}", serde_json::Value::String(w));
                if let Ok(v) = HeaderValue::from_str(&text) {
                    r.headers_mut().append(header::WARNING, v);
                }
            }
            r
        }
        Reply::Stream(body) => {
            let mut r = Response::new(body);
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-cache, private"),
            );
            r
        }
    }
}

fn header_str(req: &Request<Body>, name: header::HeaderName) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(String::from)
}

async fn handle(
    server: Arc<ApiServer>,
    req: Request<Body>,
) -> Result<Response<RespBody>, Infallible> {
    let method = req.method().clone();
    let uri = req.uri().clone();
    let incoming = Incoming {
        method: method.clone(),
        path: uri.path().to_string(),
        query: uri.query().map(String::from),
        authorization: header_str(&req, header::AUTHORIZATION),
        accept: header_str(&req, header::ACCEPT),
        content_type: header_str(&req, header::CONTENT_TYPE),
        user_agent: header_str(&req, header::USER_AGENT).unwrap_or_default(),
        body: Bytes::new(),
    };
    let body = match read_body(req.into_body()).await {
        Ok(b) => b,
        Err(err) => return Ok(into_response(err.into())),
    };
    let incoming = Incoming { body, ..incoming };
    let reply = AssertUnwindSafe(dispatch::dispatch(&server, incoming))
        .catch_unwind()
        .await;
    let reply = reply.unwrap_or_else(|_| {
        tracing::error!(server = %server.name, %method, path = uri.path(), "handler panicked");
        ApiError::internal("an internal error occurred while handling the request").into()
    });
    Ok(into_response(reply))
}

/// Past this, a too-large body is no longer drained (the connection is dropped).
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

/// Read a request body up to [`MAX_BODY`]. A larger body is read to its end (up to
/// [`DRAIN_LIMIT`]) and refused with 413, so that the client sees the answer.
async fn read_body(mut body: Body) -> Result<Bytes, ApiError> {
    let mut buf = bytes::BytesMut::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame
            .map_err(|e| ApiError::bad_request(format!("reading the request body failed: {e}")))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        seen += data.len();
        if seen > DRAIN_LIMIT {
            break;
        }
        if seen <= MAX_BODY {
            buf.extend_from_slice(&data);
        }
    }
    if seen > MAX_BODY {
        return Err(ApiError::too_large());
    }
    Ok(buf.freeze())
}

/// Runs hyper's HTTP/2 stream tasks on the server's [`TaskTracker`], so that stopping waits
/// for them too.
#[derive(Clone)]
struct TrackedExecutor(TaskTracker);

impl<F> hyper::rt::Executor<F> for TrackedExecutor
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        self.0.spawn(future);
    }
}

/// Accept TLS connections on `listener` until the server shuts down.
pub async fn serve(server: Arc<ApiServer>, listener: TcpListener, tls: Arc<rustls::ServerConfig>) {
    let acceptor = TlsAcceptor::from(tls);
    loop {
        let accepted = tokio::select! {
            _ = server.shutdown.cancelled() => break,
            a = listener.accept() => a,
        };
        let Ok((tcp, _)) = accepted else { continue };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let tasks = server.tasks.clone();
        let server = server.clone();
        tasks.spawn(async move {
            let Ok(stream) = acceptor.accept(tcp).await else {
                return;
            };
            let shutdown = server.shutdown.clone();
            let executor = TrackedExecutor(server.tasks.clone());
            let svc = hyper::service::service_fn(move |req| handle(server.clone(), req));
            let builder = auto::Builder::new(executor);
            let conn = builder.serve_connection(TokioIo::new(stream), svc);
            tokio::select! {
                _ = conn => {}
                _ = shutdown.cancelled() => {}
            }
        });
    }
}

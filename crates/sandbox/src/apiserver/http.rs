//! HTTPS serving of one API server: authenticating a request before reading its body (up
//! to a size limit), and turning handler replies (or errors, or panics) into responses.
//! Connections are accepted by [`crate::serve`].

use super::ApiServer;
use super::dispatch::{self, Incoming};
use super::error::ApiError;
use super::reply::{Reply, RespBody};
use crate::serve::{self, HostCheck, Serving};
use bytes::Bytes;
use futures::FutureExt;
use http::{HeaderValue, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming as Body;
use std::convert::Infallible;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use tokio::net::TcpListener;

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
    // Who asks is known before the body is read: an unauthenticated client cannot make
    // the server hold its body.
    let caller =
        match dispatch::identify(&server, &incoming.path, incoming.authorization.as_deref()) {
            Ok(c) => c,
            Err(err) => return Ok(into_response(err.into())),
        };
    let body = match read_body(req.into_body()).await {
        Ok(b) => b,
        Err(err) => return Ok(into_response(err.into())),
    };
    let incoming = Incoming { body, ..incoming };
    let reply = AssertUnwindSafe(dispatch::serve(&server, incoming, caller))
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

/// Serve `server` on `listener` (TLS) until it shuts down; its connections run on the
/// server's task tracker, so that [`ApiServer::stop`] waits for them.
pub async fn serve(server: Arc<ApiServer>, listener: TcpListener, tls: Arc<rustls::ServerConfig>) {
    let hosts = HostCheck::for_url(&server.url);
    let shutdown = server.shutdown.clone().cancelled_owned();
    let serving = Serving {
        service: hyper::service::service_fn({
            let server = server.clone();
            move |req| handle(server.clone(), req)
        }),
        refuse: |host: &str| {
            into_response(
                ApiError::bad_request(format!(
                    "the Host header {host:?} does not name this server; use the address in the kubeconfig"
                ))
                .into(),
            )
        },
        hosts,
        tls: Some(tls),
        limits: serve::API_LIMITS,
        tasks: server.tasks.clone(),
        name: server.name.clone(),
    };
    serve::run(serving, listener, shutdown).await;
}

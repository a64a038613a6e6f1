//! Serving the issuer's router: plain HTTP through `axum::serve`, or HTTPS by
//! accepting TLS with tokio-rustls and handing each connection to hyper.

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use super::error::OidcError;

pub(crate) async fn plain(
    router: Router,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), OidcError> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|source| OidcError::Io {
            what: "serving HTTP",
            source,
        })
}

/// Accept until `shutdown`; then stop accepting and end the open connections.
pub(crate) async fn tls(
    router: Router,
    listener: TcpListener,
    config: Arc<rustls::ServerConfig>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), OidcError> {
    let acceptor = TlsAcceptor::from(config);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(source) => {
                    // Transient (e.g. out of file descriptors): keep serving.
                    tracing::warn!(error = %source, "OIDC issuer: accept failed");
                    continue;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
        };
        let acceptor = acceptor.clone();
        let service = TowerToHyperService::new(router.clone());
        connections.spawn(async move {
            let stream = match acceptor.accept(stream).await {
                Ok(stream) => stream,
                Err(error) => {
                    tracing::debug!(%peer, %error, "OIDC issuer: TLS handshake failed");
                    return;
                }
            };
            let builder = auto::Builder::new(TokioExecutor::new());
            if let Err(error) = builder
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(%peer, %error, "OIDC issuer: connection ended with an error");
            }
        });
    }
    connections.shutdown().await;
    Ok(())
}

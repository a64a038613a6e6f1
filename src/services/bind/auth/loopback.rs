//! The loopback receiver a browser is redirected to (RFC 8252 §7.3): `GET /callback` on
//! 127.0.0.1 with a port the OS chooses. Each hit hands its query to the waiting login,
//! which says what page the browser gets; it stops when the login is done or dropped.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use crate::services::bind::error::AuthError;

/// A query that arrived, and where to send the page for it.
pub struct Hit {
    /// The query parameters.
    pub query: HashMap<String, String>,
    reply: oneshot::Sender<(StatusCode, String)>,
}

impl Hit {
    /// Answer the browser.
    pub fn answer(self, status: StatusCode, page: &str) {
        let _ = self.reply.send((status, page.to_owned()));
    }
}

/// A running receiver; stops when dropped.
pub struct Loopback {
    port: u16,
    hits: mpsc::Receiver<Hit>,
    stop: CancellationToken,
    served: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for Loopback {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

type Hits = mpsc::Sender<Hit>;

async fn callback(
    State(hits): State<Hits>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let (reply, page) = oneshot::channel();
    if hits.send(Hit { query, reply }).await.is_err() {
        return (
            StatusCode::GONE,
            Html(page_html("This login is over; go back to the terminal.")),
        )
            .into_response();
    }
    match page.await {
        Ok((status, text)) => (status, Html(page_html(&text))).into_response(),
        Err(_) => (
            StatusCode::GONE,
            Html(page_html("This login is over; go back to the terminal.")),
        )
            .into_response(),
    }
}

fn page_html(text: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>klutch-tui</title></head><body><h1>{}</h1></body></html>",
        html_escape(text)
    )
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl Loopback {
    /// Listen on 127.0.0.1 with an ephemeral port.
    pub async fn start() -> Result<Loopback, AuthError> {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| AuthError::Listen(e.to_string()))?;
        let port = listener
            .local_addr()
            .map_err(|e| AuthError::Listen(e.to_string()))?
            .port();
        let (tx, hits) = mpsc::channel(8);
        let app = axum::Router::new()
            .route("/callback", axum::routing::get(callback))
            .with_state(tx);
        let stop = CancellationToken::new();
        let stopped = stop.clone();
        let served = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(stopped.cancelled_owned())
                .await;
            if let Err(error) = served {
                tracing::warn!(%error, "login receiver stopped");
            }
        });
        Ok(Loopback {
            port,
            hits,
            stop,
            served: Some(served),
        })
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:<port>/callback`.
    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}/callback", self.port)
    }

    /// Stop listening once the pages already answered have been written (at most 2 s): a
    /// program that ends right after the login would otherwise cut the browser's page off.
    pub async fn close(&mut self) {
        self.stop.cancel();
        if let Some(served) = self.served.take() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(2), served).await;
        }
    }

    /// The next hit.
    pub async fn next(&mut self) -> Option<Hit> {
        self.hits.recv().await
    }
}

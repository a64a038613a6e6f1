//! A bind that asks nobody: a user's name and password give an ID token at the backend's
//! issuer (its password grant, which development issuers such as the sandbox's offer), and
//! every export on offer is bound with every permission claim accepted — the headless token
//! route (`--auth token`) end to end. `--sandbox` starts bound this way.

use std::sync::Arc;
use std::time::Duration;

use kube::Client;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::auth::cache::TokenCache;
use super::auth::oidc::Issuer;
use super::backend;
use super::error::BindError;
use super::events::{BindEvent, Question};
use super::konnector::KonnectorDriver;
use super::machine::{AuthMode, BindPlan, DEFAULT_CLIENT_ID, KonnectorMode, Summary};
use super::runner::{BindIo, run};

/// Who binds, and where.
#[derive(Clone, Debug)]
pub struct AutoBind {
    /// The backend's URL.
    pub url: String,
    /// Its issuer.
    pub issuer: String,
    /// The user.
    pub user: String,
    /// The user's password.
    pub password: String,
}

/// Bind every export of `auto.url` into `app`, the konnector run in this process by
/// `konnector`; answers every question itself.
pub async fn bind_all(
    auto: &AutoBind,
    app: Client,
    konnector: Arc<dyn KonnectorDriver>,
    cache: TokenCache,
    bound_timeout: Duration,
) -> Result<Summary, BindError> {
    let http = backend::http_client()?;
    let issuer = Issuer::discover(&auto.issuer, DEFAULT_CLIENT_ID, &http).await?;
    let tokens = issuer.password(&auto.user, &auto.password).await?;
    let io = BindIo {
        app,
        http,
        cache,
        konnector,
        token_file: None,
        id_token: Some(tokens.id_token),
        bound_timeout,
    };
    let plan = BindPlan {
        url: auto.url.clone(),
        auth: AuthMode::Token,
        konnector: KonnectorMode::Local,
        exports: Vec::new(),
        assume_yes: true,
    };
    let (tx, mut rx) = mpsc::channel(16);
    let answering = async move {
        while let Some(event) = rx.recv().await {
            match event {
                BindEvent::Question(Question::ChooseExports { offered, reply }) => {
                    reply.answer(offered.iter().map(|o| o.name()).collect());
                }
                BindEvent::Question(Question::AcceptClaim { reply, .. }) => reply.answer(true),
                BindEvent::Question(Question::ShowLogin { reply, .. }) => reply.answer(()),
                BindEvent::Step(..) | BindEvent::RolledBack(_) => {}
            }
        }
    };
    let (result, ()) = tokio::join!(run(plan, &io, tx, CancellationToken::new()), answering);
    result
}

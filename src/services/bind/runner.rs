//! The runner: does what the [`Walkthrough`] asks (HTTP to the backend, the login, the
//! App Cluster, the Control Plane, the konnector), tells it what came of it, and reports
//! every step as a [`BindEvent`]. Cancelling (Ctrl-C, the wizard closed, a question left
//! unanswered) fails the step at hand, and the walkthrough then removes what it made.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use klutch::bind::{BindingResponse, GroupResource, HeadlessBindRequest};
use kube::Client;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::auth::cache::TokenCache;
use super::auth::code_grant::{self, CodeGrant};
use super::auth::oidc::Issuer;
use super::auth::{self, Secret, qr};
use super::error::{AuthError, BindError};
use super::events::{BindEvent, LoginPrompt, Question, Reply, Step, StepStatus};
use super::konnector::KonnectorDriver;
use super::machine::{
    Action, AuthMode, BindPlan, KonnectorMode, Login, Outcome, Summary, Walkthrough,
};
use super::{app, backend, control_plane};

/// What the runner works with.
#[derive(Clone)]
pub struct BindIo {
    /// The App Cluster.
    pub app: Client,
    /// HTTP to the backend and the issuer.
    pub http: reqwest::Client,
    /// The token cache.
    pub cache: TokenCache,
    /// Installs or starts the konnector.
    pub konnector: Arc<dyn KonnectorDriver>,
    /// The ID token file for `--auth token` (`-`: stdin).
    pub token_file: Option<PathBuf>,
    /// For `--auth token`: an ID token already in hand (preferred over `token_file`).
    pub id_token: Option<Secret>,
    /// How long to wait for an installed konnector to connect the bindings.
    pub bound_timeout: Duration,
}

/// What the runner keeps between actions.
#[derive(Default)]
struct Session {
    urls: Option<super::plan::BackendUrls>,
    token: Option<(Secret, String, String)>,
    cluster_id: String,
    control_plane: Option<Client>,
    local_started: bool,
}

/// Run a bind to the end; every step goes to `events`.
pub async fn run(
    plan: BindPlan,
    io: &BindIo,
    events: mpsc::Sender<BindEvent>,
    cancel: CancellationToken,
) -> Result<Summary, BindError> {
    let (mut walk, mut next) = Walkthrough::start(plan.clone());
    let mut session = Session::default();
    loop {
        for (step, status) in next.events.drain(..) {
            log_step(step, &status);
            let _ = events.send(BindEvent::Step(step, status)).await;
        }
        let outcome = match next.action {
            Action::Finish(summary) => return Ok(summary),
            Action::Fail(error) => {
                if session.local_started {
                    io.konnector.stop_local().await;
                }
                return Err(error);
            }
            Action::RollBack(made) => {
                let cp = session.control_plane.clone();
                let left = app::undo(&io.app, cp.as_ref(), &made).await;
                if session.local_started {
                    io.konnector.stop_local().await;
                    session.local_started = false;
                }
                let mut gone: Vec<String> = made.iter().map(super::konnector::describe).collect();
                gone.retain(|g| !left.iter().any(|l| l.starts_with(g.as_str())));
                if !left.is_empty() {
                    tracing::warn!(?left, "bind: could not remove everything it made");
                }
                let _ = events.send(BindEvent::RolledBack(gone)).await;
                Outcome::RolledBack
            }
            action => {
                tokio::select! {
                    outcome = perform(action, &plan, io, &mut session, &walk, &events) => outcome,
                    () = cancel.cancelled() => Outcome::Failed(BindError::Cancelled),
                }
            }
        };
        next = walk.advance(outcome);
    }
}

fn log_step(step: Step, status: &StepStatus) {
    match status {
        StepStatus::Failed(e) => {
            tracing::warn!(step = step.title(), error = %e, "bind step failed")
        }
        other => tracing::info!(step = step.title(), ?other, "bind step"),
    }
}

/// Ask the driver; a dropped answer is a cancel.
async fn ask<T>(
    events: &mpsc::Sender<BindEvent>,
    make: impl FnOnce(Reply<T>) -> Question,
) -> Result<T, BindError> {
    let (reply, answer) = Reply::channel();
    events
        .send(BindEvent::Question(make(reply)))
        .await
        .map_err(|_| BindError::Cancelled)?;
    answer.await.map_err(|_| BindError::Cancelled)
}

async fn show(events: &mpsc::Sender<BindEvent>, prompt: LoginPrompt) -> Result<(), BindError> {
    ask(events, |reply| Question::ShowLogin { prompt, reply }).await
}

async fn perform(
    action: Action,
    plan: &BindPlan,
    io: &BindIo,
    session: &mut Session,
    walk: &Walkthrough,
    events: &mpsc::Sender<BindEvent>,
) -> Outcome {
    match perform_inner(action, plan, io, session, walk, events).await {
        Ok(outcome) => outcome,
        Err(error) => Outcome::Failed(error),
    }
}

fn response_of(walk: &Walkthrough) -> Result<&BindingResponse, BindError> {
    walk.response()
        .ok_or_else(|| BindError::ControlPlane("internal error: no binding response yet".into()))
}

fn token_of(session: &Session) -> Result<&Secret, BindError> {
    session
        .token
        .as_ref()
        .map(|(t, _, _)| t)
        .ok_or_else(|| BindError::Refused("internal error: not logged in".into()))
}

async fn perform_inner(
    action: Action,
    plan: &BindPlan,
    io: &BindIo,
    session: &mut Session,
    walk: &Walkthrough,
    events: &mpsc::Sender<BindEvent>,
) -> Result<Outcome, BindError> {
    Ok(match action {
        Action::FetchProvider(urls) => {
            let (provider, metadata) = backend::provider(&io.http, &urls).await?;
            session.urls = Some(urls);
            Outcome::Provider(provider, metadata)
        }
        Action::InspectApp => {
            let facts = app::inspect(&io.app, &plan.konnector).await?;
            session.cluster_id = facts.cluster_id.clone();
            Outcome::App(facts)
        }
        Action::Authenticate(Login::CodeGrant {
            authorize_url,
            cluster_id,
        }) => {
            let grant = CodeGrant::start(&authorize_url, &cluster_id).await?;
            let url = grant.url.clone();
            show(
                events,
                LoginPrompt::Browser {
                    qr: qr::render(&url),
                    url,
                },
            )
            .await?;
            Outcome::Response(grant.finish().await?)
        }
        Action::Authenticate(Login::Headless {
            issuer,
            client_id,
            mode,
        }) => {
            let (token, who, how) = log_in(io, &issuer, &client_id, mode, events).await?;
            session.token = Some((token, issuer, client_id));
            Outcome::LoggedIn { who, how }
        }
        Action::ListExports => {
            let urls = session.urls.clone().ok_or(BindError::Cancelled)?;
            let token = token_of(session)?;
            match backend::exports(&io.http, &urls, token).await {
                Ok(offers) => Outcome::Offers(offers),
                Err(e) => {
                    forget_refused(io, session, &e);
                    return Err(e);
                }
            }
        }
        Action::AskExports(offered) => {
            let chosen = ask(events, |reply| Question::ChooseExports { offered, reply }).await?;
            Outcome::Chosen(chosen)
        }
        Action::RequestAccess(chosen) => {
            let urls = session.urls.clone().ok_or(BindError::Cancelled)?;
            let sid = code_grant::session_id();
            let request = HeadlessBindRequest {
                cluster_id: session.cluster_id.clone(),
                session_id: Some(sid.clone()),
                resources: chosen
                    .iter()
                    .map(|o| GroupResource {
                        group: o.group.clone(),
                        resource: o.resource.clone(),
                    })
                    .collect(),
            };
            let response = match backend::bind(&io.http, &urls, token_of(session)?, &request).await
            {
                Ok(r) => r,
                Err(e) => {
                    forget_refused(io, session, &e);
                    return Err(e);
                }
            };
            if response.session_id() != Some(sid.as_str()) {
                return Err(AuthError::Response("it answers another session".into()).into());
            }
            Outcome::Response(response)
        }
        Action::CreateRequests(requests) => {
            let (cp, namespace) = control_plane::client(&response_of(walk)?.kubeconfig).await?;
            session.control_plane = Some(cp.clone());
            let (made, existing) =
                control_plane::create_requests(&cp, &namespace, &requests).await?;
            Outcome::RequestsCreated { made, existing }
        }
        Action::WaitForExports(names) => {
            let (cp, namespace) = control_plane::client(&response_of(walk)?.kubeconfig).await?;
            control_plane::wait_for_exports(&cp, &namespace, &names).await?;
            Outcome::ExportsReady
        }
        Action::StoreKubeconfig(reuse) => {
            let kubeconfig = response_of(walk)?.kubeconfig.clone();
            let (name, created) =
                app::store_kubeconfig(&io.app, &kubeconfig, reuse.as_deref()).await?;
            Outcome::SecretStored(name, created)
        }
        Action::Konnector(mode, exports) => match mode {
            KonnectorMode::Install(image) => {
                let (made, text) = io
                    .konnector
                    .install(&io.app, image.as_deref(), &exports)
                    .await?;
                // What it made is undone if the wait fails: report it first.
                let waited = app::wait_bindings_served(&io.app, io.bound_timeout).await;
                match waited {
                    Ok(()) => Outcome::KonnectorReady(made, text),
                    Err(e) => {
                        app::undo(&io.app, None, &made).await;
                        return Err(e);
                    }
                }
            }
            KonnectorMode::Local => {
                let text = io.konnector.start_local(&io.app).await?;
                session.local_started = true;
                app::wait_bindings_served(&io.app, io.bound_timeout).await?;
                Outcome::KonnectorReady(Vec::new(), text)
            }
            KonnectorMode::None => Outcome::KonnectorReady(
                Vec::new(),
                "left to klutch-tui konnector or an installed one".into(),
            ),
        },
        Action::AskClaim {
            binding,
            claim,
            text,
        } => {
            let accepted = ask(events, |reply| Question::AcceptClaim {
                binding,
                claim,
                text,
                reply,
            })
            .await?;
            Outcome::ClaimAnswered(accepted)
        }
        Action::CreateBindings(bindings) => {
            Outcome::BindingsCreated(app::create_bindings(&io.app, &bindings).await?)
        }
        Action::WaitBound(names) => {
            app::wait_bound(&io.app, &names, io.bound_timeout).await?;
            Outcome::Bound
        }
        Action::RollBack(_) | Action::Finish(_) | Action::Fail(_) => Outcome::RolledBack,
    })
}

/// A token the backend refused is not kept in the cache.
fn forget_refused(io: &BindIo, session: &Session, error: &BindError) {
    if let (BindError::Refused(text), Some((_, issuer, client))) = (error, &session.token)
        && text.contains("did not accept the ID token")
        && let Err(e) = io.cache.remove(issuer, client)
    {
        tracing::warn!(error = %e, "bind: cannot update the token cache");
    }
}

/// An ID token for the headless routes: from the token file, the cache, a refresh, or a
/// new login (browser or device code); with who and how.
async fn log_in(
    io: &BindIo,
    issuer_url: &str,
    client_id: &str,
    mode: AuthMode,
    events: &mpsc::Sender<BindEvent>,
) -> Result<(Secret, String, String), BindError> {
    if mode == AuthMode::Token {
        if let Some(token) = &io.id_token {
            return Ok((
                token.clone(),
                "the token's subject".into(),
                "ID token".into(),
            ));
        }
        let path = io.token_file.clone().ok_or_else(|| AuthError::TokenFile {
            path: PathBuf::from("(none)"),
            reason: "--auth token needs --token-file PATH (or - for stdin)".into(),
        })?;
        let token = tokio::task::spawn_blocking(move || auth::read_token_file(&path))
            .await
            .map_err(|_| BindError::Cancelled)??;
        return Ok((token, "the token's subject".into(), "token file".into()));
    }
    let now = SystemTime::now();
    let cached = io.cache.get(issuer_url, client_id).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "bind: token cache unreadable");
        None
    });
    if let Some(entry) = &cached
        && entry.fresh(now, auth::EXPIRY_MARGIN)
    {
        let how = format!(
            "cached login, expires {}",
            auth::until(entry.expires(), now)
        );
        return Ok((entry.id_token.clone(), entry.user.clone(), how));
    }
    let issuer = Issuer::discover(issuer_url, client_id, &io.http).await?;
    if let Some(refresh) = cached.as_ref().and_then(|e| e.refresh_token.clone()) {
        match issuer.refresh(&refresh).await {
            Ok(tokens) => {
                keep(io, issuer_url, client_id, &tokens);
                let how = format!("refreshed, expires {}", auth::until(tokens.expires, now));
                return Ok((tokens.id_token, tokens.user, how));
            }
            Err(e) => tracing::info!(error = %e, "bind: refresh failed; logging in anew"),
        }
    }
    let (tokens, how) = match mode {
        AuthMode::Device => {
            let details = issuer.start_device().await?;
            let complete = details
                .verification_uri_complete()
                .map(|u| u.secret().clone());
            let target = complete
                .clone()
                .unwrap_or_else(|| details.verification_uri().to_string());
            show(
                events,
                LoginPrompt::Device {
                    verification_uri: details.verification_uri().to_string(),
                    user_code: details.user_code().secret().clone(),
                    verification_uri_complete: complete,
                    qr: qr::render(&target),
                    expires_in: details.expires_in().as_secs(),
                },
            )
            .await?;
            (issuer.finish_device(&details).await?, "device code")
        }
        _ => {
            let login = issuer.start_browser().await?;
            let url = login.url.clone();
            show(
                events,
                LoginPrompt::Browser {
                    qr: qr::render(&url),
                    url,
                },
            )
            .await?;
            (issuer.finish_browser(login).await?, "browser")
        }
    };
    keep(io, issuer_url, client_id, &tokens);
    let how = format!("{how}, expires {}", auth::until(tokens.expires, now));
    Ok((tokens.id_token, tokens.user, how))
}

fn keep(io: &BindIo, issuer: &str, client_id: &str, tokens: &auth::oidc::Tokens) {
    if let Err(e) = io.cache.put(auth::cache_entry(issuer, client_id, tokens)) {
        tracing::warn!(error = %e, "bind: cannot write the token cache");
    }
}

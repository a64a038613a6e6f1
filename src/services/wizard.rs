//! The bind walkthrough as the cockpit's wizard drives it. The walkthrough's questions carry
//! reply channels, which cannot travel through the cockpit's update step (its state is plain
//! data); so the channels wait here, under the wizard's request id, and the cockpit answers
//! with a [`BindRequest`]. Everything the walkthrough tells comes back as a [`WizardEvent`]
//! in a [`Reply::Bind`]. Cancelling (Esc) cancels the run, which removes what it made.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::bind::auth::cache::TokenCache;
use super::bind::konnector::KonnectorDriver;
use super::bind::{
    AuthMode, BindEvent, BindIo, BindPlan, KonnectorMode, LoginPrompt, Question, Reply as Answer,
    Step, StepStatus, Summary, backend,
};
use super::requests::{Replies, Reply, RequestId};
use crate::cluster::{Level, Login, Store};

/// How long a konnector may take to connect the bindings.
const BOUND_TIMEOUT: Duration = Duration::from_secs(300);

/// What the wizard asks of the bind service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BindRequest {
    /// Start a bind.
    Start {
        /// The backend; `None`: the embedded sandbox's.
        url: Option<String>,
        /// How to log in (browser or device).
        auth: AuthMode,
        /// Install the konnector into the App Cluster instead of running it here.
        install: bool,
    },
    /// The login prompt is on screen (the device flow starts polling then).
    Shown,
    /// These exports (`<resource>.<group>`).
    Choose(Vec<String>),
    /// The answer to the permission claim on screen.
    Claim(bool),
    /// Stop, and remove what was made.
    Cancel,
}

/// An export on offer, as the wizard lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offer {
    /// `<resource>.<group>`.
    pub name: String,
    /// Its kind.
    pub kind: String,
    /// What it claims in the App Cluster (`secrets (core)`), for the list.
    pub claims: Vec<String>,
}

/// What the walkthrough tells the wizard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WizardEvent {
    /// A step changed.
    Step(Step, StepStatus),
    /// Show this login prompt (answer [`BindRequest::Shown`]).
    Login(LoginPrompt),
    /// Choose among these exports (answer [`BindRequest::Choose`]).
    ChooseExports(Vec<Offer>),
    /// Accept this permission claim? (answer [`BindRequest::Claim`])
    AcceptClaim {
        /// The binding it belongs to.
        binding: String,
        /// Upstream's wording.
        text: String,
    },
    /// After a failure or cancel: what was removed again.
    RolledBack(Vec<String>),
    /// Bound; what and where.
    Bound(Vec<String>),
    /// It failed at `step`; the message says what to do.
    Failed {
        /// Where it stopped.
        step: Option<Step>,
        /// Why, and what to do.
        message: String,
    },
}

/// What the wizard binds with.
#[derive(Clone)]
pub struct Setup {
    /// The token cache's directory.
    pub cache_dir: PathBuf,
    /// The bind URL `:bind` without one uses (the embedded sandbox's).
    pub default_url: Option<String>,
    /// Runs the konnector in this process (shared with whatever else started it here).
    pub konnector: Arc<dyn KonnectorDriver>,
}

/// Questions waiting for the cockpit, by wizard request.
#[derive(Default)]
struct Waiting {
    cancel: CancellationToken,
    login: Option<Answer<()>>,
    exports: Option<Answer<Vec<String>>>,
    claim: Option<Answer<bool>>,
}

/// The binds in flight.
#[derive(Clone, Default)]
pub struct Sessions(Arc<Mutex<BTreeMap<RequestId, Waiting>>>);

/// Read the token cache into the store (the header shows who is logged in until when).
pub fn refresh_logins(store: &Store, cache_dir: &std::path::Path) {
    let entries = TokenCache::new(cache_dir).entries().unwrap_or_else(|e| {
        tracing::warn!(error = %e, "token cache unreadable");
        Vec::new()
    });
    let logins = entries
        .into_iter()
        .map(|e| Login {
            user: e.user.clone(),
            issuer: e.issuer.clone(),
            expires: jiff::Timestamp::try_from(e.expires()).unwrap_or(jiff::Timestamp::UNIX_EPOCH),
        })
        .collect();
    store.update(|d| d.set_logins(logins));
}

/// Handle one wizard request.
pub async fn handle(
    id: RequestId,
    request: BindRequest,
    app: Option<kube::Client>,
    setup: &Setup,
    sessions: &Sessions,
    replies: &Replies,
    store: &Store,
) {
    if let BindRequest::Start { url, auth, install } = request {
        start(
            id,
            (url, auth, install),
            app,
            setup,
            sessions,
            replies,
            store,
        )
        .await;
        return;
    }
    let mut waiting = sessions.0.lock();
    let Some(w) = waiting.get_mut(&id) else {
        return;
    };
    match request {
        BindRequest::Shown => {
            if let Some(r) = w.login.take() {
                r.answer(());
            }
        }
        BindRequest::Choose(names) => {
            if let Some(r) = w.exports.take() {
                r.answer(names);
            }
        }
        BindRequest::Claim(accepted) => {
            if let Some(r) = w.claim.take() {
                r.answer(accepted);
            }
        }
        BindRequest::Cancel => {
            w.cancel.cancel();
            // Unanswered questions cancel as well.
            w.login = None;
            w.exports = None;
            w.claim = None;
        }
        BindRequest::Start { .. } => {}
    }
}

async fn start(
    id: RequestId,
    (url, auth, install): (Option<String>, AuthMode, bool),
    app: Option<kube::Client>,
    setup: &Setup,
    sessions: &Sessions,
    replies: &Replies,
    store: &Store,
) {
    let fail = |message: String| Reply::Bind {
        id,
        event: WizardEvent::Failed {
            step: None,
            message,
        },
    };
    let Some(url) = url.or_else(|| setup.default_url.clone()) else {
        let text = "name the backend: :bind URL (its …/export URL, or the sandbox's bindUrl)";
        replies.send(fail(text.into())).await;
        return;
    };
    let Some(app) = app else {
        replies
            .send(fail("no App Cluster is connected to bind into".into()))
            .await;
        return;
    };
    let http = match backend::http_client() {
        Ok(h) => h,
        Err(e) => return replies.send(fail(e.to_string())).await,
    };
    let io = BindIo {
        app,
        http,
        cache: TokenCache::new(&setup.cache_dir),
        konnector: setup.konnector.clone(),
        token_file: None,
        id_token: None,
        bound_timeout: BOUND_TIMEOUT,
    };
    let plan = BindPlan {
        url,
        auth,
        konnector: if install {
            KonnectorMode::Install(None)
        } else {
            KonnectorMode::Local
        },
        exports: Vec::new(),
        assume_yes: false,
    };
    let cancel = CancellationToken::new();
    sessions.0.lock().insert(
        id,
        Waiting {
            cancel: cancel.clone(),
            ..Waiting::default()
        },
    );
    let (tx, rx) = mpsc::channel(16);
    let forward = forward(id, rx, sessions, replies);
    let (result, failed_at) = tokio::join!(super::bind::run(plan, &io, tx, cancel), forward);
    sessions.0.lock().remove(&id);
    refresh_logins(store, &setup.cache_dir);
    let event = match result {
        Ok(summary) => WizardEvent::Bound(summary_lines(&summary)),
        Err(e) => WizardEvent::Failed {
            step: failed_at,
            message: e.to_string(),
        },
    };
    replies.send(Reply::Bind { id, event }).await;
}

/// Hand each event to the cockpit, keeping the reply channels of questions; the step that
/// failed, if one did.
async fn forward(
    id: RequestId,
    mut rx: mpsc::Receiver<BindEvent>,
    sessions: &Sessions,
    replies: &Replies,
) -> Option<Step> {
    let mut failed = None;
    while let Some(event) = rx.recv().await {
        let event = match event {
            BindEvent::Step(step, status) => {
                if matches!(status, StepStatus::Failed(_)) {
                    failed = Some(step);
                }
                WizardEvent::Step(step, status)
            }
            BindEvent::RolledBack(gone) => WizardEvent::RolledBack(gone),
            BindEvent::Question(q) => {
                let mut waiting = sessions.0.lock();
                let Some(w) = waiting.get_mut(&id) else {
                    continue;
                };
                match q {
                    Question::ShowLogin { prompt, reply } => {
                        if let LoginPrompt::Browser { url, .. } = &prompt
                            && super::bind::auth::browser_available()
                        {
                            let _ = webbrowser::open(url);
                        }
                        w.login = Some(reply);
                        WizardEvent::Login(prompt)
                    }
                    Question::ChooseExports { offered, reply } => {
                        w.exports = Some(reply);
                        WizardEvent::ChooseExports(offered.iter().map(offer).collect())
                    }
                    Question::AcceptClaim {
                        binding,
                        text,
                        reply,
                        ..
                    } => {
                        w.claim = Some(reply);
                        WizardEvent::AcceptClaim { binding, text }
                    }
                }
            }
        };
        replies.send(Reply::Bind { id, event }).await;
    }
    failed
}

fn offer(o: &klutch::bind::ExportOffer) -> Offer {
    Offer {
        name: o.name(),
        kind: o.kind.clone(),
        claims: o
            .permission_claims
            .iter()
            .map(|c| {
                let group = if c.group.is_empty() { "core" } else { &c.group };
                format!("{} ({group})", c.resource)
            })
            .collect(),
    }
}

fn summary_lines(s: &Summary) -> Vec<String> {
    let mut lines: Vec<String> = s.created.iter().map(|n| format!("bound {n}")).collect();
    lines.extend(
        s.already_bound
            .iter()
            .map(|n| format!("already bound {n} (nothing changed)")),
    );
    lines.push(format!(
        "provider {} at {}; cluster namespace {} on the Control Plane; kubeconfig Secret klutch-bind/{}; konnector: {}",
        s.provider, s.url, s.cluster_namespace, s.secret, s.konnector
    ));
    lines
}

/// The message-log line of a wizard event worth keeping there.
pub fn logged(event: &WizardEvent) -> Option<(Level, String)> {
    match event {
        WizardEvent::Bound(lines) => Some((Level::Info, lines.join("; "))),
        WizardEvent::Failed { step, message } => Some((
            Level::Error,
            match step {
                Some(s) => format!("bind failed at {}: {message}", s.title()),
                None => format!("bind: {message}"),
            },
        )),
        WizardEvent::RolledBack(gone) if !gone.is_empty() => {
            Some((Level::Info, format!("removed again: {}", gone.join(", "))))
        }
        _ => None,
    }
}

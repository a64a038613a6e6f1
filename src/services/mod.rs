//! The services layer: everything the cockpit asks to have done in the world goes through
//! here as an [`Effect`], over one bounded channel, and runs off the render path. Results and
//! progress come back as messages in the store's bounded queue (the message line and the
//! message log read it), or as the store's own data once the watchers see the change.
//!
//! Each service gets a folder of its own (`claims/`, `bind/`, `konnector/`) with a typed API
//! the headless commands call directly; the cockpit reaches it only through an effect.

pub mod claims;
pub mod konnector;
pub mod requests;
pub mod why;
pub mod wizard;

use crate::cluster::{ClusterId, ClusterSet, Level, Store};
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::task::AbortOnDropHandle;

pub mod bind;

/// Effects waiting to be picked up before the cockpit says the services are busy.
const QUEUE: usize = 64;

/// Something the cockpit asks the services to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Try to reach a cluster now instead of after the reconnect backoff.
    Reconnect(ClusterId),
    /// Something to do with claims; the answers come back as [`Reply`]s naming `id`.
    Claims {
        /// Names the replies.
        id: RequestId,
        /// What to do.
        request: ClaimRequest,
    },
    /// Walk a claim's chain across both clusters; the answer is a [`Reply::Why`] naming `id`.
    Why {
        /// Names the reply.
        id: RequestId,
        /// The claim's kind (`PostgresqlInstance`).
        kind: String,
        /// Its App Cluster namespace.
        namespace: String,
        /// Its name.
        name: String,
    },
    /// The bind wizard; the walkthrough's events come back as [`Reply::Bind`] naming `id`.
    Bind {
        /// Names the bind and its replies.
        id: RequestId,
        /// What to do.
        request: wizard::BindRequest,
    },
    /// Start or stop the konnector loop in this process (for the App Cluster); what it does
    /// arrives in the store (`StoreData::konnector`), outcomes in the message log.
    Konnector(KonnectorRequest),
}

/// What to do with the konnector loop in this process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KonnectorRequest {
    /// Start it (nothing happens when it runs already).
    Start,
    /// Stop it, giving up its lease.
    Stop,
}

pub use requests::{ClaimRequest, ObjectRef, Reply, RequestId};

/// Replies waiting for the cockpit before a service waits for it to catch up.
const REPLIES: usize = 256;

/// Why an effect was not taken.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SendError {
    /// Too many effects are waiting.
    #[error("busy: {QUEUE} requests are still waiting; try again in a moment")]
    Busy,
    /// The services have stopped (the program is ending).
    #[error("the services have stopped")]
    Stopped,
}

/// The cockpit's handle on the services: cheap to clone, never blocks.
#[derive(Clone, Debug)]
pub struct Services {
    tx: mpsc::Sender<Effect>,
}

impl Services {
    /// Hand an effect to the services.
    pub fn send(&self, effect: Effect) -> Result<(), SendError> {
        self.tx.try_send(effect).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => SendError::Busy,
            mpsc::error::TrySendError::Closed(_) => SendError::Stopped,
        })
    }

    /// A handle whose effects go to the returned receiver instead of to running services
    /// (tests and benchmarks look at what the cockpit asked for).
    pub fn detached() -> (Services, mpsc::Receiver<Effect>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        (Services { tx }, rx)
    }
}

/// What the services work with.
#[derive(Clone)]
pub struct Context {
    /// Where results and progress go.
    pub store: Store,
    /// The connected clusters.
    pub clusters: Arc<ClusterSet>,
    /// What the bind wizard binds with.
    pub bind: wizard::Setup,
    /// The konnector loop in this process (`Effect::Konnector` starts and stops it; a bind
    /// with `--konnector local` semantics starts the same one).
    pub konnector: konnector::local::Local,
}

impl Context {
    /// The services' context over `store` and `clusters` with no konnector running and a
    /// wizard that binds with a throwaway token cache (tests, benchmarks).
    pub fn new(store: Store, clusters: Arc<ClusterSet>) -> Context {
        let konnector = konnector::local::Local::new(store.clone());
        Context {
            bind: wizard::Setup {
                cache_dir: std::env::temp_dir().join("klutch-tui-no-cache"),
                default_url: None,
                konnector: Arc::new(konnector.clone()),
            },
            konnector,
            store,
            clusters,
        }
    }
}

/// The services at work: where effects go, where replies come from.
pub struct Started {
    /// The cockpit's handle.
    pub services: Services,
    /// Answers to requests, in the order they come.
    pub replies: mpsc::Receiver<Reply>,
    /// The task taking effects; abort it to stop.
    pub task: JoinHandle<()>,
}

/// Start the services; they run until every [`Services`] handle is dropped.
pub fn start(ctx: Context) -> Started {
    let (services, mut rx) = Services::detached();
    let (reply_tx, replies) = mpsc::channel(REPLIES);
    let replies_to = requests::Replies::new(reply_tx, ctx.store.clone());
    wizard::refresh_logins(&ctx.store, &ctx.bind.cache_dir);
    let sessions = wizard::Sessions::default();
    let installed = ctx
        .clusters
        .client(ClusterId::App)
        .cloned()
        .map(|app| konnector::installed::watch(app, ctx.store.clone()));
    let task = tokio::spawn(async move {
        // Watched as long as the services run.
        let _installed = installed.map(|w| AbortOnDropHandle::new(tokio::spawn(w)));
        while let Some(effect) = rx.recv().await {
            tracing::debug!(?effect, "effect");
            let ctx = ctx.clone();
            let replies = replies_to.clone();
            let sessions = sessions.clone();
            tokio::spawn(async move { run(effect, &ctx, &replies, &sessions).await });
        }
    });
    Started {
        services,
        replies,
        task,
    }
}

async fn run(
    effect: Effect,
    ctx: &Context,
    replies: &requests::Replies,
    sessions: &wizard::Sessions,
) {
    match effect {
        Effect::Bind { id, request } => {
            let app = ctx.clusters.client(ClusterId::App).cloned();
            wizard::handle(id, request, app, &ctx.bind, sessions, replies, &ctx.store).await;
        }
        Effect::Claims { id, request } => {
            let app = ctx.clusters.client(ClusterId::App).cloned();
            let cp = ctx.clusters.client(ClusterId::ControlPlane).cloned();
            match app {
                Some(app) => requests::run(id, request, app, cp, replies).await,
                None => {
                    let message = "no App Cluster is connected".to_string();
                    replies.fail(id, message).await;
                }
            }
        }
        Effect::Why {
            id,
            kind,
            namespace,
            name,
        } => {
            let app = ctx.clusters.client(ClusterId::App).cloned();
            match (app, klutch::claims::ClaimKind::from_kind(&kind)) {
                (Some(app), Some(kind)) => {
                    let report = why::Why::new(app).claim(kind, &namespace, &name).await;
                    replies.send(Reply::Why { id, report }).await;
                }
                (None, _) => replies.fail(id, "no App Cluster is connected".into()).await,
                (_, None) => replies.fail(id, format!("{kind} is no claim kind")).await,
            }
        }
        Effect::Konnector(KonnectorRequest::Start) => {
            let local = &ctx.konnector;
            local.starting();
            match ctx.clusters.client(ClusterId::App) {
                Some(app) => {
                    let options = konnector::KonnectorOptions::default();
                    local.start(app.clone(), options).await;
                }
                None => local.failed("no App Cluster is connected to run it for".into()),
            }
        }
        Effect::Konnector(KonnectorRequest::Stop) => {
            if !ctx.konnector.stop().await {
                ctx.store
                    .update(|d| d.post(Level::Info, "konnector: not running in this process"));
            }
        }
        Effect::Reconnect(id) => {
            let (level, text) = if ctx.clusters.retry_now(id) {
                (Level::Info, format!("{}: reconnecting now", id.label()))
            } else {
                (
                    Level::Error,
                    format!("{}: no cluster is configured to reconnect to", id.label()),
                )
            };
            ctx.store.update(|d| d.post(level, text));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_says_busy_and_a_closed_one_stopped() {
        let (services, rx) = Services::detached();
        for _ in 0..QUEUE {
            services.send(Effect::Reconnect(ClusterId::App)).unwrap();
        }
        assert_eq!(
            services.send(Effect::Reconnect(ClusterId::App)),
            Err(SendError::Busy)
        );
        drop(rx);
        assert_eq!(
            services.send(Effect::Reconnect(ClusterId::App)),
            Err(SendError::Stopped)
        );
    }
}

#[cfg(test)]
mod reconnect_tests {
    use super::*;
    use crate::cluster::{ClusterSpec, Connections, Link};
    use std::time::Duration;

    /// A client for a port nobody listens on.
    fn dead_client() -> kube::Client {
        let url = "http://127.0.0.1:9".parse().unwrap();
        kube::Client::try_from(kube::Config::new(url)).unwrap()
    }

    fn attempts(store: &Store) -> (u32, Duration) {
        match &store.read().cluster(ClusterId::App).link {
            Link::Down {
                attempts, retry_in, ..
            } => (*attempts, *retry_in),
            _ => (0, Duration::ZERO),
        }
    }

    async fn until(what: &str, mut f: impl FnMut() -> bool) {
        tokio::time::timeout(Duration::from_secs(10), async {
            while !f() {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"));
    }

    #[tokio::test]
    async fn reconnect_cuts_the_backoff_short_and_says_so() {
        let store = Store::new();
        let connections = Connections {
            specs: vec![ClusterSpec {
                id: ClusterId::App,
                context: "dead".into(),
                server: "http://127.0.0.1:9".into(),
                client: dead_client(),
            }],
        };
        let clusters = Arc::new(connections.start(&store));
        let Started {
            services,
            task: _task,
            ..
        } = start(Context::new(store.clone(), clusters));
        // Wait until the backoff is long, so that a prompt retry can only be ours.
        until("a long backoff", || {
            attempts(&store).1 >= Duration::from_secs(1)
        })
        .await;
        let (before, _) = attempts(&store);
        services.send(Effect::Reconnect(ClusterId::App)).unwrap();
        tokio::time::timeout(Duration::from_millis(900), async {
            while attempts(&store).0 <= before {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await
        .expect("the supervisor tried again before its backoff ran out");
        until("the message", || {
            store
                .read()
                .messages()
                .iter()
                .any(|m| m.text == "App: reconnecting now")
        })
        .await;
        services
            .send(Effect::Reconnect(ClusterId::ControlPlane))
            .unwrap();
        until("the error", || {
            store.read().messages().iter().any(|m| {
                m.level == Level::Error
                    && m.text == "Control Plane: no cluster is configured to reconnect to"
            })
        })
        .await;
    }
}

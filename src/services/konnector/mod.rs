//! The konnector: the sync loop that makes a bound API real in the App Cluster
//! (reference/bind-protocol.md §5, with the corrections of §6). For every APIServiceBinding
//! it connects to the Control Plane with the binding's kubeconfig, creates the CRD from the
//! APIServiceExport, and keeps every object of that kind in sync — spec App → Control Plane,
//! status and claimed objects (credentials) back — with finalizers, adoption and a
//! heartbeat. All of it is kube-runtime watches and controllers: nothing polls.
//!
//! One controller per file: [`bindings`] (per binding), [`crds`], [`spec_sync`],
//! [`status_sync`], [`secrets`] (claimed objects), [`heartbeat`]; [`cluster`] is one Control
//! Plane connection, [`namespaces`] its namespace mapping, [`leader`] the lease. The headless
//! `klutch-tui konnector` and the cockpit both run it through [`Konnector::start`], and
//! hear what it does through [`KonnectorHandle::subscribe`] and
//! [`KonnectorHandle::snapshot`]. Nothing here is specific to the sandbox.

mod bindings;
mod cached;
mod cluster;
mod crds;
mod error;
pub mod events;
mod heartbeat;
mod kinds;
mod leader;
mod multi_ns;
mod namespaces;
mod ready;
mod secrets;
mod spec_sync;
mod status_sync;

pub mod install;
pub mod installed;
pub mod local;

pub use bindings::{client_of, kubeconfig_in, read_secret};
pub use cluster::reach;
pub use crds::ensure_binding_crd;
pub use events::{
    BindingSnapshot, BindingState, Direction, KonnectorEvent, Leadership, ObjectKey, ObjectSync,
    Snapshot, SyncAction,
};
pub use heartbeat::DEFAULT_INTERVAL as DEFAULT_HEARTBEAT_INTERVAL;
pub use leader::LeaderElection;
pub use namespaces::Grant;
pub use spec_sync::contains as spec_in_sync;

use events::Reporter;
use futures::StreamExt;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use klutch::bind::APIServiceBinding;
use kube::api::Api;
use kube::api::PartialObjectMeta;
use kube::runtime::controller::{Config, applier};
use kube::runtime::reflector::{self, ObjectRef};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Client, ResourceExt};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;
use tokio_stream::wrappers::UnboundedReceiverStream;
use tokio_util::sync::CancellationToken;

/// How to run the konnector.
#[derive(Clone, Debug)]
pub struct KonnectorOptions {
    /// Namespace of the APIServiceBindings and their kubeconfig Secrets (`klutch-bind`).
    pub namespace: String,
    /// How often the heartbeat is due (it is written every half interval).
    pub heartbeat_interval: Duration,
    /// Hold this lease while syncing; `None`: sync without asking anybody.
    pub leader_election: Option<LeaderElection>,
    /// In a cluster: grant the konnector's ServiceAccount the claimed resources in each
    /// namespace it binds (the installed RBAC gives nothing else).
    pub grant: Option<Grant>,
    /// Reported in the ClusterBinding's `konnectorVersion`.
    pub version: String,
}

impl Default for KonnectorOptions {
    fn default() -> Self {
        let namespace = klutch::bind::names::KONNECTOR_NAMESPACE.to_owned();
        Self {
            leader_election: Some(LeaderElection::new(&namespace)),
            namespace,
            heartbeat_interval: DEFAULT_HEARTBEAT_INTERVAL,
            grant: None,
            version: format!("v{}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// Starts the konnector.
pub struct Konnector;

impl Konnector {
    /// Run the konnector against the App Cluster behind `app` until the handle is stopped.
    pub fn start(app: Client, options: KonnectorOptions) -> KonnectorHandle {
        let reporter = Reporter::new();
        let stop = CancellationToken::new();
        let task = tokio::spawn(run(app, options, reporter.clone(), stop.clone()));
        KonnectorHandle {
            reporter,
            stop,
            task,
        }
    }
}

/// A running konnector.
pub struct KonnectorHandle {
    reporter: Reporter,
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl KonnectorHandle {
    /// Every event from now on (a slow subscriber is told how many it missed).
    pub fn subscribe(&self) -> broadcast::Receiver<KonnectorEvent> {
        self.reporter.subscribe()
    }

    /// The state now: leadership, and per binding its state, last heartbeat and the objects
    /// synced with their lag.
    pub fn snapshot(&self) -> Snapshot {
        self.reporter.snapshot()
    }

    /// Stop: reconciliations in flight get a moment to finish, the lease is given up.
    pub async fn stop(self) {
        self.stop.cancel();
        let _ = self.task.await;
    }
}

/// Wait for the lease (if asked to), sync until it is lost or `stop`, and again.
async fn run(app: Client, options: KonnectorOptions, reporter: Reporter, stop: CancellationToken) {
    let mut backoff = Duration::from_millis(500);
    while let Err(e) = crds::ensure_binding_crd(&app).await {
        reporter.error(None, None, e.reason(), e.to_string());
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            () = stop.cancelled() => return,
        }
        backoff = (backoff * 2).min(Duration::from_secs(30));
    }
    let Some(le) = options.leader_election.clone() else {
        reporter.report(KonnectorEvent::Leadership(Leadership::Alone));
        sync(&app, &options, &reporter, stop).await;
        return;
    };
    loop {
        let candidacy = tokio::select! {
            c = leader::stand(app.clone(), &le) => c,
            () = stop.cancelled() => return,
        };
        let mut candidacy = match candidacy {
            Ok(c) => c,
            Err(e) => {
                reporter.error(
                    None,
                    None,
                    "LeaseFailed",
                    format!("lease {}/{}: {e}", le.lease_namespace, le.lease_name),
                );
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(2)) => continue,
                    () = stop.cancelled() => return,
                }
            }
        };
        reporter.report(KonnectorEvent::Leadership(Leadership::Waiting));
        let won = tokio::select! {
            r = candidacy.leader.wait_for(|l| *l) => r.is_ok(),
            () = stop.cancelled() => false,
        };
        if !won {
            candidacy.resign().await;
            if stop.is_cancelled() {
                return;
            }
            continue;
        }
        tracing::info!(identity = %le.identity, "konnector: leader");
        reporter.report(KonnectorEvent::Leadership(Leadership::Leader));
        let round = stop.child_token();
        let mut leader = candidacy.leader.clone();
        let lost = round.clone();
        let watch_lease = tokio::spawn(async move {
            let _ = leader.wait_for(|l| !*l).await;
            lost.cancel();
        });
        sync(&app, &options, &reporter, round).await;
        watch_lease.abort();
        candidacy.resign().await;
        if stop.is_cancelled() {
            return;
        }
        tracing::warn!("konnector: lost the lease; waiting to get it back");
    }
}

/// Every controller, until `stop`.
async fn sync(
    app: &Client,
    options: &KonnectorOptions,
    reporter: &Reporter,
    stop: CancellationToken,
) {
    let ns = &options.namespace;
    let (trigger_tx, trigger_rx) = mpsc::unbounded_channel::<ObjectRef<APIServiceBinding>>();
    let (binding_store, binding_writer) = reflector::store::<APIServiceBinding>();
    let (secret_store, secret_writer) = reflector::store::<Secret>();
    let ctx = Arc::new(bindings::Ctx {
        env: cluster::Env {
            app: app.clone(),
            reporter: reporter.clone(),
            grant: options.grant.clone(),
            heartbeat_interval: options.heartbeat_interval,
            version: options.version.clone(),
            binding_namespace: ns.clone(),
            trigger: trigger_tx.clone(),
        },
        secrets: secret_store,
        sessions: tokio::sync::Mutex::new(bindings::Registry::default()),
    });
    let mut tasks = vec![tokio::spawn(crds::run_release(app.clone(), stop.clone()))];
    // Kubeconfig Secrets wake the bindings that name them.
    let secret_events = watcher(
        Api::<Secret>::namespaced(app.clone(), ns),
        watcher::Config::default(),
    )
    .default_backoff()
    .reflect(secret_writer)
    .touched_objects();
    let (bindings_for_secrets, trigger, secret_stop) =
        (binding_store.clone(), trigger_tx.clone(), stop.clone());
    tasks.push(tokio::spawn(async move {
        let mut events = std::pin::pin!(secret_events.take_until(secret_stop.cancelled_owned()));
        while let Some(Ok(secret)) = events.next().await {
            for b in bindings_for_secrets.state() {
                let r = &b.spec.kubeconfig_secret_ref;
                if r.name == secret.name_any() && Some(&r.namespace) == secret.namespace().as_ref()
                {
                    let _ = trigger.send(ObjectRef::from_obj(b.as_ref()));
                }
            }
        }
    }));
    // A binding that goes stops its kind's sync.
    let (prune_tx, mut prune_rx) = mpsc::unbounded_channel::<()>();
    let (set_ready, ready) = ready::readiness();
    let binding_refs = watcher(
        Api::<APIServiceBinding>::namespaced(app.clone(), ns),
        watcher::Config::default(),
    )
    .default_backoff()
    .reflect(binding_writer)
    .inspect(move |e| {
        if matches!(e, Ok(watcher::Event::InitDone)) {
            set_ready.set();
        }
        if matches!(e, Ok(watcher::Event::Delete(_) | watcher::Event::InitDone)) {
            let _ = prune_tx.send(());
        }
    })
    .touched_objects()
    .filter_map(|b| async move { b.ok().map(|b| ObjectRef::from_obj(&b)) });
    let (prune_ctx, prune_store) = (ctx.clone(), binding_store.clone());
    tasks.push(tokio::spawn(async move {
        while prune_rx.recv().await.is_some() {
            prune_ctx.prune(&prune_store).await;
        }
    }));
    // A binding's CRD changing (served, deleted by someone) wakes the binding.
    let crd_ns = ns.clone();
    let crd_refs = watcher(
        Api::<PartialObjectMeta<CustomResourceDefinition>>::all(app.clone()),
        watcher::Config::default(),
    )
    .default_backoff()
    .touched_objects()
    .filter_map(move |crd| {
        let r = crd
            .ok()
            .map(|crd| ObjectRef::new(&crd.name_any()).within(&crd_ns));
        async move { r }
    });
    let queue = futures::stream::select_all([
        binding_refs.boxed(),
        crd_refs.boxed(),
        UnboundedReceiverStream::new(trigger_rx).boxed(),
    ])
    .map(Ok::<_, Infallible>)
    .take_until(stop.clone().cancelled_owned());
    let controller = applier(
        |b, ctx| Box::pin(bindings::reconcile(b, ctx)),
        bindings::retry,
        ctx.clone(),
        binding_store.clone(),
        queue,
        Config::default().concurrency(4),
    );
    klutch::runtime::run_controller(
        "apiservicebindings",
        controller,
        stop.clone(),
        ready.wait(),
        klutch::runtime::DEFAULT_GRACE,
    )
    .await;
    ctx.stop_all().await;
    for task in tasks {
        task.abort();
        let _ = task.await;
    }
}

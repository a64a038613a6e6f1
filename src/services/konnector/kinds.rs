//! The sync of one bound kind: a watch of its objects in the App Cluster (cluster-wide) and
//! one of its Control Plane copies (in the mapped namespaces), feeding two controllers —
//! spec App → Control Plane ([`super::spec_sync`]) and status Control Plane → App
//! ([`super::status_sync`]). An event on either side wakes the object's reconcile on both,
//! so that a change on the wrong side is put back as soon as it is seen.

use super::cached::{Cached, Kind};
use super::error::SyncError;
use super::events::{ObjectKey, Reporter};
use super::multi_ns::watch_namespaces;
use super::namespaces::NamespaceMap;
use super::ready::{SetReady, readiness};
use super::{spec_sync, status_sync};
use futures::StreamExt;
use klutch::runtime::{DEFAULT_GRACE as GRACE, run_controller};
use kube::api::{Api, DynamicObject};
use kube::core::ApiResource;
use kube::runtime::controller::{Action, Config, applier};
use kube::runtime::reflector::{ObjectRef, Store, store::Writer};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Client, ResourceExt};
use parking_lot::Mutex;
use std::collections::{BTreeSet, HashMap};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_stream::wrappers::UnboundedReceiverStream;
use tokio_util::sync::CancellationToken;

/// Reconciliations of one controller running at once (each may hold an HTTP/1.1 connection).
pub const CONCURRENCY: u16 = 32;

/// When each side's change was first seen, until the other side has it: the lag.
#[derive(Default)]
pub struct Seen(Mutex<HashMap<(String, String), Instant>>);

impl Seen {
    fn mark(&self, ns: &str, name: &str) {
        self.0
            .lock()
            .entry((ns.to_owned(), name.to_owned()))
            .or_insert_with(Instant::now);
    }

    /// The time since the change was seen; forgets it.
    pub fn take(&self, ns: &str, name: &str) -> Duration {
        self.0
            .lock()
            .remove(&(ns.to_owned(), name.to_owned()))
            .map(|t| t.elapsed())
            .unwrap_or_default()
    }
}

/// The two clusters of one Control Plane connection, its namespace mapping, and where to
/// report.
#[derive(Clone)]
pub struct Both {
    pub app: Client,
    pub cp: Client,
    pub namespaces: Arc<NamespaceMap>,
    pub reporter: Reporter,
}

/// What both controllers of a kind share.
pub struct KindCtx {
    /// The binding (and CRD) name, `<plural>.<group>`.
    pub binding: String,
    /// The namespace of the bindings in the App Cluster.
    pub binding_namespace: String,
    /// The kind, in the version synced (the export's first served one).
    pub ar: ApiResource,
    /// The same, shared by the caches' keys.
    pub kind: Kind,
    pub app: Client,
    pub cp: Client,
    pub namespaces: Arc<NamespaceMap>,
    pub app_store: Store<Cached>,
    pub cp_store: Store<Cached>,
    /// App-side changes not yet on the Control Plane.
    pub seen_app: Seen,
    /// Control Plane changes not yet in the App Cluster.
    pub seen_cp: Seen,
    pub reporter: Reporter,
}

impl KindCtx {
    /// The key events name an App object by.
    pub fn key(&self, ns: &str, name: &str) -> ObjectKey {
        ObjectKey {
            resource: self.binding.clone(),
            namespace: ns.to_owned(),
            name: name.to_owned(),
        }
    }

    pub fn app_api(&self, ns: &str) -> Api<DynamicObject> {
        Api::namespaced_with(self.app.clone(), ns, &self.ar)
    }

    pub fn cp_api(&self, ns: &str) -> Api<DynamicObject> {
        Api::namespaced_with(self.cp.clone(), ns, &self.ar)
    }

    /// The key of an object in either cache.
    pub fn cache_ref(&self, ns: &str, name: &str) -> ObjectRef<Cached> {
        ObjectRef::new_with(name, self.kind.clone()).within(ns)
    }

    /// The error policy of both controllers: report, retry with backoff.
    pub fn retry(&self, obj: &Cached, error: &SyncError) -> Action {
        let key = self.key(&obj.namespace().unwrap_or_default(), &obj.name_any());
        super::error::retry(&self.reporter, &self.binding, key, error)
    }
}

/// A running sync of one kind; dropping it does not stop it, [`KindSync::stop`] does.
pub struct KindSync {
    stop: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
    synced: watch::Receiver<bool>,
}

type Queue = mpsc::UnboundedSender<ObjectRef<Cached>>;

impl KindSync {
    /// Start syncing `ar` for `binding`; `on_synced` runs once both sides are listed.
    pub fn start(
        binding: &str,
        binding_namespace: &str,
        ar: ApiResource,
        both: Both,
        on_synced: impl FnOnce() + Send + 'static,
    ) -> KindSync {
        let stop = CancellationToken::new();
        let kind: Kind = Arc::new(ar.clone());
        let app_writer = Writer::new(kind.clone());
        let cp_writer = Writer::new(kind.clone());
        let ctx = Arc::new(KindCtx {
            binding: binding.to_owned(),
            binding_namespace: binding_namespace.to_owned(),
            ar,
            kind,
            app: both.app,
            cp: both.cp,
            namespaces: both.namespaces,
            app_store: app_writer.as_reader(),
            cp_store: cp_writer.as_reader(),
            seen_app: Seen::default(),
            seen_cp: Seen::default(),
            reporter: both.reporter,
        });
        let (spec_tx, spec_rx) = mpsc::unbounded_channel();
        let (status_tx, status_rx) = mpsc::unbounded_channel();
        let (synced_tx, synced) = watch::channel(false);
        let (app_set, app_ready) = readiness();
        let (cp_set, cp_ready) = readiness();
        let config = Config::default().concurrency(CONCURRENCY);
        let mut tasks = vec![
            tokio::spawn(watch_app(
                ctx.clone(),
                app_writer,
                app_set,
                spec_tx.clone(),
                status_tx.clone(),
                stop.clone(),
            )),
            tokio::spawn(watch_cp(
                ctx.clone(),
                cp_writer,
                cp_set,
                spec_tx.clone(),
                status_tx,
                stop.clone(),
            )),
            tokio::spawn(follow_mapping(ctx.clone(), spec_tx, stop.clone())),
        ];
        let spec = applier(
            |obj, ctx: Arc<KindCtx>| Box::pin(spec_sync::reconcile(obj, ctx)),
            |obj, err, ctx| ctx.retry(&obj, err),
            ctx.clone(),
            ctx.app_store.clone(),
            UnboundedReceiverStream::new(spec_rx).map(Ok::<_, Infallible>),
            config.clone(),
        );
        tasks.push(tokio::spawn({
            let stop = stop.clone();
            let app_ready = app_ready.clone();
            async move {
                let _ = run_controller("spec-sync", spec, stop, app_ready.wait(), GRACE).await;
            }
        }));
        let status = applier(
            |obj, ctx: Arc<KindCtx>| Box::pin(status_sync::reconcile(obj, ctx)),
            |obj, err, ctx| ctx.retry(&obj, err),
            ctx.clone(),
            ctx.cp_store.clone(),
            UnboundedReceiverStream::new(status_rx).map(Ok::<_, Infallible>),
            config,
        );
        tasks.push(tokio::spawn({
            let (stop, app_ready, cp_ready) = (stop.clone(), app_ready.clone(), cp_ready.clone());
            async move {
                // Adoption decides on the App store: it must be complete first.
                tokio::select! {
                    () = app_ready.wait() => {}
                    () = stop.cancelled() => return,
                }
                let _ = run_controller("status-sync", status, stop, cp_ready.wait(), GRACE).await;
            }
        }));
        tasks.push(tokio::spawn({
            let stop = stop.clone();
            async move {
                let both = async {
                    app_ready.wait().await;
                    cp_ready.wait().await;
                };
                tokio::select! {
                    () = both => {
                        synced_tx.send_replace(true);
                        on_synced();
                    }
                    () = stop.cancelled() => {}
                }
            }
        }));
        KindSync {
            stop,
            tasks,
            synced,
        }
    }

    /// Whether both sides have been listed.
    pub fn is_synced(&self) -> bool {
        *self.synced.borrow()
    }

    /// Stop every task of this kind and wait for them.
    pub async fn stop(self) {
        self.stop.cancel();
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

async fn watch_app(
    ctx: Arc<KindCtx>,
    writer: Writer<Cached>,
    ready: SetReady,
    spec: Queue,
    status: Queue,
    stop: CancellationToken,
) {
    let api: Api<Cached> = Api::all_with(ctx.app.clone(), &ctx.kind);
    let events = watcher(api, watcher::Config::default())
        .default_backoff()
        .reflect(writer);
    let mut events = std::pin::pin!(events.take_until(stop.cancelled_owned()));
    while let Some(event) = events.next().await {
        match event {
            Ok(watcher::Event::Apply(o) | watcher::Event::InitApply(o)) => {
                let (ns, name) = (o.namespace().unwrap_or_default(), o.name_any());
                ctx.seen_app.mark(&ns, &name);
                let _ = spec.send(ctx.cache_ref(&ns, &name));
                if let Some(cp_ns) = ctx.namespaces.mapping().to_cp.get(&ns) {
                    let _ = status.send(ctx.cache_ref(cp_ns, &name));
                }
            }
            Ok(watcher::Event::Delete(o)) => {
                let (ns, name) = (o.namespace().unwrap_or_default(), o.name_any());
                if let Some(cp_ns) = ctx.namespaces.mapping().to_cp.get(&ns) {
                    let _ = status.send(ctx.cache_ref(cp_ns, &name));
                }
            }
            Ok(watcher::Event::InitDone) => ready.set(),
            Ok(_) => {}
            Err(error) => {
                ctx.reporter.error(
                    Some(&ctx.binding),
                    None,
                    "WatchFailed",
                    format!("watching {} in the App Cluster: {error}", ctx.binding),
                );
            }
        }
    }
}

async fn watch_cp(
    ctx: Arc<KindCtx>,
    writer: Writer<Cached>,
    ready: SetReady,
    spec: Queue,
    status: Queue,
    stop: CancellationToken,
) {
    let events = watch_namespaces(
        ctx.cp.clone(),
        ctx.kind.clone(),
        ctx.namespaces.cp_namespaces(),
        watcher::Config::default(),
        Cached::stub,
    )
    .reflect(writer);
    let mut events = std::pin::pin!(events.take_until(stop.cancelled_owned()));
    while let Some(event) = events.next().await {
        let (o, deleted) = match event {
            Ok(watcher::Event::Apply(o) | watcher::Event::InitApply(o)) => (o, false),
            Ok(watcher::Event::Delete(o)) => (o, true),
            Ok(watcher::Event::InitDone) => {
                ready.set();
                continue;
            }
            Ok(_) => continue,
            Err(error) => {
                ctx.reporter.error(
                    Some(&ctx.binding),
                    None,
                    "WatchFailed",
                    format!("watching {} on the Control Plane: {error}", ctx.binding),
                );
                continue;
            }
        };
        let (cp_ns, name) = (o.namespace().unwrap_or_default(), o.name_any());
        if !deleted {
            ctx.seen_cp.mark(&cp_ns, &name);
            let _ = status.send(ctx.cache_ref(&cp_ns, &name));
        }
        if let Some(app_ns) = ctx.namespaces.mapping().to_app.get(&cp_ns) {
            let _ = spec.send(ctx.cache_ref(app_ns, &name));
        }
    }
}

/// When an App namespace gets its Control Plane namespace, its objects may go on.
async fn follow_mapping(ctx: Arc<KindCtx>, spec: Queue, stop: CancellationToken) {
    let mut mapping = ctx.namespaces.watch_mapping();
    let mut known: BTreeSet<String> = mapping.borrow().to_cp.keys().cloned().collect();
    loop {
        tokio::select! {
            changed = mapping.changed() => if changed.is_err() { return },
            () = stop.cancelled() => return,
        }
        let now: BTreeSet<String> = mapping.borrow_and_update().to_cp.keys().cloned().collect();
        for ns in now.difference(&known) {
            for o in ctx.app_store.state() {
                if o.namespace().as_deref() == Some(ns.as_str()) {
                    let _ = spec.send(ctx.cache_ref(ns, &o.name_any()));
                }
            }
        }
        known = now;
    }
}

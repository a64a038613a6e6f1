//! One Control Plane connection, shared by every binding whose kubeconfig Secret holds the
//! same kubeconfig (upstream's "cluster controller"): it GETs its cluster namespace first
//! (the binder must be allowed to; a clear condition says so if not), then watches the
//! exports and APIServiceNamespaces there, beats the heartbeat, and runs the sync of each
//! bound kind and of the claimed objects.

use super::crds::synced_resource;
use super::error::reason_of;
use super::events::{KonnectorEvent, Reporter};
use super::heartbeat::{self, Beat};
use super::kinds::{Both, KindSync};
use super::namespaces::{Grant, NamespaceMap};
use super::secrets::{ClaimKey, Mirror, Names, merge_claims};
use futures::StreamExt;
use k8s_openapi::api::core::v1::Namespace;
use klutch::bind::names::CLUSTER_BINDING_NAME;
use klutch::bind::{APIServiceBinding, APIServiceExport, ClusterBinding, PermissionClaim};
use kube::api::Api;
use kube::core::{ApiResource, GroupVersion};
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Client, ResourceExt};
use parking_lot::Mutex;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How the connection stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    /// Not yet through the first steps.
    Connecting,
    /// Connected: exports and namespaces are listed.
    Up,
    /// Cannot go on, for this reason.
    Down {
        reason: &'static str,
        message: String,
    },
}

/// What a session needs from the konnector around it.
#[derive(Clone)]
pub struct Env {
    pub app: Client,
    pub reporter: Reporter,
    pub grant: Option<Grant>,
    pub heartbeat_interval: Duration,
    pub version: String,
    pub binding_namespace: String,
    /// Wakes the binding controller for a binding.
    pub trigger: mpsc::UnboundedSender<ObjectRef<APIServiceBinding>>,
}

struct Running {
    namespaces: Arc<NamespaceMap>,
    exports: Store<APIServiceExport>,
}

/// One Control Plane connection.
pub struct Session {
    pub cp: Client,
    pub cluster_ns: String,
    env: Env,
    link: watch::Receiver<Link>,
    beat: watch::Receiver<Beat>,
    pretty_name: watch::Receiver<Option<String>>,
    running: watch::Receiver<Option<Arc<Running>>>,
    /// Bindings attached, with their accepted claims.
    bindings: Mutex<BTreeMap<String, Vec<PermissionClaim>>>,
    kinds: tokio::sync::Mutex<HashMap<String, (String, KindSync)>>,
    claims: tokio::sync::Mutex<(BTreeMap<ClaimKey, Names>, Vec<Mirror>)>,
    stop: CancellationToken,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl Session {
    /// Connect with `cp` to cluster namespace `cluster_ns` and start watching there.
    pub fn start(cp: Client, cluster_ns: String, env: Env) -> Arc<Session> {
        let (link_tx, link) = watch::channel(Link::Connecting);
        let (beat_tx, beat) = watch::channel(Beat::Pending);
        let (name_tx, pretty_name) = watch::channel(None);
        let (running_tx, running) = watch::channel(None);
        let session = Arc::new(Session {
            cp,
            cluster_ns,
            env,
            link,
            beat,
            pretty_name,
            running,
            bindings: Mutex::new(BTreeMap::new()),
            kinds: tokio::sync::Mutex::new(HashMap::new()),
            claims: tokio::sync::Mutex::new((BTreeMap::new(), Vec::new())),
            stop: CancellationToken::new(),
            tasks: Mutex::new(Vec::new()),
        });
        let task = tokio::spawn(connect(
            Arc::downgrade(&session),
            link_tx,
            beat_tx,
            name_tx,
            running_tx,
        ));
        session.tasks.lock().push(task);
        session
    }

    pub fn link(&self) -> Link {
        self.link.borrow().clone()
    }

    pub fn beat(&self) -> Beat {
        self.beat.borrow().clone()
    }

    pub fn pretty_name(&self) -> Option<String> {
        self.pretty_name.borrow().clone()
    }

    /// The export of `name` in the cluster namespace (`None` also while not connected).
    pub fn export(&self, name: &str) -> Option<Arc<APIServiceExport>> {
        let running = self.running.borrow().clone()?;
        running
            .exports
            .get(&ObjectRef::new(name).within(&self.cluster_ns))
    }

    fn both(&self, running: &Running) -> Both {
        Both {
            app: self.env.app.clone(),
            cp: self.cp.clone(),
            namespaces: running.namespaces.clone(),
            reporter: self.env.reporter.clone(),
        }
    }

    /// Wake the binding controller for every attached binding.
    fn wake(&self) {
        for name in self.bindings.lock().keys() {
            let _ = self
                .env
                .trigger
                .send(ObjectRef::new(name).within(&self.env.binding_namespace));
        }
    }

    /// Attach a binding with its accepted claims (again: claims may have changed).
    pub async fn attach(&self, binding: &APIServiceBinding) {
        let claims: Vec<PermissionClaim> = binding.accepted_claims().cloned().collect();
        let changed = {
            let mut bindings = self.bindings.lock();
            bindings.insert(binding.name_any(), claims.clone()) != Some(claims)
        };
        if changed {
            self.update_claims().await;
        }
    }

    /// Detach a binding: its kind stops syncing. Returns whether any binding is left.
    pub async fn detach(&self, name: &str) -> bool {
        let removed = self.bindings.lock().remove(name).is_some();
        if let Some((_, kind)) = self.kinds.lock().await.remove(name) {
            kind.stop().await;
        }
        if removed {
            self.update_claims().await;
        }
        !self.bindings.lock().is_empty()
    }

    /// Make sure the kind of `export` is syncing for `binding`, restarting it when the
    /// export's schema changed. Returns whether both sides have been listed.
    pub async fn ensure_kind(&self, binding: &str, export: &APIServiceExport) -> bool {
        let Some(running) = self.running.borrow().clone() else {
            return false;
        };
        let Some(ar) = synced_resource(export) else {
            return false;
        };
        let stamp = format!(
            "{}/{}",
            export.metadata.generation.unwrap_or_default(),
            ar.version
        );
        let mut kinds = self.kinds.lock().await;
        if let Some((have, kind)) = kinds.get(binding)
            && *have == stamp
        {
            return kind.is_synced();
        }
        if let Some((_, old)) = kinds.remove(binding) {
            old.stop().await;
        }
        let trigger = self.env.trigger.clone();
        let me = ObjectRef::new(binding).within(&self.env.binding_namespace);
        let kind = KindSync::start(
            binding,
            &self.env.binding_namespace,
            ar,
            self.both(&running),
            move || {
                let _ = trigger.send(me);
            },
        );
        kinds.insert(binding.to_owned(), (stamp, kind));
        false
    }

    /// Restart the claimed-object mirrors when the set of claims changed.
    async fn update_claims(&self) {
        let Some(running) = self.running.borrow().clone() else {
            return;
        };
        let (wanted, first_binding) = {
            let bindings = self.bindings.lock();
            (
                merge_claims(bindings.values().flatten()),
                bindings.keys().next().cloned().unwrap_or_default(),
            )
        };
        let mut claims = self.claims.lock().await;
        if claims.0 == wanted && (wanted.is_empty() || !claims.1.is_empty()) {
            return;
        }
        for mirror in std::mem::take(&mut claims.1) {
            mirror.stop().await;
        }
        for (key, names) in &wanted {
            let ar = match resolve(&self.cp, key).await {
                Ok(ar) => ar,
                Err(message) => {
                    self.env
                        .reporter
                        .error(None, None, "ClaimedResourceUnknown", message);
                    continue;
                }
            };
            claims.1.push(Mirror::start(
                key.clone(),
                names.clone(),
                ar,
                self.both(&running),
                first_binding.clone(),
            ));
        }
        claims.0 = wanted;
    }

    /// Stop everything of this connection and wait for it.
    pub async fn stop(&self) {
        self.stop.cancel();
        let kinds: Vec<_> = self.kinds.lock().await.drain().collect();
        for (_, (_, kind)) in kinds {
            kind.stop().await;
        }
        let mirrors = std::mem::take(&mut self.claims.lock().await.1);
        for mirror in mirrors {
            mirror.stop().await;
        }
        let tasks: Vec<_> = self.tasks.lock().drain(..).collect();
        for task in tasks {
            let _ = task.await;
        }
    }
}

/// The claimed resource's kind, from the Control Plane's discovery.
async fn resolve(cp: &Client, key: &ClaimKey) -> Result<ApiResource, String> {
    let gv = GroupVersion::gv(&key.group, &key.version);
    let group = kube::discovery::oneshot::pinned_group(cp, &gv)
        .await
        .map_err(|e| {
            format!(
                "the Control Plane does not serve {}/{}: {e}",
                gv.api_version(),
                key.resource
            )
        })?;
    group
        .recommended_resources()
        .into_iter()
        .map(|(ar, _)| ar)
        .find(|ar| ar.plural == key.resource)
        .ok_or_else(|| {
            format!(
                "the Control Plane does not serve {} in {}",
                key.resource,
                gv.api_version()
            )
        })
}

/// The first step of a connection: the binder GETs its cluster namespace (as upstream's
/// konnector does). On failure the reason (`ClusterNamespaceForbidden`,
/// `ClusterNamespaceNotFound`, `ControlPlaneUnreachable`) and what to do.
pub async fn reach(cp: &Client, ns: &str) -> Result<(), (&'static str, String)> {
    let e = match Api::<Namespace>::all(cp.clone()).get(ns).await {
        Ok(_) => return Ok(()),
        Err(e) => e,
    };
    Err(match reason_of(&e) {
        "Forbidden" | "Unauthorized" => (
            "ClusterNamespaceForbidden",
            format!(
                "the binder ServiceAccount may not read its cluster namespace {ns} on the Control Plane ({e}); \
                 the backend's ClusterRole klutch-binder must allow `get namespaces`"
            ),
        ),
        "NotFound" => (
            "ClusterNamespaceNotFound",
            format!("the cluster namespace {ns} does not exist on the Control Plane; bind again"),
        ),
        _ => (
            "ControlPlaneUnreachable",
            format!("the Control Plane cannot be reached: {e}"),
        ),
    })
}

/// The first steps of a connection, then its watches; ends with the session's stop.
async fn connect(
    session: std::sync::Weak<Session>,
    link: watch::Sender<Link>,
    beat: watch::Sender<Beat>,
    pretty_name: watch::Sender<Option<String>>,
    running: watch::Sender<Option<Arc<Running>>>,
) {
    let Some(s) = session.upgrade() else { return };
    let (cp, ns, env, stop) = (
        s.cp.clone(),
        s.cluster_ns.clone(),
        s.env.clone(),
        s.stop.clone(),
    );
    drop(s);
    let wake = || {
        if let Some(s) = session.upgrade() {
            s.wake();
        }
    };
    // The binder GETs its cluster namespace before anything else (as upstream).
    let mut backoff = Duration::from_millis(500);
    loop {
        let down = match reach(&cp, &ns).await {
            Ok(()) => break,
            Err((reason, message)) => Link::Down { reason, message },
        };
        if *link.borrow() != down {
            link.send_replace(down);
            wake();
        }
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            () = stop.cancelled() => return,
        }
        backoff = (backoff * 2).min(Duration::from_secs(30));
    }
    if let Ok(cb) = Api::<ClusterBinding>::namespaced(cp.clone(), &ns)
        .get(CLUSTER_BINDING_NAME)
        .await
    {
        pretty_name.send_replace(Some(cb.spec.provider_pretty_name));
    }
    let mut tasks = Vec::new();
    let (namespaces, ns_task) = NamespaceMap::start(
        cp.clone(),
        &ns,
        env.app.clone(),
        env.grant.clone(),
        env.reporter.clone(),
        stop.clone(),
    );
    tasks.push(ns_task);
    let (exports, writer) = reflector::store();
    let export_events = watcher(
        Api::<APIServiceExport>::namespaced(cp.clone(), &ns),
        watcher::Config::default(),
    )
    .default_backoff()
    .reflect(writer);
    let trigger = env.trigger.clone();
    let binding_ns = env.binding_namespace.clone();
    let export_stop = stop.clone();
    tasks.push(tokio::spawn(async move {
        let mut events = std::pin::pin!(export_events.take_until(export_stop.cancelled_owned()));
        while let Some(event) = events.next().await {
            if let Ok(
                watcher::Event::Apply(e) | watcher::Event::Delete(e) | watcher::Event::InitApply(e),
            ) = event
            {
                let _ = trigger.send(ObjectRef::new(&e.name_any()).within(&binding_ns));
            }
        }
    }));
    let beat_wake = session.clone();
    let mut beats = beat.subscribe();
    let reporter = env.reporter.clone();
    let (beat_ns, interval) = (ns.clone(), env.heartbeat_interval);
    tasks.push(tokio::spawn(heartbeat::run(
        cp.clone(),
        ns.clone(),
        env.heartbeat_interval,
        env.version.clone(),
        beat,
        stop.clone(),
    )));
    tasks.push(tokio::spawn(async move {
        let mut last_ok = false;
        while beats.changed().await.is_ok() {
            let now = beats.borrow_and_update().clone();
            let Some(s) = beat_wake.upgrade() else { return };
            if let Beat::Beating(at) = now {
                let bindings: Vec<String> = s.bindings.lock().keys().cloned().collect();
                reporter.report(KonnectorEvent::Heartbeat {
                    bindings,
                    cluster_namespace: beat_ns.clone(),
                    interval,
                    at,
                });
                if !last_ok {
                    s.wake();
                }
                last_ok = true;
            } else {
                last_ok = false;
                s.wake();
            }
        }
    }));
    let ready = async {
        namespaces.ready().await;
        let _ = exports.wait_until_ready().await;
    };
    tokio::select! {
        () = ready => {}
        () = stop.cancelled() => return,
    }
    running.send_replace(Some(Arc::new(Running {
        namespaces,
        exports,
    })));
    link.send_replace(Link::Up);
    if let Some(s) = session.upgrade() {
        s.tasks.lock().extend(tasks);
        s.update_claims().await;
        s.wake();
    }
}

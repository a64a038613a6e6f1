//! Which Control Plane namespace holds the objects of which App namespace: the
//! APIServiceNamespace mapping upstream uses. For an App namespace `N` the konnector creates
//! APIServiceNamespace `N` in the cluster namespace; the backend answers with
//! `status.namespace` (`<clusterNs>-N`), a namespace where the binder may work.
//!
//! The installed konnector may touch claimed objects (Secrets) only in the App namespaces it
//! bound: before a namespace joins the mapping here, it binds the claimed-resources
//! ClusterRole to its own ServiceAccount there ([`Grant`]).

use super::error::{SyncError, kube_err};
use super::events::Reporter;
use futures::StreamExt;
use k8s_openapi::api::rbac::v1::{RoleBinding, RoleRef, Subject};
use klutch::bind::APIServiceNamespace;
use klutch::bind::names::FIELD_MANAGER;
use kube::api::{Api, ObjectMeta, Patch, PatchParams, PostParams};
use kube::runtime::reflector::{self, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Client, ResourceExt};
use parking_lot::Mutex;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// The installed konnector's access to claimed objects, granted per bound namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// The ClusterRole over the claimed resources.
    pub cluster_role: String,
    /// The konnector's ServiceAccount: namespace and name.
    pub service_account: (String, String),
}

/// App namespace ↔ Control Plane namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mapping {
    /// App namespace → Control Plane namespace.
    pub to_cp: BTreeMap<String, String>,
    /// Control Plane namespace → App namespace.
    pub to_app: BTreeMap<String, String>,
}

/// The mapping of one Control Plane connection, kept current by a watch of its
/// APIServiceNamespaces.
pub struct NamespaceMap {
    api: Api<APIServiceNamespace>,
    store: Store<APIServiceNamespace>,
    mapping: watch::Receiver<Arc<Mapping>>,
    cp_set: watch::Receiver<BTreeSet<String>>,
    app_set: watch::Receiver<BTreeSet<String>>,
    synced: watch::Receiver<bool>,
    requested: Mutex<HashSet<String>>,
}

struct Publisher {
    app: Client,
    grant: Option<Grant>,
    granted: HashSet<String>,
    reporter: Reporter,
    mapping: watch::Sender<Arc<Mapping>>,
    cp_set: watch::Sender<BTreeSet<String>>,
    app_set: watch::Sender<BTreeSet<String>>,
    synced: watch::Sender<bool>,
}

impl NamespaceMap {
    /// Start watching the APIServiceNamespaces of `cluster_ns`; the task ends with `stop`.
    pub fn start(
        cp: Client,
        cluster_ns: &str,
        app: Client,
        grant: Option<Grant>,
        reporter: Reporter,
        stop: CancellationToken,
    ) -> (Arc<NamespaceMap>, JoinHandle<()>) {
        let api: Api<APIServiceNamespace> = Api::namespaced(cp, cluster_ns);
        let (store, writer) = reflector::store();
        let (mapping_tx, mapping) = watch::channel(Arc::new(Mapping::default()));
        let (cp_tx, cp_set) = watch::channel(BTreeSet::new());
        let (app_tx, app_set) = watch::channel(BTreeSet::new());
        let (synced_tx, synced) = watch::channel(false);
        let map = Arc::new(NamespaceMap {
            api: api.clone(),
            store: store.clone(),
            mapping,
            cp_set,
            app_set,
            synced,
            requested: Mutex::new(HashSet::new()),
        });
        let mut publisher = Publisher {
            app,
            grant,
            granted: HashSet::new(),
            reporter,
            mapping: mapping_tx,
            cp_set: cp_tx,
            app_set: app_tx,
            synced: synced_tx,
        };
        let task = tokio::spawn(async move {
            let events = watcher(api, watcher::Config::default())
                .default_backoff()
                .reflect(writer);
            let mut events = std::pin::pin!(events.take_until(stop.cancelled_owned()));
            while let Some(event) = events.next().await {
                match event {
                    Ok(watcher::Event::InitApply(_) | watcher::Event::Init) => {}
                    Ok(_) => publisher.publish(&store).await,
                    Err(error) => tracing::debug!(%error, "konnector: APIServiceNamespace watch"),
                }
            }
        });
        (map, task)
    }

    /// Wait until the first listing is in (the mapping is then complete).
    pub async fn ready(&self) {
        let mut synced = self.synced.clone();
        let _ = synced.wait_for(|s| *s).await;
    }

    /// The mapping now.
    pub fn mapping(&self) -> Arc<Mapping> {
        self.mapping.borrow().clone()
    }

    /// Follow the mapping.
    pub fn watch_mapping(&self) -> watch::Receiver<Arc<Mapping>> {
        self.mapping.clone()
    }

    /// The mapped Control Plane namespaces, as they change.
    pub fn cp_namespaces(&self) -> watch::Receiver<BTreeSet<String>> {
        self.cp_set.clone()
    }

    /// The bound App namespaces, as they change.
    pub fn app_namespaces(&self) -> watch::Receiver<BTreeSet<String>> {
        self.app_set.clone()
    }

    /// The Control Plane namespace of App namespace `app_ns`, asking the backend for one if
    /// there is none yet (`None` until it has answered; the mapping's change says when).
    pub async fn ensure(&self, app_ns: &str) -> Result<Option<String>, SyncError> {
        if let Some(cp) = self.mapping().to_cp.get(app_ns) {
            return Ok(Some(cp.clone()));
        }
        let exists = self.store.find(|s| s.name_any() == app_ns).is_some();
        if exists || !self.requested.lock().insert(app_ns.to_owned()) {
            return Ok(None);
        }
        let object = APIServiceNamespace::new(app_ns, Default::default());
        match self.api.create(&PostParams::default(), &object).await {
            Ok(_) => {}
            Err(e) if super::error::is_conflict(&e) => {}
            Err(e) => {
                self.requested.lock().remove(app_ns);
                return Err(kube_err(format!(
                    "creating APIServiceNamespace {app_ns} on the Control Plane"
                ))(e));
            }
        }
        tracing::info!(
            namespace = app_ns,
            "konnector: asked for a Control Plane namespace"
        );
        Ok(None)
    }

    /// Whether an APIServiceNamespace for `app_ns` exists, asked of the Control Plane
    /// itself (for decisions that must not rest on a cache).
    pub async fn exists_on_control_plane(&self, app_ns: &str) -> Result<bool, SyncError> {
        self.api
            .get_opt(app_ns)
            .await
            .map(|o| o.is_some())
            .map_err(kube_err(format!(
                "reading APIServiceNamespace {app_ns} on the Control Plane"
            )))
    }
}

impl Publisher {
    async fn publish(&mut self, store: &Store<APIServiceNamespace>) {
        let mut mapping = Mapping::default();
        for sns in store.state() {
            let Some(cp) = sns.status.as_ref().and_then(|s| s.namespace.clone()) else {
                continue;
            };
            if sns.metadata.deletion_timestamp.is_some() {
                continue;
            }
            mapping.to_app.insert(cp.clone(), sns.name_any());
            mapping.to_cp.insert(sns.name_any(), cp);
        }
        let app_namespaces: BTreeSet<String> = mapping.to_cp.keys().cloned().collect();
        if let Some(grant) = &self.grant {
            let new: Vec<String> = app_namespaces
                .iter()
                .filter(|n| !self.granted.contains(*n))
                .cloned()
                .collect();
            for ns in &new {
                match grant_access(&self.app, grant, ns).await {
                    Ok(()) => {
                        self.granted.insert(ns.clone());
                    }
                    Err(e) => self.reporter.error(None, None, e.reason(), e.to_string()),
                }
            }
        }
        let cp_namespaces: BTreeSet<String> = mapping.to_app.keys().cloned().collect();
        self.mapping.send_if_modified(|m| {
            let changed = **m != mapping;
            if changed {
                *m = Arc::new(mapping);
            }
            changed
        });
        self.cp_set.send_if_modified(|s| {
            let changed = *s != cp_namespaces;
            *s = cp_namespaces;
            changed
        });
        // Only namespaces where access was granted (all of them without a grant).
        let granted: BTreeSet<String> = match &self.grant {
            Some(_) => app_namespaces
                .into_iter()
                .filter(|n| self.granted.contains(n))
                .collect(),
            None => app_namespaces,
        };
        self.app_set.send_if_modified(|s| {
            let changed = *s != granted;
            *s = granted;
            changed
        });
        self.synced
            .send_if_modified(|s| !std::mem::replace(s, true));
    }
}

/// Bind the claimed-resources ClusterRole to the konnector's ServiceAccount in `ns`.
async fn grant_access(app: &Client, grant: &Grant, ns: &str) -> Result<(), SyncError> {
    let binding = RoleBinding {
        metadata: ObjectMeta {
            name: Some(grant.cluster_role.clone()),
            namespace: Some(ns.to_owned()),
            ..ObjectMeta::default()
        },
        role_ref: RoleRef {
            api_group: Some("rbac.authorization.k8s.io".into()),
            kind: "ClusterRole".into(),
            name: grant.cluster_role.clone(),
        },
        subjects: Some(vec![Subject {
            kind: "ServiceAccount".into(),
            name: grant.service_account.1.clone(),
            namespace: Some(grant.service_account.0.clone()),
            api_group: None,
        }]),
    };
    let mut value =
        serde_json::to_value(&binding).map_err(|e| SyncError::Refused(e.to_string()))?;
    value["apiVersion"] = "rbac.authorization.k8s.io/v1".into();
    value["kind"] = "RoleBinding".into();
    Api::<RoleBinding>::namespaced(app.clone(), ns)
        .patch(
            &grant.cluster_role,
            &PatchParams::apply(FIELD_MANAGER).force(),
            &Patch::Apply(value),
        )
        .await
        .map(|_| ())
        .map_err(kube_err(format!(
            "granting the konnector access to claimed objects in App namespace {ns}"
        )))
}

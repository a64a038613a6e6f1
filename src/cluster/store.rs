//! The one store both clusters' watchers feed and the cockpit reads. Writers take the lock
//! for a moment per event; readers get a guard that is `!Send`, so it cannot be held across
//! an `.await` in a spawned task. Every write bumps a generation that subscribers are told.

use super::ClusterId;
use super::entry::{Entry, RowKey};
use super::health::ClusterState;
use super::konnector::KonnectorData;
use super::messages::{Level, Messages};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use klutch::objects::ObjectClass;
use parking_lot::{RwLock, RwLockReadGuard};
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::watch;

/// Everything the cockpit shows, as of one generation.
#[derive(Debug, Default)]
pub struct StoreData {
    clusters: [ClusterState; 2],
    lists: [BTreeMap<RowKey, Arc<Entry>>; ObjectClass::COUNT],
    generation: u64,
    messages: Messages,
    about: Vec<(String, String)>,
    claim_crds: BTreeMap<String, Arc<CustomResourceDefinition>>,
    claim_crds_generation: u64,
    sync_lag: BTreeMap<RowKey, u64>,
    logins: Vec<Login>,
    konnector: KonnectorData,
}

/// Someone logged in at a bind backend's issuer (from the token cache; never the token).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Login {
    /// Who.
    pub user: String,
    /// The issuer.
    pub issuer: String,
    /// When the ID token expires.
    pub expires: jiff::Timestamp,
}

impl StoreData {
    /// The generation: changes with every write.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// One cluster's connection facts.
    pub fn cluster(&self, id: ClusterId) -> &ClusterState {
        &self.clusters[id.index()]
    }

    /// One cluster's connection facts, for writing.
    pub fn cluster_mut(&mut self, id: ClusterId) -> &mut ClusterState {
        &mut self.clusters[id.index()]
    }

    /// The objects of one class, sorted by namespace, kind, name, cluster.
    pub fn list(&self, class: ObjectClass) -> &BTreeMap<RowKey, Arc<Entry>> {
        &self.lists[class.index()]
    }

    /// One object.
    pub fn get(&self, class: ObjectClass, key: &RowKey) -> Option<&Arc<Entry>> {
        self.lists[class.index()].get(key)
    }

    /// Insert or replace an object.
    pub fn apply(&mut self, entry: Entry) {
        let list = &mut self.lists[entry.class.index()];
        list.insert(entry.key.clone(), Arc::new(entry));
    }

    /// Remove an object.
    pub fn remove(&mut self, class: ObjectClass, key: &RowKey) {
        self.lists[class.index()].remove(key);
    }

    /// Replace every object of `kind` on `cluster` (after a (re)list).
    pub fn replace_kind(
        &mut self,
        cluster: ClusterId,
        class: ObjectClass,
        kind: &str,
        entries: Vec<Entry>,
    ) {
        let list = &mut self.lists[class.index()];
        list.retain(|k, _| !(k.cluster == cluster && k.kind == kind));
        for entry in entries {
            list.insert(entry.key.clone(), Arc::new(entry));
        }
    }

    /// The App Cluster's claim CRDs by name (what claims are validated against).
    pub fn claim_crds(&self) -> &BTreeMap<String, Arc<CustomResourceDefinition>> {
        &self.claim_crds
    }

    /// Changes whenever a claim CRD comes, goes or changes.
    pub fn claim_crds_generation(&self) -> u64 {
        self.claim_crds_generation
    }

    /// Keep (or with `None` forget) an App Cluster claim CRD.
    pub fn set_claim_crd(&mut self, name: String, crd: Option<Arc<CustomResourceDefinition>>) {
        match crd {
            Some(crd) => {
                self.claim_crds.insert(name, crd);
            }
            None => {
                self.claim_crds.remove(&name);
            }
        }
        self.claim_crds_generation += 1;
    }

    /// The last lag the konnector in this process measured for an App object, in ms.
    pub fn sync_lag(&self, key: &RowKey) -> Option<u64> {
        self.sync_lag.get(key).copied()
    }

    /// Record a lag the konnector measured.
    pub fn set_sync_lag(&mut self, key: RowKey, ms: u64) {
        self.sync_lag.insert(key, ms);
    }

    /// The konnector: the loop in this process and one installed in the App Cluster.
    pub fn konnector(&self) -> &KonnectorData {
        &self.konnector
    }

    /// The konnector, for writing.
    pub fn konnector_mut(&mut self) -> &mut KonnectorData {
        &mut self.konnector
    }

    /// Facts about this run for `:info` (where the kubeconfig and the log are, …), in order.
    pub fn about(&self) -> &[(String, String)] {
        &self.about
    }

    /// Set one fact for `:info` (replacing one of the same name).
    pub fn set_about(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let (name, value) = (name.into(), value.into());
        match self.about.iter_mut().find(|(n, _)| *n == name) {
            Some(entry) => entry.1 = value,
            None => self.about.push((name, value)),
        }
    }

    /// The logins of the token cache, as last read.
    pub fn logins(&self) -> &[Login] {
        &self.logins
    }

    /// Replace the logins (after the token cache was read).
    pub fn set_logins(&mut self, logins: Vec<Login>) {
        self.logins = logins;
    }

    /// The messages for the message line and log.
    pub fn messages(&self) -> &Messages {
        &self.messages
    }

    /// Post a message for the message line and log.
    pub fn post(&mut self, level: Level, text: impl Into<String>) {
        self.messages.post(level, text);
    }
}

/// A cheap handle on the shared store.
#[derive(Clone, Debug)]
pub struct Store {
    data: Arc<RwLock<StoreData>>,
    changed: Arc<watch::Sender<u64>>,
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

impl Store {
    /// An empty store.
    pub fn new() -> Store {
        let (changed, _) = watch::channel(0);
        Store {
            data: Arc::new(RwLock::new(StoreData::default())),
            changed: Arc::new(changed),
        }
    }

    /// Read the current state. Do not hold the guard for long; it cannot cross an `.await`
    /// in a spawned task.
    pub fn read(&self) -> RwLockReadGuard<'_, StoreData> {
        self.data.read()
    }

    /// Change the state, then tell subscribers.
    pub fn update<R>(&self, f: impl FnOnce(&mut StoreData) -> R) -> R {
        let (result, generation) = {
            let mut data = self.data.write();
            let result = f(&mut data);
            data.generation += 1;
            (result, data.generation)
        };
        self.changed.send_replace(generation);
        result
    }

    /// Change one cluster's facts only if `f` reports a change (keeps idle redraws away).
    pub fn update_cluster(&self, id: ClusterId, f: impl FnOnce(&mut ClusterState) -> bool) {
        let generation = {
            let mut data = self.data.write();
            if !f(data.cluster_mut(id)) {
                return;
            }
            data.generation += 1;
            data.generation
        };
        self.changed.send_replace(generation);
    }

    /// Be told of changes: the receiver sees the newest generation (bursts coalesce).
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::entry::{Status, StatusKind};

    pub(crate) fn entry(cluster: ClusterId, ns: &str, kind: &str, name: &str) -> Entry {
        Entry {
            key: RowKey {
                namespace: ns.into(),
                kind: kind.into(),
                name: name.into(),
                cluster,
            },
            class: ObjectClass::Claim,
            api_version: "anynines.com/v1".into(),
            created: None,
            status: Status {
                kind: StatusKind::Unknown,
                text: "-".into(),
                message: None,
            },
            facts: klutch::status::Facts::Claim {
                detail: "-".into(),
                instance_ref: None,
                backup_ref: None,
            },
            labels: Default::default(),
            conditions: vec![],
            json: "{}".into(),
            search: name.into(),
        }
    }

    #[test]
    fn replace_kind_touches_only_that_kind_on_that_cluster() {
        let store = Store::new();
        let mut rx = store.subscribe();
        store.update(|d| {
            d.apply(entry(ClusterId::App, "a", "Backup", "b1"));
            d.apply(entry(ClusterId::ControlPlane, "a", "Backup", "b1"));
            d.apply(entry(ClusterId::App, "a", "Restore", "r1"));
        });
        assert!(rx.has_changed().unwrap());
        rx.mark_unchanged();
        store.update(|d| {
            d.replace_kind(
                ClusterId::App,
                ObjectClass::Claim,
                "Backup",
                vec![entry(ClusterId::App, "a", "Backup", "b2")],
            )
        });
        assert!(rx.has_changed().unwrap());
        let data = store.read();
        let names: Vec<_> = data
            .list(ObjectClass::Claim)
            .keys()
            .map(|k| format!("{}:{}:{}", k.cluster.short(), k.kind, k.name))
            .collect();
        assert_eq!(names, ["cp:Backup:b1", "app:Backup:b2", "app:Restore:r1"]);
    }

    #[test]
    fn unchanged_cluster_facts_do_not_notify() {
        let store = Store::new();
        let rx = store.subscribe();
        store.update_cluster(ClusterId::App, |_| false);
        assert!(!rx.has_changed().unwrap());
        store.update_cluster(ClusterId::App, |c| {
            c.server = "https://x".into();
            true
        });
        assert!(rx.has_changed().unwrap());
        assert_eq!(store.read().cluster(ClusterId::App).server, "https://x");
    }

    #[test]
    fn notices_are_numbered() {
        let store = Store::new();
        store.update(|d| d.post(Level::Error, "one"));
        store.update(|d| d.post(Level::Info, "two"));
        let data = store.read();
        let n = data.messages().newest().unwrap();
        assert_eq!((n.seq, n.text.as_str()), (2, "two"));
    }
}

//! The one store both clusters' watchers feed and the cockpit reads. Writers take the lock
//! for a moment per event; readers get a guard that is `!Send`, so it cannot be held across
//! an `.await` in a spawned task. Every write bumps a generation that subscribers are told.

use super::entry::{Entry, RowKey};
use super::health::ClusterState;
use super::{Category, ClusterId};
use parking_lot::{RwLock, RwLockReadGuard};
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::watch;

/// How serious a notice is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// For information.
    Info,
    /// Something failed.
    Error,
}

/// A message for the cockpit's message line (errors from services, never a crash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// Increases with every notice.
    pub seq: u64,
    /// Severity.
    pub level: Level,
    /// The text.
    pub text: String,
}

/// Everything the cockpit shows, as of one generation.
#[derive(Debug, Default)]
pub struct StoreData {
    clusters: [ClusterState; 2],
    lists: [BTreeMap<RowKey, Arc<Entry>>; 6],
    generation: u64,
    notice: Option<Notice>,
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

    /// The objects of a list, sorted by namespace, kind, name, cluster.
    pub fn list(&self, category: Category) -> &BTreeMap<RowKey, Arc<Entry>> {
        &self.lists[category.index()]
    }

    /// One object.
    pub fn get(&self, category: Category, key: &RowKey) -> Option<&Arc<Entry>> {
        self.lists[category.index()].get(key)
    }

    /// Insert or replace an object.
    pub fn apply(&mut self, entry: Entry) {
        let list = &mut self.lists[entry.category.index()];
        list.insert(entry.key.clone(), Arc::new(entry));
    }

    /// Remove an object.
    pub fn remove(&mut self, category: Category, key: &RowKey) {
        self.lists[category.index()].remove(key);
    }

    /// Replace every object of `kind` on `cluster` (after a (re)list).
    pub fn replace_kind(
        &mut self,
        cluster: ClusterId,
        category: Category,
        kind: &str,
        entries: Vec<Entry>,
    ) {
        let list = &mut self.lists[category.index()];
        list.retain(|k, _| !(k.cluster == cluster && k.kind == kind));
        for entry in entries {
            list.insert(entry.key.clone(), Arc::new(entry));
        }
    }

    /// The newest notice.
    pub fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }

    /// Post a notice for the message line.
    pub fn post(&mut self, level: Level, text: impl Into<String>) {
        let seq = self.notice.as_ref().map_or(1, |n| n.seq + 1);
        self.notice = Some(Notice {
            seq,
            level,
            text: text.into(),
        });
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
            category: Category::Claim,
            api_version: "anynines.com/v1".into(),
            created: None,
            status: Status {
                kind: StatusKind::Unknown,
                text: "-".into(),
                message: None,
            },
            columns: vec!["-".into()],
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
                Category::Claim,
                "Backup",
                vec![entry(ClusterId::App, "a", "Backup", "b2")],
            )
        });
        assert!(rx.has_changed().unwrap());
        let data = store.read();
        let names: Vec<_> = data
            .list(Category::Claim)
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
        let n = data.notice().unwrap();
        assert_eq!((n.seq, n.text.as_str()), (2, "two"));
    }
}

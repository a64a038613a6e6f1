//! The object store of one API server: objects by type and key, one resourceVersion
//! counter, a bounded event history for watches, and a broadcast of every change.
//!
//! All writes go through [`Store::mutate`]: writers take turns (one read-modify-write at a
//! time, so there are no lost updates and events are totally ordered), and a write is
//! published to readers and watchers only once it is committed to disk. Readers never
//! wait for a writer's work (its patching, validation, fsync), only for the moment a
//! committed change is put in place.

use super::error::{ApiError, ApiResult};
use super::limits;
use super::persist::{Persist, PersistError};
use super::registry::GroupResource;
use bytes::Bytes;
use parking_lot::{Mutex, RwLock};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use tokio::sync::broadcast;

/// How many past events a watch may resume from before it gets 410 Gone.
pub const DEFAULT_HISTORY: usize = 20_000;
const BROADCAST_CAPACITY: usize = 1 << 16;

/// Objects are ordered by namespace, then name (what list output is sorted by).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjKey {
    pub namespace: String,
    pub name: String,
}

impl ObjKey {
    pub fn new(namespace: &str, name: &str) -> Self {
        Self {
            namespace: namespace.to_string(),
            name: name.to_string(),
        }
    }
}

/// One stored object and its serialized form (served as is by GET and LIST).
#[derive(Debug)]
pub struct Stored {
    pub value: Value,
    /// The object's JSON: a slice of `line` when the object came from a change.
    pub json: Bytes,
    pub rv: u64,
    /// `{"type":…,"object":<json>}\n` of the change that stored it (empty otherwise).
    line: Bytes,
}

impl Stored {
    fn new(value: Value, rv: u64) -> Self {
        let value = compact(value);
        let json = Bytes::from(serde_json::to_vec(&value).unwrap_or_default());
        Self {
            value,
            json,
            rv,
            line: Bytes::new(),
        }
    }

    /// Serialize once, as the watch event line, and let `json` share its bytes.
    fn for_event(value: Value, rv: u64, type_: EventType) -> Self {
        let value = compact(value);
        let prefix = format!("{{\"type\":\"{}\",\"object\":", type_.as_str());
        let mut buf = Vec::with_capacity(prefix.len() + 1024);
        buf.extend_from_slice(prefix.as_bytes());
        if serde_json::to_writer(&mut buf, &value).is_err() {
            return Self::new(value, rv);
        }
        buf.extend_from_slice(b"}\n");
        let line = Bytes::from(buf);
        let json = line.slice(prefix.len()..line.len() - 2);
        Self {
            value,
            json,
            rv,
            line,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "ADDED",
            Self::Modified => "MODIFIED",
            Self::Deleted => "DELETED",
        }
    }
}

/// A change, as delivered to watchers.
#[derive(Debug)]
pub struct Event {
    pub gr: GroupResource,
    pub type_: EventType,
    pub obj: Arc<Stored>,
    /// The object before this change (for selector transitions).
    pub prev: Option<Arc<Stored>>,
    pub rv: u64,
    /// `{"type":…,"object":…}\n`, serialized once for every plain watcher.
    pub line: Bytes,
}

/// The result of [`Store::mutate`].
pub struct Committed {
    pub obj: Arc<Stored>,
    /// What changed (`None`: nothing).
    pub event: Option<EventType>,
}

/// Past events and a live receiver for what follows them.
pub type Resume = (Vec<Arc<Event>>, broadcast::Receiver<Arc<Event>>);

/// What a mutation decided.
pub enum Write {
    /// Store this object (create or update).
    Put(Value),
    /// Remove the object.
    Delete,
    /// Change nothing; answer with the current object.
    Unchanged,
}

struct Inner {
    rv: u64,
    data: HashMap<GroupResource, BTreeMap<ObjKey, Arc<Stored>>>,
    history: VecDeque<Arc<Event>>,
    /// Events up to this resourceVersion are no longer in `history`.
    compacted: u64,
}

pub struct Store {
    inner: RwLock<Inner>,
    /// Held by the one writer at work; readers do not take it.
    writer: Mutex<()>,
    tx: broadcast::Sender<Arc<Event>>,
    persist: Option<Persist>,
    history_limit: usize,
}

pub(super) fn persist_key(gr: &GroupResource, key: &ObjKey) -> String {
    format!(
        "{}|{}|{}|{}",
        gr.group, gr.resource, key.namespace, key.name
    )
}

/// The same value with every map and array at its exact size. Maps built one insert at a
/// time keep up to half their capacity unused; for a stored object that is a third of its
/// memory, and the store keeps every object for its whole life.
fn compact(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut exact = serde_json::Map::with_capacity(map.len());
            for (k, v) in map {
                exact.insert(k, compact(v));
            }
            Value::Object(exact)
        }
        Value::Array(items) => {
            let mut items: Vec<Value> = items.into_iter().map(compact).collect();
            items.shrink_to_fit();
            Value::Array(items)
        }
        Value::String(mut s) => {
            s.shrink_to_fit();
            Value::String(s)
        }
        other => other,
    }
}

fn set_rv(value: &mut Value, rv: u64) {
    if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.insert("resourceVersion".into(), Value::String(rv.to_string()));
    }
}

impl Store {
    /// An empty in-memory store.
    pub fn memory() -> Self {
        Self::build(None, 1, Vec::new())
    }

    /// A store backed by a database file; loads what it holds.
    pub fn persistent(persist: Persist) -> Result<Self, PersistError> {
        let loaded = persist.load()?;
        let mut objects = Vec::new();
        for (key, bytes) in loaded.objects {
            let mut parts = key.splitn(4, '|');
            let (Some(g), Some(r), Some(ns), Some(name)) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(PersistError::Db(format!("malformed key {key:?}")));
            };
            let value: Value = serde_json::from_slice(&bytes)
                .map_err(|e| PersistError::Db(format!("object {key}: {e}")))?;
            objects.push((GroupResource::new(g, r), ObjKey::new(ns, name), value));
        }
        Ok(Self::build(
            Some(persist),
            loaded.resource_version.max(1),
            objects,
        ))
    }

    fn build(
        persist: Option<Persist>,
        rv: u64,
        objects: Vec<(GroupResource, ObjKey, Value)>,
    ) -> Self {
        let mut data: HashMap<GroupResource, BTreeMap<ObjKey, Arc<Stored>>> = HashMap::new();
        for (gr, key, value) in objects {
            let orv = value["metadata"]["resourceVersion"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or(rv);
            data.entry(gr)
                .or_default()
                .insert(key, Arc::new(Stored::new(value, orv)));
        }
        let (tx, _) = broadcast::channel(BROADCAST_CAPACITY);
        Self {
            inner: RwLock::new(Inner {
                rv,
                data,
                history: VecDeque::new(),
                compacted: rv,
            }),
            writer: Mutex::new(()),
            tx,
            persist,
            history_limit: DEFAULT_HISTORY,
        }
    }

    /// Keep this many past events for watches to resume from.
    pub fn with_history(mut self, limit: usize) -> Self {
        self.history_limit = limit.max(1);
        self
    }

    pub fn current_rv(&self) -> u64 {
        self.inner.read().rv
    }

    pub fn get(&self, gr: &GroupResource, key: &ObjKey) -> Option<Arc<Stored>> {
        self.inner.read().data.get(gr)?.get(key).cloned()
    }

    /// Objects of a type (in one namespace, or all), sorted, with the list's resourceVersion.
    pub fn list(&self, gr: &GroupResource, namespace: Option<&str>) -> (Vec<Arc<Stored>>, u64) {
        let mut items = Vec::new();
        let rv = self.scan(gr, namespace, None, |_, s| items.push(s.clone()));
        (items, rv)
    }

    /// Visit the objects of `gr` (in `namespace`, if given) that sort after `after`, in
    /// order, under the read lock; the store's resourceVersion. `visit` should be quick:
    /// writers wait meanwhile.
    pub fn scan(
        &self,
        gr: &GroupResource,
        namespace: Option<&str>,
        after: Option<&ObjKey>,
        mut visit: impl FnMut(&ObjKey, &Arc<Stored>),
    ) -> u64 {
        use std::ops::Bound;
        let inner = self.inner.read();
        if let Some(map) = inner.data.get(gr) {
            let first = ObjKey::new(namespace.unwrap_or(""), "");
            let lower = match after {
                Some(a) if *a >= first => Bound::Excluded(a.clone()),
                _ => Bound::Included(first),
            };
            for (key, stored) in map.range((lower, Bound::Unbounded)) {
                if namespace.is_some_and(|ns| key.namespace != ns) {
                    break;
                }
                visit(key, stored);
            }
        }
        inner.rv
    }

    /// Every type that has objects in a namespace.
    pub fn types_in_namespace(&self, namespace: &str) -> Vec<GroupResource> {
        let inner = self.inner.read();
        inner
            .data
            .iter()
            .filter(|(_, m)| {
                m.range(ObjKey::new(namespace, "")..)
                    .next()
                    .is_some_and(|(k, _)| k.namespace == namespace)
            })
            .map(|(gr, _)| gr.clone())
            .collect()
    }

    /// Every stored type.
    pub fn types(&self) -> Vec<GroupResource> {
        self.inner.read().data.keys().cloned().collect()
    }

    /// Read-modify-write one object atomically. `decide` sees the current object and says
    /// what to store (it may read the store, not write it); the store assigns the
    /// resourceVersion, refuses what could not be read back (too deep, too large: 422),
    /// persists, and then publishes to readers and watchers.
    /// With `dry_run`, nothing is stored and the result carries no new resourceVersion.
    /// Returns the object as stored (for a delete: its last state) and what happened.
    pub fn mutate<F>(
        &self,
        gr: &GroupResource,
        key: &ObjKey,
        dry_run: bool,
        decide: F,
    ) -> ApiResult<Committed>
    where
        F: FnOnce(Option<&Arc<Stored>>) -> ApiResult<Write>,
    {
        if dry_run {
            let current = self.get(gr, key);
            let (obj, event) = match decide(current.as_ref())? {
                Write::Put(value) => {
                    let event = if current.is_some() {
                        EventType::Modified
                    } else {
                        EventType::Added
                    };
                    (
                        Arc::new(Stored::new(value, current.map(|c| c.rv).unwrap_or(0))),
                        Some(event),
                    )
                }
                Write::Delete => (
                    current.ok_or_else(|| ApiError::internal("dry run of a missing object"))?,
                    Some(EventType::Deleted),
                ),
                Write::Unchanged => (
                    current.ok_or_else(|| ApiError::internal("dry run of a missing object"))?,
                    None,
                ),
            };
            return Ok(Committed { obj, event });
        }
        let _turn = self.writer.lock();
        let (current, rv) = {
            let inner = self.inner.read();
            let current = inner.data.get(gr).and_then(|m| m.get(key)).cloned();
            (current, inner.rv + 1)
        };
        let write = decide(current.as_ref())?;
        let (type_, stored) = match write {
            Write::Unchanged => {
                let obj =
                    current.ok_or_else(|| ApiError::internal("no object to leave unchanged"))?;
                return Ok(Committed { obj, event: None });
            }
            Write::Put(mut value) => {
                set_rv(&mut value, rv);
                if let Err((field, message, _)) = limits::check_object(&value) {
                    return Err(ApiError::new(
                        422,
                        "Invalid",
                        format!("{gr} {:?} is invalid: {field}: {message}", key.name),
                    ));
                }
                let type_ = if current.is_some() {
                    EventType::Modified
                } else {
                    EventType::Added
                };
                let stored = Arc::new(Stored::for_event(value, rv, type_));
                self.persist_write(gr, key, Some(&stored.json), rv)?;
                (type_, stored)
            }
            Write::Delete => {
                let Some(cur) = &current else {
                    return Err(ApiError::internal("delete of a missing object"));
                };
                self.persist_write(gr, key, None, rv)?;
                let mut value = cur.value.clone();
                set_rv(&mut value, rv);
                (
                    EventType::Deleted,
                    Arc::new(Stored::for_event(value, rv, EventType::Deleted)),
                )
            }
        };
        // Committed: publish to readers and watchers at once.
        let mut inner = self.inner.write();
        if type_ == EventType::Deleted {
            if let Some(m) = inner.data.get_mut(gr) {
                m.remove(key);
                if m.is_empty() {
                    inner.data.remove(gr);
                }
            }
        } else {
            inner
                .data
                .entry(gr.clone())
                .or_default()
                .insert(key.clone(), stored.clone());
        }
        inner.rv = rv;
        let event = Arc::new(Event {
            gr: gr.clone(),
            type_,
            line: stored.line.clone(),
            obj: stored.clone(),
            prev: current,
            rv,
        });
        inner.history.push_back(event.clone());
        if inner.history.len() > self.history_limit
            && let Some(old) = inner.history.pop_front()
        {
            inner.compacted = old.rv;
        }
        // No receivers is fine.
        let _ = self.tx.send(event);
        Ok(Committed {
            obj: stored,
            event: Some(type_),
        })
    }

    fn persist_write(
        &self,
        gr: &GroupResource,
        key: &ObjKey,
        json: Option<&[u8]>,
        rv: u64,
    ) -> ApiResult<()> {
        if let Some(p) = &self.persist {
            p.write(&persist_key(gr, key), json, rv)
                .map_err(|e| ApiError::internal(format!("storing the object failed: {e}")))?;
        }
        Ok(())
    }

    /// Subscribe to changes after `from`: the past events still in history, then a live
    /// receiver. 410 Gone when `from` is older than the history.
    pub fn watch_from(&self, from: u64) -> ApiResult<Resume> {
        let inner = self.inner.read();
        if from < inner.compacted {
            return Err(ApiError::gone(format!(
                "too old resource version: {from} ({})",
                inner.compacted + 1
            )));
        }
        let past: Vec<Arc<Event>> = inner
            .history
            .iter()
            .filter(|e| e.rv > from)
            .cloned()
            .collect();
        Ok((past, self.tx.subscribe()))
    }

    /// A consistent snapshot of a type plus a live receiver for what follows it.
    pub fn snapshot_and_subscribe(
        &self,
        gr: &GroupResource,
        namespace: Option<&str>,
    ) -> (Vec<Arc<Stored>>, u64, broadcast::Receiver<Arc<Event>>) {
        let inner = self.inner.read();
        let rx = self.tx.subscribe();
        let items = match inner.data.get(gr) {
            None => Vec::new(),
            Some(map) => map
                .iter()
                .filter(|(k, _)| namespace.is_none_or(|ns| k.namespace == ns))
                .map(|(_, v)| v.clone())
                .collect(),
        };
        (items, inner.rv, rx)
    }

    /// A receiver of every future change (for in-process controllers).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.tx.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn reads_do_not_wait_for_a_write_in_progress() {
        let store = Arc::new(Store::memory());
        let gr = GroupResource::new("", "configmaps");
        let key = ObjKey::new("default", "a");
        let obj = |data: &str| json!({"metadata": {"name": "a", "namespace": "default"}, "data": {"x": data}});
        store
            .mutate(&gr, &key, false, |_| Ok(Write::Put(obj("old"))))
            .unwrap();
        let (entered, in_write) = mpsc::channel();
        let (release, released) = mpsc::channel::<()>();
        let writer = {
            let (store, gr, key) = (store.clone(), gr.clone(), key.clone());
            std::thread::spawn(move || {
                store
                    .mutate(&gr, &key, false, |_| {
                        entered.send(()).unwrap();
                        released.recv().unwrap();
                        Ok(Write::Put(obj("new")))
                    })
                    .map(|c| c.obj.rv)
            })
        };
        in_write.recv().unwrap();
        let (done, read) = mpsc::channel();
        {
            let (store, gr, key) = (store.clone(), gr.clone(), key.clone());
            std::thread::spawn(move || {
                let seen = store.get(&gr, &key).map(|s| s.value["data"]["x"].clone());
                let listed = store.list(&gr, None).0.len();
                done.send((seen, listed, store.current_rv())).unwrap();
            });
        }
        let (seen, listed, rv) = read
            .recv_timeout(Duration::from_secs(10))
            .expect("reads answer while a write is in progress");
        assert_eq!(
            (seen, listed),
            (Some(json!("old")), 1),
            "the committed state"
        );
        release.send(()).unwrap();
        let new_rv = writer.join().unwrap().unwrap();
        assert_eq!(new_rv, rv + 1);
        assert_eq!(store.get(&gr, &key).unwrap().value["data"]["x"], "new");
    }
}

//! One watch over a set of namespaces that grows and shrinks while it runs, as one stream of
//! watcher events a reflector store can take.
//!
//! Why: the Control Plane grants the binder ServiceAccount access only inside the namespaces
//! mapped to its App Cluster (one RoleBinding each), and the installed konnector may read
//! claimed Secrets only in the App namespaces it bound; so neither side can watch
//! cluster-wide. Upstream runs one informer per namespace for the same reason
//! (`multinsinformer`). Here each namespace has its own kube-runtime watcher; their events
//! are merged so that one store and one controller serve them all: the first listing of
//! every namespace is one `Init…InitDone` (the store becomes ready once), and a later re-list
//! of one namespace (after a 410 or a reconnect) becomes `Apply`s plus a `Delete` for each
//! object that is no longer there, so it cannot wipe the other namespaces from the store.

use futures::stream::BoxStream;
use futures::{Stream, StreamExt};
use kube::api::Api;
use kube::core::DynamicResourceScope;
use kube::runtime::watcher::{self, Event};
use kube::runtime::{WatchStreamExt, watcher as watch_fn};
use kube::{Client, Resource, ResourceExt};
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt::Debug;
use tokio::sync::watch;
use tokio_stream::StreamMap;

type Item<K> = Result<Event<K>, watcher::Error>;

/// An object known only by its namespace and name: what a `Delete` carries for an object
/// whose deletion the watch did not see.
type Stub<K> = Box<dyn Fn(&str, &str) -> K + Send>;

/// Watch the kind `dt` in every namespace of `namespaces`, following its changes.
pub fn watch_namespaces<K>(
    client: Client,
    dt: K::DynamicType,
    namespaces: watch::Receiver<BTreeSet<String>>,
    config: watcher::Config,
    stub: impl Fn(&str, &str) -> K + Send + 'static,
) -> impl Stream<Item = Item<K>> + Send + 'static
where
    K: Resource<Scope = DynamicResourceScope> + Clone + DeserializeOwned + Debug + Send + 'static,
    K::DynamicType: Clone + Send + 'static,
{
    let mut state = Merge {
        client,
        dt,
        stub: Box::new(stub),
        config,
        namespaces,
        namespaces_closed: false,
        streams: StreamMap::new(),
        known: HashMap::new(),
        relisting: HashMap::new(),
        initial: Some(Initial::default()),
        out: VecDeque::new(),
    };
    state.follow_namespaces();
    futures::stream::unfold(state, |mut state| async move {
        let item = state.next().await?;
        Some((item, state))
    })
}

/// The first listing of every namespace, collected before the store hears of it.
struct Initial<K> {
    waiting: HashSet<String>,
    buffer: BTreeMap<(String, String), K>,
}

impl<K> Default for Initial<K> {
    fn default() -> Self {
        Initial {
            waiting: HashSet::new(),
            buffer: BTreeMap::new(),
        }
    }
}

struct Merge<K: Resource> {
    client: Client,
    dt: K::DynamicType,
    stub: Stub<K>,
    config: watcher::Config,
    namespaces: watch::Receiver<BTreeSet<String>>,
    namespaces_closed: bool,
    streams: StreamMap<String, BoxStream<'static, Item<K>>>,
    /// Names of the objects the store holds, per namespace.
    known: HashMap<String, HashSet<String>>,
    /// Names seen so far in a namespace's re-list.
    relisting: HashMap<String, HashSet<String>>,
    initial: Option<Initial<K>>,
    out: VecDeque<Item<K>>,
}

impl<K> Merge<K>
where
    K: Resource<Scope = DynamicResourceScope> + Clone + DeserializeOwned + Debug + Send + 'static,
    K::DynamicType: Clone + Send + 'static,
{
    async fn next(&mut self) -> Option<Item<K>> {
        loop {
            if let Some(item) = self.out.pop_front() {
                return Some(item);
            }
            if self.initial.as_ref().is_some_and(|i| i.waiting.is_empty()) {
                self.flush_initial();
                continue;
            }
            let watching = !self.streams.is_empty();
            tokio::select! {
                changed = self.namespaces.changed(), if !self.namespaces_closed => match changed {
                    Ok(()) => self.follow_namespaces(),
                    Err(_) => self.namespaces_closed = true,
                },
                Some((ns, item)) = self.streams.next(), if watching => self.handle(ns, item),
                else => return None,
            }
        }
    }

    fn flush_initial(&mut self) {
        let Some(initial) = self.initial.take() else {
            return;
        };
        self.out.push_back(Ok(Event::Init));
        for (_, obj) in initial.buffer {
            self.out.push_back(Ok(Event::InitApply(obj)));
        }
        self.out.push_back(Ok(Event::InitDone));
    }

    fn stub(&self, ns: &str, name: &str) -> K {
        (self.stub)(ns, name)
    }

    fn follow_namespaces(&mut self) {
        let wanted = self.namespaces.borrow_and_update().clone();
        let current: Vec<String> = self.streams.keys().cloned().collect();
        for ns in current.iter().filter(|ns| !wanted.contains(*ns)) {
            self.streams.remove(ns);
            self.relisting.remove(ns);
            let gone = self.known.remove(ns).unwrap_or_default();
            match &mut self.initial {
                Some(initial) => {
                    initial.waiting.remove(ns);
                    initial.buffer.retain(|(n, _), _| n != ns);
                }
                None => {
                    for name in gone {
                        let stub = self.stub(ns, &name);
                        self.out.push_back(Ok(Event::Delete(stub)));
                    }
                }
            }
        }
        for ns in wanted.iter().filter(|ns| !current.contains(*ns)) {
            let api: Api<K> = Api::namespaced_with(self.client.clone(), ns, &self.dt);
            let stream = watch_fn(api, self.config.clone()).default_backoff().boxed();
            self.streams.insert(ns.clone(), stream);
            if let Some(initial) = &mut self.initial {
                initial.waiting.insert(ns.clone());
            }
        }
    }

    fn handle(&mut self, ns: String, item: Item<K>) {
        let event = match item {
            Ok(event) => event,
            Err(error) => {
                self.out.push_back(Err(error));
                return;
            }
        };
        let known = self.known.entry(ns.clone()).or_default();
        match (&mut self.initial, event) {
            (Some(initial), Event::Init) => {
                initial.buffer.retain(|(n, _), _| *n != ns);
                known.clear();
            }
            (Some(initial), Event::InitApply(obj) | Event::Apply(obj)) => {
                known.insert(obj.name_any());
                initial.buffer.insert((ns, obj.name_any()), obj);
            }
            (Some(initial), Event::Delete(obj)) => {
                known.remove(&obj.name_any());
                initial.buffer.remove(&(ns, obj.name_any()));
            }
            (Some(initial), Event::InitDone) => {
                initial.waiting.remove(&ns);
            }
            (None, Event::Init) => {
                self.relisting.insert(ns, HashSet::new());
            }
            (None, Event::InitApply(obj)) => {
                let name = obj.name_any();
                self.relisting.entry(ns).or_default().insert(name.clone());
                known.insert(name);
                self.out.push_back(Ok(Event::Apply(obj)));
            }
            (None, Event::InitDone) => {
                let seen = self.relisting.remove(&ns).unwrap_or_default();
                let gone: Vec<String> = known.difference(&seen).cloned().collect();
                *known = seen;
                for name in gone {
                    let stub = self.stub(&ns, &name);
                    self.out.push_back(Ok(Event::Delete(stub)));
                }
            }
            (None, Event::Apply(obj)) => {
                known.insert(obj.name_any());
                self.out.push_back(Ok(Event::Apply(obj)));
            }
            (None, Event::Delete(obj)) => {
                known.remove(&obj.name_any());
                self.out.push_back(Ok(Event::Delete(obj)));
            }
        }
    }
}

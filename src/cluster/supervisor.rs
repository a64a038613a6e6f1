//! One supervisor per cluster: a heartbeat (GET /version) that measures the round-trip
//! time and drives the connected/reconnecting state with backoff; discovery of the Klutch
//! kinds the cluster serves; a CRD watch that starts and stops watchers for kinds appearing
//! or vanishing while running; and who-am-I (SelfSubjectReview) on each (re)connect.

use super::backoff::Backoff;
use super::health::{Fetch, Link, UserInfo};
use super::kinds::WatchedKind;
use super::watch::{self, is_forbidden, is_unauthorized, unauthorized_reason};
use super::{ClusterId, Store};
use futures::StreamExt;
use k8s_openapi::api::authentication::v1::SelfSubjectReview;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use klutch::objects::ObjectClass;
use kube::api::{Api, PostParams};
use kube::discovery::Discovery;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use kube::{Client, Resource};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;

/// Time between heartbeats while connected (a timer for time itself, not a poll of data).
const HEARTBEAT: Duration = Duration::from_secs(10);
/// How long a heartbeat may take before the cluster counts as unreachable.
const HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(5);

/// A task aborted when dropped, so dropping a supervisor stops its watchers.
pub(super) struct Task(JoinHandle<()>);

impl Task {
    pub(super) fn spawn(fut: impl Future<Output = ()> + Send + 'static) -> Task {
        Task(tokio::spawn(fut))
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        self.0.abort();
    }
}

enum CrdChange {
    Served(WatchedKind),
    Gone(WatchedKind),
}

/// The innermost cause of an error: what a person needs ("Connection refused"), without
/// the layers of wrapping around it.
pub(super) fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = err;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

struct Supervisor {
    id: ClusterId,
    client: Client,
    store: Store,
    probe: Arc<Notify>,
    watchers: HashMap<(String, String), (String, Task)>,
}

impl Supervisor {
    fn ensure(&mut self, kind: WatchedKind) {
        let key = kind.key();
        let version = kind.resource.version.clone();
        if self.watchers.get(&key).is_some_and(|(v, _)| *v == version) {
            return;
        }
        tracing::info!(cluster = ?self.id, group = %key.0, kind = %key.1, %version, "watching");
        let label = format!("{}.{}", key.1, key.0);
        self.store
            .update_cluster(self.id, |c| c.kinds.insert(label));
        let task = Task::spawn(watch::run(
            self.id,
            self.client.clone(),
            kind,
            self.store.clone(),
            self.probe.clone(),
        ));
        self.watchers.insert(key, (version, task));
    }

    fn drop_kind(&mut self, kind: &WatchedKind) {
        let key = kind.key();
        if self.watchers.remove(&key).is_none() {
            return;
        }
        tracing::info!(cluster = ?self.id, kind = %key.1, "kind no longer served");
        let label = format!("{}.{}", key.1, key.0);
        self.store.update(|d| {
            d.replace_kind(self.id, kind.class, &key.1, Vec::new());
            d.cluster_mut(self.id).kinds.remove(&label);
        });
    }

    async fn discover(&mut self) -> Result<(), kube::Error> {
        let discovery = Discovery::new(self.client.clone())
            .filter(&ObjectClass::groups())
            .run()
            .await?;
        for group in discovery.groups() {
            for (resource, _caps) in group.recommended_resources() {
                if let Some(kind) = WatchedKind::from_api_resource(resource, self.id) {
                    self.ensure(kind);
                }
            }
        }
        Ok(())
    }

    async fn heartbeat(&self) -> Result<Duration, String> {
        let start = Instant::now();
        match tokio::time::timeout(HEARTBEAT_TIMEOUT, self.client.apiserver_version()).await {
            Ok(Ok(_)) => Ok(start.elapsed()),
            Ok(Err(e)) => Err(root_cause(&e)),
            Err(_) => Err(format!("no answer within {}s", HEARTBEAT_TIMEOUT.as_secs())),
        }
    }

    async fn identify(&self) {
        let api: Api<SelfSubjectReview> = Api::all(self.client.clone());
        let answer = api
            .create(&PostParams::default(), &SelfSubjectReview::default())
            .await;
        let unauthorized = match &answer {
            Err(e) if is_unauthorized(e) => Some(unauthorized_reason(e)),
            _ => None,
        };
        let user = match answer {
            Ok(review) => match review.status.and_then(|s| s.user_info) {
                Some(u) => Fetch::Loaded(UserInfo {
                    username: u.username.unwrap_or_default(),
                    groups: u.groups.unwrap_or_default(),
                }),
                None => Fetch::Failed("the server did not say".into()),
            },
            Err(e) => Fetch::Failed(root_cause(&e)),
        };
        if let Some(reason) = &unauthorized {
            tracing::warn!(cluster = ?self.id, %reason, "credentials refused");
        }
        self.store.update_cluster(self.id, |c| {
            let changed = c.user != user || c.unauthorized != unauthorized;
            c.user = user;
            c.unauthorized = unauthorized;
            changed
        });
    }
}

/// Supervise one cluster until the task is aborted. `retry` cuts the wait before the next
/// heartbeat short (a person asked to reconnect now).
pub(super) async fn supervise(id: ClusterId, client: Client, store: Store, retry: Arc<Notify>) {
    let (crd_tx, mut crd_rx) = mpsc::unbounded_channel();
    let mut sup = Supervisor {
        id,
        client,
        store,
        probe: Arc::new(Notify::new()),
        watchers: HashMap::new(),
    };
    let mut crd_task: Option<Task> = None;
    let mut backoff = Backoff::reconnect();
    let mut up = false;
    loop {
        let wait = match sup.heartbeat().await {
            Ok(rtt) => {
                backoff = Backoff::reconnect();
                let ms = rtt.as_millis();
                sup.store.update_cluster(id, |c| {
                    let changed = c.link != Link::Up || c.rtt.map(|r| r.as_millis()) != Some(ms);
                    c.link = Link::Up;
                    c.rtt = Some(rtt);
                    changed
                });
                if !up {
                    tracing::info!(cluster = ?id, rtt_ms = ms, "connected");
                    sup.identify().await;
                }
                if crd_task.is_none() {
                    match sup.discover().await {
                        Ok(()) => {
                            let tx = crd_tx.clone();
                            let client = sup.client.clone();
                            crd_task = Some(Task::spawn(watch_crds(id, client, tx)));
                        }
                        Err(e) => {
                            let msg =
                                format!("{}: discovery failed: {}", id.label(), root_cause(&e));
                            tracing::warn!("{msg}");
                            sup.store.update(|d| d.post(super::Level::Error, msg));
                        }
                    }
                }
                up = true;
                HEARTBEAT
            }
            Err(error) => {
                let retry_in = backoff.next().unwrap_or(HEARTBEAT);
                if up {
                    tracing::warn!(cluster = ?id, %error, "connection lost");
                }
                up = false;
                sup.store.update_cluster(id, |c| {
                    let attempts = match &c.link {
                        Link::Down { attempts, .. } => attempts + 1,
                        _ => 1,
                    };
                    let since = match &c.link {
                        Link::Down { since, .. } => *since,
                        _ => jiff::Timestamp::now(),
                    };
                    c.link = Link::Down {
                        since,
                        attempts,
                        last_error: error.clone(),
                        retry_in,
                    };
                    true
                });
                retry_in
            }
        };
        let sleep = tokio::time::sleep(wait);
        let mut sleep = std::pin::pin!(sleep);
        loop {
            tokio::select! {
                () = &mut sleep => break,
                () = sup.probe.notified(), if up => break,
                () = retry.notified() => break,
                Some(change) = crd_rx.recv() => match change {
                    CrdChange::Served(kind) => sup.ensure(kind),
                    CrdChange::Gone(kind) => sup.drop_kind(&kind),
                },
            }
        }
    }
}

/// Watch CRDs so kinds that appear (a new binding brings claim CRDs) are watched at once.
/// Many users may not list CRDs; then discovery at connect time is all there is.
async fn watch_crds(id: ClusterId, client: Client, tx: mpsc::UnboundedSender<CrdChange>) {
    let api: Api<CustomResourceDefinition> = Api::all(client);
    let stream = watcher(api);
    let mut stream = std::pin::pin!(stream);
    while let Some(event) = stream.next().await {
        let (crd, gone) = match event {
            Ok(Event::Apply(crd) | Event::InitApply(crd)) => {
                let gone = crd.meta().deletion_timestamp.is_some();
                (crd, gone)
            }
            Ok(Event::Delete(crd)) => (crd, true),
            Ok(Event::Init | Event::InitDone) => continue,
            Err(watcher::Error::InitialListFailed(e) | watcher::Error::WatchStartFailed(e))
                if is_forbidden(&e) =>
            {
                tracing::info!(cluster = ?id, "may not watch CRDs; new kinds need a reconnect");
                return;
            }
            Err(_) => continue,
        };
        if let Some(kind) = WatchedKind::from_crd(&crd, id) {
            let change = if gone {
                CrdChange::Gone(kind)
            } else {
                CrdChange::Served(kind)
            };
            if tx.send(change).is_err() {
                return;
            }
        }
    }
}

fn watcher(
    api: Api<CustomResourceDefinition>,
) -> impl futures::Stream<Item = Result<Event<CustomResourceDefinition>, watcher::Error>> {
    watcher::watcher(api, watcher::Config::default()).backoff(Backoff::reconnect())
}

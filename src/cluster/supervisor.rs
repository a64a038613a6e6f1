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
    Served(WatchedKind, Arc<CustomResourceDefinition>),
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

    /// Keep the App Cluster's claim CRDs in the store: claims are validated against them as
    /// they are typed.
    fn keep_schema(&self, kind: &WatchedKind, crd: Option<Arc<CustomResourceDefinition>>) {
        if self.id != ClusterId::App || kind.class != ObjectClass::Claim {
            return;
        }
        let name = format!("{}.{}", kind.resource.plural, kind.resource.group);
        self.store.update(|d| d.set_claim_crd(name, crd));
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
        heartbeat(&self.client).await
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

/// One heartbeat: GET /version, its round-trip time. A request that fails without an answer
/// is sent once more at once: the connection the client kept may have been closed by the
/// server while idle (servers close idle keep-alive connections; one timed just so fails the
/// request written into it), which says nothing about the cluster.
async fn heartbeat(client: &Client) -> Result<Duration, String> {
    let once = || async {
        let start = Instant::now();
        match tokio::time::timeout(HEARTBEAT_TIMEOUT, client.apiserver_version()).await {
            Ok(Ok(_)) => Ok(start.elapsed()),
            Ok(Err(e)) => Err((matches!(e, kube::Error::Api(_)), root_cause(&e))),
            Err(_) => Err((
                true,
                format!("no answer within {}s", HEARTBEAT_TIMEOUT.as_secs()),
            )),
        }
    };
    match once().await {
        Ok(rtt) => Ok(rtt),
        Err((true, answered)) => Err(answered),
        Err((false, unanswered)) => {
            tracing::debug!(error = %unanswered, "heartbeat sent again on a new connection");
            once().await.map_err(|(_, e)| e)
        }
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
                    CrdChange::Served(kind, crd) => {
                        sup.keep_schema(&kind, Some(crd));
                        sup.ensure(kind);
                    }
                    CrdChange::Gone(kind) => {
                        sup.keep_schema(&kind, None);
                        sup.drop_kind(&kind);
                    }
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
                CrdChange::Served(kind, Arc::new(crd))
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    const VERSION: &str = r#"{"major":"1","minor":"31","gitVersion":"v1.31.0","gitCommit":"x","gitTreeState":"clean","buildDate":"2026-01-01T00:00:00Z","goVersion":"go1.23","compiler":"gc","platform":"linux/amd64"}"#;

    /// Read one request's head; `false` at the end of the stream.
    async fn request(sock: &mut TcpStream) -> bool {
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            match sock.read(&mut buf).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
        true
    }

    /// An API server that answers /version, except that it closes its first connection,
    /// unanswered, when a second request arrives on it: the moment an idle keep-alive
    /// connection is closed by the server just as the client reuses it.
    async fn closing_server() -> (String, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let count = connections.clone();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let first = count.fetch_add(1, Ordering::SeqCst) == 0;
                tokio::spawn(async move {
                    let mut answered = 0;
                    while request(&mut sock).await {
                        if first && answered == 1 {
                            return;
                        }
                        let reply = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{VERSION}",
                            VERSION.len()
                        );
                        if sock.write_all(reply.as_bytes()).await.is_err() {
                            return;
                        }
                        answered += 1;
                    }
                });
            }
        });
        (url, connections)
    }

    #[tokio::test]
    async fn a_kept_connection_the_server_closed_is_not_a_lost_cluster() {
        let (url, connections) = closing_server().await;
        let client = Client::try_from(kube::Config::new(url.parse().unwrap())).unwrap();
        heartbeat(&client).await.expect("the first heartbeat");
        heartbeat(&client)
            .await
            .expect("the second, sent again on a new connection");
        assert_eq!(
            connections.load(Ordering::SeqCst),
            2,
            "the second went out on the kept connection first"
        );
        // A server that is gone is still reported.
        let gone = Client::try_from(kube::Config::new("http://127.0.0.1:9".parse().unwrap()));
        let error = heartbeat(&gone.unwrap()).await.unwrap_err();
        assert!(error.contains("refused"), "{error}");
    }
}

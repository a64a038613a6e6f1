//! Watch streams: initial events (resourceVersion 0/unset, sendInitialEvents), resumption
//! from a resourceVersion (an ERROR 410 when it is too old), selector transitions,
//! bookmarks and timeouts. One JSON event per line, flushed as it happens.

use super::ApiServer;
use super::context::Ctx;
use super::error::{ApiError, ApiResult};
use super::meta::partial;
use super::read::Filter;
use super::reply::{Reply, RespBody};
use super::request::Wanted;
use super::store::{Event, EventType, Stored};
use super::table;
use bytes::Bytes;
use futures::StreamExt;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);
const BOOKMARK_EVERY: Duration = Duration::from_secs(5);

struct Watcher {
    ctx: Ctx,
    filter: Filter,
    tx: mpsc::Sender<Bytes>,
    /// The newest resourceVersion this watcher has seen (sent or filtered out).
    seen: u64,
    /// The newest resourceVersion the client has been told.
    told: u64,
}

impl Watcher {
    fn in_scope(&self, obj: &Value) -> bool {
        match &self.ctx.path.namespace {
            Some(ns) => obj["metadata"]["namespace"].as_str() == Some(ns.as_str()),
            None => true,
        }
    }

    fn encode(&self, type_: EventType, obj: &Arc<Stored>, line: Option<&Bytes>) -> Bytes {
        let want = self.ctx.api_version();
        match self.ctx.wanted {
            Wanted::Table => {
                let t = table::table(&self.ctx, std::slice::from_ref(obj), obj.rv, None);
                line_of(type_.as_str(), &t)
            }
            Wanted::PartialMetadata | Wanted::PartialMetadataList => {
                line_of(type_.as_str(), &partial(&obj.value))
            }
            _ => match line {
                Some(l) if obj.value["apiVersion"].as_str() == Some(want.as_str()) => l.clone(),
                _ => {
                    let mut v = obj.value.clone();
                    v["apiVersion"] = json!(want);
                    line_of(type_.as_str(), &v)
                }
            },
        }
    }

    async fn send(&mut self, b: Bytes) -> bool {
        self.tx.send(b).await.is_ok()
    }

    /// Deliver one stored change; false when the client is gone.
    async fn deliver(&mut self, ev: &Event) -> bool {
        self.seen = self.seen.max(ev.rv);
        if ev.gr != self.ctx.gr() || !self.in_scope(&ev.obj.value) {
            return true;
        }
        let now = self.filter.matches(&ev.obj.value);
        let before = ev
            .prev
            .as_ref()
            .is_some_and(|p| self.filter.matches(&p.value));
        let type_ = match ev.type_ {
            EventType::Added if now => EventType::Added,
            EventType::Modified if now && before => EventType::Modified,
            EventType::Modified if now => EventType::Added,
            EventType::Modified if before => EventType::Deleted,
            EventType::Deleted if now => EventType::Deleted,
            _ => return true,
        };
        let line = (type_ == ev.type_ && !ev.line.is_empty()).then_some(&ev.line);
        let b = self.encode(type_, &ev.obj, line);
        self.told = ev.rv;
        self.send(b).await
    }

    async fn bookmark(&mut self, annotations: Option<Value>) -> bool {
        let mut meta = json!({"resourceVersion": self.seen.to_string()});
        if let Some(a) = annotations {
            meta["annotations"] = a;
        }
        let obj = json!({"kind": self.ctx.rt.kind, "apiVersion": self.ctx.api_version(), "metadata": meta});
        self.told = self.seen;
        let b = line_of("BOOKMARK", &obj);
        self.send(b).await
    }
}

fn line_of(type_: &str, obj: &Value) -> Bytes {
    let mut s = json!({"type": type_, "object": obj}).to_string();
    s.push('\n');
    Bytes::from(s)
}

fn expired_line(e: &ApiError) -> Bytes {
    line_of("ERROR", &e.to_status())
}

pub fn watch(server: &Arc<ApiServer>, ctx: Ctx) -> ApiResult<Reply> {
    let filter = Filter::from_ctx(&ctx)?;
    let rv_param = ctx.query.resource_version.clone();
    let initial = matches!(rv_param.as_deref(), None | Some("0"))
        || ctx.query.send_initial_events == Some(true);
    let from: Option<u64> = match rv_param.as_deref() {
        None | Some("0") => None,
        Some(s) => Some(s.parse().map_err(|_| {
            ApiError::bad_request(format!("invalid resourceVersion {s:?}: expected a number"))
        })?),
    };
    let timeout = ctx
        .query
        .timeout_seconds
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_TIMEOUT);
    let bookmarks = ctx.query.allow_watch_bookmarks;
    let initial_end = ctx.query.send_initial_events == Some(true);
    let (tx, rx) = mpsc::channel::<Bytes>(1024);

    // Take the snapshot or history now, so that what the client sees starts exactly here.
    enum Start {
        Snapshot(Vec<Arc<Stored>>, u64, broadcast::Receiver<Arc<Event>>),
        Resume(Vec<Arc<Event>>, u64, broadcast::Receiver<Arc<Event>>),
        Expired(ApiError),
    }
    let start = match from {
        Some(rv) if !initial => match server.store.watch_from(rv) {
            Ok((past, live)) => Start::Resume(past, rv, live),
            Err(e) => Start::Expired(e),
        },
        _ => {
            let (items, rv, live) = server
                .store
                .snapshot_and_subscribe(&ctx.gr(), ctx.path.namespace.as_deref());
            Start::Snapshot(items, rv, live)
        }
    };
    let shutdown = server.shutdown.clone();
    server.tasks.spawn(async move {
        let mut w = Watcher {
            ctx,
            filter,
            tx,
            seen: 0,
            told: 0,
        };
        let mut live = match start {
            Start::Expired(e) => {
                let _ = w.send(expired_line(&e)).await;
                return;
            }
            Start::Snapshot(items, rv, live) => {
                w.seen = rv;
                for s in items {
                    if w.filter.matches(&s.value) {
                        let b = w.encode(EventType::Added, &s, None);
                        if !w.send(b).await {
                            return;
                        }
                    }
                }
                if initial_end
                    && bookmarks
                    && !w
                        .bookmark(Some(json!({"k8s.io/initial-events-end": "true"})))
                        .await
                {
                    return;
                }
                w.told = rv;
                live
            }
            Start::Resume(past, rv, live) => {
                w.seen = rv;
                w.told = rv;
                for ev in past {
                    if !w.deliver(&ev).await {
                        return;
                    }
                }
                live
            }
        };
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let mut tick = tokio::time::interval(BOOKMARK_EVERY);
        tick.tick().await;
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = &mut deadline => return,
                _ = w.tx.closed() => return,
                _ = tick.tick(), if bookmarks => {
                    if w.seen > w.told && !w.bookmark(None).await {
                        return;
                    }
                }
                ev = live.recv() => match ev {
                    Ok(ev) => {
                        if ev.rv <= w.seen {
                            continue;
                        }
                        if !w.deliver(&ev).await {
                            return;
                        }
                    }
                    // Too slow: end the stream; the client resumes from its last resourceVersion.
                    Err(broadcast::error::RecvError::Lagged(_)) | Err(broadcast::error::RecvError::Closed) => return,
                },
            }
        }
    });
    let stream = ReceiverStream::new(rx).map(|b| Ok::<_, std::convert::Infallible>(Frame::data(b)));
    let body: RespBody = BodyExt::boxed(StreamBody::new(stream));
    Ok(Reply::Stream(body))
}

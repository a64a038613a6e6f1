//! What the konnector tells the world: a broadcast of events (objects synced with their lag,
//! errors with a reason, binding states, heartbeats, leadership) and a snapshot of the state
//! they add up to, for the cockpit and the headless summary. The controllers only report;
//! nobody here touches a terminal.

use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::broadcast;

/// Events buffered for a slow subscriber before it misses some (it is told how many).
const EVENT_BUFFER: usize = 4096;

/// Which way an object went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// App Cluster → Control Plane (a claim's spec, a consumer-owned claimed object).
    AppToControlPlane,
    /// Control Plane → App Cluster (status, provider-owned claimed objects such as credentials).
    ControlPlaneToApp,
}

impl Direction {
    /// `App→CP` or `CP→App`.
    pub fn arrow(self) -> &'static str {
        match self {
            Direction::AppToControlPlane => "App→CP",
            Direction::ControlPlaneToApp => "CP→App",
        }
    }
}

/// What was done to the object on the receiving side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncAction {
    /// Created or updated there (spec, status, a copy).
    Written,
    /// Deleted there (a claim deleted in the App Cluster, a copy whose source went).
    Deleted,
    /// Created in the App Cluster from a Control Plane object that had no App copy.
    Adopted,
    /// Let go without touching the Control Plane, because its CRD or binding is going.
    Released,
}

/// One object, as the App Cluster names it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectKey {
    /// `<plural>.<group>` (claims: the binding's name), or `secrets`, `configmaps`.
    pub resource: String,
    /// App Cluster namespace.
    pub namespace: String,
    /// Name (the same on both sides).
    pub name: String,
}

impl std::fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}/{}", self.resource, self.namespace, self.name)
    }
}

/// How a binding stands (one type for the loop and the cockpit's store).
pub use crate::cluster::konnector::BindingState;

/// Whether this konnector is the one that syncs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Leadership {
    /// Leader election is off: this one syncs.
    Alone,
    /// Waiting for the lease (another replica holds it).
    Waiting,
    /// Holds the lease and syncs.
    Leader,
}

/// Something the konnector did or found.
#[derive(Clone, Debug, PartialEq)]
pub enum KonnectorEvent {
    /// An object reached the other side.
    Synced {
        /// The binding the object belongs to.
        binding: String,
        /// The object.
        object: ObjectKey,
        /// Which way it went.
        direction: Direction,
        /// What was done there.
        action: SyncAction,
        /// From the konnector seeing the change to the other side acknowledging the write.
        lag: Duration,
    },
    /// Something failed; it is retried with backoff.
    Error {
        /// The binding concerned, if any.
        binding: Option<String>,
        /// The object concerned, if any.
        object: Option<ObjectKey>,
        /// CamelCase reason, e.g. `Forbidden`, `Conflict`, `ControlPlaneUnreachable`.
        reason: String,
        /// What happened.
        message: String,
    },
    /// A binding's state changed.
    Binding {
        /// The binding.
        binding: String,
        /// Its new state.
        state: BindingState,
    },
    /// The heartbeat reached the ClusterBinding of these bindings.
    Heartbeat {
        /// The bindings that share the Control Plane connection.
        bindings: Vec<String>,
        /// The cluster namespace on the Control Plane whose ClusterBinding got it.
        cluster_namespace: String,
        /// The interval promised with it.
        interval: Duration,
        /// When.
        at: SystemTime,
    },
    /// Leadership changed.
    Leadership(Leadership),
}

/// What is known of one object.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectSync {
    /// The last direction it went.
    pub direction: Direction,
    /// The last action.
    pub action: SyncAction,
    /// The lag of that sync.
    pub lag: Duration,
    /// When it happened.
    pub at: SystemTime,
}

/// What is known of one binding.
#[derive(Clone, Debug, PartialEq)]
pub struct BindingSnapshot {
    /// How it stands.
    pub state: BindingState,
    /// The last heartbeat that reached the Control Plane.
    pub last_heartbeat: Option<SystemTime>,
    /// Every object synced so far, with its last sync.
    pub objects: BTreeMap<ObjectKey, ObjectSync>,
    /// The last error, if the binding has had one since it was last Ready.
    pub last_error: Option<String>,
}

impl BindingSnapshot {
    fn new() -> Self {
        Self {
            state: BindingState::Starting,
            last_heartbeat: None,
            objects: BTreeMap::new(),
            last_error: None,
        }
    }

    /// Seconds since the last heartbeat (the honest health figure: no drift warnings).
    pub fn heartbeat_age(&self, now: SystemTime) -> Option<Duration> {
        self.last_heartbeat
            .map(|at| now.duration_since(at).unwrap_or_default())
    }
}

/// The konnector's state, as the events have built it.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// Whether this konnector syncs.
    pub leadership: Leadership,
    /// Per binding.
    pub bindings: BTreeMap<String, BindingSnapshot>,
}

/// Where the controllers report to: updates the snapshot and broadcasts the event.
#[derive(Clone)]
pub struct Reporter {
    tx: broadcast::Sender<KonnectorEvent>,
    state: Arc<Mutex<Snapshot>>,
}

impl Default for Reporter {
    fn default() -> Self {
        Self::new()
    }
}

impl Reporter {
    /// A reporter with nobody listening yet.
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(EVENT_BUFFER);
        Self {
            tx,
            state: Arc::new(Mutex::new(Snapshot {
                leadership: Leadership::Alone,
                bindings: BTreeMap::new(),
            })),
        }
    }

    /// Every event from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<KonnectorEvent> {
        self.tx.subscribe()
    }

    /// The state now.
    pub fn snapshot(&self) -> Snapshot {
        self.state.lock().clone()
    }

    /// Record and broadcast an event (errors also go to the log).
    pub fn report(&self, event: KonnectorEvent) {
        if let KonnectorEvent::Error {
            binding,
            object,
            reason,
            message,
        } = &event
        {
            tracing::warn!(?binding, object = ?object.as_ref().map(ToString::to_string), %reason, %message, "konnector: error");
        }
        {
            let mut state = self.state.lock();
            match &event {
                KonnectorEvent::Synced {
                    binding,
                    object,
                    direction,
                    action,
                    lag,
                } => {
                    let entry = state
                        .bindings
                        .entry(binding.clone())
                        .or_insert_with(BindingSnapshot::new);
                    if matches!(action, SyncAction::Deleted | SyncAction::Released)
                        && *direction == Direction::AppToControlPlane
                    {
                        entry.objects.remove(object);
                    } else {
                        entry.objects.insert(
                            object.clone(),
                            ObjectSync {
                                direction: *direction,
                                action: *action,
                                lag: *lag,
                                at: SystemTime::now(),
                            },
                        );
                    }
                }
                KonnectorEvent::Error {
                    binding: Some(binding),
                    message,
                    ..
                } => {
                    state
                        .bindings
                        .entry(binding.clone())
                        .or_insert_with(BindingSnapshot::new)
                        .last_error = Some(message.clone());
                }
                KonnectorEvent::Error { binding: None, .. } => {}
                KonnectorEvent::Binding { binding, state: s } => {
                    let entry = state
                        .bindings
                        .entry(binding.clone())
                        .or_insert_with(BindingSnapshot::new);
                    if *s == BindingState::Ready {
                        entry.last_error = None;
                    }
                    entry.state = s.clone();
                }
                KonnectorEvent::Heartbeat { bindings, at, .. } => {
                    for b in bindings {
                        state
                            .bindings
                            .entry(b.clone())
                            .or_insert_with(BindingSnapshot::new)
                            .last_heartbeat = Some(*at);
                    }
                }
                KonnectorEvent::Leadership(l) => state.leadership = l.clone(),
            }
        }
        let _ = self.tx.send(event);
    }

    /// Forget a binding that no longer exists.
    pub fn forget(&self, binding: &str) {
        self.state.lock().bindings.remove(binding);
    }

    /// Report an error.
    pub fn error(
        &self,
        binding: Option<&str>,
        object: Option<ObjectKey>,
        reason: &str,
        message: impl Into<String>,
    ) {
        self.report(KonnectorEvent::Error {
            binding: binding.map(str::to_owned),
            object,
            reason: reason.to_owned(),
            message: message.into(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> ObjectKey {
        ObjectKey {
            resource: "postgresqlinstances.anynines.com".into(),
            namespace: "default".into(),
            name: name.into(),
        }
    }

    #[test]
    fn the_snapshot_follows_the_events() {
        let reporter = Reporter::new();
        let mut rx = reporter.subscribe();
        let synced = |name: &str, action| KonnectorEvent::Synced {
            binding: "b".into(),
            object: key(name),
            direction: Direction::AppToControlPlane,
            action,
            lag: Duration::from_millis(3),
        };
        reporter.report(synced("a", SyncAction::Written));
        reporter.report(synced("c", SyncAction::Written));
        reporter.error(Some("b"), None, "Conflict", "try again");
        reporter.report(synced("c", SyncAction::Deleted));
        let snap = reporter.snapshot();
        let b = &snap.bindings["b"];
        assert_eq!(b.objects.keys().collect::<Vec<_>>(), vec![&key("a")]);
        assert_eq!(b.objects[&key("a")].lag, Duration::from_millis(3));
        assert_eq!(b.last_error.as_deref(), Some("try again"));
        reporter.report(KonnectorEvent::Binding {
            binding: "b".into(),
            state: BindingState::Ready,
        });
        assert_eq!(reporter.snapshot().bindings["b"].last_error, None);
        assert_eq!(rx.try_recv().unwrap(), synced("a", SyncAction::Written));
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(100);
        reporter.report(KonnectorEvent::Heartbeat {
            bindings: vec!["b".into()],
            cluster_namespace: "cluster-x".into(),
            interval: Duration::from_secs(300),
            at,
        });
        let snap = reporter.snapshot();
        assert_eq!(
            snap.bindings["b"].heartbeat_age(at + Duration::from_secs(7)),
            Some(Duration::from_secs(7))
        );
        reporter.forget("b");
        assert!(reporter.snapshot().bindings.is_empty());
    }
}

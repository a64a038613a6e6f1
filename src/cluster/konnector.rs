//! What the cockpit knows of the konnector, kept in the store beside the objects: whether a
//! loop runs in this process and what it reported (a bounded log of objects synced with
//! their lag, errors with their reason, heartbeats per Control Plane connection, binding
//! states), and whether one is installed in the App Cluster. The services write it from the
//! konnector's events and a Deployment watch; the Konnector view and the header read it.

use jiff::Timestamp;
use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

/// Synced objects kept in the log; the oldest go first.
pub const LOG_CAPACITY: usize = 500;
/// Errors kept; the oldest go first.
pub const ERROR_CAPACITY: usize = 100;

/// Whether the konnector loop runs in this process.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum LocalMode {
    /// Not running here.
    #[default]
    Off,
    /// Asked to start; waiting for the App Cluster.
    Starting,
    /// Running here since then.
    Running {
        /// When it was started.
        since: Timestamp,
    },
    /// Asked to stop; giving up its lease.
    Stopping,
}

/// A konnector Deployment found in the App Cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Installed {
    /// `namespace/name`.
    pub name: String,
    /// The container image.
    pub image: String,
    /// The image's tag (`v0.3.0`), or `-`.
    pub version: String,
    /// Replicas ready.
    pub ready: i32,
    /// Replicas wanted.
    pub replicas: i32,
}

/// What is known of an installed konnector.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum InstallState {
    /// Not known yet (the App Cluster has not answered).
    #[default]
    Unknown,
    /// No konnector Deployment in the namespace.
    Absent,
    /// Found.
    Present(Installed),
    /// The Deployments cannot be read, for this reason.
    Unreadable(String),
}

/// One object synced, as the log shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Synced {
    /// When the konnector reported it.
    pub at: Timestamp,
    /// The binding (`<plural>.<group>`).
    pub binding: String,
    /// `<resource> <namespace>/<name>` as the App Cluster names it.
    pub object: String,
    /// `App→CP` or `CP→App`.
    pub direction: &'static str,
    /// `written`, `deleted`, `adopted` or `released`.
    pub action: &'static str,
    /// From seeing the change to the other side acknowledging it, in ms.
    pub lag_ms: u64,
}

/// One error the konnector reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncError {
    /// When.
    pub at: Timestamp,
    /// The binding concerned, if any.
    pub binding: Option<String>,
    /// The object concerned, if any.
    pub object: Option<String>,
    /// CamelCase reason (`Forbidden`, `ControlPlaneUnreachable`, …).
    pub reason: String,
    /// What happened.
    pub message: String,
}

/// The last heartbeat of one Control Plane connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Beat {
    /// When it reached the ClusterBinding.
    pub at: Timestamp,
    /// The interval the konnector promises.
    pub interval: Duration,
    /// The bindings sharing the connection.
    pub bindings: Vec<String>,
}

/// How a binding stands in the konnector loop (what the loop reports and the store keeps).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BindingState {
    /// Connecting to the Control Plane, creating the CRD or listing objects.
    Starting,
    /// Syncing.
    Ready,
    /// Not syncing, for the reason given (the `Ready` condition's reason and message).
    Failing {
        /// CamelCase reason, e.g. `ControlPlaneUnreachable`.
        reason: String,
        /// What is wrong and what to do.
        message: String,
    },
}

/// The last sync of one object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectLag {
    /// `App→CP` or `CP→App`.
    pub direction: &'static str,
    /// In ms.
    pub lag_ms: u64,
    /// When.
    pub at: Timestamp,
}

/// The konnector as the cockpit knows it.
#[derive(Clone, Debug, Default)]
pub struct KonnectorData {
    /// The loop in this process.
    pub local: LocalMode,
    /// `alone`, `waiting for the lease` or `leader` (the local loop's).
    pub leadership: Option<&'static str>,
    /// A konnector installed in the App Cluster.
    pub installed: InstallState,
    /// Objects synced, newest last.
    pub log: VecDeque<Synced>,
    /// Every sync reported since start (the log keeps only the newest).
    pub synced_total: u64,
    /// Events the cockpit could not keep up with.
    pub missed: u64,
    /// Errors, newest last.
    pub errors: VecDeque<SyncError>,
    /// The last sync of each object, by `<resource> <namespace>/<name>`.
    pub objects: BTreeMap<String, ObjectLag>,
    /// Heartbeats by cluster namespace on the Control Plane.
    pub beats: BTreeMap<String, Beat>,
    /// Bindings by name.
    pub bindings: BTreeMap<String, BindingState>,
}

impl KonnectorData {
    /// Record a sync (the log keeps the newest [`LOG_CAPACITY`]).
    pub fn synced(&mut self, s: Synced) {
        self.synced_total += 1;
        if s.action == "deleted" && s.direction == "App→CP" {
            self.objects.remove(&s.object);
        } else {
            self.objects.insert(
                s.object.clone(),
                ObjectLag {
                    direction: s.direction,
                    lag_ms: s.lag_ms,
                    at: s.at,
                },
            );
        }
        if self.log.len() == LOG_CAPACITY {
            self.log.pop_front();
        }
        self.log.push_back(s);
    }

    /// Record an error (the newest [`ERROR_CAPACITY`] are kept).
    pub fn error(&mut self, e: SyncError) {
        if self.errors.len() == ERROR_CAPACITY {
            self.errors.pop_front();
        }
        self.errors.push_back(e);
    }

    /// Forget what the local loop reported (it stopped); the installed state stays.
    pub fn clear_local(&mut self) {
        let installed = std::mem::take(&mut self.installed);
        *self = KonnectorData {
            installed,
            ..KonnectorData::default()
        };
    }

    /// Whether anything is known that the header should show.
    pub fn anything(&self) -> bool {
        self.local != LocalMode::Off || matches!(self.installed, InstallState::Present(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn synced(object: &str, direction: &'static str, action: &'static str) -> Synced {
        Synced {
            at: Timestamp::UNIX_EPOCH,
            binding: "b".into(),
            object: object.into(),
            direction,
            action,
            lag_ms: 7,
        }
    }

    #[test]
    fn the_log_is_bounded_and_lags_follow_the_objects() {
        let mut k = KonnectorData::default();
        for i in 0..LOG_CAPACITY + 10 {
            k.synced(synced(&format!("o{i}"), "App→CP", "written"));
        }
        assert_eq!(k.log.len(), LOG_CAPACITY);
        assert_eq!(k.log.front().map(|s| s.object.as_str()), Some("o10"));
        assert_eq!(k.synced_total, (LOG_CAPACITY + 10) as u64);
        assert_eq!(k.objects.len(), LOG_CAPACITY + 10);
        k.synced(synced("o0", "App→CP", "deleted"));
        assert!(!k.objects.contains_key("o0"));
        for _ in 0..ERROR_CAPACITY + 1 {
            k.error(SyncError {
                at: Timestamp::UNIX_EPOCH,
                binding: None,
                object: None,
                reason: "Conflict".into(),
                message: "again".into(),
            });
        }
        assert_eq!(k.errors.len(), ERROR_CAPACITY);
        k.installed = InstallState::Absent;
        k.local = LocalMode::Stopping;
        k.clear_local();
        assert!(k.log.is_empty() && k.objects.is_empty() && k.errors.is_empty());
        assert_eq!(
            (k.local, k.installed),
            (LocalMode::Off, InstallState::Absent)
        );
    }
}

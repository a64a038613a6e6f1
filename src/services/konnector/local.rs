//! The konnector loop in the cockpit's own process, for the App Cluster it is connected to.
//! One at a time: the services hold it, the cockpit starts and stops it with
//! `Effect::Konnector` (key `K`, `:konnector on|off`, `--konnector`), and whatever else runs
//! in the cockpit's process (the sandbox bound at start) calls [`Local::start`] and
//! [`Local::stop`] on the same holder. What the loop reports is folded into the store — the
//! log of objects synced with their lag, errors, heartbeats, binding states — and each App
//! object's lag into [`StoreData::set_sync_lag`] for the paired view.

use super::events::{Direction, KonnectorEvent, Leadership, ObjectKey, SyncAction};
use super::{Konnector, KonnectorHandle, KonnectorOptions};
use crate::cluster::konnector::{Beat, LocalMode, SyncError, Synced};
use crate::cluster::{ClusterId, Level, RowKey, Store, StoreData};
use jiff::Timestamp;
use klutch::claims::ClaimKind;
use kube::Client;
use std::sync::Arc;
use tokio::sync::{Mutex, broadcast};
use tokio::task::JoinHandle;

/// Events taken from the konnector in one store update at most (a burst is one change).
const BATCH: usize = 256;

struct Running {
    handle: KonnectorHandle,
    pump: JoinHandle<()>,
}

/// The holder of the loop in this process: cheap to clone, every clone the same loop.
#[derive(Clone)]
pub struct Local {
    store: Store,
    running: Arc<Mutex<Option<Running>>>,
}

impl std::fmt::Debug for Local {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Local").finish_non_exhaustive()
    }
}

impl Local {
    /// No loop yet; what one reports goes to `store`.
    pub fn new(store: Store) -> Local {
        Local {
            store,
            running: Arc::new(Mutex::new(None)),
        }
    }

    /// Start the loop against `app` (the App Cluster), unless one runs already. Returns
    /// whether it started; either way the message log says what happened.
    pub async fn start(&self, app: Client, options: KonnectorOptions) -> bool {
        let mut running = self.running.lock().await;
        if running.is_some() {
            self.store
                .update(|d| d.post(Level::Info, "konnector: already running in this process"));
            return false;
        }
        let namespace = options.namespace.clone();
        let handle = Konnector::start(app, options);
        let events = handle.subscribe();
        let snapshot = handle.snapshot();
        self.store.update(|d| {
            let k = d.konnector_mut();
            k.clear_local();
            k.local = LocalMode::Running {
                since: Timestamp::now(),
            };
            k.leadership = Some(leadership(&snapshot.leadership));
            for (name, b) in &snapshot.bindings {
                k.bindings.insert(name.clone(), b.state.clone());
            }
            d.post(
                Level::Info,
                format!(
                    "konnector: running in this process for the bindings in {namespace} (7 shows it, K stops it)"
                ),
            );
        });
        let pump = tokio::spawn(pump(events, self.store.clone()));
        *running = Some(Running { handle, pump });
        true
    }

    /// Stop the loop, if one runs (its lease is given up); returns whether one ran.
    pub async fn stop(&self) -> bool {
        let Some(Running { handle, pump }) = self.running.lock().await.take() else {
            return false;
        };
        self.store
            .update(|d| d.konnector_mut().local = LocalMode::Stopping);
        handle.stop().await;
        pump.abort();
        let _ = pump.await;
        self.store.update(|d| {
            d.konnector_mut().clear_local();
            d.post(Level::Info, "konnector: stopped in this process");
        });
        true
    }

    /// Whether a loop runs here.
    pub async fn is_running(&self) -> bool {
        self.running.lock().await.is_some()
    }

    /// Say in the store that a start was asked for (before the App Cluster is reached).
    pub fn starting(&self) {
        self.store.update(|d| {
            let k = d.konnector_mut();
            if k.local == LocalMode::Off {
                k.local = LocalMode::Starting;
            }
        });
    }

    /// A start that could not happen: back to off, with the reason in the message log.
    pub fn failed(&self, why: String) {
        self.store.update(|d| {
            let k = d.konnector_mut();
            if k.local == LocalMode::Starting {
                k.local = LocalMode::Off;
            }
            d.post(Level::Error, format!("konnector: {why}"));
        });
    }
}

/// Fold the konnector's events into the store, a burst in one update.
async fn pump(mut events: broadcast::Receiver<KonnectorEvent>, store: Store) {
    loop {
        let first = match events.recv().await {
            Ok(e) => Ok(e),
            Err(broadcast::error::RecvError::Lagged(n)) => Err(n),
            Err(broadcast::error::RecvError::Closed) => return,
        };
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match events.try_recv() {
                Ok(e) => batch.push(Ok(e)),
                Err(broadcast::error::TryRecvError::Lagged(n)) => batch.push(Err(n)),
                Err(_) => break,
            }
        }
        let now = Timestamp::now();
        store.update(|d| {
            for e in batch {
                match e {
                    Ok(event) => fold(d, event, now),
                    Err(missed) => d.konnector_mut().missed += missed,
                }
            }
        });
    }
}

fn leadership(l: &Leadership) -> &'static str {
    match l {
        Leadership::Alone => "alone (no lease)",
        Leadership::Waiting => "waiting for the lease (another konnector syncs)",
        Leadership::Leader => "leader",
    }
}

fn action_word(a: SyncAction) -> &'static str {
    match a {
        SyncAction::Written => "written",
        SyncAction::Deleted => "deleted",
        SyncAction::Adopted => "adopted",
        SyncAction::Released => "released",
    }
}

/// The store's key of the App object a konnector key names, when it is a claim the
/// cockpit lists (its kind from the App Cluster's CRD, else from the claim kinds).
pub fn row_key(store: &StoreData, object: &ObjectKey) -> Option<RowKey> {
    let kind = match store.claim_crds().get(&object.resource) {
        Some(crd) => crd.spec.names.kind.clone(),
        None => {
            let (plural, _) = object.resource.split_once('.')?;
            ClaimKind::from_plural(plural)?.kind().to_owned()
        }
    };
    Some(RowKey {
        namespace: object.namespace.clone(),
        kind,
        name: object.name.clone(),
        cluster: ClusterId::App,
    })
}

/// Apply one konnector event to the store.
pub fn fold(d: &mut StoreData, event: KonnectorEvent, now: Timestamp) {
    match event {
        KonnectorEvent::Synced {
            binding,
            object,
            direction,
            action,
            lag,
        } => {
            let lag_ms = u64::try_from(lag.as_millis()).unwrap_or(u64::MAX);
            if let Some(key) = row_key(d, &object)
                && !(action == SyncAction::Deleted && direction == Direction::AppToControlPlane)
            {
                d.set_sync_lag(key, lag_ms);
            }
            d.konnector_mut().synced(Synced {
                at: now,
                binding,
                object: object.to_string(),
                direction: direction.arrow(),
                action: action_word(action),
                lag_ms,
            });
        }
        KonnectorEvent::Error {
            binding,
            object,
            reason,
            message,
        } => d.konnector_mut().error(SyncError {
            at: now,
            binding,
            object: object.map(|o| o.to_string()),
            reason,
            message,
        }),
        KonnectorEvent::Binding { binding, state } => {
            d.konnector_mut().bindings.insert(binding, state);
        }
        KonnectorEvent::Heartbeat {
            bindings,
            cluster_namespace,
            interval,
            at,
        } => {
            let at = Timestamp::try_from(at).unwrap_or(now);
            d.konnector_mut().beats.insert(
                cluster_namespace,
                Beat {
                    at,
                    interval,
                    bindings,
                },
            );
        }
        KonnectorEvent::Leadership(l) => d.konnector_mut().leadership = Some(leadership(&l)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    fn key(resource: &str, name: &str) -> ObjectKey {
        ObjectKey {
            resource: resource.into(),
            namespace: "team-a".into(),
            name: name.into(),
        }
    }

    #[test]
    fn events_become_the_log_the_lags_and_the_heartbeats() {
        let store = Store::new();
        let now = Timestamp::UNIX_EPOCH;
        store.update(|d| {
            fold(
                d,
                KonnectorEvent::Synced {
                    binding: "postgresqlinstances.anynines.com".into(),
                    object: key("postgresqlinstances.anynines.com", "db"),
                    direction: Direction::AppToControlPlane,
                    action: SyncAction::Written,
                    lag: Duration::from_millis(42),
                },
                now,
            );
            fold(
                d,
                KonnectorEvent::Synced {
                    binding: "postgresqlinstances.anynines.com".into(),
                    object: key("secrets", "db-creds"),
                    direction: Direction::ControlPlaneToApp,
                    action: SyncAction::Written,
                    lag: Duration::from_millis(5),
                },
                now,
            );
            fold(
                d,
                KonnectorEvent::Heartbeat {
                    bindings: vec!["postgresqlinstances.anynines.com".into()],
                    cluster_namespace: "cluster-x".into(),
                    interval: Duration::from_secs(300),
                    at: SystemTime::UNIX_EPOCH + Duration::from_secs(60),
                },
                now,
            );
        });
        let data = store.read();
        let db = RowKey {
            namespace: "team-a".into(),
            kind: "PostgresqlInstance".into(),
            name: "db".into(),
            cluster: ClusterId::App,
        };
        assert_eq!(data.sync_lag(&db), Some(42));
        let k = data.konnector();
        assert_eq!(k.log.len(), 2);
        assert_eq!(
            k.log[0].object,
            "postgresqlinstances.anynines.com team-a/db"
        );
        assert_eq!((k.log[0].direction, k.log[0].lag_ms), ("App→CP", 42));
        assert_eq!(k.objects["secrets team-a/db-creds"].lag_ms, 5);
        assert_eq!(k.beats["cluster-x"].interval, Duration::from_secs(300));
        assert_eq!(k.beats["cluster-x"].at.as_second(), 60);
    }
}

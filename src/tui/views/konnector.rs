//! What the Konnector view and the header say about the konnector, from the store: its state
//! (off, running here, installed in the App Cluster with its version) and the heartbeat of
//! each bound Control Plane, judged from the ClusterBinding's `lastHeartbeatTime` and
//! `heartbeatInterval` with `klutch::heartbeat` (never the backend's drift warning).

use crate::cluster::konnector::{InstallState, LocalMode};
use crate::cluster::{ClusterId, RowKey, StoreData};
use crate::tui::panes::format::age_of;
use crate::tui::theme::Slot;
use jiff::{SignedDuration, Timestamp};
use klutch::bind::names::CLUSTER_BINDING_NAME;
use klutch::heartbeat::Heartbeat;
use klutch::objects::ObjectClass;
use klutch::status::Facts;
use std::collections::BTreeSet;

/// One bound Control Plane and how its konnector's heartbeat stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ControlPlaneBeat {
    /// The cluster namespace there.
    pub namespace: String,
    /// The provider's name (`-` when unknown).
    pub provider: String,
    /// The heartbeat, judged.
    pub heartbeat: Heartbeat,
    /// Where the facts come from: the ClusterBinding the cockpit watches, or the heartbeat
    /// the loop in this process wrote.
    pub source: &'static str,
}

fn cluster_binding(
    store: &StoreData,
    namespace: &str,
    now: Timestamp,
) -> Option<(String, Heartbeat)> {
    let key = RowKey {
        namespace: namespace.to_owned(),
        kind: "ClusterBinding".into(),
        name: CLUSTER_BINDING_NAME.into(),
        cluster: ClusterId::ControlPlane,
    };
    match &store.get(ObjectClass::ClusterBinding, &key)?.facts {
        Facts::ClusterBinding {
            provider,
            last_heartbeat,
            heartbeat_interval,
            ..
        } => Some((
            provider.clone(),
            Heartbeat::judge(last_heartbeat, heartbeat_interval, now),
        )),
        _ => None,
    }
}

/// Every Control Plane this App Cluster is bound to, with its heartbeat at `now`: those the
/// loop in this process beats (judged from their ClusterBinding when the cockpit's Control
/// Plane shows it, else from the loop's own heartbeat), or else the ClusterBindings of the
/// connected Control Plane whose provider an App binding names.
pub fn control_planes(store: &StoreData, now: Timestamp) -> Vec<ControlPlaneBeat> {
    let k = store.konnector();
    if !k.beats.is_empty() {
        return k
            .beats
            .iter()
            .map(|(ns, beat)| match cluster_binding(store, ns, now) {
                Some((provider, heartbeat)) => ControlPlaneBeat {
                    namespace: ns.clone(),
                    provider,
                    heartbeat,
                    source: "ClusterBinding",
                },
                None => {
                    let interval = SignedDuration::try_from(beat.interval)
                        .unwrap_or(SignedDuration::ZERO)
                        .to_string();
                    ControlPlaneBeat {
                        namespace: ns.clone(),
                        provider: "-".into(),
                        heartbeat: Heartbeat::judge(&beat.at.to_string(), &interval, now),
                        source: "this process",
                    }
                }
            })
            .collect();
    }
    let providers: BTreeSet<&str> = store
        .list(ObjectClass::ApiServiceBinding)
        .values()
        .filter_map(|e| match &e.facts {
            Facts::ApiServiceBinding { provider, .. } if provider != "-" => Some(provider.as_str()),
            _ => None,
        })
        .collect();
    store
        .list(ObjectClass::ClusterBinding)
        .values()
        .filter_map(|e| match &e.facts {
            Facts::ClusterBinding {
                provider,
                last_heartbeat,
                heartbeat_interval,
                ..
            } if providers.contains(provider.as_str()) => Some(ControlPlaneBeat {
                namespace: e.key.namespace.clone(),
                provider: provider.clone(),
                heartbeat: Heartbeat::judge(last_heartbeat, heartbeat_interval, now),
                source: "ClusterBinding",
            }),
            _ => None,
        })
        .collect()
}

/// The heartbeat as a symbol, a word and its age (`♥ Alive 4s`), and its colour.
pub fn heartbeat_text(h: Heartbeat) -> (String, Slot) {
    let (symbol, slot) = match h {
        Heartbeat::Alive { .. } => ("♥", Slot::StatusReady),
        Heartbeat::Late { .. } => ("✗", Slot::StatusFailed),
        Heartbeat::Pending => ("◷", Slot::StatusProgress),
        Heartbeat::IntervalMissing { .. } => ("?", Slot::StatusUnknown),
    };
    match h.age() {
        Some(age) => (format!("{symbol} {}", age_of(Some(age))), slot),
        None => (format!("{symbol} none yet"), slot),
    }
}

/// The konnector's state in a few words (`local`, `installed v0.3.0`, `off`), and its colour.
pub fn state_text(store: &StoreData) -> (String, Slot) {
    let k = store.konnector();
    let installed = match &k.installed {
        InstallState::Present(i) => Some(format!("installed {}", i.version)),
        _ => None,
    };
    match (&k.local, installed) {
        (LocalMode::Running { .. }, Some(i)) => (format!("local + {i}"), Slot::HealthOk),
        (LocalMode::Running { .. }, None) => ("local".into(), Slot::HealthOk),
        (LocalMode::Starting, _) => ("local, starting".into(), Slot::HealthWarn),
        (LocalMode::Stopping, _) => ("local, stopping".into(), Slot::HealthWarn),
        (LocalMode::Off, Some(i)) => (i, Slot::HealthOk),
        (LocalMode::Off, None) => ("off".into(), Slot::Dim),
    }
}

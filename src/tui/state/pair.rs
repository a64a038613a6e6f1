//! The paired view of one claim: its App Cluster object and its Control Plane copy (found
//! through the APIServiceNamespace that maps their namespaces), the `spec` lines on which they
//! differ, both sides' conditions as one timeline, and the sync lag when the konnector in this
//! process measured it. What is missing is said plainly: not on the Control Plane yet, or a
//! Control Plane copy without an App owner.

use super::claims::{app_object, control_plane_copy};
use crate::cluster::{ClusterId, Entry, StoreData};
use jiff::Timestamp;
use std::sync::Arc;

/// One condition on the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// When it last changed.
    pub at: Option<Timestamp>,
    /// Which side.
    pub side: ClusterId,
    /// `Ready=True (Available)`, with the managed resource's prefixed `managed.`.
    pub text: String,
    /// Its message.
    pub message: Option<String>,
}

/// The pair of one claim.
#[derive(Clone, Debug)]
pub struct Pair {
    /// The App Cluster object.
    pub app: Option<Arc<Entry>>,
    /// The Control Plane copy.
    pub control_plane: Option<Arc<Entry>>,
    /// `spec` as YAML lines, App side, each with whether the other side differs there.
    pub app_spec: Vec<(String, bool)>,
    /// The same for the Control Plane copy.
    pub control_plane_spec: Vec<(String, bool)>,
    /// Both sides' conditions, newest first.
    pub timeline: Vec<Event>,
    /// The konnector's last measured lag for this object, in milliseconds.
    pub lag_ms: Option<u64>,
}

fn spec_lines(e: Option<&Arc<Entry>>) -> Vec<String> {
    let Some(e) = e else {
        return Vec::new();
    };
    let spec = e.value()["spec"].take();
    serde_saphyr::to_string(&spec)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

fn key_of(line: &str) -> &str {
    line.split_once(':').map_or(line, |(k, _)| k)
}

/// The App's lines, each marked when the Control Plane copy does not have it (a change not
/// synced yet).
fn app_marked(app: &[String], cp: &[String], cp_exists: bool) -> Vec<(String, bool)> {
    app.iter()
        .map(|l| (l.clone(), cp_exists && !cp.contains(l)))
        .collect()
}

/// The copy's lines, each marked when the App sets the same key to something else. Keys only
/// the copy has are Crossplane's (`resourceRef`, defaults), not a difference.
fn copy_marked(cp: &[String], app: &[String], app_exists: bool) -> Vec<(String, bool)> {
    cp.iter()
        .map(|l| {
            let differs =
                app_exists && !app.contains(l) && app.iter().any(|a| key_of(a) == key_of(l));
            (l.clone(), differs)
        })
        .collect()
}

fn events(e: Option<&Arc<Entry>>) -> Vec<Event> {
    let Some(e) = e else {
        return Vec::new();
    };
    e.conditions
        .iter()
        .map(|c| {
            let prefix = if c.source.is_empty() {
                String::new()
            } else {
                format!("{}.", c.source)
            };
            let reason = c
                .reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            Event {
                at: c.last_transition,
                side: e.key.cluster,
                text: format!("{prefix}{}={}{reason}", c.type_, c.status),
                message: c.message.clone(),
            }
        })
        .collect()
}

impl Pair {
    /// The pair `entry` (either side) belongs to, as the store has it now.
    pub fn of(store: &StoreData, entry: &Entry) -> Pair {
        let app = app_object(store, entry);
        let control_plane = match entry.key.cluster {
            ClusterId::ControlPlane => store.get(entry.class, &entry.key).cloned(),
            ClusterId::App => control_plane_copy(store, entry),
        };
        let (a, c) = (spec_lines(app.as_ref()), spec_lines(control_plane.as_ref()));
        let mut timeline = events(app.as_ref());
        timeline.extend(events(control_plane.as_ref()));
        timeline.sort_by_key(|e| std::cmp::Reverse(e.at));
        let lag_ms = app.as_ref().and_then(|a| store.sync_lag(&a.key));
        Pair {
            app_spec: app_marked(&a, &c, control_plane.is_some()),
            control_plane_spec: copy_marked(&c, &a, app.is_some()),
            app,
            control_plane,
            timeline,
            lag_ms,
        }
    }

    /// What is missing, said plainly (`None`: both sides are there).
    pub fn missing(&self) -> Option<&'static str> {
        match (&self.app, &self.control_plane) {
            (Some(_), None) => {
                Some("not on the Control Plane yet (is the konnector running? :why)")
            }
            (None, Some(_)) => Some("a Control Plane copy without an App owner"),
            (None, None) => Some("gone from both clusters"),
            (Some(_), Some(_)) => None,
        }
    }

    /// Whether the two `spec`s differ.
    pub fn differs(&self) -> bool {
        self.app_spec.iter().any(|(_, d)| *d) || self.control_plane_spec.iter().any(|(_, d)| *d)
    }
}

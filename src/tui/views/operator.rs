//! The operator's view of a Control Plane: one row per App Cluster bound to it (its
//! ClusterBinding), with the konnector's version and heartbeat judged from
//! `lastHeartbeatTime` + `heartbeatInterval` (`klutch::heartbeat`), the exports and export
//! requests in its cluster namespace, and the first thing that is failing — ranked so that
//! trouble comes first.

use super::{Cell, CellCtx};
use crate::cluster::entry::StatusKind;
use crate::cluster::{ClusterId, Entry, RowKey};
use crate::tui::panes::format::age_of;
use crate::tui::theme::Slot;
use klutch::heartbeat::Heartbeat;
use klutch::objects::ObjectClass;
use klutch::status::Facts;
use std::sync::Arc;

fn judge(e: &Entry, ctx: &CellCtx) -> Heartbeat {
    match &e.facts {
        Facts::ClusterBinding {
            last_heartbeat,
            heartbeat_interval,
            ..
        } => Heartbeat::judge(last_heartbeat, heartbeat_interval, ctx.now),
        _ => Heartbeat::Pending,
    }
}

/// The objects of `class` in the entry's namespace on the Control Plane.
fn beside<'a>(e: &Entry, class: ObjectClass, ctx: &CellCtx<'a>) -> Vec<&'a Arc<Entry>> {
    let start = RowKey {
        namespace: e.key.namespace.clone(),
        kind: String::new(),
        name: String::new(),
        cluster: ClusterId::App,
    };
    ctx.store
        .list(class)
        .range(start..)
        .take_while(|(k, _)| k.namespace == e.key.namespace)
        .filter(|(k, _)| k.cluster == ClusterId::ControlPlane)
        .map(|(_, v)| v)
        .collect()
}

pub(super) fn cluster_namespace(e: &Entry, _: &CellCtx) -> Cell {
    (e.key.namespace.clone(), Slot::Base)
}

pub(super) fn konnector(e: &Entry, _: &CellCtx) -> Cell {
    let version = match &e.facts {
        Facts::ClusterBinding {
            konnector_version, ..
        } => konnector_version.as_str(),
        _ => "-",
    };
    (version.to_string(), Slot::Base)
}

pub(super) fn health(e: &Entry, ctx: &CellCtx) -> Cell {
    let h = judge(e, ctx);
    let (symbol, slot) = match h {
        Heartbeat::Alive { .. } => ("✓", Slot::StatusReady),
        Heartbeat::Late { .. } => ("✗", Slot::StatusFailed),
        Heartbeat::Pending => ("◷", Slot::StatusProgress),
        Heartbeat::IntervalMissing { .. } => ("?", Slot::StatusUnknown),
    };
    (format!("{symbol} {}", h.word()), slot)
}

pub(super) fn heartbeat_age(e: &Entry, ctx: &CellCtx) -> Cell {
    (age_of(judge(e, ctx).age()), Slot::Dim)
}

pub(super) fn exports(e: &Entry, ctx: &CellCtx) -> Cell {
    let all = beside(e, ObjectClass::Export, ctx);
    let ready = all
        .iter()
        .filter(|x| x.status.kind == StatusKind::Ready)
        .count();
    let slot = if ready < all.len() {
        Slot::StatusFailed
    } else {
        Slot::Base
    };
    (format!("{ready}/{}", all.len()), slot)
}

pub(super) fn requests(e: &Entry, ctx: &CellCtx) -> Cell {
    let all = beside(e, ObjectClass::ExportRequest, ctx);
    let failed = all
        .iter()
        .filter(|x| x.status.kind == StatusKind::Failed)
        .count();
    match failed {
        0 => (format!("{} ok", all.len()), Slot::Base),
        n => (format!("{n} failed"), Slot::StatusFailed),
    }
}

/// The first thing that is wrong with this App Cluster, and how bad it is (0 worst).
fn trouble(e: &Entry, ctx: &CellCtx) -> (u8, String) {
    match judge(e, ctx) {
        Heartbeat::Late { age, interval } => {
            return (
                0,
                format!(
                    "konnector silent for {} (heartbeat every {}): stopped, or cannot reach the Control Plane",
                    age_of(Some(age)),
                    age_of(Some(interval))
                ),
            );
        }
        Heartbeat::Pending => {
            return (
                1,
                "no heartbeat yet: no konnector has reached the Control Plane".into(),
            );
        }
        _ => {}
    }
    let failing = beside(e, ObjectClass::ExportRequest, ctx)
        .into_iter()
        .chain(beside(e, ObjectClass::Export, ctx))
        .find(|x| x.status.kind == StatusKind::Failed);
    if let Some(x) = failing {
        let why = x.status.message.as_deref().unwrap_or(&x.status.text);
        return (2, format!("{} {}: {why}", x.key.kind, x.key.name));
    }
    if let Heartbeat::IntervalMissing { .. } = judge(e, ctx) {
        return (3, "the konnector writes no heartbeat interval".into());
    }
    (4, String::new())
}

pub(super) fn problem(e: &Entry, ctx: &CellCtx) -> Cell {
    (trouble(e, ctx).1, Slot::StatusFailed)
}

/// Trouble first: a silent konnector, none yet, failing requests or exports, then the rest.
pub(super) fn rank(e: &Entry, ctx: &CellCtx) -> u8 {
    trouble(e, ctx).0
}

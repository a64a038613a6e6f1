//! How an App Cluster claim and its Control Plane copy relate: the konnector copies the
//! claim's `spec` to the namespace the binding maps the App namespace to, as field manager
//! `klutch.anynines.com` (bind-protocol.md §5). Whether the copy has the App's spec, and how
//! long the copy took — from the managedFields times of the last spec write on each side —
//! is what a paired view shows. Pure: the objects come from the caller.

use crate::bind::names::FIELD_MANAGER as KONNECTOR;
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

/// Where the Control Plane copy stands against the App claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sync {
    /// The copy has every spec field the App claim sets, as it sets it; `lag` is how long
    /// after the App's last spec write the copy's was made (seconds are what managedFields
    /// record; `None` when either side does not say).
    InSync {
        /// App spec written → Control Plane spec written.
        lag: Option<SignedDuration>,
    },
    /// The copy's spec differs: the App's change (made at `since`) has not arrived yet.
    Pending {
        /// When the App's spec was last written.
        since: Option<Timestamp>,
    },
    /// There is no copy (yet).
    Missing,
}

/// When `obj`'s spec was last written (its managedFields entries that own `spec` fields; only
/// `manager`'s, when given), else when it was created.
pub fn spec_written_at(obj: &Value, manager: Option<&str>) -> Option<Timestamp> {
    let entries = obj
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array);
    let latest = entries
        .into_iter()
        .flatten()
        .filter(|e| manager.is_none_or(|m| e["manager"] == m))
        .filter(|e| e.pointer("/fieldsV1/f:spec").is_some())
        .filter_map(|e| e["time"].as_str()?.parse::<Timestamp>().ok())
        .max();
    latest.or_else(|| {
        obj.pointer("/metadata/creationTimestamp")
            .and_then(Value::as_str)
            .and_then(|t| t.parse().ok())
    })
}

/// Whether every spec field the App claim sets has the same value in the copy (the copy may
/// carry more: Crossplane adds `resourceRef` and defaults).
pub fn same_spec(app: &Value, cp: &Value) -> bool {
    match app.get("spec").and_then(Value::as_object) {
        Some(spec) => spec
            .iter()
            .filter(|(k, _)| !CROSSPLANE_FIELDS.contains(&k.as_str()))
            .all(|(k, v)| cp.pointer(&format!("/spec/{k}")) == Some(v)),
        None => true,
    }
}

/// Spec fields Crossplane writes on the Control Plane; never the user's (a Control Plane
/// context used as the App Cluster has them on both sides, different).
const CROSSPLANE_FIELDS: [&str; 1] = ["resourceRef"];

/// Where the copy `cp` (if any) stands against `app`.
pub fn sync(app: &Value, cp: Option<&Value>) -> Sync {
    let Some(cp) = cp else {
        return Sync::Missing;
    };
    let app_at = spec_written_at(app, None);
    if !same_spec(app, cp) {
        return Sync::Pending { since: app_at };
    }
    let cp_at = spec_written_at(cp, Some(KONNECTOR)).or_else(|| spec_written_at(cp, None));
    let lag = match (app_at, cp_at) {
        (Some(a), Some(c)) => Some(c.duration_since(a).max(SignedDuration::ZERO)),
        _ => None,
    };
    Sync::InSync { lag }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn written(manager: &str, time: &str) -> Value {
        json!({"manager": manager, "operation": "Apply", "time": time,
               "fieldsV1": {"f:spec": {"f:plan": {}}}})
    }

    #[test]
    fn in_sync_with_lag_pending_and_missing() {
        let app = json!({"metadata": {"creationTimestamp": "2026-06-10T09:00:00Z",
            "managedFields": [written("kubectl", "2026-06-10T09:05:00Z"),
                {"manager": KONNECTOR, "time": "2026-06-10T09:05:01Z", "fieldsV1": {"f:metadata": {}}}]},
            "spec": {"plan": "big"}});
        let cp = json!({"metadata": {"creationTimestamp": "2026-06-10T09:00:01Z",
            "managedFields": [written(KONNECTOR, "2026-06-10T09:05:02Z"),
                              written("crossplane", "2026-06-10T09:06:00Z")]},
            "spec": {"plan": "big", "resourceRef": {"name": "x"}}});
        assert_eq!(
            sync(&app, Some(&cp)),
            Sync::InSync {
                lag: Some(SignedDuration::from_secs(2))
            }
        );
        let mut changed = app.clone();
        changed["spec"]["plan"] = json!("bigger");
        assert_eq!(
            sync(&changed, Some(&cp)),
            Sync::Pending {
                since: Some("2026-06-10T09:05:00Z".parse().unwrap())
            }
        );
        assert_eq!(sync(&app, None), Sync::Missing);
        let bare = json!({"metadata": {"creationTimestamp": "2026-06-10T09:00:00Z"}, "spec": {"plan": "big"}});
        let copy = json!({"metadata": {"creationTimestamp": "2026-06-10T09:00:03Z"}, "spec": {"plan": "big"}});
        assert_eq!(
            sync(&bare, Some(&copy)),
            Sync::InSync {
                lag: Some(SignedDuration::from_secs(3))
            }
        );
    }
}

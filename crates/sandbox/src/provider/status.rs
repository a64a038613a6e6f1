//! Status documents as Crossplane and provider-anynines write them: the claim's `Synced` and
//! `Ready` conditions (crossplane's claim reconciler), the managed resource's conditions
//! (crossplane-runtime) copied to `status.managed.conditions` by the compositions, and the
//! timestamps in the formats upstream shows. A condition keeps its `lastTransitionTime` while
//! its status, reason and message stay the same, as crossplane-runtime's `SetConditions` does.

use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value, json};
use std::time::Duration;

/// The message of crossplane's claim `Waiting` condition.
pub const WAITING: &str = "Claim is waiting for composite resource to become Ready";
/// What provider-anynines shows for any error that is not a user error.
pub const INTERNAL_ERROR: &str = "Internal error in provider";

/// One condition (without its transition time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cond {
    pub type_: &'static str,
    pub status: bool,
    pub reason: &'static str,
    pub message: Option<String>,
}

impl Cond {
    fn new(type_: &'static str, status: bool, reason: &'static str) -> Self {
        Self {
            type_,
            status,
            reason,
            message: None,
        }
    }

    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    pub fn synced() -> Self {
        Self::new("Synced", true, "ReconcileSuccess")
    }

    /// `Synced=False/ReconcileError` with the message crossplane-runtime shows for a failed
    /// step: `"<step> failed: <error>"`.
    pub fn reconcile_error(step: Step, error: &str) -> Self {
        Self::new("Synced", false, "ReconcileError")
            .with_message(format!("{} failed: {error}", step.as_str()))
    }

    pub fn available() -> Self {
        Self::new("Ready", true, "Available")
    }

    pub fn creating() -> Self {
        Self::new("Ready", false, "Creating")
    }

    pub fn unavailable() -> Self {
        Self::new("Ready", false, "Unavailable")
    }

    pub fn deleting() -> Self {
        Self::new("Ready", false, "Deleting")
    }

    /// The claim waits for its composite resource.
    pub fn waiting() -> Self {
        Self::new("Ready", false, "Waiting").with_message(WAITING)
    }

    fn render(&self, old: Option<&Value>, now: &str) -> Value {
        let status = if self.status { "True" } else { "False" };
        let same = old.is_some_and(|o| {
            o["status"] == status
                && o["reason"] == self.reason
                && o.get("message").and_then(Value::as_str) == self.message.as_deref()
        });
        let ltt = old
            .filter(|_| same)
            .and_then(|o| o.get("lastTransitionTime").cloned())
            .unwrap_or_else(|| json!(now));
        let mut c = json!({
            "type": self.type_,
            "status": status,
            "reason": self.reason,
            "lastTransitionTime": ltt,
        });
        if let Some(m) = &self.message {
            c["message"] = json!(m);
        }
        c
    }
}

/// The step of crossplane-runtime's managed reconciler an error happened in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Observe,
    Create,
}

impl Step {
    fn as_str(self) -> &'static str {
        match self {
            Step::Observe => "observe",
            Step::Create => "create",
        }
    }
}

/// Render conditions, keeping transition times from `old` (a conditions array) where the
/// condition did not change.
pub fn conditions(new: &[Cond], old: Option<&Value>, now: &str) -> Value {
    let old = old.and_then(Value::as_array);
    Value::Array(
        new.iter()
            .map(|c| {
                let prev = old.and_then(|o| o.iter().find(|x| x["type"] == c.type_));
                c.render(prev, now)
            })
            .collect(),
    )
}

/// A claim status: the claim's own conditions, and `status.managed` (whose `conditions`, the
/// managed resource's, are rendered from `mr` when given).
pub struct Doc {
    pub claim: Vec<Cond>,
    pub managed: Map<String, Value>,
    pub mr: Option<Vec<Cond>>,
}

impl Doc {
    /// A claim waiting for its composite resource, with these managed resource conditions.
    pub fn waiting(mr: Vec<Cond>, managed: Map<String, Value>) -> Self {
        Self {
            claim: vec![Cond::synced(), Cond::waiting()],
            managed,
            mr: Some(mr),
        }
    }

    pub fn render(self, old_status: &Value, now: Timestamp) -> Value {
        let now = seconds(now);
        let mut managed = self.managed;
        if let Some(mr) = &self.mr {
            managed.insert(
                "conditions".into(),
                conditions(mr, old_status.pointer("/managed/conditions"), &now),
            );
        }
        let mut status = json!({
            "conditions": conditions(&self.claim, old_status.get("conditions"), &now),
        });
        if !managed.is_empty() {
            status["managed"] = Value::Object(managed);
        }
        status
    }
}

/// `metav1.Time`: RFC 3339 in seconds, UTC.
pub fn seconds(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Milliseconds, as the a9s Service Broker and Backup Manager report times.
pub fn millis(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

pub fn parse(v: Option<&Value>) -> Option<Timestamp> {
    v.and_then(Value::as_str).and_then(|s| s.parse().ok())
}

/// How long until `start + after`; `None` once that moment has come (or `start` is unknown).
pub fn remaining(start: Option<Timestamp>, after: Duration, now: Timestamp) -> Option<Duration> {
    let start = start?;
    let after = SignedDuration::try_from(after).unwrap_or(SignedDuration::MAX);
    let due = start.checked_add(after).ok()?;
    let left = now.duration_until(due);
    if left.is_positive() {
        Duration::try_from(left).ok()
    } else {
        None
    }
}

/// The transition time of the condition of this type in a conditions array.
pub fn transition(conditions: Option<&Value>, type_: &str) -> Option<Timestamp> {
    conditions?
        .as_array()?
        .iter()
        .find(|c| c["type"] == type_)
        .and_then(|c| parse(c.get("lastTransitionTime")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn transition_times_survive_unchanged_conditions() {
        let t0 = at("2026-06-10T09:00:03.250Z");
        let doc = Doc::waiting(
            vec![Cond::reconcile_error(Step::Observe, INTERNAL_ERROR)],
            Map::new(),
        );
        let first = doc.render(&Value::Null, t0);
        assert_eq!(
            first,
            json!({
                "conditions": [
                    {"type": "Synced", "status": "True", "reason": "ReconcileSuccess", "lastTransitionTime": "2026-06-10T09:00:03Z"},
                    {"type": "Ready", "status": "False", "reason": "Waiting", "lastTransitionTime": "2026-06-10T09:00:03Z",
                     "message": "Claim is waiting for composite resource to become Ready"},
                ],
                "managed": {"conditions": [
                    {"type": "Synced", "status": "False", "reason": "ReconcileError", "lastTransitionTime": "2026-06-10T09:00:03Z",
                     "message": "observe failed: Internal error in provider"},
                ]},
            })
        );
        let t1 = at("2026-06-10T09:04:12Z");
        let mut managed = Map::new();
        managed.insert("state".into(), json!("provisioned"));
        let second = Doc {
            claim: vec![Cond::synced(), Cond::available()],
            managed,
            mr: Some(vec![Cond::available(), Cond::synced()]),
        }
        .render(&first, t1);
        assert_eq!(
            second["conditions"][0]["lastTransitionTime"],
            "2026-06-10T09:00:03Z"
        );
        assert_eq!(
            second["conditions"][1]["lastTransitionTime"],
            "2026-06-10T09:04:12Z"
        );
        assert_eq!(second["conditions"][1].get("message"), None);
        assert_eq!(second["managed"]["state"], "provisioned");
        assert_eq!(
            second["managed"]["conditions"][1],
            json!({"type": "Synced", "status": "True", "reason": "ReconcileSuccess", "lastTransitionTime": "2026-06-10T09:04:12Z"})
        );
    }

    #[test]
    fn formats_and_due_times() {
        let t = at("2026-06-10T10:00:01.120Z");
        assert_eq!(millis(t), "2026-06-10T10:00:01.120Z");
        assert_eq!(seconds(t), "2026-06-10T10:00:01Z");
        assert_eq!(parse(Some(&json!("2026-06-10T10:00:01.120Z"))), Some(t));
        assert_eq!(parse(Some(&json!("yesterday"))), None);
        let later = at("2026-06-10T10:00:02Z");
        assert_eq!(
            remaining(Some(t), Duration::from_secs(3), later),
            Some(Duration::from_millis(2120))
        );
        assert_eq!(remaining(Some(t), Duration::from_millis(500), later), None);
        assert_eq!(remaining(Some(t), Duration::ZERO, t), None);
        assert_eq!(remaining(None, Duration::from_secs(3), later), None);
    }
}

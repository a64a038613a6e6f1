//! Cluster-API style conditions, as every bind kind reports them
//! (`bind/pkg/apis/third_party/conditions/apis/conditions/v1alpha1/types.go`).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Condition types used by the bind kinds. Each reconciler derives [`READY`]
/// from the others.
pub mod types {
    /// Summary condition of every kind (the `Ready` printer column).
    pub const READY: &str = "Ready";
    /// APIServiceExportRequest: all requested exports were created.
    pub const EXPORTS_READY: &str = "ExportsReady";
    /// APIServiceExport/APIServiceBinding: the other side exists.
    pub const CONNECTED: &str = "Connected";
    /// APIServiceExport: the export matches the Control Plane CRD.
    pub const PROVIDER_IN_SYNC: &str = "ProviderInSync";
    /// APIServiceExport: copied from the binding's `SchemaInSync`.
    pub const CONSUMER_IN_SYNC: &str = "ConsumerInSync";
    /// APIServiceBinding: declared upstream, never set.
    pub const SCHEMA_IN_SYNC: &str = "SchemaInSync";
    /// APIServiceBinding/ClusterBinding/AppClusterBinding: the kubeconfig Secret is usable.
    pub const SECRET_VALID: &str = "SecretValid";
    /// APIServiceBinding: the konnector's informers have synced.
    pub const INFORMERS_SYNCED: &str = "InformersSynced";
    /// APIServiceBinding: the konnector's heartbeat reaches the ClusterBinding.
    pub const HEARTBEATING: &str = "Heartbeating";
    /// ClusterBinding: the konnector version is supported.
    pub const VALID_VERSION: &str = "ValidVersion";
    /// ClusterBinding: the heartbeat is recent.
    pub const HEALTHY: &str = "Healthy";
    /// AppClusterBinding: the konnector Deployment exists.
    pub const KONNECTOR_DEPLOYED: &str = "KonnectorDeployed";
}

/// The status of a condition.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum ConditionStatus {
    /// The condition holds.
    True,
    /// The condition does not hold.
    False,
    /// Not known (yet).
    Unknown,
}

/// How bad a `False` condition is; empty when the status is not `False`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum ConditionSeverity {
    /// Needs action.
    Error,
    /// May need action.
    Warning,
    /// For information.
    Info,
    /// No severity (the empty string on the wire).
    #[serde(rename = "")]
    None,
}

/// One observation of an object's state.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// Condition type in CamelCase, e.g. `Ready`.
    #[serde(rename = "type")]
    pub type_: String,
    /// True, False or Unknown.
    pub status: ConditionStatus,
    /// Set only when the status is False.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<ConditionSeverity>,
    /// When the status last changed.
    pub last_transition_time: Time,
    /// CamelCase reason of the last transition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Human readable details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl Condition {
    /// A `True` condition without reason.
    pub fn true_(type_: &str, now: Time) -> Self {
        Self {
            type_: type_.to_owned(),
            status: ConditionStatus::True,
            severity: None,
            last_transition_time: now,
            reason: None,
            message: None,
        }
    }

    /// A `False` condition with severity, reason and message.
    pub fn false_(
        type_: &str,
        severity: ConditionSeverity,
        reason: &str,
        message: impl Into<String>,
        now: Time,
    ) -> Self {
        Self {
            type_: type_.to_owned(),
            status: ConditionStatus::False,
            severity: Some(severity),
            last_transition_time: now,
            reason: Some(reason.to_owned()),
            message: Some(message.into()),
        }
    }

    /// Whether the status is `True`.
    pub fn is_true(&self) -> bool {
        self.status == ConditionStatus::True
    }
}

/// The condition of the given type, if present.
pub fn condition<'a>(conditions: &'a [Condition], type_: &str) -> Option<&'a Condition> {
    conditions.iter().find(|c| c.type_ == type_)
}

/// Insert or replace the condition of `new.type_`. The transition time of an
/// existing condition is kept when its status does not change, as upstream does.
/// Returns whether anything changed.
pub fn set_condition(conditions: &mut Vec<Condition>, mut new: Condition) -> bool {
    match conditions.iter_mut().find(|c| c.type_ == new.type_) {
        Some(old) => {
            if old.status == new.status {
                new.last_transition_time = old.last_transition_time.clone();
            }
            let changed = *old != new;
            *old = new;
            changed
        }
        None => {
            conditions.push(new);
            true
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Time {
        Time(jiff::Timestamp::from_second(secs).unwrap())
    }

    #[test]
    fn set_condition_keeps_transition_time_while_status_holds() {
        let mut conds = vec![Condition::true_(types::READY, at(10))];
        let mut same = Condition::true_(types::READY, at(20));
        same.message = Some("still fine".into());
        assert!(set_condition(&mut conds, same));
        assert_eq!(conds[0].last_transition_time, at(10));
        assert_eq!(conds[0].message.as_deref(), Some("still fine"));

        let flipped = Condition::false_(
            types::READY,
            ConditionSeverity::Error,
            "Broken",
            "gone",
            at(30),
        );
        assert!(set_condition(&mut conds, flipped));
        assert_eq!(conds.len(), 1);
        assert_eq!(conds[0].last_transition_time, at(30));
        assert!(!conds[0].is_true());
        assert!(!set_condition(
            &mut conds,
            Condition::false_(
                types::READY,
                ConditionSeverity::Error,
                "Broken",
                "gone",
                at(40)
            )
        ));
    }

    #[test]
    fn severity_none_is_the_empty_string() {
        let json = serde_json::json!({"type": "Healthy", "status": "False", "severity": "",
            "lastTransitionTime": "2026-01-02T03:04:05Z"});
        let c: Condition = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(c.severity, Some(ConditionSeverity::None));
        assert_eq!(condition(std::slice::from_ref(&c), "Healthy"), Some(&c));
        assert_eq!(serde_json::to_value(&c).unwrap(), json);
    }
}

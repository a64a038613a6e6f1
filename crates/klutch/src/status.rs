//! Reading how a Klutch object is doing from its JSON: the conditions (a claim's own and
//! `status.managed.conditions`, where the provider's real state lives), one status for a
//! list's STATUS column, and the few class-specific facts that identify an object at a
//! glance (a claim's service and plan, an export's resource, a binding's secret, …).

use crate::objects::ObjectClass;
use jiff::Timestamp;
use serde_json::Value;

/// How an object is doing, reduced from its conditions (or phase).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusKind {
    /// Ready (and synced).
    Ready,
    /// On its way: waiting, creating, pending.
    Progressing,
    /// Failed or not synced.
    Failed,
    /// Being deleted.
    Deleting,
    /// No status reported.
    Unknown,
}

/// One status: a category and a short text (a condition reason), with the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// The category (drives colour and symbol).
    pub kind: StatusKind,
    /// Short text, e.g. `Ready`, `Waiting`, `ReconcileError`.
    pub text: String,
    /// The condition's message, if any.
    pub message: Option<String>,
}

/// A condition as read from an object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    /// Where it came from: `""` for `status.conditions`, `managed` for `status.managed.conditions`.
    pub source: &'static str,
    /// Condition type, e.g. `Ready`.
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    /// Machine-readable reason.
    pub reason: Option<String>,
    /// Human-readable message.
    pub message: Option<String>,
    /// When it last changed.
    pub last_transition: Option<Timestamp>,
}

/// The conditions of an object: `status.conditions`, then `status.managed.conditions`.
pub fn conditions(data: &Value) -> Vec<Condition> {
    let status = &data["status"];
    let mut out = read_conditions(&status["conditions"], "");
    out.extend(read_conditions(&status["managed"]["conditions"], "managed"));
    out
}

fn read_conditions(list: &Value, source: &'static str) -> Vec<Condition> {
    let Some(items) = list.as_array() else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|c| {
            Some(Condition {
                source,
                type_: c["type"].as_str()?.to_string(),
                status: c["status"].as_str().unwrap_or("Unknown").to_string(),
                reason: text(&c["reason"]),
                message: text(&c["message"]),
                last_transition: c["lastTransitionTime"]
                    .as_str()
                    .and_then(|t| t.parse::<Timestamp>().ok()),
            })
        })
        .collect()
}

fn text(v: &Value) -> Option<String> {
    v.as_str().filter(|s| !s.is_empty()).map(str::to_string)
}

fn find<'a>(conds: &'a [Condition], source: &str, type_: &str) -> Option<&'a Condition> {
    conds
        .iter()
        .find(|c| c.source == source && c.type_ == type_)
}

fn from(kind: StatusKind, c: &Condition, fallback: &str) -> Status {
    Status {
        kind,
        text: c.reason.clone().unwrap_or_else(|| fallback.to_string()),
        message: c.message.clone(),
    }
}

/// One status for an object: deletion first, then a terminal `status.phase: Failed`
/// (export requests: the phase is final, conditions only say why), then a failed sync (claim
/// or managed resource), then Ready (the managed resource's reason when it says more than the
/// claim's), then any other `status.phase`, else unknown.
pub fn status(data: &Value, conds: &[Condition], deleting: bool) -> Status {
    if deleting {
        return Status {
            kind: StatusKind::Deleting,
            text: "Deleting".into(),
            message: None,
        };
    }
    if data["status"]["phase"] == "Failed" {
        let why = find(conds, "", "Ready").filter(|c| c.status != "True");
        return Status {
            kind: StatusKind::Failed,
            text: "Failed".into(),
            message: text(&data["status"]["terminalMessage"])
                .or_else(|| why.and_then(|c| c.message.clone())),
        };
    }
    for source in ["", "managed"] {
        if let Some(c) = find(conds, source, "Synced").filter(|c| c.status == "False") {
            return from(StatusKind::Failed, c, "NotSynced");
        }
    }
    if let Some(ready) = find(conds, "", "Ready").or_else(|| find(conds, "managed", "Ready")) {
        if ready.status == "True" {
            return Status {
                kind: StatusKind::Ready,
                text: "Ready".into(),
                message: None,
            };
        }
        let managed = find(conds, "managed", "Ready").filter(|c| c.status != "True");
        let best = managed.unwrap_or(ready);
        let failed = managed_state_failed(data)
            || best
                .message
                .as_deref()
                .is_some_and(|m| m.to_lowercase().contains("failed"));
        let kind = if failed {
            StatusKind::Failed
        } else {
            StatusKind::Progressing
        };
        return from(kind, best, "NotReady");
    }
    if let Some(phase) = data["status"]["phase"].as_str() {
        let kind = match phase {
            "Succeeded" => StatusKind::Ready,
            "Failed" => StatusKind::Failed,
            _ => StatusKind::Progressing,
        };
        return Status {
            kind,
            text: phase.to_string(),
            message: text(&data["status"]["terminalMessage"]),
        };
    }
    Status {
        kind: StatusKind::Unknown,
        text: "-".into(),
        message: None,
    }
}

fn managed_state_failed(data: &Value) -> bool {
    let managed = &data["status"]["managed"];
    managed["state"] == "failed" || managed["status"] == "failed"
}

/// What identifies an object of its class at a glance (`-` where the object does not say).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Facts {
    /// A claim: `service/plan` for instances, the reference for bindings, backups, restores.
    Claim {
        /// The summary text.
        detail: String,
    },
    /// An export template: the `resource.group` it exports.
    ExportTemplate {
        /// `resource.group`.
        exports: String,
    },
    /// An export request: the resources it asks for.
    ExportRequest {
        /// `resource.group` of each, comma-separated.
        resources: String,
    },
    /// An export: the resource it exports.
    Export {
        /// `plural.group`.
        resource: String,
    },
    /// A cluster binding: its provider and the konnector's last heartbeat.
    ClusterBinding {
        /// `spec.providerPrettyName`.
        provider: String,
        /// `status.lastHeartbeatTime` as written.
        last_heartbeat: String,
        /// `status.heartbeatInterval` as written (a Go duration such as `5m0s`).
        heartbeat_interval: String,
        /// `status.konnectorVersion`.
        konnector_version: String,
    },
    /// An API service binding: its provider and kubeconfig Secret.
    ApiServiceBinding {
        /// `status.providerPrettyName`.
        provider: String,
        /// `spec.kubeconfigSecretRef.name`.
        secret: String,
    },
}

impl Facts {
    /// Read the facts of an object of `class`.
    pub fn read(class: ObjectClass, data: &Value) -> Facts {
        let spec = &data["spec"];
        let status = &data["status"];
        match class {
            ObjectClass::Claim => Facts::Claim {
                detail: claim_detail(spec),
            },
            ObjectClass::ExportTemplate => {
                let sel = &spec["APIServiceSelector"];
                Facts::ExportTemplate {
                    exports: group_resource(&sel["resource"], &sel["group"]),
                }
            }
            ObjectClass::ExportRequest => {
                let resources = spec["resources"]
                    .as_array()
                    .map(|rs| {
                        rs.iter()
                            .map(|r| group_resource(&r["resource"], &r["group"]))
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                    .unwrap_or_default();
                Facts::ExportRequest { resources }
            }
            ObjectClass::Export => Facts::Export {
                resource: group_resource(&spec["names"]["plural"], &spec["group"]),
            },
            ObjectClass::ClusterBinding => Facts::ClusterBinding {
                provider: str_or_dash(&spec["providerPrettyName"]),
                last_heartbeat: str_or_dash(&status["lastHeartbeatTime"]),
                heartbeat_interval: str_or_dash(&status["heartbeatInterval"]),
                konnector_version: str_or_dash(&status["konnectorVersion"]),
            },
            ObjectClass::ApiServiceBinding => Facts::ApiServiceBinding {
                provider: str_or_dash(&status["providerPrettyName"]),
                secret: str_or_dash(&spec["kubeconfigSecretRef"]["name"]),
            },
        }
    }

    /// Every fact as text, in declaration order (what a text search looks through).
    pub fn texts(&self) -> Vec<&str> {
        match self {
            Facts::Claim { detail } => vec![detail],
            Facts::ExportTemplate { exports } => vec![exports],
            Facts::ExportRequest { resources } => vec![resources],
            Facts::Export { resource } => vec![resource],
            Facts::ClusterBinding {
                provider,
                last_heartbeat,
                konnector_version,
                ..
            } => vec![provider, last_heartbeat, konnector_version],
            Facts::ApiServiceBinding { provider, secret } => vec![provider, secret],
        }
    }
}

/// What identifies a claim at a glance: `service/plan` for instances, the reference for
/// bindings, backups and restores.
fn claim_detail(spec: &Value) -> String {
    if let (Some(service), Some(plan)) = (spec["service"].as_str(), spec["plan"].as_str()) {
        return format!("{service}/{plan}");
    }
    if let Some(backup) = spec["backupRef"].as_str() {
        return format!("backup {backup}");
    }
    if let Some(instance) = spec["instanceRef"].as_str() {
        return format!("→ {instance}");
    }
    "-".into()
}

fn group_resource(resource: &Value, group: &Value) -> String {
    match (resource.as_str(), group.as_str()) {
        (Some(r), Some(g)) if !g.is_empty() => format!("{r}.{g}"),
        (Some(r), _) => r.to_string(),
        _ => "-".into(),
    }
}

fn str_or_dash(v: &Value) -> String {
    v.as_str().unwrap_or("-").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn st(data: Value) -> Status {
        let conds = conditions(&data);
        status(&data, &conds, false)
    }

    #[test]
    fn synced_false_wins_and_carries_the_reason() {
        let s = st(json!({"status": {"conditions": [
            {"type": "Synced", "status": "False", "reason": "ReconcileError", "message": "composition missing"},
            {"type": "Ready", "status": "True"}]}}));
        assert_eq!(s.kind, StatusKind::Failed);
        assert_eq!(s.text, "ReconcileError");
        assert_eq!(s.message.as_deref(), Some("composition missing"));
    }

    #[test]
    fn waiting_claim_shows_the_managed_reason() {
        let s = st(json!({"status": {"conditions": [
            {"type": "Synced", "status": "True", "reason": "ReconcileSuccess"},
            {"type": "Ready", "status": "False", "reason": "Waiting"}],
            "managed": {"state": "deploying", "conditions": [
                {"type": "Ready", "status": "False", "reason": "Creating"}]}}}));
        assert_eq!(s.kind, StatusKind::Progressing);
        assert_eq!(s.text, "Creating");
        let s = st(json!({"status": {"conditions": [
            {"type": "Ready", "status": "False", "reason": "Waiting"}]}}));
        assert_eq!(
            (s.kind, s.text.as_str()),
            (StatusKind::Progressing, "Waiting")
        );
    }

    #[test]
    fn a_failed_export_request_is_failed_whatever_its_conditions_say() {
        let s = st(json!({"status": {"phase": "Failed",
            "terminalMessage": "no APIServiceExportTemplate selects backups.anynines.com",
            "conditions": [
                {"type": "ExportsReady", "status": "False", "reason": "TemplateNotFound"},
                {"type": "Ready", "status": "False", "reason": "TemplateNotFound"}]}}));
        assert_eq!((s.kind, s.text.as_str()), (StatusKind::Failed, "Failed"));
        assert_eq!(
            s.message.as_deref(),
            Some("no APIServiceExportTemplate selects backups.anynines.com")
        );
    }

    #[test]
    fn phase_and_missing_status() {
        let s = st(json!({"status": {"phase": "Failed", "terminalMessage": "no template"}}));
        assert_eq!(s.kind, StatusKind::Failed);
        assert_eq!(s.message.as_deref(), Some("no template"));
        assert_eq!(st(json!({"spec": {}})).kind, StatusKind::Unknown);
        let conds = conditions(&json!({}));
        assert_eq!(status(&json!({}), &conds, true).kind, StatusKind::Deleting);
    }

    #[test]
    fn facts_per_class() {
        let pg =
            json!({"spec": {"service": "a9s-postgresql15", "plan": "postgresql-single-small"}});
        assert_eq!(
            Facts::read(ObjectClass::Claim, &pg).texts(),
            ["a9s-postgresql15/postgresql-single-small"]
        );
        let restore = json!({"spec": {"backupRef": "nightly", "instanceRef": "db"}});
        assert_eq!(
            Facts::read(ObjectClass::Claim, &restore).texts(),
            ["backup nightly"]
        );
        let tpl = json!({"spec": {"APIServiceSelector": {"group": "anynines.com", "resource": "backups"}}});
        assert_eq!(
            Facts::read(ObjectClass::ExportTemplate, &tpl).texts(),
            ["backups.anynines.com"]
        );
        let cb = json!({"spec": {"providerPrettyName": "anynines"}});
        assert_eq!(
            Facts::read(ObjectClass::ClusterBinding, &cb).texts(),
            ["anynines", "-", "-"]
        );
        for c in ObjectClass::ALL {
            assert!(!Facts::read(c, &json!({})).texts().is_empty());
        }
    }
}

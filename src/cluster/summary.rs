//! Reduce an object's `status` to what a list shows: the conditions (the claim's own and
//! `status.managed.conditions`, where the real provider state lives), one STATUS value, and
//! the category-specific columns.

use super::Category;
use super::entry::{Condition, Status, StatusKind};
use jiff::Timestamp;
use serde_json::Value;

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

/// One STATUS for an object: deletion first, then a failed sync (claim or managed resource),
/// then Ready (the managed resource's reason when it says more than the claim's), then
/// `status.phase` (export requests), else unknown.
pub fn status(data: &Value, conds: &[Condition], deleting: bool) -> Status {
    if deleting {
        return Status {
            kind: StatusKind::Deleting,
            text: "Deleting".into(),
            message: None,
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

/// The names of the category-specific columns, in the order of [`columns`].
pub fn column_names(category: Category) -> &'static [&'static str] {
    match category {
        Category::Claim => &["DETAIL"],
        Category::Template => &["EXPORTS"],
        Category::ExportRequest => &["RESOURCES"],
        Category::Export => &["RESOURCE"],
        Category::ClusterBinding => &["PROVIDER", "HEARTBEAT"],
        Category::Binding => &["PROVIDER", "SECRET"],
    }
}

/// Category-specific column values (see [`column_names`]).
pub fn columns(category: Category, data: &Value) -> Vec<String> {
    let spec = &data["spec"];
    let status = &data["status"];
    match category {
        Category::Claim => vec![claim_detail(spec)],
        Category::Template => {
            let sel = &spec["APIServiceSelector"];
            vec![group_resource(&sel["resource"], &sel["group"])]
        }
        Category::ExportRequest => {
            let resources = spec["resources"]
                .as_array()
                .map(|rs| {
                    rs.iter()
                        .map(|r| group_resource(&r["resource"], &r["group"]))
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default();
            vec![resources]
        }
        Category::Export => vec![group_resource(&spec["names"]["plural"], &spec["group"])],
        Category::ClusterBinding => vec![
            str_or_dash(&spec["providerPrettyName"]),
            str_or_dash(&status["lastHeartbeatTime"]),
        ],
        Category::Binding => vec![
            str_or_dash(&status["providerPrettyName"]),
            str_or_dash(&spec["kubeconfigSecretRef"]["name"]),
        ],
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
    fn phase_and_missing_status() {
        let s = st(json!({"status": {"phase": "Failed", "terminalMessage": "no template"}}));
        assert_eq!(s.kind, StatusKind::Failed);
        assert_eq!(s.message.as_deref(), Some("no template"));
        assert_eq!(st(json!({"spec": {}})).kind, StatusKind::Unknown);
        let conds = conditions(&json!({}));
        assert_eq!(status(&json!({}), &conds, true).kind, StatusKind::Deleting);
    }

    #[test]
    fn columns_per_category() {
        let pg =
            json!({"spec": {"service": "a9s-postgresql15", "plan": "postgresql-single-small"}});
        assert_eq!(
            columns(Category::Claim, &pg),
            ["a9s-postgresql15/postgresql-single-small"]
        );
        let restore = json!({"spec": {"backupRef": "nightly", "instanceRef": "db"}});
        assert_eq!(columns(Category::Claim, &restore), ["backup nightly"]);
        let tpl = json!({"spec": {"APIServiceSelector": {"group": "anynines.com", "resource": "backups"}}});
        assert_eq!(columns(Category::Template, &tpl), ["backups.anynines.com"]);
        let cb = json!({"spec": {"providerPrettyName": "anynines"}});
        assert_eq!(columns(Category::ClusterBinding, &cb), ["anynines", "-"]);
        for c in Category::ALL {
            assert_eq!(columns(c, &json!({})).len(), column_names(c).len());
        }
    }
}

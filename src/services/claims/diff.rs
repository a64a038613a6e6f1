//! A readable diff of what applying a claim changes: the live object and the server's
//! dry-run answer, both as YAML without the fields every write changes (resourceVersion,
//! managedFields, …) or that apply does not touch (status), as a unified diff (`similar`).

use serde_json::Value;
use similar::TextDiff;

/// Fields of `metadata` that change on every write or are the server's own.
const NOISE: [&str; 6] = [
    "managedFields",
    "resourceVersion",
    "generation",
    "uid",
    "creationTimestamp",
    "selfLink",
];

/// The object as the diff shows it.
pub fn comparable(obj: &Value) -> Value {
    let mut v = obj.clone();
    if let Some(map) = v.as_object_mut() {
        map.remove("status");
        if let Some(meta) = map.get_mut("metadata").and_then(Value::as_object_mut) {
            for key in NOISE {
                meta.remove(key);
            }
        }
    }
    v
}

/// YAML text of a JSON value.
pub fn yaml(v: &Value) -> String {
    serde_saphyr::to_string(v).unwrap_or_else(|_| v.to_string())
}

/// The unified diff from `live` (absent: a create) to `applied`, labelled with `name`;
/// empty when nothing changes.
pub fn unified(live: Option<&Value>, applied: &Value, name: &str) -> String {
    let before = live.map(|l| yaml(&comparable(l))).unwrap_or_default();
    let after = yaml(&comparable(applied));
    if before == after {
        return String::new();
    }
    let old = if live.is_some() {
        format!("live/{name}")
    } else {
        "/dev/null".to_string()
    };
    TextDiff::from_lines(&before, &after)
        .unified_diff()
        .context_radius(3)
        .header(&old, &format!("applied/{name}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_what_changes_shows() {
        let live = json!({"apiVersion": "anynines.com/v1", "kind": "Backup",
            "metadata": {"name": "b", "resourceVersion": "7", "managedFields": [{}]},
            "spec": {"instanceRef": "db", "serviceInstanceType": "postgresql"},
            "status": {"conditions": []}});
        let mut applied = live.clone();
        applied["metadata"]["resourceVersion"] = json!("8");
        assert_eq!(unified(Some(&live), &applied, "backups/b"), "");
        applied["spec"]["instanceRef"] = json!("other");
        let d = unified(Some(&live), &applied, "backups/b");
        assert!(
            d.starts_with("--- live/backups/b\n+++ applied/backups/b\n"),
            "{d}"
        );
        assert!(
            d.contains("-  instanceRef: db\n+  instanceRef: other\n"),
            "{d}"
        );
        assert!(
            !d.contains("resourceVersion") && !d.contains("status"),
            "{d}"
        );
        let created = unified(None, &applied, "backups/b");
        assert!(created.starts_with("--- /dev/null\n"), "{created}");
        assert!(created.contains("+kind: Backup\n"), "{created}");
    }
}

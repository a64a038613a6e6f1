//! Per-kind behaviour on writes (what kube-apiserver's registry strategies do):
//! namespaces, secrets, immutable config, RBAC role references, CRDs, deployments.

use super::ApiServer;
use super::crd;
use super::error::{ApiError, ApiResult};
use super::meta;
use super::registry::{Builtin, ResourceType};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

fn invalid(
    rt: &ResourceType,
    obj: &Value,
    field: &str,
    msg: String,
    reason: &'static str,
) -> ApiError {
    ApiError::invalid(
        &rt.kind,
        &rt.group,
        meta::name(obj),
        &[(field.to_string(), msg, reason)],
    )
}

/// Fold `stringData` into `data` and check that `data` holds base64.
fn secret_data(rt: &ResourceType, obj: &mut Value) -> ApiResult<()> {
    if let Some(Value::Object(sd)) = obj.as_object_mut().and_then(|o| o.remove("stringData")) {
        if !obj["data"].is_object() {
            obj["data"] = json!({});
        }
        for (k, v) in sd {
            let s = v.as_str().unwrap_or_default();
            obj["data"][k] = json!(STANDARD.encode(s.as_bytes()));
        }
    }
    if let Some(data) = obj["data"].as_object() {
        for (k, v) in data {
            let ok = v.as_str().is_some_and(|s| STANDARD.decode(s).is_ok());
            if !ok {
                return Err(invalid(
                    rt,
                    obj,
                    &format!("data[{k}]"),
                    "Invalid value: \"<secret contents redacted>\": values in data must be base64-encoded".into(),
                    "FieldValueInvalid",
                ));
            }
        }
    }
    if obj
        .get("type")
        .is_none_or(|t| t.as_str().is_none_or(str::is_empty))
    {
        obj["type"] = json!("Opaque");
    }
    Ok(())
}

fn deployment_status(obj: &mut Value) {
    let replicas = obj["spec"]["replicas"].as_i64().unwrap_or(1);
    if obj["spec"]["replicas"].is_null() {
        obj["spec"]["replicas"] = json!(1);
    }
    let selector = obj["spec"]["selector"]["matchLabels"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    let now = meta::now();
    obj["status"] = json!({
        "observedGeneration": obj["metadata"]["generation"],
        "replicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas, "updatedReplicas": replicas,
        "selector": selector,
        "conditions": [
            {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
             "message": "Deployment has minimum availability (the sandbox stores deployments but does not run them).",
             "lastTransitionTime": now, "lastUpdateTime": now},
            {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
             "message": "The sandbox does not run pods.", "lastTransitionTime": now, "lastUpdateTime": now}
        ]
    });
}

pub fn on_create(server: &ApiServer, rt: &ResourceType, obj: &mut Value) -> ApiResult<()> {
    match rt.builtin() {
        Some(Builtin::Namespace) => {
            obj["spec"] = json!({"finalizers": ["kubernetes"]});
            obj["status"] = json!({"phase": "Active"});
            let name = meta::name(obj).to_string();
            let labels = meta::meta_mut(obj)
                .entry("labels")
                .or_insert_with(|| json!({}));
            labels["kubernetes.io/metadata.name"] = json!(name);
        }
        Some(Builtin::Secret) => secret_data(rt, obj)?,
        Some(Builtin::Crd) => crd::admit(server, obj, None)?,
        Some(Builtin::Deployment) => deployment_status(obj),
        _ => {}
    }
    Ok(())
}

fn immutable_data(rt: &ResourceType, old: &Value, new: &Value) -> ApiResult<()> {
    if old["immutable"] == json!(true) {
        if new["data"] != old["data"] || new["binaryData"] != old["binaryData"] {
            return Err(invalid(
                rt,
                new,
                "data",
                "Forbidden: field is immutable when `immutable` is set".into(),
                "FieldValueForbidden",
            ));
        }
        if new["immutable"] != json!(true) {
            return Err(invalid(
                rt,
                new,
                "immutable",
                "Forbidden: field is immutable when `immutable` is set".into(),
                "FieldValueForbidden",
            ));
        }
    }
    Ok(())
}

pub fn on_update(
    server: &ApiServer,
    rt: &ResourceType,
    old: &Value,
    new: &mut Value,
) -> ApiResult<()> {
    match rt.builtin() {
        Some(Builtin::Namespace) => {
            // Status and finalizers change only through their subresources and the server.
            if new["spec"] != old["spec"] && new["status"] == old["status"] {
                new["spec"] = old["spec"].clone();
            }
            if new["status"].is_null() {
                new["status"] = old["status"].clone();
            }
        }
        Some(Builtin::Secret) => {
            secret_data(rt, new)?;
            immutable_data(rt, old, new)?;
        }
        Some(Builtin::ConfigMap) => immutable_data(rt, old, new)?,
        Some(Builtin::RoleBinding | Builtin::ClusterRoleBinding)
            if new["roleRef"] != old["roleRef"] =>
        {
            return Err(invalid(
                rt,
                new,
                "roleRef",
                format!("Invalid value: {}: cannot change roleRef", new["roleRef"]),
                "FieldValueInvalid",
            ));
        }
        Some(Builtin::Crd) => crd::admit(server, new, Some(old))?,
        Some(Builtin::Deployment) if new["spec"] != old["spec"] => {
            deployment_status(new);
            // The spec change bumps the generation after admission; the status reports the
            // generation it describes, so that `kubectl rollout status` sees it observed.
            let next = old["metadata"]["generation"].as_i64().unwrap_or(1) + 1;
            new["status"]["observedGeneration"] = json!(next);
        }
        _ => {}
    }
    Ok(())
}

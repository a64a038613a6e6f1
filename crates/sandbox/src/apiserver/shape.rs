//! The types of a built-in object's fields, checked on every write as kube-apiserver's
//! typed decoding does: a field of the wrong JSON type (a string where an object belongs)
//! is refused, naming the field, before any code reads the object; and what is stored
//! always decodes into the client types (k8s-openapi) that kube-rs programs, the
//! cockpit among them, read it with. Missing fields and nulls are fine (Go's zero
//! values), unknown fields too. Custom resources have their schema; their `metadata` is
//! checked here.

use super::context::Ctx;
use super::error::ApiError;
use super::registry::ResourceType;
use k8s_openapi::api::{
    apps, authentication, authorization, batch, coordination, core, events, networking, rbac,
    storage,
};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1 as apiextensions;
use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A field whose value is not of its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeError {
    /// `spec.finalizers[0]`; empty for the object itself.
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for ShapeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

fn typed<T: DeserializeOwned>(v: &Value) -> Result<(), ShapeError> {
    serde_path_to_error::deserialize::<_, T>(v)
        .map(drop)
        .map_err(|e| {
            let field = e.path().to_string();
            ShapeError {
                field: if field == "." { String::new() } else { field },
                message: e.into_inner().to_string(),
            }
        })
}

/// Check an object of `kind` in `group` (the body of a create, update or patch, after its
/// `apiVersion` and `kind` were set to the addressed type's).
pub fn check_kind(group: &str, kind: &str, obj: &Value) -> Result<(), ShapeError> {
    use core::v1 as c;
    match (group, kind) {
        ("", "Namespace") => typed::<c::Namespace>(obj),
        ("", "ConfigMap") => typed::<c::ConfigMap>(obj),
        ("", "Secret") => typed::<c::Secret>(obj),
        ("", "ServiceAccount") => typed::<c::ServiceAccount>(obj),
        ("", "Event") => typed::<c::Event>(obj),
        ("", "Pod") => typed::<c::Pod>(obj),
        ("", "Service") => typed::<c::Service>(obj),
        ("", "Endpoints") => typed::<c::Endpoints>(obj),
        ("", "Node") => typed::<c::Node>(obj),
        ("", "PersistentVolumeClaim") => typed::<c::PersistentVolumeClaim>(obj),
        ("", "PersistentVolume") => typed::<c::PersistentVolume>(obj),
        ("", "ReplicationController") => typed::<c::ReplicationController>(obj),
        ("events.k8s.io", "Event") => typed::<events::v1::Event>(obj),
        ("rbac.authorization.k8s.io", "Role") => typed::<rbac::v1::Role>(obj),
        ("rbac.authorization.k8s.io", "ClusterRole") => typed::<rbac::v1::ClusterRole>(obj),
        ("rbac.authorization.k8s.io", "RoleBinding") => typed::<rbac::v1::RoleBinding>(obj),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding") => {
            typed::<rbac::v1::ClusterRoleBinding>(obj)
        }
        ("apiextensions.k8s.io", "CustomResourceDefinition") => {
            typed::<apiextensions::CustomResourceDefinition>(obj)
        }
        ("apps", "Deployment") => typed::<apps::v1::Deployment>(obj),
        ("apps", "ReplicaSet") => typed::<apps::v1::ReplicaSet>(obj),
        ("apps", "StatefulSet") => typed::<apps::v1::StatefulSet>(obj),
        ("apps", "DaemonSet") => typed::<apps::v1::DaemonSet>(obj),
        ("batch", "Job") => typed::<batch::v1::Job>(obj),
        ("batch", "CronJob") => typed::<batch::v1::CronJob>(obj),
        ("networking.k8s.io", "Ingress") => typed::<networking::v1::Ingress>(obj),
        ("networking.k8s.io", "NetworkPolicy") => typed::<networking::v1::NetworkPolicy>(obj),
        ("storage.k8s.io", "StorageClass") => typed::<storage::v1::StorageClass>(obj),
        ("coordination.k8s.io", "Lease") => typed::<coordination::v1::Lease>(obj),
        ("authorization.k8s.io", "SelfSubjectAccessReview") => {
            typed::<authorization::v1::SelfSubjectAccessReview>(obj)
        }
        ("authorization.k8s.io", "SelfSubjectRulesReview") => {
            typed::<authorization::v1::SelfSubjectRulesReview>(obj)
        }
        ("authorization.k8s.io", "SubjectAccessReview") => {
            typed::<authorization::v1::SubjectAccessReview>(obj)
        }
        ("authentication.k8s.io", "SelfSubjectReview") => {
            typed::<authentication::v1::SelfSubjectReview>(obj)
        }
        ("authentication.k8s.io", "TokenReview") => typed::<authentication::v1::TokenReview>(obj),
        ("authentication.k8s.io", "TokenRequest") => typed::<authentication::v1::TokenRequest>(obj),
        ("autoscaling", "Scale") => typed::<k8s_openapi::api::autoscaling::v1::Scale>(obj),
        ("meta.k8s.io", "DeleteOptions") => typed::<meta::DeleteOptions>(obj),
        _ => metadata(obj),
    }
}

/// The metadata of any object (custom resources: the rest is their schema's).
fn metadata(obj: &Value) -> Result<(), ShapeError> {
    match obj.get("metadata") {
        None | Some(Value::Null) => Ok(()),
        Some(m) => typed::<meta::ObjectMeta>(m).map_err(|e| ShapeError {
            field: if e.field.is_empty() {
                "metadata".into()
            } else {
                format!("metadata.{}", e.field)
            },
            message: e.message,
        }),
    }
}

/// Check an object of the addressed type.
pub fn check(rt: &ResourceType, obj: &Value) -> Result<(), ShapeError> {
    if rt.is_crd_type() {
        return metadata(obj);
    }
    check_kind(&rt.group, &rt.kind, obj)
}

/// A body that does not decode as its kind: 400, as kube-apiserver words it.
pub fn decode_error(ctx: &Ctx, e: &ShapeError) -> ApiError {
    decode_error_as(&ctx.rt.kind, &ctx.path.version, e)
}

/// [`decode_error`] for a kind that is not the addressed one (a TokenRequest sent to a
/// ServiceAccount).
pub fn decode_error_as(kind: &str, version: &str, e: &ShapeError) -> ApiError {
    ApiError::bad_request(format!(
        "{kind} in version {version:?} cannot be handled as a {kind}: {e}"
    ))
}

/// How much of a patched object a 422 quotes.
const QUOTE_LIMIT: usize = 1024;

/// A patch whose result does not decode as its kind: 422 on the field `patch`, as
/// kube-apiserver answers (it quotes the patched object; this quotes its first KiB).
pub fn patch_error(ctx: &Ctx, name: &str, patched: &Value, e: &ShapeError) -> ApiError {
    let mut json = patched.to_string();
    if json.len() > QUOTE_LIMIT {
        let mut cut = QUOTE_LIMIT;
        while !json.is_char_boundary(cut) {
            cut -= 1;
        }
        json.truncate(cut);
        json.push_str("...");
    }
    ApiError::invalid(
        &ctx.rt.kind,
        &ctx.rt.group,
        name,
        &[(
            "patch".into(),
            format!("Invalid value: {json:?}: {e}"),
            "FieldValueInvalid",
        )],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wrong_types_are_named_missing_fields_and_nulls_are_not() {
        let ns = |v: Value| check_kind("", "Namespace", &v);
        assert_eq!(ns(json!({"apiVersion": "v1", "kind": "Namespace"})), Ok(()));
        assert_eq!(
            ns(json!({"metadata": {"name": "a", "labels": null}, "spec": null})),
            Ok(())
        );
        let e = ns(json!({"spec": "x"})).unwrap_err();
        assert_eq!(e.field, "spec");
        assert!(e.message.contains("invalid type: string"), "{e}");
        let e = ns(json!({"metadata": {"labels": "x"}})).unwrap_err();
        assert_eq!(e.field, "metadata.labels");
        let e = check_kind("", "Secret", &json!({"data": {"k": "%%%"}})).unwrap_err();
        assert_eq!(e.field, "data.k");
        assert_eq!(
            check_kind(
                "apps",
                "Deployment",
                &json!({"spec": {"template": {"spec": {"containers": [{"name": "a",
                    "resources": {"limits": {"cpu": 1, "memory": "1Gi"}}}]}}}})
            ),
            Ok(()),
            "quantities may be numbers"
        );
        let e = check_kind(
            "example.com",
            "Widget",
            &json!({"metadata": "x", "spec": 1}),
        )
        .unwrap_err();
        assert_eq!(e.field, "metadata");
        let e = check_kind(
            "example.com",
            "Widget",
            &json!({"metadata": {"finalizers": [1]}}),
        )
        .unwrap_err();
        assert_eq!(e.field, "metadata.finalizers[0]");
    }
}

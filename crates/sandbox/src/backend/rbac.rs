//! The RBAC the backend grants a consumer's ServiceAccount `klutch-binder`:
//! in its cluster namespace the fixed ClusterRole `klutch-binder` (upstream's
//! `01-clusterrole.yaml`: export requests, its namespace, secrets, cluster
//! binding, exports, API service namespaces), and in each of its consumer
//! namespaces `klutch-binder-<clusterNs>` (all verbs on the exported resources and
//! the claimed ones, nothing else). No ClusterRoleBinding: consumer scope is
//! Namespaced (upstream's flapping one is not copied).

use k8s_openapi::api::rbac::v1::PolicyRule;
use klutch::bind::APIServiceExport;
use klutch::bind::names::BINDER_SERVICE_ACCOUNT;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::{Value, json};

use super::MANAGER;

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> Value {
    json!({"apiGroups": groups, "resources": resources, "verbs": verbs})
}

/// The fixed ClusterRole `klutch-binder`.
pub fn binder_cluster_role() -> Value {
    const CRUD: &[&str] = &[
        "create", "delete", "patch", "update", "get", "list", "watch",
    ];
    const READ: &[&str] = &["get", "list", "watch"];
    const G: &str = klutch::bind::GROUP;
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": BINDER_SERVICE_ACCOUNT},
        "rules": [
            rule(&[G], &["apiserviceexportrequests"], CRUD),
            rule(&[""], &["namespaces"], &["get"]),
            rule(&[""], &["secrets"], READ),
            rule(&[G], &["clusterbindings"], READ),
            rule(&[G], &["clusterbindings/status"], &["get", "patch", "update"]),
            rule(&[G], &["apiserviceexports"], READ),
            rule(&[G], &["apiserviceexports/status"], &["get", "list", "patch", "update"]),
            rule(&[G], &["apiservicenamespaces"], CRUD),
        ],
    })
}

/// The name of the per-cluster ClusterRole.
pub fn cluster_role_name(cluster_ns: &str) -> String {
    format!("{BINDER_SERVICE_ACCOUNT}-{cluster_ns}")
}

/// The rules of `klutch-binder-<clusterNs>`: every verb on each export's
/// resource (and its subresources) and on each claimed resource.
pub fn export_rules(exports: &[APIServiceExport]) -> Vec<PolicyRule> {
    let mut rules: Vec<PolicyRule> = Vec::new();
    let mut add = |group: &str, resources: Vec<String>| {
        let rule = PolicyRule {
            api_groups: Some(vec![group.to_owned()]),
            resources: Some(resources),
            verbs: vec!["*".to_owned()],
            ..PolicyRule::default()
        };
        if !rules.contains(&rule) {
            rules.push(rule);
        }
    };
    let mut sorted: Vec<&APIServiceExport> = exports.iter().collect();
    sorted.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
    for export in sorted {
        let plural = &export.spec.names.plural;
        add(
            &export.spec.group,
            vec![plural.clone(), format!("{plural}/status")],
        );
        for claim in export.spec.permission_claims.iter().flatten() {
            add(&claim.group, vec![claim.resource.clone()]);
        }
    }
    rules
}

fn resource(group: &str, kind: &str, plural: &str) -> ApiResource {
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, "v1", kind), plural)
}

/// Server-side apply of one object (forced: the backend owns these fields).
pub async fn apply(
    client: &kube::Client,
    ar: &ApiResource,
    namespace: Option<&str>,
    object: Value,
) -> Result<(), kube::Error> {
    let name = object["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let api: Api<DynamicObject> = match namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, ar),
        None => Api::all_with(client.clone(), ar),
    };
    api.patch(
        &name,
        &PatchParams::apply(MANAGER).force(),
        &Patch::Apply(object),
    )
    .await
    .map(|_| ())
}

pub fn cluster_roles() -> ApiResource {
    resource("rbac.authorization.k8s.io", "ClusterRole", "clusterroles")
}

pub fn role_bindings() -> ApiResource {
    resource("rbac.authorization.k8s.io", "RoleBinding", "rolebindings")
}

/// A RoleBinding `klutch-binder` in `namespace` of `role` to the binder of `cluster_ns`.
pub fn role_binding(namespace: &str, role: &str, cluster_ns: &str) -> Value {
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": BINDER_SERVICE_ACCOUNT, "namespace": namespace},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": [{"kind": "ServiceAccount", "name": BINDER_SERVICE_ACCOUNT, "namespace": cluster_ns}],
    })
}

/// The RoleBinding of the fixed role in a cluster namespace.
pub async fn apply_binder_role_binding(
    client: &kube::Client,
    cluster_ns: &str,
) -> Result<(), kube::Error> {
    apply(
        client,
        &role_bindings(),
        Some(cluster_ns),
        role_binding(cluster_ns, BINDER_SERVICE_ACCOUNT, cluster_ns),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use klutch::bind::{APIServiceExportSpec, PermissionClaim};

    fn export(name: &str, group: &str, plural: &str, claims: &[(&str, &str)]) -> APIServiceExport {
        let mut spec = APIServiceExportSpec {
            group: group.into(),
            ..APIServiceExportSpec::default()
        };
        spec.names.plural = plural.into();
        spec.permission_claims = Some(
            claims
                .iter()
                .map(|(g, r)| {
                    serde_json::from_value::<PermissionClaim>(
                        json!({"group": g, "resource": r, "version": "v1"}),
                    )
                    .unwrap()
                })
                .collect(),
        );
        APIServiceExport::new(name, spec)
    }

    #[test]
    fn rules_cover_exports_and_claims_once() {
        let rules = export_rules(&[
            export("b.x", "x", "bs", &[("", "secrets")]),
            export("a.x", "x", "as", &[("", "secrets"), ("", "configmaps")]),
        ]);
        let flat: Vec<(String, Vec<String>)> = rules
            .iter()
            .map(|r| {
                (
                    r.api_groups.clone().unwrap()[0].clone(),
                    r.resources.clone().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            flat,
            vec![
                ("x".into(), vec!["as".into(), "as/status".into()]),
                ("".into(), vec!["secrets".into()]),
                ("".into(), vec!["configmaps".into()]),
                ("x".into(), vec!["bs".into(), "bs/status".into()]),
            ]
        );
        assert!(rules.iter().all(|r| r.verbs == vec!["*".to_string()]));
        assert!(export_rules(&[]).is_empty());
    }
}

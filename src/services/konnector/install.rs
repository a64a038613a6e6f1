//! The manifests that install the konnector into an App Cluster as a Deployment running
//! `klutch-tui konnector`: namespace, ServiceAccount, RBAC and the Deployment. The bind
//! walkthrough applies them with the resources it bound.
//!
//! Least privilege, where upstream binds cluster-admin (`*/*/*`): the bound kinds (and their
//! status) everywhere; CRDs to read, to create, and to change or delete only the bound ones
//! and the APIServiceBinding CRD; namespaces to read; in its own namespace its bindings, their
//! kubeconfig Secrets and its lease. Claimed objects (Secrets with credentials) it may touch
//! only in the namespaces it binds: for each it binds the ClusterRole
//! `klutch-bind-konnector-claimed` to itself there, which is the one role it may bind
//! (`bind` with that resource name) — so it can never read a Secret of a namespace it has
//! not bound, nor create a Pod.

use klutch::bind::APIServiceBinding;
use klutch::bind::PermissionClaim;
use klutch::bind::names::{
    KONNECTOR_CLAIMED_ROLE, KONNECTOR_CLUSTER_ROLE, KONNECTOR_LEASE, KONNECTOR_NAME,
    KONNECTOR_NAMESPACE, LABEL_APP,
};
use kube::Resource;
use serde_json::{Value, json};
use std::time::Duration;

/// The image the installed Deployment runs by default (built from the repository's
/// `Containerfile`).
pub const DEFAULT_IMAGE: &str = concat!("klutch-tui:v", env!("CARGO_PKG_VERSION"));

/// Environment variable naming the claimed-resources ClusterRole the konnector grants itself.
pub const ENV_CLAIMED_ROLE: &str = "KLUTCH_KONNECTOR_CLAIMED_ROLE";
/// Environment variable naming the konnector's ServiceAccount.
pub const ENV_SERVICE_ACCOUNT: &str = "KLUTCH_KONNECTOR_SERVICE_ACCOUNT";
/// The pod's name (the lease identity).
pub const ENV_POD_NAME: &str = "POD_NAME";
/// The pod's namespace (the bindings' and the lease's).
pub const ENV_POD_NAMESPACE: &str = "POD_NAMESPACE";
/// The heartbeat interval, as a duration (`5m`, `2s`).
pub const ENV_HEARTBEAT_INTERVAL: &str = "KLUTCH_KONNECTOR_HEARTBEAT_INTERVAL";

/// One bound resource: what the konnector will create a CRD for and sync.
#[derive(Clone, Debug, PartialEq)]
pub struct BoundResource {
    /// API group, e.g. `anynines.com`.
    pub group: String,
    /// Plural, e.g. `postgresqlinstances`.
    pub resource: String,
    /// The permission claims of its export (claimed resources the konnector syncs).
    pub claims: Vec<PermissionClaim>,
}

impl BoundResource {
    /// A resource without claims.
    pub fn new(group: &str, resource: &str) -> Self {
        Self {
            group: group.to_owned(),
            resource: resource.to_owned(),
            claims: Vec::new(),
        }
    }
}

/// What to install.
#[derive(Clone, Debug, PartialEq)]
pub struct InstallSpec {
    /// The konnector's namespace (`klutch-bind`).
    pub namespace: String,
    /// The image (its entrypoint is `klutch-tui`).
    pub image: String,
    /// Replicas (they elect a leader; upstream runs 2).
    pub replicas: i32,
    /// The resources bound.
    pub resources: Vec<BoundResource>,
    /// The heartbeat interval (the default: upstream's).
    pub heartbeat_interval: Option<Duration>,
}

impl InstallSpec {
    /// Two replicas of [`DEFAULT_IMAGE`] in `klutch-bind` for `resources`.
    pub fn new(resources: Vec<BoundResource>) -> Self {
        Self {
            namespace: KONNECTOR_NAMESPACE.to_owned(),
            image: DEFAULT_IMAGE.to_owned(),
            replicas: 2,
            resources,
            heartbeat_interval: None,
        }
    }
}

fn rule(groups: &[&str], resources: &[String], verbs: &[&str]) -> Value {
    json!({"apiGroups": groups, "resources": resources, "verbs": verbs})
}

fn named_rule(group: &str, resources: &[&str], names: &[String], verbs: &[&str]) -> Value {
    json!({"apiGroups": [group], "resources": resources, "resourceNames": names, "verbs": verbs})
}

const ALL: &[&str] = &[
    "get", "list", "watch", "create", "update", "patch", "delete",
];
const READ: &[&str] = &["get", "list", "watch"];

/// Every object to apply, in order: namespace, ServiceAccount, roles, bindings, Deployment.
pub fn manifests(spec: &InstallSpec) -> Vec<Value> {
    let ns = spec.namespace.as_str();
    let rbac = "rbac.authorization.k8s.io";
    let binding_crd = format!(
        "{}.{}",
        APIServiceBinding::plural(&()),
        APIServiceBinding::group(&())
    );
    let mut crd_names: Vec<String> = spec
        .resources
        .iter()
        .map(|r| format!("{}.{}", r.resource, r.group))
        .collect();
    crd_names.push(binding_crd);
    let mut cluster_rules = vec![
        rule(
            &["apiextensions.k8s.io"],
            &["customresourcedefinitions".into()],
            &["get", "list", "watch", "create"],
        ),
        named_rule(
            "apiextensions.k8s.io",
            &["customresourcedefinitions"],
            &crd_names,
            &["update", "patch", "delete"],
        ),
        rule(&[""], &["namespaces".into()], READ),
        rule(
            &[rbac],
            &["rolebindings".into()],
            &["get", "create", "update", "patch"],
        ),
        named_rule(
            rbac,
            &["clusterroles"],
            &[KONNECTOR_CLAIMED_ROLE.to_owned()],
            &["bind"],
        ),
    ];
    for r in &spec.resources {
        cluster_rules.push(rule(
            &[r.group.as_str()],
            &[r.resource.clone(), format!("{}/status", r.resource)],
            ALL,
        ));
    }
    let mut claimed_rules = Vec::new();
    for c in spec.resources.iter().flat_map(|r| &r.claims) {
        let rule = rule(&[c.group.as_str()], std::slice::from_ref(&c.resource), ALL);
        if !claimed_rules.contains(&rule) {
            claimed_rules.push(rule);
        }
    }
    let kb = klutch::bind::GROUP;
    let own_rules = vec![
        rule(&[kb], &["apiservicebindings".into()], READ),
        rule(
            &[kb],
            &["apiservicebindings/status".into()],
            &["get", "update", "patch"],
        ),
        rule(&[""], &["secrets".into()], READ),
        rule(
            &["coordination.k8s.io"],
            &["leases".into()],
            &["get", "list", "watch", "create"],
        ),
        named_rule(
            "coordination.k8s.io",
            &["leases"],
            &[KONNECTOR_LEASE.to_owned()],
            &["update", "patch", "delete"],
        ),
    ];
    let labels = json!({LABEL_APP: KONNECTOR_NAME});
    let sa_subject = json!([{"kind": "ServiceAccount", "name": KONNECTOR_NAME, "namespace": ns}]);
    let mut env = vec![
        json!({"name": ENV_POD_NAME, "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}),
        json!({"name": ENV_POD_NAMESPACE, "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}}),
        json!({"name": ENV_CLAIMED_ROLE, "value": KONNECTOR_CLAIMED_ROLE}),
        json!({"name": ENV_SERVICE_ACCOUNT, "value": KONNECTOR_NAME}),
    ];
    if let Some(interval) = spec.heartbeat_interval {
        env.push(
            json!({"name": ENV_HEARTBEAT_INTERVAL, "value": format!("{}ms", interval.as_millis())}),
        );
    }
    vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
        json!({"apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": KONNECTOR_NAME, "namespace": ns, "labels": labels}}),
        json!({"apiVersion": format!("{rbac}/v1"), "kind": "ClusterRole",
            "metadata": {"name": KONNECTOR_CLUSTER_ROLE, "labels": labels}, "rules": cluster_rules}),
        json!({"apiVersion": format!("{rbac}/v1"), "kind": "ClusterRole",
            "metadata": {"name": KONNECTOR_CLAIMED_ROLE, "labels": labels}, "rules": claimed_rules}),
        json!({"apiVersion": format!("{rbac}/v1"), "kind": "ClusterRoleBinding",
            "metadata": {"name": KONNECTOR_CLUSTER_ROLE, "labels": labels},
            "roleRef": {"apiGroup": rbac, "kind": "ClusterRole", "name": KONNECTOR_CLUSTER_ROLE},
            "subjects": sa_subject}),
        json!({"apiVersion": format!("{rbac}/v1"), "kind": "Role",
            "metadata": {"name": KONNECTOR_CLUSTER_ROLE, "namespace": ns, "labels": labels}, "rules": own_rules}),
        json!({"apiVersion": format!("{rbac}/v1"), "kind": "RoleBinding",
            "metadata": {"name": KONNECTOR_CLUSTER_ROLE, "namespace": ns, "labels": labels},
            "roleRef": {"apiGroup": rbac, "kind": "Role", "name": KONNECTOR_CLUSTER_ROLE},
            "subjects": sa_subject}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": KONNECTOR_NAME, "namespace": ns, "labels": labels},
        "spec": {
            "replicas": spec.replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "serviceAccountName": KONNECTOR_NAME,
                    "containers": [{
                        "name": KONNECTOR_NAME,
                        "image": spec.image,
                        "args": ["konnector"],
                        "env": env,
                        "securityContext": {"runAsNonRoot": true, "allowPrivilegeEscalation": false,
                            "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}},
                        "resources": {"requests": {"cpu": "10m", "memory": "32Mi"},
                            "limits": {"memory": "256Mi"}},
                    }],
                },
            },
        }}),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(resource: &str) -> PermissionClaim {
        serde_json::from_value(json!({"group": "", "resource": resource, "version": "v1",
            "selector": {"owner": "Provider"}}))
        .unwrap()
    }

    #[test]
    fn the_rbac_names_only_what_was_bound() {
        let mut sb = BoundResource::new("anynines.com", "servicebindings");
        sb.claims = vec![claim("secrets"), claim("configmaps"), claim("secrets")];
        let objects = manifests(&InstallSpec::new(vec![
            BoundResource::new("anynines.com", "postgresqlinstances"),
            sb,
        ]));
        let kinds: Vec<&str> = objects
            .iter()
            .map(|o| o["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            [
                "Namespace",
                "ServiceAccount",
                "ClusterRole",
                "ClusterRole",
                "ClusterRoleBinding",
                "Role",
                "RoleBinding",
                "Deployment"
            ]
        );
        let text = serde_json::to_string(&objects).unwrap();
        assert!(!text.contains("\"*\""), "no wildcard anywhere: {text}");
        let cluster = &objects[2]["rules"];
        assert_eq!(
            cluster[1]["resourceNames"],
            json!([
                "postgresqlinstances.anynines.com",
                "servicebindings.anynines.com",
                "apiservicebindings.klutch.anynines.com"
            ])
        );
        assert_eq!(
            cluster[5]["resources"],
            json!(["postgresqlinstances", "postgresqlinstances/status"])
        );
        let claimed = &objects[3]["rules"];
        assert_eq!(claimed.as_array().unwrap().len(), 2);
        assert_eq!(
            objects[7]["spec"]["template"]["spec"]["containers"][0]["args"],
            json!(["konnector"])
        );
    }
}

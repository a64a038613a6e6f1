//! RBAC authorization of every request from Roles, ClusterRoles and their bindings,
//! plus the bootstrap policy a fresh cluster has.

use super::auth::UserInfo;
use super::registry::GroupResource;
use super::store::{ObjKey, Store};
use serde_json::{Value, json};

/// What a request wants to do.
#[derive(Debug, Clone, Default)]
pub struct Attributes {
    pub verb: String,
    pub group: String,
    pub resource: String,
    pub subresource: String,
    pub namespace: String,
    pub name: String,
    /// Set for non-resource requests (`/version`, `/apis`, ...).
    pub path: Option<String>,
}

impl Attributes {
    /// The apiserver's wording of a denial.
    pub fn forbidden_message(&self, user: &UserInfo) -> String {
        if let Some(path) = &self.path {
            return format!(
                "forbidden: User {:?} cannot {} path {path:?}",
                user.username, self.verb
            );
        }
        let qualified = super::error::qualified(&self.resource, &self.group);
        let res = if self.subresource.is_empty() {
            self.resource.clone()
        } else {
            format!("{}/{}", self.resource, self.subresource)
        };
        let subject = if self.name.is_empty() {
            qualified
        } else {
            format!("{qualified} {:?}", self.name)
        };
        let scope = if self.namespace.is_empty() {
            "at the cluster scope".to_string()
        } else {
            format!("in the namespace {:?}", self.namespace)
        };
        format!(
            "{subject} is forbidden: User {:?} cannot {} resource {res:?} in API group {:?} {scope}",
            user.username, self.verb, self.group
        )
    }
}

fn strs(v: &Value) -> impl Iterator<Item = &str> {
    v.as_array().into_iter().flatten().filter_map(Value::as_str)
}

fn has(v: &Value, want: &str) -> bool {
    strs(v).any(|s| s == want || s == "*")
}

/// Does one PolicyRule allow the request?
pub fn rule_allows(rule: &Value, a: &Attributes) -> bool {
    if !has(&rule["verbs"], &a.verb) {
        return false;
    }
    if let Some(path) = &a.path {
        return strs(&rule["nonResourceURLs"]).any(|u| {
            u == path || u == "*" || u.strip_suffix('*').is_some_and(|p| path.starts_with(p))
        });
    }
    if !has(&rule["apiGroups"], &a.group) {
        return false;
    }
    let combined = if a.subresource.is_empty() {
        a.resource.clone()
    } else {
        format!("{}/{}", a.resource, a.subresource)
    };
    let res_ok = strs(&rule["resources"]).any(|r| {
        r == "*"
            || r == combined
            || (!a.subresource.is_empty() && r.strip_prefix("*/") == Some(a.subresource.as_str()))
    });
    if !res_ok {
        return false;
    }
    let names: Vec<&str> = strs(&rule["resourceNames"]).collect();
    names.is_empty() || (!a.name.is_empty() && names.contains(&a.name.as_str()))
}

fn subject_matches(s: &Value, user: &UserInfo, binding_ns: &str) -> bool {
    let name = s["name"].as_str().unwrap_or("");
    match s["kind"].as_str() {
        Some("User") => name == user.username,
        Some("Group") => user.groups.iter().any(|g| g == name),
        Some("ServiceAccount") => {
            let ns = s["namespace"]
                .as_str()
                .filter(|n| !n.is_empty())
                .unwrap_or(binding_ns);
            user.username == format!("system:serviceaccount:{ns}:{name}")
        }
        _ => false,
    }
}

fn gr(resource: &str) -> GroupResource {
    GroupResource::new("rbac.authorization.k8s.io", resource)
}

/// The rules of a binding's roleRef.
fn role_rules(store: &Store, role_ref: &Value, binding_ns: &str) -> Vec<Value> {
    let name = role_ref["name"].as_str().unwrap_or("");
    let obj = match role_ref["kind"].as_str() {
        Some("ClusterRole") => store.get(&gr("clusterroles"), &ObjKey::new("", name)),
        Some("Role") => store.get(&gr("roles"), &ObjKey::new(binding_ns, name)),
        _ => None,
    };
    obj.and_then(|o| o.value["rules"].as_array().cloned())
        .unwrap_or_default()
}

/// Every rule that applies to `user` in `namespace` (cluster-wide ones included).
pub fn rules_for(store: &Store, user: &UserInfo, namespace: &str) -> Vec<Value> {
    let mut rules = Vec::new();
    let (crbs, _) = store.list(&gr("clusterrolebindings"), None);
    for b in crbs {
        let v = &b.value;
        if v["subjects"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|s| subject_matches(s, user, ""))
        {
            rules.extend(role_rules(store, &v["roleRef"], ""));
        }
    }
    if !namespace.is_empty() {
        let (rbs, _) = store.list(&gr("rolebindings"), Some(namespace));
        for b in rbs {
            let v = &b.value;
            if v["subjects"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|s| subject_matches(s, user, namespace))
            {
                rules.extend(
                    role_rules(store, &v["roleRef"], namespace)
                        .into_iter()
                        .filter(|r| r.get("nonResourceURLs").is_none()),
                );
            }
        }
    }
    rules
}

/// Is the request allowed?
pub fn authorize(store: &Store, user: &UserInfo, a: &Attributes) -> bool {
    user.is_master()
        || rules_for(store, user, &a.namespace)
            .iter()
            .any(|r| rule_allows(r, a))
}

/// The policy objects of a fresh cluster: (resource, object).
pub fn bootstrap_policy() -> Vec<(&'static str, Value)> {
    let role = |name: &str, rules: Value| {
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
               "metadata": {"name": name, "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
               "rules": rules})
    };
    let binding = |name: &str, role: &str, kind: &str, subject: &str| {
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
               "metadata": {"name": name, "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
               "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": subject}]})
    };
    let read = json!(["get", "list", "watch"]);
    let write = json!(super::registry::ALL_VERBS);
    vec![
        (
            "clusterroles",
            role(
                "cluster-admin",
                json!([
            {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
            {"nonResourceURLs": ["*"], "verbs": ["*"]}]),
            ),
        ),
        (
            "clusterroles",
            role(
                "admin",
                json!([
            {"apiGroups": ["*"], "resources": ["*"], "verbs": write.clone()}]),
            ),
        ),
        (
            "clusterroles",
            role(
                "edit",
                json!([
            {"apiGroups": ["", "apps", "batch", "coordination.k8s.io", "events.k8s.io", "networking.k8s.io"], "resources": ["*"], "verbs": write.clone()}]),
            ),
        ),
        (
            "clusterroles",
            role(
                "view",
                json!([
            {"apiGroups": ["", "apps", "batch", "coordination.k8s.io", "events.k8s.io", "networking.k8s.io"], "resources": ["configmaps", "serviceaccounts", "events", "deployments", "leases", "namespaces",
                "pods", "services", "endpoints", "persistentvolumeclaims", "replicationcontrollers", "replicasets", "statefulsets", "daemonsets",
                "jobs", "cronjobs", "ingresses", "networkpolicies"], "verbs": read.clone()}]),
            ),
        ),
        (
            "clusterroles",
            role(
                "system:discovery",
                json!([
            {"nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"], "verbs": ["get"]}]),
            ),
        ),
        (
            "clusterroles",
            role(
                "system:basic-user",
                json!([
            {"apiGroups": ["authorization.k8s.io"], "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], "verbs": ["create"]},
            {"apiGroups": ["authentication.k8s.io"], "resources": ["selfsubjectreviews"], "verbs": ["create"]}]),
            ),
        ),
        (
            "clusterrolebindings",
            binding("cluster-admin", "cluster-admin", "Group", "system:masters"),
        ),
        (
            "clusterrolebindings",
            binding(
                "system:discovery",
                "system:discovery",
                "Group",
                "system:authenticated",
            ),
        ),
        (
            "clusterrolebindings",
            binding(
                "system:basic-user",
                "system:basic-user",
                "Group",
                "system:authenticated",
            ),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        let rule = json!({"apiGroups": [""], "resources": ["configmaps", "pods/log"], "verbs": ["get", "list"], "resourceNames": []});
        let a = |verb: &str, res: &str, sub: &str, name: &str| Attributes {
            verb: verb.into(),
            resource: res.into(),
            subresource: sub.into(),
            name: name.into(),
            ..Default::default()
        };
        assert!(rule_allows(&rule, &a("get", "configmaps", "", "x")));
        assert!(!rule_allows(&rule, &a("delete", "configmaps", "", "x")));
        assert!(rule_allows(&rule, &a("get", "pods", "log", "x")));
        assert!(!rule_allows(&rule, &a("get", "pods", "", "x")));
        let named = json!({"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"], "resourceNames": ["only"]});
        assert!(rule_allows(&named, &a("get", "configmaps", "", "only")));
        assert!(!rule_allows(&named, &a("get", "configmaps", "", "other")));
        let star = json!({"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]});
        assert!(rule_allows(&star, &a("create", "widgets", "status", "")));
    }

    #[test]
    fn forbidden_wording() {
        let u = UserInfo {
            username: "bob".into(),
            uid: String::new(),
            groups: vec![],
        };
        let a = Attributes {
            verb: "list".into(),
            resource: "secrets".into(),
            namespace: "x".into(),
            ..Default::default()
        };
        assert_eq!(
            a.forbidden_message(&u),
            r#"secrets is forbidden: User "bob" cannot list resource "secrets" in API group "" in the namespace "x""#
        );
    }
}

//! The built-in kinds every sandbox API server serves, with kubectl's table columns.

use super::registry::{Builtin, CellSource, Column, Origin, ResourceType, ScaleSpec, Version};
use serde_json::{Value, json};

pub(super) struct Def {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub namespaced: bool,
    pub short: &'static [&'static str],
    pub builtin: Builtin,
    pub status: bool,
    /// `kubectl get all` lists the kinds of the category `all`.
    pub all: bool,
    pub columns: Vec<Column>,
}

pub(super) fn col(name: &str, type_: &str, priority: i64, source: CellSource) -> Column {
    Column {
        name: name.to_string(),
        type_: type_.to_string(),
        format: if name == "Name" {
            "name".into()
        } else {
            String::new()
        },
        description: String::new(),
        priority,
        source,
    }
}

pub(super) fn name_col() -> Column {
    col("Name", "string", 0, CellSource::Name)
}

pub(super) fn age_col() -> Column {
    col("Age", "string", 0, CellSource::Age)
}

fn created_at() -> Column {
    col(
        "Created At",
        "date",
        0,
        CellSource::Func(|o| o["metadata"]["creationTimestamp"].clone()),
    )
}

fn count(v: &Value) -> usize {
    match v {
        Value::Object(m) => m.len(),
        Value::Array(a) => a.len(),
        _ => 0,
    }
}

fn role_ref(o: &Value) -> Value {
    json!(format!(
        "{}/{}",
        o["roleRef"]["kind"].as_str().unwrap_or(""),
        o["roleRef"]["name"].as_str().unwrap_or("")
    ))
}

fn subjects_of(o: &Value, kind: &str) -> Value {
    let names: Vec<String> = o["subjects"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["kind"] == kind)
        .map(|s| match s["namespace"].as_str() {
            Some(ns) if kind == "ServiceAccount" => {
                format!("{ns}/{}", s["name"].as_str().unwrap_or(""))
            }
            _ => s["name"].as_str().unwrap_or("").to_string(),
        })
        .collect();
    json!(names.join(", "))
}

fn binding_columns() -> Vec<Column> {
    vec![
        name_col(),
        col("Role", "string", 0, CellSource::Func(role_ref)),
        age_col(),
        col(
            "Users",
            "string",
            1,
            CellSource::Func(|o| subjects_of(o, "User")),
        ),
        col(
            "Groups",
            "string",
            1,
            CellSource::Func(|o| subjects_of(o, "Group")),
        ),
        col(
            "ServiceAccounts",
            "string",
            1,
            CellSource::Func(|o| subjects_of(o, "ServiceAccount")),
        ),
    ]
}

fn deployment_columns() -> Vec<Column> {
    let ready = |o: &Value| {
        json!(format!(
            "{}/{}",
            o["status"]["readyReplicas"].as_i64().unwrap_or(0),
            o["spec"]["replicas"].as_i64().unwrap_or(1)
        ))
    };
    let images = |o: &Value| {
        let v: Vec<&str> = o["spec"]["template"]["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["image"].as_str())
            .collect();
        json!(v.join(","))
    };
    let containers = |o: &Value| {
        let v: Vec<&str> = o["spec"]["template"]["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["name"].as_str())
            .collect();
        json!(v.join(","))
    };
    vec![
        name_col(),
        col("Ready", "string", 0, CellSource::Func(ready)),
        col(
            "Up-to-date",
            "integer",
            0,
            CellSource::Func(|o| json!(o["status"]["updatedReplicas"].as_i64().unwrap_or(0))),
        ),
        col(
            "Available",
            "integer",
            0,
            CellSource::Func(|o| json!(o["status"]["availableReplicas"].as_i64().unwrap_or(0))),
        ),
        age_col(),
        col("Containers", "string", 1, CellSource::Func(containers)),
        col("Images", "string", 1, CellSource::Func(images)),
    ]
}

fn event_columns() -> Vec<Column> {
    let last_seen = |o: &Value| {
        ["lastTimestamp", "eventTime", "firstTimestamp"]
            .iter()
            .map(|k| &o[*k])
            .find(|v| v.is_string())
            .cloned()
            .unwrap_or_else(|| o["metadata"]["creationTimestamp"].clone())
    };
    let object = |o: &Value| {
        let io = if o["involvedObject"].is_object() {
            &o["involvedObject"]
        } else {
            &o["regarding"]
        };
        json!(format!(
            "{}/{}",
            io["kind"].as_str().unwrap_or("").to_lowercase(),
            io["name"].as_str().unwrap_or("")
        ))
    };
    vec![
        col("Last Seen", "date", 0, CellSource::Func(last_seen)),
        col("Type", "string", 0, CellSource::Func(|o| o["type"].clone())),
        col(
            "Reason",
            "string",
            0,
            CellSource::Func(|o| o["reason"].clone()),
        ),
        col("Object", "string", 0, CellSource::Func(object)),
        col(
            "Message",
            "string",
            0,
            CellSource::Func(|o| {
                o.get("message")
                    .or(o.get("note"))
                    .cloned()
                    .unwrap_or(Value::Null)
            }),
        ),
    ]
}

fn defs() -> Vec<Def> {
    use Builtin as B;
    let std = || vec![name_col(), age_col()];
    vec![
        Def {
            group: "",
            version: "v1",
            kind: "Namespace",
            plural: "namespaces",
            namespaced: false,
            short: &["ns"],
            builtin: B::Namespace,
            status: true,
            all: false,
            columns: vec![
                name_col(),
                col(
                    "Status",
                    "string",
                    0,
                    CellSource::Func(|o| o["status"]["phase"].clone()),
                ),
                age_col(),
            ],
        },
        Def {
            group: "",
            version: "v1",
            kind: "ConfigMap",
            plural: "configmaps",
            namespaced: true,
            short: &["cm"],
            builtin: B::ConfigMap,
            status: false,
            all: false,
            columns: vec![
                name_col(),
                col(
                    "Data",
                    "integer",
                    0,
                    CellSource::Func(|o| json!(count(&o["data"]) + count(&o["binaryData"]))),
                ),
                age_col(),
            ],
        },
        Def {
            group: "",
            version: "v1",
            kind: "Secret",
            plural: "secrets",
            namespaced: true,
            short: &[],
            builtin: B::Secret,
            status: false,
            all: false,
            columns: vec![
                name_col(),
                col("Type", "string", 0, CellSource::Func(|o| o["type"].clone())),
                col(
                    "Data",
                    "integer",
                    0,
                    CellSource::Func(|o| json!(count(&o["data"]))),
                ),
                age_col(),
            ],
        },
        Def {
            group: "",
            version: "v1",
            kind: "ServiceAccount",
            plural: "serviceaccounts",
            namespaced: true,
            short: &["sa"],
            builtin: B::ServiceAccount,
            status: false,
            all: false,
            columns: vec![
                name_col(),
                col(
                    "Secrets",
                    "integer",
                    0,
                    CellSource::Func(|o| json!(count(&o["secrets"]))),
                ),
                age_col(),
            ],
        },
        Def {
            group: "",
            version: "v1",
            kind: "Event",
            plural: "events",
            namespaced: true,
            short: &["ev"],
            builtin: B::Event,
            status: false,
            all: false,
            columns: event_columns(),
        },
        Def {
            group: "events.k8s.io",
            version: "v1",
            kind: "Event",
            plural: "events",
            namespaced: true,
            short: &["ev"],
            builtin: B::EventsV1,
            status: false,
            all: false,
            columns: event_columns(),
        },
        Def {
            group: "rbac.authorization.k8s.io",
            version: "v1",
            kind: "Role",
            plural: "roles",
            namespaced: true,
            short: &[],
            builtin: B::Role,
            status: false,
            all: false,
            columns: vec![name_col(), created_at()],
        },
        Def {
            group: "rbac.authorization.k8s.io",
            version: "v1",
            kind: "ClusterRole",
            plural: "clusterroles",
            namespaced: false,
            short: &[],
            builtin: B::ClusterRole,
            status: false,
            all: false,
            columns: vec![name_col(), created_at()],
        },
        Def {
            group: "rbac.authorization.k8s.io",
            version: "v1",
            kind: "RoleBinding",
            plural: "rolebindings",
            namespaced: true,
            short: &[],
            builtin: B::RoleBinding,
            status: false,
            all: false,
            columns: binding_columns(),
        },
        Def {
            group: "rbac.authorization.k8s.io",
            version: "v1",
            kind: "ClusterRoleBinding",
            plural: "clusterrolebindings",
            namespaced: false,
            short: &[],
            builtin: B::ClusterRoleBinding,
            status: false,
            all: false,
            columns: binding_columns(),
        },
        Def {
            group: "apiextensions.k8s.io",
            version: "v1",
            kind: "CustomResourceDefinition",
            plural: "customresourcedefinitions",
            namespaced: false,
            short: &["crd", "crds"],
            builtin: B::Crd,
            status: true,
            all: false,
            columns: vec![name_col(), created_at()],
        },
        Def {
            group: "apps",
            version: "v1",
            kind: "Deployment",
            plural: "deployments",
            namespaced: true,
            short: &["deploy"],
            builtin: B::Deployment,
            status: true,
            all: true,
            columns: deployment_columns(),
        },
        Def {
            group: "coordination.k8s.io",
            version: "v1",
            kind: "Lease",
            plural: "leases",
            namespaced: true,
            short: &[],
            builtin: B::Lease,
            status: false,
            all: false,
            columns: vec![
                name_col(),
                col(
                    "Holder",
                    "string",
                    0,
                    CellSource::Func(|o| o["spec"]["holderIdentity"].clone()),
                ),
                age_col(),
            ],
        },
        review(
            "authorization.k8s.io",
            "SelfSubjectAccessReview",
            "selfsubjectaccessreviews",
            std(),
        ),
        review(
            "authorization.k8s.io",
            "SelfSubjectRulesReview",
            "selfsubjectrulesreviews",
            std(),
        ),
        review(
            "authorization.k8s.io",
            "SubjectAccessReview",
            "subjectaccessreviews",
            std(),
        ),
        review(
            "authentication.k8s.io",
            "SelfSubjectReview",
            "selfsubjectreviews",
            std(),
        ),
        review(
            "authentication.k8s.io",
            "TokenReview",
            "tokenreviews",
            std(),
        ),
    ]
}

fn review(
    group: &'static str,
    kind: &'static str,
    plural: &'static str,
    columns: Vec<Column>,
) -> Def {
    Def {
        group,
        version: "v1",
        kind,
        plural,
        namespaced: false,
        short: &[],
        builtin: Builtin::Review,
        status: false,
        all: false,
        columns,
    }
}

/// Every built-in resource type.
pub fn builtin_types() -> Vec<ResourceType> {
    defs()
        .into_iter()
        .chain(super::stored_kinds::defs())
        .map(|d| {
            let scale = (d.builtin == Builtin::Deployment).then(|| ScaleSpec {
                spec_replicas: ".spec.replicas".into(),
                status_replicas: ".status.replicas".into(),
                label_selector: Some(".status.selector".into()),
            });
            let selectable_fields = match d.builtin {
                Builtin::Secret => vec!["type".to_string()],
                Builtin::Namespace => vec!["status.phase".to_string()],
                Builtin::Event => [
                    "involvedObject.kind",
                    "involvedObject.name",
                    "involvedObject.namespace",
                    "involvedObject.uid",
                    "reason",
                    "type",
                    "source",
                ]
                .iter()
                .map(|s| s.to_string())
                .collect(),
                _ => Vec::new(),
            };
            ResourceType {
                group: d.group.into(),
                kind: d.kind.into(),
                list_kind: format!("{}List", d.kind),
                plural: d.plural.into(),
                singular: d.kind.to_lowercase(),
                namespaced: d.namespaced,
                short_names: d.short.iter().map(|s| s.to_string()).collect(),
                categories: if d.all {
                    vec!["all".to_string()]
                } else {
                    Vec::new()
                },
                versions: vec![Version {
                    name: d.version.into(),
                    storage: true,
                    schema: None,
                    raw_schema: None,
                    columns: d.columns,
                    status: d.status,
                    scale,
                    selectable_fields,
                }],
                origin: Origin::Builtin(d.builtin),
            }
        })
        .collect()
}

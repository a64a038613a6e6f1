//! CustomResourceDefinitions: admission (names, versions, schema compilation), status
//! (NamesAccepted, Established), and turning established CRDs into served types.

use super::ApiServer;
use super::error::{ApiError, ApiResult};
use super::meta;
use super::registry::{
    CellSource, Column, GroupResource, Origin, ResourceType, ScaleSpec, Version,
};
use klutch::schema::Schema;
use serde_json::{Value, json};
use std::sync::Arc;

pub const CLEANUP_FINALIZER: &str = "customresourcecleanup.apiextensions.k8s.io";

fn invalid(obj: &Value, causes: Vec<(String, String, &'static str)>) -> ApiError {
    ApiError::invalid(
        "CustomResourceDefinition",
        "apiextensions.k8s.io",
        meta::name(obj),
        &causes,
    )
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or("")
}

/// Why `v` is not a DNS-1035 label (what plurals, kinds and version names must be, as
/// they become URL segments and type names).
fn dns1035(v: &str) -> Option<String> {
    let ok = !v.is_empty()
        && v.len() <= 63
        && v.starts_with(|c: char| c.is_ascii_lowercase())
        && v.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !v.ends_with('-');
    (!ok).then(|| {
        format!(
            "Invalid value: {v:?}: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
        )
    })
}

/// The naming rules of a CRD's names and versions, as kube-apiserver checks them.
fn check_names(obj: &Value, causes: &mut Vec<(String, String, &'static str)>) {
    let group = s(&obj["spec"], "group");
    if !group.is_empty()
        && let Some(why) = meta::check_subdomain(group)
    {
        causes.push((
            "spec.group".into(),
            format!("Invalid value: {group:?}: {why}"),
            "FieldValueInvalid",
        ));
    }
    let names = &obj["spec"]["names"];
    for field in ["plural", "singular", "kind", "listKind"] {
        let v = s(names, field);
        let lower = v.to_lowercase();
        if !v.is_empty()
            && let Some(why) = dns1035(&lower)
        {
            causes.push((format!("spec.names.{field}"), why, "FieldValueInvalid"));
        }
    }
    for (i, short) in names["shortNames"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        if let Some(why) = dns1035(short.as_str().unwrap_or("")) {
            causes.push((
                format!("spec.names.shortNames[{i}]"),
                why,
                "FieldValueInvalid",
            ));
        }
    }
    let mut seen = Vec::new();
    for (i, v) in obj["spec"]["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let name = s(v, "name");
        if let Some(why) = dns1035(name) {
            causes.push((format!("spec.versions[{i}].name"), why, "FieldValueInvalid"));
        } else if seen.contains(&name) {
            causes.push((
                format!("spec.versions[{i}].name"),
                format!("Duplicate value: {name:?}"),
                "FieldValueDuplicate",
            ));
        }
        seen.push(name);
    }
}

/// Validate a CRD, fill in defaults and set its status.
pub fn admit(server: &ApiServer, obj: &mut Value, old: Option<&Value>) -> ApiResult<()> {
    let mut causes = Vec::new();
    let group = s(&obj["spec"], "group").to_string();
    let plural = s(&obj["spec"]["names"], "plural").to_string();
    let kind = s(&obj["spec"]["names"], "kind").to_string();
    if group.is_empty() {
        causes.push((
            "spec.group".into(),
            "Required value".into(),
            "FieldValueRequired",
        ));
    } else if !group.contains('.') {
        causes.push((
            "spec.group".into(),
            format!("Invalid value: {group:?}: should be a domain with at least one dot"),
            "FieldValueInvalid",
        ));
    }
    if plural.is_empty() {
        causes.push((
            "spec.names.plural".into(),
            "Required value".into(),
            "FieldValueRequired",
        ));
    }
    if kind.is_empty() {
        causes.push((
            "spec.names.kind".into(),
            "Required value".into(),
            "FieldValueRequired",
        ));
    }
    let expected = format!("{plural}.{group}");
    if meta::name(obj) != expected {
        causes.push((
            "metadata.name".into(),
            format!(
                "Invalid value: {:?}: must be spec.names.plural+\".\"+spec.group",
                meta::name(obj)
            ),
            "FieldValueInvalid",
        ));
    }
    check_names(obj, &mut causes);
    let scope = s(&obj["spec"], "scope");
    if scope != "Namespaced" && scope != "Cluster" {
        causes.push((
            "spec.scope".into(),
            format!("Unsupported value: {scope:?}: supported values: \"Cluster\", \"Namespaced\""),
            "FieldValueNotSupported",
        ));
    }
    let versions = obj["spec"]["versions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if versions.is_empty() {
        causes.push((
            "spec.versions".into(),
            "Invalid value: null: must have exactly one version marked as storage version".into(),
            "FieldValueInvalid",
        ));
    }
    let storage: Vec<&Value> = versions
        .iter()
        .filter(|v| v["storage"] == json!(true))
        .collect();
    if !versions.is_empty() && storage.len() != 1 {
        causes.push((
            "spec.versions".into(),
            format!(
                "Invalid value: {}: must have exactly one version marked as storage version",
                json!(versions.iter().map(|v| &v["name"]).collect::<Vec<_>>())
            ),
            "FieldValueInvalid",
        ));
    }
    for (i, v) in versions.iter().enumerate() {
        if let Some(schema) = v.get("schema").and_then(|s| s.get("openAPIV3Schema"))
            && let Err(e) = Schema::from_value(schema)
        {
            causes.push((
                format!("spec.versions[{i}].schema.openAPIV3Schema"),
                format!("Invalid value: \"\": {e}"),
                "FieldValueInvalid",
            ));
        }
    }
    if let Some(old) = old {
        if s(&old["spec"], "group") != group {
            causes.push((
                "spec.group".into(),
                format!("Invalid value: {group:?}: field is immutable"),
                "FieldValueInvalid",
            ));
        }
        if s(&old["spec"], "scope") != scope {
            causes.push((
                "spec.scope".into(),
                format!("Invalid value: {scope:?}: field is immutable"),
                "FieldValueInvalid",
            ));
        }
    }
    // A built-in type with the same group and plural cannot be replaced.
    if let Some(existing) = server.registry.get(&GroupResource::new(&group, &plural))
        && !existing.is_crd_type()
    {
        causes.push((
            "spec.names.plural".into(),
            format!("Invalid value: {plural:?}: the resource is served by the API server itself"),
            "FieldValueInvalid",
        ));
    }
    if !causes.is_empty() {
        return Err(invalid(obj, causes));
    }
    // Defaults.
    let names = &mut obj["spec"]["names"];
    if s(names, "singular").is_empty() {
        names["singular"] = json!(kind.to_lowercase());
    }
    if s(names, "listKind").is_empty() {
        names["listKind"] = json!(format!("{kind}List"));
    }
    if obj["spec"]["conversion"].is_null() {
        obj["spec"]["conversion"] = json!({"strategy": "None"});
    }
    if meta::finalizers(obj).iter().all(|f| f != CLEANUP_FINALIZER) && !meta::is_deleting(obj) {
        let m = meta::meta_mut(obj);
        let f = m.entry("finalizers").or_insert_with(|| json!([]));
        if let Some(a) = f.as_array_mut() {
            a.push(json!(CLEANUP_FINALIZER));
        }
    }
    let storage_name = storage
        .first()
        .map(|v| v["name"].clone())
        .unwrap_or(Value::Null);
    let mut stored: Vec<Value> = old
        .and_then(|o| o["status"]["storedVersions"].as_array().cloned())
        .unwrap_or_default();
    if !stored.contains(&storage_name) {
        stored.push(storage_name);
    }
    let now = old
        .and_then(|o| {
            o["status"]["conditions"][0]["lastTransitionTime"]
                .as_str()
                .map(String::from)
        })
        .unwrap_or_else(meta::now);
    let mut conditions = vec![
        json!({"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found", "lastTransitionTime": now}),
        json!({"type": "Established", "status": "True", "reason": "InitialNamesAccepted", "message": "the initial names have been accepted", "lastTransitionTime": now}),
    ];
    if meta::is_deleting(obj) {
        conditions.push(json!({"type": "Terminating", "status": "True", "reason": "InstanceDeletionInProgress", "message": "CustomResource deletion is in progress", "lastTransitionTime": meta::now()}));
    }
    obj["status"] = json!({
        "conditions": conditions,
        "acceptedNames": obj["spec"]["names"].clone(),
        "storedVersions": stored,
    });
    Ok(())
}

fn column(c: &Value) -> Column {
    Column {
        name: s(c, "name").to_string(),
        type_: s(c, "type").to_string(),
        format: s(c, "format").to_string(),
        description: s(c, "description").to_string(),
        priority: c["priority"].as_i64().unwrap_or(0),
        source: CellSource::JsonPath(s(c, "jsonPath").to_string()),
    }
}

/// The served type of a CRD, or `None` if the CRD does not define a usable one.
pub fn resource_type(crd: &Value) -> Option<ResourceType> {
    let spec = &crd["spec"];
    let names = &spec["names"];
    let mut versions = Vec::new();
    for v in spec["versions"].as_array()? {
        if v["served"] != json!(true) {
            continue;
        }
        let raw = v["schema"]["openAPIV3Schema"].clone();
        let schema = if raw.is_null() {
            None
        } else {
            Schema::from_value(&raw).ok().map(Arc::new)
        };
        let mut columns = vec![Column {
            name: "Name".into(),
            type_: "string".into(),
            format: "name".into(),
            description: "Name must be unique within a namespace.".into(),
            priority: 0,
            source: CellSource::Name,
        }];
        match v["additionalPrinterColumns"].as_array() {
            Some(cols) if !cols.is_empty() => columns.extend(cols.iter().map(column)),
            _ => columns.push(Column {
                name: "Age".into(),
                type_: "date".into(),
                format: String::new(),
                description: "CreationTimestamp is a timestamp representing the server time when this object was created.".into(),
                priority: 0,
                source: CellSource::Age,
            }),
        }
        let sub = &v["subresources"];
        let scale = sub
            .get("scale")
            .filter(|s| s.is_object())
            .map(|sc| ScaleSpec {
                spec_replicas: s(sc, "specReplicasPath").to_string(),
                status_replicas: s(sc, "statusReplicasPath").to_string(),
                label_selector: sc["labelSelectorPath"].as_str().map(String::from),
            });
        versions.push(Version {
            name: s(v, "name").to_string(),
            storage: v["storage"] == json!(true),
            schema,
            raw_schema: (!raw.is_null()).then_some(raw),
            columns,
            status: sub.get("status").is_some_and(Value::is_object),
            scale,
            selectable_fields: v["selectableFields"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| {
                    f["jsonPath"]
                        .as_str()
                        .map(|p| p.trim_start_matches('.').to_string())
                })
                .collect(),
        });
    }
    if versions.is_empty() {
        return None;
    }
    let strs = |v: &Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_str().map(String::from))
            .collect()
    };
    Some(ResourceType {
        group: s(spec, "group").to_string(),
        kind: s(names, "kind").to_string(),
        list_kind: s(names, "listKind").to_string(),
        plural: s(names, "plural").to_string(),
        singular: s(names, "singular").to_string(),
        namespaced: s(spec, "scope") == "Namespaced",
        short_names: strs(&names["shortNames"]),
        categories: strs(&names["categories"]),
        versions,
        origin: Origin::Crd(meta::name(crd).to_string()),
    })
}

/// After a CRD was stored (or deleted): serve, re-serve or stop serving its type.
pub fn on_committed(server: &ApiServer, crd: &Value, deleted: bool) {
    let gr = GroupResource::new(s(&crd["spec"], "group"), s(&crd["spec"]["names"], "plural"));
    if deleted {
        server.registry.remove(&gr);
        return;
    }
    match resource_type(crd) {
        Some(t) => server.registry.insert(t),
        None => {
            server.registry.remove(&gr);
        }
    }
}

/// The type at `group/plural` from its stored CRD, when the registry does not have it yet. A
/// CRD reaches watchers a moment before its writer registers the type (the store publishes,
/// then the writer serves it): a client that saw it Established and asks for its objects in
/// that moment gets them instead of a 404. `false` when no such CRD is stored (or it is
/// being deleted).
pub fn serve_if_stored(server: &ApiServer, group: &str, plural: &str) -> bool {
    if group.is_empty() {
        return false;
    }
    let crds = GroupResource::new("apiextensions.k8s.io", "customresourcedefinitions");
    let key = super::store::ObjKey::new("", &format!("{plural}.{group}"));
    match server.store.get(&crds, &key) {
        Some(crd) if !meta::is_deleting(&crd.value) => {
            on_committed(server, &crd.value, false);
            true
        }
        _ => false,
    }
}

/// Serve the types of every CRD found in the store (at start).
pub fn register_stored(server: &ApiServer) {
    let (crds, _) = server.store.list(
        &GroupResource::new("apiextensions.k8s.io", "customresourcedefinitions"),
        None,
    );
    for c in crds {
        on_committed(server, &c.value, false);
    }
}

#[cfg(test)]
mod tests {
    use super::super::dispatch::{Incoming, dispatch};
    use super::super::fuzz_gen::TOKEN;
    use super::super::fuzz_writes::server;
    use super::super::reply::Reply;
    use super::super::store::{ObjKey, Write};
    use super::*;

    /// A CRD stored (and published) but whose type the writer has not registered yet: a
    /// request for its objects is answered, not refused with 404.
    #[test]
    fn a_stored_crd_is_served_before_its_writer_registered_it() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let server = server();
            let mut crd = json!({
                "apiVersion": "apiextensions.k8s.io/v1",
                "kind": "CustomResourceDefinition",
                "metadata": {"name": "widgets.example.com"},
                "spec": {
                    "group": "example.com",
                    "scope": "Namespaced",
                    "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
                    "versions": [{"name": "v1", "served": true, "storage": true,
                        "schema": {"openAPIV3Schema": {"type": "object",
                            "x-kubernetes-preserve-unknown-fields": true}}}],
                },
            });
            meta::init_create(&mut crd, "test");
            let crds = GroupResource::new("apiextensions.k8s.io", "customresourcedefinitions");
            server
                .store
                .mutate(
                    &crds,
                    &ObjKey::new("", "widgets.example.com"),
                    false,
                    |_| Ok(Write::Put(crd)),
                )
                .expect("stored");
            assert!(
                server
                    .registry
                    .lookup("example.com", "v1", "widgets")
                    .is_none()
            );
            let list = |plural: &str| Incoming {
                method: http::Method::GET,
                path: format!("/apis/example.com/v1/namespaces/default/{plural}"),
                query: None,
                authorization: Some(format!("Bearer {TOKEN}")),
                accept: None,
                content_type: None,
                user_agent: "test/1".into(),
                body: bytes::Bytes::new(),
            };
            let code = |reply: Reply| match reply {
                Reply::Json { code, .. } => code,
                Reply::Stream(_) => 0,
            };
            assert_eq!(code(dispatch(&server, list("widgets")).await), 200);
            assert!(
                server
                    .registry
                    .lookup("example.com", "v1", "widgets")
                    .is_some()
            );
            assert_eq!(code(dispatch(&server, list("gadgets")).await), 404);
            server.shutdown.cancel();
        });
    }
}

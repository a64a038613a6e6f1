//! Field ownership (`metadata.managedFields`, FieldsV1): which manager set which field.
//! Used to record writers on every write and by server-side apply to find conflicts.

use super::context::Ctx;
use super::meta;
use super::registry::Builtin;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pe {
    Field(String),
    /// A list element by its key fields (`k:{"name":"x"}`).
    Key(String),
    /// A set element by value (`v:"x"`).
    Val(String),
}

pub type Path = Vec<Pe>;
pub type FieldSet = BTreeSet<Path>;
/// The fields an object sets, each with its value there.
pub type FieldValues<'a> = BTreeMap<Path, &'a Value>;

/// How a list merges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListKind {
    Atomic,
    Set,
    Map(Vec<String>),
}

/// The list kinds of a type: from the CRD schema, or a table for built-ins.
pub struct ListKinds<'a> {
    schema: Option<&'a Value>,
    builtin: Option<Builtin>,
}

impl<'a> ListKinds<'a> {
    #[cfg(test)]
    pub fn new(schema: Option<&'a Value>, builtin: Option<Builtin>) -> Self {
        Self { schema, builtin }
    }

    pub fn of(ctx: &'a Ctx) -> Self {
        Self {
            schema: ctx.version().raw_schema.as_ref(),
            builtin: ctx.rt.builtin(),
        }
    }

    /// The kind of the list at these field names (list element steps omitted).
    pub fn kind(&self, names: &[String]) -> ListKind {
        let last = names.last().map(String::as_str).unwrap_or("");
        if names.len() == 2 && names[0] == "metadata" {
            return match last {
                "finalizers" => ListKind::Set,
                "ownerReferences" => ListKind::Map(vec!["uid".into()]),
                _ => ListKind::Atomic,
            };
        }
        if let Some(schema) = self.schema {
            let mut node = schema;
            for n in names {
                let next = &node["properties"][n.as_str()];
                node = if next.is_null() {
                    let ap = &node["additionalProperties"];
                    if ap.is_object() {
                        ap
                    } else {
                        &node["items"]["properties"][n.as_str()]
                    }
                } else {
                    next
                };
                if node["type"] == "array" && n != last {
                    node = &node["items"];
                }
            }
            return match node["x-kubernetes-list-type"].as_str() {
                Some("set") => ListKind::Set,
                Some("map") => ListKind::Map(
                    node["x-kubernetes-list-map-keys"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|k| k.as_str().map(String::from))
                        .collect(),
                ),
                _ => ListKind::Atomic,
            };
        }
        if self.builtin.is_none() {
            return ListKind::Atomic;
        }
        match last {
            "containers"
            | "initContainers"
            | "ephemeralContainers"
            | "volumes"
            | "env"
            | "imagePullSecrets"
            | "secrets" => ListKind::Map(vec!["name".into()]),
            "ports" => ListKind::Map(vec!["containerPort".into()]),
            "volumeMounts" => ListKind::Map(vec!["mountPath".into()]),
            _ => ListKind::Atomic,
        }
    }
}

const SYSTEM_META: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "selfLink",
    "generateName",
];

/// The leaf fields an object sets. `sub` = Some("status") covers only the status;
/// otherwise the status is left out when it is a subresource.
pub fn fields_of(
    obj: &Value,
    kinds: &ListKinds<'_>,
    status_sub: bool,
    sub: Option<&str>,
) -> FieldSet {
    values_of(obj, kinds, status_sub, sub).into_keys().collect()
}

/// [`fields_of`], each field with its value (a keyed list item's is the item): comparing
/// two objects field by field is then a lookup per field, not a search.
pub fn values_of<'a>(
    obj: &'a Value,
    kinds: &ListKinds<'_>,
    status_sub: bool,
    sub: Option<&str>,
) -> FieldValues<'a> {
    let mut out = FieldValues::new();
    let Some(o) = obj.as_object() else { return out };
    for (k, v) in o {
        let take = match (k.as_str(), sub) {
            ("apiVersion" | "kind", _) => false,
            ("status", Some("status")) => true,
            (_, Some("status")) => false,
            ("status", _) => !status_sub,
            _ => true,
        };
        if !take {
            continue;
        }
        if k == "metadata" {
            if let Some(m) = v.as_object() {
                for (mk, mv) in m
                    .iter()
                    .filter(|(mk, _)| !SYSTEM_META.contains(&mk.as_str()))
                {
                    let names = vec!["metadata".to_string(), mk.clone()];
                    walk(
                        mv,
                        vec![Pe::Field("metadata".into()), Pe::Field(mk.clone())],
                        &names,
                        kinds,
                        &mut out,
                    );
                }
            }
            continue;
        }
        walk(
            v,
            vec![Pe::Field(k.clone())],
            std::slice::from_ref(k),
            kinds,
            &mut out,
        );
    }
    out
}

fn walk<'a>(
    v: &'a Value,
    path: Path,
    names: &[String],
    kinds: &ListKinds<'_>,
    out: &mut FieldValues<'a>,
) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, child) in m {
                let mut p = path.clone();
                p.push(Pe::Field(k.clone()));
                let mut n = names.to_vec();
                n.push(k.clone());
                walk(child, p, &n, kinds, out);
            }
        }
        Value::Array(items) if !items.is_empty() => match kinds.kind(names) {
            ListKind::Atomic => {
                out.entry(path).or_insert(v);
            }
            ListKind::Set => {
                for it in items {
                    let mut p = path.clone();
                    p.push(Pe::Val(it.to_string()));
                    out.entry(p).or_insert(it);
                }
            }
            ListKind::Map(keys) => {
                for it in items {
                    let Some(item) = it.as_object() else {
                        out.entry(path.clone()).or_insert(v);
                        continue;
                    };
                    let key: Map<String, Value> = keys
                        .iter()
                        .filter_map(|k| item.get(k).map(|v| (k.clone(), v.clone())))
                        .collect();
                    let mut p = path.clone();
                    p.push(Pe::Key(Value::Object(key).to_string()));
                    out.entry(p.clone()).or_insert(it);
                    for (k, child) in item.iter().filter(|(k, _)| !keys.contains(k)) {
                        let mut cp = p.clone();
                        cp.push(Pe::Field(k.clone()));
                        let mut n = names.to_vec();
                        n.push(k.clone());
                        walk(child, cp, &n, kinds, out);
                    }
                }
            }
        },
        _ => {
            out.entry(path).or_insert(v);
        }
    }
}

/// `.spec.containers[name="x"].image`, as apply conflicts name fields.
pub fn path_string(path: &[Pe]) -> String {
    let mut s = String::new();
    for pe in path {
        match pe {
            Pe::Field(f) => {
                s.push('.');
                s.push_str(f);
            }
            Pe::Key(k) => {
                let key: Map<String, Value> = serde_json::from_str(k).unwrap_or_default();
                let parts: Vec<String> = key.iter().map(|(k, v)| format!("{k}={v}")).collect();
                s.push_str(&format!("[{}]", parts.join(",")));
            }
            Pe::Val(v) => s.push_str(&format!("[={v}]")),
        }
    }
    s
}

fn step_key(pe: &Pe) -> String {
    match pe {
        Pe::Field(f) => format!("f:{f}"),
        Pe::Key(k) => format!("k:{k}"),
        Pe::Val(v) => format!("v:{v}"),
    }
}

#[derive(Default)]
struct Node {
    member: bool,
    children: std::collections::BTreeMap<String, Node>,
}

impl Node {
    fn to_value(&self) -> Value {
        let mut m: Map<String, Value> = self
            .children
            .iter()
            .map(|(k, n)| (k.clone(), n.to_value()))
            .collect();
        if self.member && !m.is_empty() {
            m.insert(".".into(), json!({}));
        }
        Value::Object(m)
    }
}

/// FieldsV1 JSON of a set.
pub fn to_fields_v1(set: &FieldSet) -> Value {
    let mut root = Node::default();
    for path in set {
        let mut node = &mut root;
        for pe in path {
            node = node.children.entry(step_key(pe)).or_default();
        }
        node.member = true;
    }
    root.to_value()
}

/// The set a FieldsV1 JSON describes.
pub fn from_fields_v1(v: &Value) -> FieldSet {
    let mut out = FieldSet::new();
    fn rec(v: &Value, path: &mut Path, out: &mut FieldSet) {
        let Some(m) = v.as_object() else { return };
        if (m.is_empty() || m.contains_key(".")) && !path.is_empty() {
            out.insert(path.clone());
        }
        for (k, child) in m {
            let pe = if let Some(f) = k.strip_prefix("f:") {
                Pe::Field(f.into())
            } else if let Some(x) = k.strip_prefix("k:") {
                Pe::Key(x.into())
            } else if let Some(x) = k.strip_prefix("v:") {
                Pe::Val(x.into())
            } else {
                continue;
            };
            path.push(pe);
            rec(child, path, out);
            path.pop();
        }
    }
    rec(v, &mut Vec::new(), &mut out);
    out
}

/// One `managedFields` entry.
#[derive(Debug, Clone)]
pub struct Entry {
    pub manager: String,
    pub operation: String,
    pub subresource: Option<String>,
    pub api_version: String,
    pub time: String,
    pub set: FieldSet,
}

pub fn entries(obj: &Value) -> Vec<Entry> {
    obj["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| Entry {
            manager: e["manager"].as_str().unwrap_or("").into(),
            operation: e["operation"].as_str().unwrap_or("Update").into(),
            subresource: e["subresource"].as_str().map(String::from),
            api_version: e["apiVersion"].as_str().unwrap_or("").into(),
            time: e["time"].as_str().unwrap_or("").into(),
            set: from_fields_v1(&e["fieldsV1"]),
        })
        .collect()
}

pub fn write_entries(obj: &mut Value, entries: &[Entry]) {
    let list: Vec<Value> = entries
        .iter()
        .filter(|e| !e.set.is_empty())
        .map(|e| {
            let mut v = json!({"manager": e.manager, "operation": e.operation, "apiVersion": e.api_version,
                "fieldsType": "FieldsV1", "fieldsV1": to_fields_v1(&e.set)});
            // An entry a client wrote without a time has none (an empty one is not a time).
            if !e.time.is_empty() {
                v["time"] = json!(e.time);
            }
            if let Some(s) = &e.subresource {
                v["subresource"] = json!(s);
            }
            v
        })
        .collect();
    let m = meta::meta_mut(obj);
    if list.is_empty() {
        m.remove("managedFields");
    } else {
        m.insert("managedFields".into(), Value::Array(list));
    }
}

/// Record an Update-style write by `manager` (apply manages its own entries).
pub fn record(
    ctx: &Ctx,
    obj: &mut Value,
    old: Option<&Value>,
    manager: &str,
    op: &str,
    sub: Option<&str>,
) {
    if op == "Apply" && old.is_some() {
        return;
    }
    let kinds = ListKinds::of(ctx);
    let status_sub = ctx.version().status;
    let new_values = values_of(obj, &kinds, status_sub, sub);
    let changed: FieldSet = match old {
        None => new_values.keys().cloned().collect(),
        Some(o) => {
            let old_values = values_of(o, &kinds, status_sub, sub);
            new_values
                .iter()
                .filter(|(p, v)| old_values.get(*p).copied() != Some(**v))
                .map(|(p, _)| p.clone())
                .collect()
        }
    };
    let new_set: FieldSet = new_values.into_keys().collect();
    let mut list = if old.is_some() {
        entries(obj)
    } else {
        Vec::new()
    };
    let all_new: FieldSet = fields_of(obj, &kinds, false, None);
    for e in list.iter_mut() {
        e.set
            .retain(|p| all_new.contains(p) || e.subresource.as_deref() != sub);
        if e.manager != manager || e.operation != op || e.subresource.as_deref() != sub {
            e.set.retain(|p| !changed.contains(p));
        }
    }
    let sub_owned = sub.map(String::from);
    match list
        .iter_mut()
        .find(|e| e.manager == manager && e.operation == op && e.subresource == sub_owned)
    {
        Some(e) => {
            e.set.extend(changed);
            e.set.retain(|p| new_set.contains(p));
            if !e.set.is_empty() {
                e.time = meta::now();
            }
        }
        None if !changed.is_empty() => list.push(Entry {
            manager: manager.into(),
            operation: op.into(),
            subresource: sub_owned,
            api_version: ctx.api_version(),
            time: meta::now(),
            set: changed,
        }),
        None => {}
    }
    write_entries(obj, &list);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_v1_round_trip() {
        let obj = json!({"metadata": {"labels": {"a": "1"}, "finalizers": ["x"]}, "spec": {"size": 2, "list": [1, 2]}});
        let kinds = ListKinds {
            schema: None,
            builtin: None,
        };
        let set = fields_of(&obj, &kinds, false, None);
        assert!(set.contains(&vec![Pe::Field("spec".into()), Pe::Field("size".into())]));
        assert!(set.contains(&vec![
            Pe::Field("metadata".into()),
            Pe::Field("finalizers".into()),
            Pe::Val("\"x\"".into())
        ]));
        assert_eq!(from_fields_v1(&to_fields_v1(&set)), set);
        assert_eq!(
            path_string(&[Pe::Field("spec".into()), Pe::Field("size".into())]),
            ".spec.size"
        );
    }
}

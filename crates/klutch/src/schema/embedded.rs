//! Checks of `x-kubernetes-embedded-resource` values (apiextensions-apiserver's
//! `objectmeta.Validate`): an embedded object needs a valid `apiVersion` and `kind`, and its
//! `metadata` is checked like an object's (name, generateName, namespace, labels).
//!
//! The object itself is not checked here; its metadata is the caller's.

use super::error::{FieldError, FieldErrorKind};
use super::node::Node;
use super::path::{self, Path};
use serde_json::{Map, Value};

pub(crate) fn validate(node: &Node, obj: &Value, out: &mut Vec<FieldError>) {
    walk(node, obj, &Path::Root, false, out);
}

fn walk(node: &Node, x: &Value, p: &Path, embedded: bool, out: &mut Vec<FieldError>) {
    match x {
        Value::Object(map) => {
            if embedded {
                check_resource(map, &p.field(), out);
            }
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            for k in keys {
                if let Some(prop) = node.property(k) {
                    let child = p.prop(k);
                    walk(prop, &map[k], &child, prop.embedded, out);
                } else if let Some(add) = node.additional_schema() {
                    let child = p.key(k);
                    walk(add, &map[k], &child, add.embedded, out);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = &node.items {
                for (i, v) in items.iter().enumerate() {
                    let child = p.index(i);
                    walk(item_schema, v, &child, item_schema.embedded, out);
                }
            }
        }
        _ => {}
    }
}

fn check_resource(map: &Map<String, Value>, at: &str, out: &mut Vec<FieldError>) {
    let api_version = path::child(at, "apiVersion");
    let kind = path::child(at, "kind");
    if !map.contains_key("apiVersion") {
        out.push(FieldError::new(
            &api_version,
            FieldErrorKind::Required,
            None,
            "must not be empty",
        ));
    }
    if !map.contains_key("kind") {
        out.push(FieldError::new(
            &kind,
            FieldErrorKind::Required,
            None,
            "must not be empty",
        ));
    }
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    for k in keys {
        let v = &map[k];
        match k.as_str() {
            "apiVersion" => match v.as_str() {
                None => out.push(invalid(&api_version, v, "must be a string")),
                Some("") => out.push(invalid(&api_version, v, "must not be empty")),
                Some(s) if s.matches('/').count() > 1 => out.push(invalid(
                    &api_version,
                    v,
                    &format!("unexpected GroupVersion string: {s}"),
                )),
                Some(_) => {}
            },
            "kind" => match v.as_str() {
                None => out.push(invalid(&kind, v, "must be a string")),
                Some("") => out.push(invalid(&kind, v, "must not be empty")),
                Some(s) => {
                    let errs = dns1035_label(&s.to_lowercase());
                    if !errs.is_empty() {
                        out.push(invalid(
                            &kind,
                            v,
                            &format!(
                                "may have mixed case, but should otherwise match: {}",
                                errs.join(",")
                            ),
                        ));
                    }
                }
            },
            "metadata" => check_metadata(v, &path::child(at, "metadata"), out),
            _ => {}
        }
    }
}

fn invalid(field: &str, v: &Value, detail: &str) -> FieldError {
    FieldError::new(field, FieldErrorKind::Invalid, Some(v.clone()), detail)
}

fn check_metadata(v: &Value, at: &str, out: &mut Vec<FieldError>) {
    let Value::Object(meta) = v else {
        out.push(invalid(at, v, "must be an object"));
        return;
    };
    for field in ["name", "generateName"] {
        match meta.get(field) {
            None => {}
            Some(Value::String(s)) => {
                for msg in path_segment_name(s, field == "generateName") {
                    out.push(invalid(
                        &path::child(at, field),
                        &Value::from(s.as_str()),
                        &msg,
                    ));
                }
            }
            Some(other) => out.push(invalid(&path::child(at, field), other, "must be a string")),
        }
    }
    if let Some(Value::String(ns)) = meta.get("namespace")
        && !ns.is_empty()
    {
        let errs = dns1123_label(ns);
        if !errs.is_empty() {
            out.push(invalid(
                &path::child(at, "namespace"),
                &Value::from(ns.as_str()),
                &errs.join(", "),
            ));
        }
    }
    if let Some(Value::Object(labels)) = meta.get("labels") {
        let mut keys: Vec<&String> = labels.keys().collect();
        keys.sort();
        for k in keys {
            if let Some(val) = labels[k].as_str()
                && val.len() > 63
            {
                out.push(invalid(
                    &path::child(at, "labels"),
                    &Value::from(val),
                    "must be no more than 63 characters",
                ));
            }
        }
    }
}

/// `path.ValidatePathSegmentName`.
fn path_segment_name(name: &str, prefix: bool) -> Vec<String> {
    let mut errs = Vec::new();
    if !prefix && (name == "." || name == "..") {
        errs.push(format!("may not be '{name}'"));
    }
    for bad in ["/", "%"] {
        if name.contains(bad) {
            errs.push(format!("may not contain '{bad}'"));
        }
    }
    errs
}

fn dns_label(s: &str, first_alpha: bool) -> bool {
    let b = s.as_bytes();
    let inner = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-';
    let end = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    match (b.first(), b.last()) {
        (Some(f), Some(l)) => {
            (if first_alpha {
                f.is_ascii_lowercase()
            } else {
                end(f)
            }) && end(l)
                && b.iter().all(inner)
        }
        _ => false,
    }
}

/// `validation.IsDNS1035Label`.
fn dns1035_label(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 63 {
        errs.push("must be no more than 63 characters".to_string());
    }
    if !dns_label(s, true) {
        errs.push("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')".to_string());
    }
    errs
}

/// `validation.IsDNS1123Label`.
fn dns1123_label(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 63 {
        errs.push("must be no more than 63 characters".to_string());
    }
    if !dns_label(s, false) {
        errs.push("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')".to_string());
    }
    errs
}

/// The largest total size of an object's annotations (keys and values), as the API server
/// allows it.
pub const MAX_ANNOTATIONS_BYTES: usize = 256 * 1024;

/// The checks the API server makes of a custom resource's own `metadata` before its schema
/// (`ValidateObjectMetaAccessor` for a namespaced object): a name or generateName, the name a
/// DNS-1123 subdomain, a namespace that is a DNS-1123 label, label values of at most 63
/// characters and annotations of at most 256 KiB together.
pub fn check_object_meta(obj: &Value) -> Vec<FieldError> {
    let mut out = Vec::new();
    let meta = match obj.get("metadata") {
        None | Some(Value::Null) => {
            out.push(FieldError::new(
                "metadata.name",
                FieldErrorKind::Required,
                None,
                "name or generateName is required",
            ));
            return out;
        }
        Some(Value::Object(m)) => m,
        Some(other) => {
            out.push(invalid("metadata", other, "must be an object"));
            return out;
        }
    };
    match (meta.get("name"), meta.get("generateName")) {
        (None | Some(Value::Null), None | Some(Value::Null)) => out.push(FieldError::new(
            "metadata.name",
            FieldErrorKind::Required,
            None,
            "name or generateName is required",
        )),
        (Some(Value::String(name)), _) if !dns1123_subdomain(name) => out.push(invalid(
            "metadata.name",
            &Value::from(name.as_str()),
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        )),
        _ => {}
    }
    let sizes: usize = match meta.get("annotations") {
        Some(Value::Object(a)) => a
            .iter()
            .map(|(k, v)| k.len() + v.as_str().map_or(0, str::len))
            .sum(),
        _ => 0,
    };
    if sizes > MAX_ANNOTATIONS_BYTES {
        out.push(FieldError::new(
            "metadata.annotations",
            FieldErrorKind::TooLong,
            None,
            format!("must have at most {MAX_ANNOTATIONS_BYTES} bytes"),
        ));
    }
    let rest: Map<String, Value> = ["namespace", "labels"]
        .into_iter()
        .filter_map(|k| meta.get(k).map(|v| (k.to_string(), v.clone())))
        .collect();
    check_metadata(&Value::Object(rest), "metadata", &mut out);
    out
}

/// `validation.IsDNS1123Subdomain`.
fn dns1123_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(|part| dns_label(part, false))
}

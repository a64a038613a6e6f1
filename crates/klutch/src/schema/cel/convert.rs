//! JSON values to CEL values, typed by the schema as the API server's `UnstructuredToVal` does:
//! `integer` fields are `int`, `number` fields `double` (even when written `100`),
//! `date-time`/`date` strings `timestamp`, `duration` strings `duration`, `byte` strings
//! `bytes`; objects with properties expose exactly their declared fields (names escaped:
//! `namespace` is `__namespace__`, `a-b` is `a__dash__b`), maps with additionalProperties their
//! keys. Strings are borrowed from the JSON, not copied.
//!
//! Departures, all lenient: an `integer` field holding `1.0` is the int `1` (the API server
//! fails when a rule reads it), and values under `x-kubernetes-preserve-unknown-fields` without
//! a type are converted by their JSON type (the API server only lets rules compare them).

use super::super::formats;
use super::super::gofmt::{GoNumber, go_number};
use super::super::node::{Node, Ty};
use base64::Engine as _;
use cel::common::types::{
    CelBool, CelBytes, CelDouble, CelDuration, CelInt, CelList, CelMap, CelMapKey, CelNull,
    CelString, CelTimestamp,
};
use cel::common::value::Val;
use serde_json::Value;
use std::collections::HashMap;

pub(crate) type Boxed<'v> = Box<dyn Val + 'v>;

/// Converts `data` typed by `node`; `root` adds what a rule at the object's root sees
/// (`apiVersion`, `kind`, `metadata.name`, `metadata.generateName`), as for embedded resources.
pub(crate) fn to_val<'v>(data: &'v Value, node: &Node, root: bool) -> Result<Boxed<'v>, String> {
    if data.is_null() {
        return if node.nullable {
            Ok(Box::new(CelNull))
        } else {
            Err("invalid data, got null for schema with nullable=false".into())
        };
    }
    if node.int_or_string {
        return match data {
            Value::String(s) => Ok(Box::new(CelString::from(s.as_str()))),
            Value::Number(n) => match go_number(n) {
                GoNumber::Int(i) => Ok(Box::new(CelInt::from(i))),
                GoNumber::Float(_) => Err(int_or_string_error()),
            },
            _ => Err(int_or_string_error()),
        };
    }
    match node.types.first() {
        Some(Ty::Object) => object(data, node, root),
        Some(Ty::Array) => {
            let Value::Array(items) = data else {
                return Err(
                    "invalid data, expected an array for the provided schema with type=array"
                        .into(),
                );
            };
            let Some(item_schema) = &node.items else {
                return Err("invalid array type, expected Items with a non-empty Schema".into());
            };
            let list = items
                .iter()
                .map(|i| to_val(i, item_schema, item_schema.embedded))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Box::new(CelList::from(list)))
        }
        Some(Ty::String) => {
            let Value::String(s) = data else {
                return Err(format!(
                    "invalid data, expected string, got {}",
                    go_type(data)
                ));
            };
            string(s, node.raw_format.as_deref())
        }
        Some(Ty::Number) => match data {
            Value::Number(n) => Ok(Box::new(CelDouble::from(match go_number(n) {
                GoNumber::Int(i) => i as f64,
                GoNumber::Float(f) => f,
            }))),
            other => Err(format!(
                "invalid data, expected float, got {}",
                go_type(other)
            )),
        },
        Some(Ty::Integer) => match data {
            Value::Number(n) => match go_number(n) {
                GoNumber::Int(i) => Ok(Box::new(CelInt::from(i))),
                GoNumber::Float(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => {
                    Ok(Box::new(CelInt::from(f as i64)))
                }
                GoNumber::Float(_) => Err("invalid data, expected int, got float64".into()),
            },
            other => Err(format!(
                "invalid data, expected int, got {}",
                go_type(other)
            )),
        },
        Some(Ty::Boolean) => match data {
            Value::Bool(b) => Ok(Box::new(CelBool::from(*b))),
            other => Err(format!(
                "invalid data, expected bool, got {}",
                go_type(other)
            )),
        },
        _ if node.preserve_unknown => Ok(dynamic(data)),
        _ => Err(format!(
            "invalid type, expected object, array, number, integer, boolean or string, or no type with x-kubernetes-int-or-string or x-kubernetes-preserve-unknown-fields is true, got {}",
            node.sts_type
        )),
    }
}

fn int_or_string_error() -> String {
    "invalid data, expected XIntOrString value to be either a string or integer".into()
}

fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(n) => match go_number(n) {
            GoNumber::Int(_) => "int64",
            GoNumber::Float(_) => "float64",
        },
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

fn object<'v>(data: &'v Value, node: &Node, root: bool) -> Result<Boxed<'v>, String> {
    let Value::Object(map) = data else {
        return Err("invalid data, expected a map for the provided schema with type=object".into());
    };
    let mut out: HashMap<CelMapKey<'v>, Boxed<'v>> = HashMap::new();
    if root || node.embedded || node.properties.is_some() {
        if let Some(props) = &node.properties {
            for (name, prop) in props {
                if (root || node.embedded)
                    && matches!(name.as_str(), "apiVersion" | "kind" | "metadata")
                {
                    continue;
                }
                let (Some((k, v)), Some(escaped)) = (map.get_key_value(name), escape(name)) else {
                    continue;
                };
                // A null in an object with properties reads as an absent field.
                if v.is_null() {
                    continue;
                }
                out.insert(key(k, escaped), to_val(v, prop, prop.embedded)?);
            }
        }
        if root || node.embedded {
            for field in ["apiVersion", "kind"] {
                if let Some(Value::String(s)) = map.get(field) {
                    out.insert(
                        CelMapKey::from(field),
                        Box::new(CelString::from(s.as_str())),
                    );
                }
            }
            if let Some(Value::Object(meta)) = map.get("metadata") {
                let mut m: HashMap<CelMapKey<'v>, Boxed<'v>> = HashMap::new();
                for field in ["name", "generateName"] {
                    if let Some(Value::String(s)) = meta.get(field) {
                        m.insert(
                            CelMapKey::from(field),
                            Box::new(CelString::from(s.as_str())),
                        );
                    }
                }
                out.insert(CelMapKey::from("metadata"), Box::new(CelMap::from(m)));
            }
        }
    } else if let Some(add) = node.additional_schema() {
        for (k, v) in map {
            out.insert(CelMapKey::from(k.as_str()), to_val(v, add, add.embedded)?);
        }
    }
    Ok(Box::new(CelMap::from(out)))
}

fn key<'v>(name: &'v str, escaped: Option<String>) -> CelMapKey<'v> {
    match escaped {
        Some(e) => CelMapKey::from(e),
        None => CelMapKey::from(name),
    }
}

fn string<'v>(s: &'v str, format: Option<&str>) -> Result<Boxed<'v>, String> {
    match format {
        Some("duration") => {
            let ns = formats::parse_duration(s)
                .ok_or_else(|| format!("Invalid duration {s}: unable to parse {s} as duration"))?;
            let ns = i64::try_from(ns).map_err(|_| format!("Invalid duration {s}: overflow"))?;
            Ok(Box::new(CelDuration::from(chrono::Duration::nanoseconds(
                ns,
            ))))
        }
        Some("date") => {
            let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|e| format!("Invalid date formatted string {s}: {e}"))?;
            let t = d
                .and_hms_opt(0, 0, 0)
                .unwrap_or_default()
                .and_utc()
                .fixed_offset();
            Ok(Box::new(CelTimestamp::from(t)))
        }
        Some("date-time") => {
            let t = parse_date_time(s)
                .ok_or_else(|| format!("Invalid date-time formatted string {s}"))?;
            Ok(Box::new(CelTimestamp::from(t)))
        }
        Some("byte") => {
            let bytes = base64::engine::general_purpose::URL_SAFE
                .decode(s)
                .map_err(|e| format!("Invalid byte formatted string {s}: {e}"))?;
            Ok(Box::new(CelBytes::from(bytes)))
        }
        _ => Ok(Box::new(CelString::from(s))),
    }
}

/// strfmt's `ParseDateTime`: RFC 3339 (any fraction), or a local time without zone (UTC).
fn parse_date_time(s: &str) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t);
    }
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
        .ok()
        .map(|t| t.and_utc().fixed_offset())
}

/// A value without a schema type, converted by its JSON type.
fn dynamic(v: &Value) -> Boxed<'_> {
    match v {
        Value::Null => Box::new(CelNull),
        Value::Bool(b) => Box::new(CelBool::from(*b)),
        Value::Number(n) => match go_number(n) {
            GoNumber::Int(i) => Box::new(CelInt::from(i)),
            GoNumber::Float(f) => Box::new(CelDouble::from(f)),
        },
        Value::String(s) => Box::new(CelString::from(s.as_str())),
        Value::Array(items) => {
            Box::new(CelList::from(items.iter().map(dynamic).collect::<Vec<_>>()))
        }
        Value::Object(map) => Box::new(CelMap::from(
            map.iter()
                .map(|(k, v)| (CelMapKey::from(k.as_str()), dynamic(v)))
                .collect::<HashMap<_, _>>(),
        )),
    }
}

const RESERVED: [&str; 21] = [
    "true",
    "false",
    "null",
    "in",
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
    "while",
];

/// The name a property has in CEL (`cel.Escape`): `Some(None)` when it is used as is,
/// `Some(Some(escaped))` when escaped, `None` when it cannot be reached from CEL.
pub(crate) fn escape(name: &str) -> Option<Option<String>> {
    let first = name.chars().next()?;
    if first.is_ascii_digit() {
        return None;
    }
    if RESERVED.contains(&name) {
        return Some(Some(format!("__{name}__")));
    }
    let plain = |c: char| c.is_ascii_alphanumeric() || c == '_';
    if name.chars().all(plain) && !name.contains("__") {
        return Some(None);
    }
    let mut out = String::with_capacity(name.len() + 8);
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '_' if chars.peek() == Some(&'_') => {
                chars.next();
                out.push_str("__underscores__");
            }
            '.' => out.push_str("__dot__"),
            '-' => out.push_str("__dash__"),
            '/' => out.push_str("__slash__"),
            c if plain(c) => out.push(c),
            _ => return None,
        }
    }
    Some(Some(out))
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escaping_follows_kubernetes() {
        assert_eq!(escape("plan"), Some(None));
        assert_eq!(escape("namespace"), Some(Some("__namespace__".into())));
        assert_eq!(
            escape("a-b.c/d"),
            Some(Some("a__dash__b__dot__c__slash__d".into()))
        );
        assert_eq!(escape("a__b"), Some(Some("a__underscores__b".into())));
        assert_eq!(escape("1abc"), None);
        assert_eq!(escape("with space"), None);
    }
}

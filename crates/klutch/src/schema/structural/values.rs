//! The value validators of kube-openapi's `SchemaValidator` for strings, numbers, arrays,
//! enums and objects.

use super::correlate::Corr;
use super::report::{Code, RawErr, Res, raw};
use super::{is_json_integer, validate};
use crate::schema::gofmt::{self, GoNumber, go_number};
use crate::schema::node::{Additional, Node};
use crate::schema::path::Path;
use serde_json::{Map, Value};

/// maxLength, minLength, pattern: the first failure only.
pub(super) fn string_check(node: &Node, s: &str, path: &Path) -> Res {
    let len = || s.chars().count() as i64;
    if let Some(max) = node.max_length
        && len() > max
    {
        let name = path.openapi();
        let msg = format!("{name} in body should be at most {max} chars long");
        let mut e = raw(Code::TooLong, name, Some(Value::from(s)), msg);
        e.valid = Some(max);
        return Res::err(e);
    }
    if let Some(min) = node.min_length
        && len() < min
    {
        let name = path.openapi();
        let msg = format!("{name} in body should be at least {min} chars long");
        return Res::err(raw(Code::Other, name, Some(Value::from(s)), msg));
    }
    if let Some(p) = &node.pattern
        && !p.re.is_match(s)
    {
        let name = path.openapi();
        let msg = format!("{name} in body should match '{}'", p.source);
        return Res::err(raw(Code::Other, name, Some(Value::from(s)), msg));
    }
    Res::default()
}

/// multipleOf, minimum, maximum (kube-openapi's `numberValidator`, native int64 or float64).
pub(super) fn number_check(node: &Node, n: &serde_json::Number, path: &Path) -> Res {
    let mut res = Res::default();
    let num = go_number(n);
    let data = Value::Number(n.clone());
    if let Some(factor) = node.multiple_of {
        match num {
            GoNumber::Int(v) => {
                let factor = factor as i64;
                if factor <= 0 {
                    res.add(must_be_positive(
                        path,
                        Value::from(factor),
                        &factor.to_string(),
                    ));
                } else if v % factor != 0 {
                    let name = path.openapi();
                    let msg = format!("{name} in body should be a multiple of {factor}");
                    res.add(raw(Code::Other, name, Some(data.clone()), msg));
                }
            }
            GoNumber::Float(v) => {
                if factor <= 0.0 {
                    res.add(must_be_positive(
                        path,
                        Value::from(factor),
                        &gofmt::float(factor),
                    ));
                } else {
                    let mult = if factor < 1.0 {
                        1.0 / factor * v
                    } else {
                        v / factor
                    };
                    if !is_json_integer(mult) {
                        let name = path.openapi();
                        let msg = format!(
                            "{name} in body should be a multiple of {}",
                            gofmt::float(factor)
                        );
                        res.add(raw(Code::Other, name, Some(data.clone()), msg));
                    }
                }
            }
        }
    }
    if let Some(min) = node.minimum {
        let excl = node.exclusive_minimum;
        let (fails, shown) = match num {
            GoNumber::Int(v) => {
                let m = min as i64;
                ((!excl && v < m) || (excl && v <= m), m.to_string())
            }
            GoNumber::Float(v) => ((!excl && v < min) || (excl && v <= min), gofmt::float(min)),
        };
        if fails {
            let name = path.openapi();
            let op = if excl {
                "greater than"
            } else {
                "greater than or equal to"
            };
            let msg = format!("{name} in body should be {op} {shown}");
            res.add(raw(Code::Other, name, Some(data.clone()), msg));
        }
    }
    if let Some(max) = node.maximum {
        let excl = node.exclusive_maximum;
        let (fails, shown) = match num {
            GoNumber::Int(v) => {
                let m = max as i64;
                ((!excl && v > m) || (excl && v >= m), m.to_string())
            }
            GoNumber::Float(v) => ((!excl && v > max) || (excl && v >= max), gofmt::float(max)),
        };
        if fails {
            let name = path.openapi();
            let op = if excl {
                "less than"
            } else {
                "less than or equal to"
            };
            let msg = format!("{name} in body should be {op} {shown}");
            res.add(raw(Code::Other, name, Some(data.clone()), msg));
        }
    }
    res.matches += 1;
    res
}

fn must_be_positive(path: &Path, factor: Value, shown: &str) -> RawErr {
    let name = path.openapi();
    let msg = format!("factor MultipleOf declared for {name} must be positive: {shown}");
    raw(Code::Other, name, Some(factor), msg)
}

/// items, minItems, maxItems, uniqueItems.
pub(super) fn slice_check(node: &Node, items: &[Value], path: &Path, corr: Corr) -> Res {
    let mut res = Res::default();
    if let Some(item_schema) = &node.items {
        for (i, item) in items.iter().enumerate() {
            let p = path.index(i);
            res.merge(validate(item_schema, item, &p, corr.item(node, item)));
        }
    }
    let size = items.len() as i64;
    if let Some(min) = node.min_items
        && size < min
    {
        let name = path.openapi();
        let msg = format!("{name} in body should have at least {min} items");
        res.add(raw(Code::Other, name, Some(Value::from(size)), msg));
    }
    if let Some(max) = node.max_items
        && size > max
    {
        let name = path.openapi();
        let msg = format!("{name} in body should have at most {max} items");
        let mut e = raw(Code::MaxItems, name, Some(Value::from(size)), msg);
        e.valid = Some(max);
        res.add(e);
    }
    if node.unique_items {
        let dup = items
            .iter()
            .enumerate()
            .any(|(i, v)| items[..i].iter().any(|u| u == v));
        if dup {
            let name = path.openapi();
            let msg = format!("{name} in body shouldn't contain duplicates");
            res.add(raw(Code::Other, name, None, msg));
        }
    }
    res.matches += 1;
    res
}

/// `enum` (kube-openapi's `basicCommonValidator`, with Go's reflect conversions).
pub(super) fn enum_check(node: &Node, data: &Value, path: &Path) -> Res {
    let Some(values) = &node.enum_values else {
        return Res::default();
    };
    if !data.is_null() && values.iter().any(|e| go_enum_eq(data, e)) {
        return Res::default();
    }
    let name = path.openapi();
    let shown: Vec<String> = values.iter().map(gofmt::value).collect();
    let msg = format!("{name} in body should be one of [{}]", shown.join(" "));
    let mut e = raw(Code::Enum, name, Some(data.clone()), msg);
    e.values = values.clone();
    Res::err(e)
}

/// `reflect.DeepEqual(reflect.ValueOf(data).Convert(typeof(enumValue)), enumValue)` for the
/// types JSON decodes to.
fn go_enum_eq(data: &Value, e: &Value) -> bool {
    match (data, e) {
        (Value::Number(d), Value::Number(ev)) => match (go_number(d), go_number(ev)) {
            (GoNumber::Int(a), GoNumber::Int(b)) => a == b,
            (GoNumber::Int(a), GoNumber::Float(b)) => a as f64 == b,
            (GoNumber::Float(a), GoNumber::Int(b)) => a as i64 == b,
            (GoNumber::Float(a), GoNumber::Float(b)) => a == b,
        },
        // An int64 converts to a string as a code point.
        (Value::Number(d), Value::String(s)) => match go_number(d) {
            GoNumber::Int(i) => {
                let c = u32::try_from(i)
                    .ok()
                    .and_then(char::from_u32)
                    .unwrap_or('\u{fffd}');
                s.chars().eq(std::iter::once(c))
            }
            GoNumber::Float(_) => false,
        },
        (Value::String(a), Value::String(b)) => a == b,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::Array(_), Value::Array(_)) | (Value::Object(_), Value::Object(_)) => data == e,
        _ => false,
    }
}

/// min/maxProperties, additionalProperties, properties, required.
pub(super) fn object_check(node: &Node, map: &Map<String, Value>, path: &Path, corr: Corr) -> Res {
    let mut res = Res::default();
    let num = map.len() as i64;
    if let Some(min) = node.min_properties
        && num < min
    {
        let name = path.openapi();
        let msg = format!("{name} in body should have at least {min} properties");
        res.add(raw(Code::Other, name, Some(Value::from(num)), msg));
    }
    if let Some(max) = node.max_properties
        && num > max
    {
        let name = path.openapi();
        let msg = format!("{name} in body should have at most {max} properties");
        let mut e = raw(Code::TooManyProperties, name, Some(Value::from(num)), msg);
        e.valid = Some(max);
        res.add(e);
    }
    match &node.additional {
        Additional::Bool(false) => {
            for key in sorted_keys(map) {
                if node.property(key).is_none() {
                    let name = path.openapi();
                    let msg = format!("{name}.{key} in body is a forbidden property");
                    res.add(raw(Code::Other, name, Some(Value::from(key.as_str())), msg));
                }
            }
        }
        Additional::Schema(schema) => {
            for key in sorted_keys(map) {
                if node.property(key).is_none() {
                    let p = path.key(key);
                    res.merge(validate(schema, &map[key], &p, corr.field(node, key)));
                }
            }
        }
        Additional::Bool(true) | Additional::Absent => {}
    }
    if let Some(props) = &node.properties {
        for (name, schema) in props {
            if let Some(v) = map.get(name) {
                let p = path.prop(name);
                res.merge(validate(schema, v, &p, corr.field(node, name)));
            }
        }
    }
    for req in &node.required {
        if !map.contains_key(req) {
            let name = path.key(req).openapi();
            let msg = format!("{name} in body is required");
            res.add(raw(Code::Required, name, None, msg));
        }
    }
    res
}

fn sorted_keys(map: &Map<String, Value>) -> Vec<&String> {
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    keys
}

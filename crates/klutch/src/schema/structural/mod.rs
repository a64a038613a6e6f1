//! OpenAPI value validation as kube-openapi's `validate.SchemaValidator` does it for the API
//! server, including its quirks: every validator that applies to a value runs (a wrong type
//! and a failed enum are both reported), errors are de-duplicated by message, and `anyOf` /
//! `oneOf` report the alternative that matched best (by kube-openapi's match count).
//!
//! With ratcheting (updates of the main resource), an invalid value that is unchanged from the
//! old object is let through, as apiextensions-apiserver's `RatchetingSchemaValidator` does.

mod correlate;
mod report;
mod values;

pub(crate) use correlate::{Corr, deep_equal, find_by_keys, is_map_list};
pub(crate) use report::{Res, to_field_errors};

use crate::schema::gofmt::{self, GoNumber, go_number};
use crate::schema::node::{Node, Ty};
use crate::schema::path::Path;
use report::{Code, RawErr, raw};
use serde_json::Value;
use values::{enum_check, number_check, object_check, slice_check, string_check};

/// Validates `data` against `node` (`SchemaValidator.Validate`).
pub(crate) fn validate(node: &Node, data: &Value, path: &Path, corr: Corr) -> Res {
    let mut res = validate_inner(node, data, path, corr);
    if !res.valid()
        && let Some(old) = corr.old
        && deep_equal(node, data, old)
    {
        // Ratcheted: the errors become warnings, which schema validation drops.
        res.errors.clear();
    }
    res
}

fn validate_inner(node: &Node, data: &Value, path: &Path, corr: Corr) -> Res {
    let mut res = Res::default();
    if data.is_null() {
        if applies_type(node) {
            res.merge(type_null(node, path));
        }
        res.merge(enum_check(node, data, path));
        return res;
    }
    if applies_type(node) {
        res.merge(type_check(node, data, path));
        res.matches += 1;
    }
    res.merge(schema_props(node, data, path, corr));
    res.matches += 1;
    if let Value::String(s) = data {
        res.merge(string_check(node, s, path));
        res.matches += 1;
        if let (Some(format), Some(format_name)) = (node.format, &node.raw_format) {
            if !format.validates(s) {
                let name = path.openapi();
                let msg = format!(
                    "{name} in body must be of type {format_name}: {}",
                    gofmt::quote(s)
                );
                res.add(raw(Code::InvalidType, name, Some(data.clone()), msg));
            }
            res.matches += 1;
        }
    }
    if let Value::Number(n) = data {
        res.merge(number_check(node, n, path));
        res.matches += 1;
    }
    if let Value::Array(items) = data {
        res.merge(slice_check(node, items, path, corr));
        res.matches += 1;
    }
    res.merge(enum_check(node, data, path));
    res.matches += 1;
    if let Value::Object(map) = data {
        res.merge(object_check(node, map, path, corr));
        res.matches += 1;
    }
    res.matches += 1;
    res
}

fn applies_type(node: &Node) -> bool {
    !node.types.is_empty() || node.format.is_some()
}

fn type_null(node: &Node, path: &Path) -> Res {
    if !node.types.is_empty() && !node.nullable {
        let name = path.openapi();
        let msg = format!(
            "{name} in body must be of type {}: \"null\"",
            node.type_name
        );
        return Res::err(raw(Code::InvalidType, name, Some(Value::from("null")), msg));
    }
    Res {
        errors: Vec::new(),
        matches: 1,
    }
}

/// kube-openapi's `typeValidator`.
fn type_check(node: &Node, data: &Value, path: &Path) -> Res {
    let (sch_type, data_format, float) = match data {
        Value::Bool(_) => (Ty::Boolean, "", None),
        Value::String(_) => (Ty::String, "", None),
        Value::Number(n) => match go_number(n) {
            GoNumber::Int(_) => (Ty::Integer, "int64", None),
            GoNumber::Float(f) => (Ty::Number, "float64", Some(f)),
        },
        Value::Array(_) => (Ty::Array, "", None),
        Value::Object(_) => (Ty::Object, "", None),
        Value::Null => (Ty::Other, "", None),
    };
    let t_format = match (node.format, &node.raw_format) {
        (Some(_), Some(raw)) => raw.as_str(),
        _ => "",
    };
    let is_float_int = float.is_some_and(is_json_integer) && node.has_type(Ty::Integer);
    let is_int_float = sch_type == Ty::Integer && node.has_type(Ty::Number);
    let contains = node.has_type(sch_type);
    let stringish = matches!(data, Value::String(_) | Value::Array(_));
    let ok = Res {
        errors: Vec::new(),
        matches: 1,
    };
    let format_matches = contains || data_format == t_format || is_float_int || is_int_float;
    // A non-string value under a format: it must be of the schema's type or the format's.
    if !(stringish || t_format.is_empty() || format_matches) {
        let name = path.openapi();
        let msg = format!(
            "{name} in body must be of type {t_format}: {}",
            gofmt::quote(data_format)
        );
        return Res::err(raw(
            Code::InvalidType,
            name,
            Some(Value::from(data_format)),
            msg,
        ));
    }
    // A string (or array) under a format of a non-numeric schema: the format validator
    // decides.
    let numeric = node.has_type(Ty::Number) || node.has_type(Ty::Integer);
    if stringish && !numeric && !t_format.is_empty() {
        return ok;
    }
    if !(contains || is_float_int || is_int_float) {
        let name = path.openapi();
        let type_name = ty_name(sch_type);
        let msg = format!(
            "{name} in body must be of type {}: {}",
            node.type_name,
            gofmt::quote(type_name)
        );
        return Res::err(raw(
            Code::InvalidType,
            name,
            Some(Value::from(type_name)),
            msg,
        ));
    }
    ok
}

fn ty_name(t: Ty) -> &'static str {
    match t {
        Ty::Object => "object",
        Ty::Array => "array",
        Ty::String => "string",
        Ty::Integer => "integer",
        Ty::Number => "number",
        Ty::Boolean => "boolean",
        Ty::Other => "",
    }
}

/// go-openapi's `IsFloat64AJSONInteger`.
pub(crate) fn is_json_integer(f: f64) -> bool {
    const MAX: f64 = 9_007_199_254_740_991.0;
    if !f.is_finite() || !(-MAX..=MAX).contains(&f) {
        return false;
    }
    let rounded = f.round();
    if f == rounded {
        return true;
    }
    if rounded == 0.0 {
        return false;
    }
    (f - rounded).abs() < 1e-9 * rounded.abs()
}

/// `allOf`, `anyOf`, `oneOf` and `not` (kube-openapi's `schemaPropsValidator`).
fn schema_props(node: &Node, data: &Value, path: &Path, corr: Corr) -> Res {
    let mut main = Res::default();
    if !node.any_of.is_empty() {
        let mut best: Option<Res> = None;
        let mut first_success: Option<Res> = None;
        for s in &node.any_of {
            let r = validate_inner(s, data, path, corr);
            if r.valid() {
                best = None;
                first_success = Some(r);
                break;
            }
            if best.as_ref().is_none_or(|b| r.matches > b.matches) {
                best = Some(r);
            }
        }
        if first_success.is_none() {
            main.add(composite(format!(
                "{} must validate at least one schema (anyOf)",
                gofmt::quote(&path.openapi())
            )));
        }
        if let Some(b) = best {
            main.merge(b);
        } else if let Some(f) = first_success {
            main.merge(f);
        }
    }
    if !node.one_of.is_empty() {
        let mut best: Option<Res> = None;
        let mut first_success: Option<Res> = None;
        let mut validated = 0;
        for s in &node.one_of {
            let r = validate_inner(s, data, path, corr);
            if r.valid() {
                validated += 1;
                best = None;
                if first_success.is_none() {
                    first_success = Some(r);
                }
                continue;
            }
            if validated == 0 && best.as_ref().is_none_or(|b| r.matches > b.matches) {
                best = Some(r);
            }
        }
        if validated != 1 {
            let extra = if validated == 0 {
                "Found none valid".to_string()
            } else {
                format!("Found {validated} valid alternatives")
            };
            main.add(composite(format!(
                "{} must validate one and only one schema (oneOf). {extra}",
                gofmt::quote(&path.openapi())
            )));
            if let Some(b) = best {
                main.merge(b);
            }
        } else if let Some(f) = first_success {
            main.merge(f);
        }
    }
    if !node.all_of.is_empty() {
        let mut validated = 0;
        for s in &node.all_of {
            let r = validate_inner(s, data, path, corr);
            if r.valid() {
                validated += 1;
            }
            main.merge(r);
        }
        if validated != node.all_of.len() {
            let extra = if validated == 0 {
                ". None validated"
            } else {
                ""
            };
            main.add(composite(format!(
                "{} must validate all the schemas (allOf){extra}",
                gofmt::quote(&path.openapi())
            )));
        }
    }
    if let Some(not) = &node.not
        && validate_inner(not, data, path, corr).valid()
    {
        main.add(composite(format!(
            "{} must not validate the schema (not)",
            gofmt::quote(&path.openapi())
        )));
    }
    main.matches += 1;
    main
}

fn composite(message: String) -> RawErr {
    raw(Code::Composite, String::new(), None, message)
}

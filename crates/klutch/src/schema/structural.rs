//! OpenAPI value validation as kube-openapi's `validate.SchemaValidator` does it for the API
//! server, including its quirks: every validator that applies to a value runs (a wrong type
//! and a failed enum are both reported), errors are de-duplicated by message, and `anyOf` /
//! `oneOf` report the alternative that matched best (by kube-openapi's match count).
//!
//! With ratcheting (updates of the main resource), an invalid value that is unchanged from the
//! old object is let through, as apiextensions-apiserver's `RatchetingSchemaValidator` does.

use super::error::{FieldError, FieldErrorKind};
use super::gofmt::{self, GoNumber, go_number};
use super::node::{Additional, Node, Ty};
use super::path::{self, Path};
use serde_json::{Map, Value};

/// kube-openapi's error codes (`errors.*Code`), as far as the conversion to field errors
/// distinguishes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Code {
    InvalidType,
    Required,
    TooLong,
    Enum,
    MaxItems,
    TooManyProperties,
    /// Every other `*errors.Validation` (pattern, minimum, minLength, …): a plain `Invalid`.
    Other,
    /// Not an `*errors.Validation` (the `anyOf`/`oneOf`/`allOf`/`not` messages): reported
    /// without a path.
    Composite,
}

/// One kube-openapi error before it becomes a [`FieldError`].
#[derive(Debug, Clone)]
pub(crate) struct RawErr {
    code: Code,
    /// kube-openapi's `Name`: the path as it spells it.
    name: String,
    /// kube-openapi's `Value`.
    value: Option<Value>,
    /// kube-openapi's `Valid` (the limit), for the codes that carry one.
    valid: Option<i64>,
    /// The allowed values of a failed `enum`.
    values: Vec<Value>,
    message: String,
}

/// kube-openapi's `validate.Result`: errors (unique by message) and a match count.
#[derive(Debug, Default)]
pub(crate) struct Res {
    pub errors: Vec<RawErr>,
    matches: u32,
}

impl Res {
    fn add(&mut self, e: RawErr) {
        if !self.errors.iter().any(|x| x.message == e.message) {
            self.errors.push(e);
        }
    }

    fn merge(&mut self, other: Res) {
        for e in other.errors {
            self.add(e);
        }
        self.matches += other.matches;
    }

    fn err(e: RawErr) -> Res {
        Res {
            errors: vec![e],
            matches: 0,
        }
    }

    fn valid(&self) -> bool {
        self.errors.is_empty()
    }
}

fn raw(code: Code, name: String, value: Option<Value>, message: String) -> RawErr {
    RawErr {
        code,
        name,
        value,
        valid: None,
        values: Vec::new(),
        message,
    }
}

/// How an update relates the node to the old object.
#[derive(Clone, Copy)]
pub(crate) struct Corr<'v> {
    /// The old value at this node, when the node is correlatable (same field, or same
    /// list-map key) and ratcheting applies.
    pub old: Option<&'v Value>,
}

impl<'v> Corr<'v> {
    pub(crate) const NONE: Corr<'static> = Corr { old: None };

    fn field(self, node: &Node, key: &str) -> Corr<'v> {
        match self.old {
            Some(Value::Object(old)) if node.field_schema(key).is_some() => {
                Corr { old: old.get(key) }
            }
            _ => Corr { old: None },
        }
    }

    fn item(self, node: &Node, item: &Value) -> Corr<'v> {
        match self.old {
            Some(Value::Array(old)) if is_map_list(node) => Corr {
                old: find_by_keys(&node.list_map_keys, old, item),
            },
            _ => Corr { old: None },
        }
    }
}

pub(crate) fn is_map_list(node: &Node) -> bool {
    node.list_type.as_deref() == Some("map") && node.items.is_some()
}

/// The element of a list-type map whose key fields equal those of `item`.
pub(crate) fn find_by_keys<'v>(
    keys: &[String],
    list: &'v [Value],
    item: &Value,
) -> Option<&'v Value> {
    let item = item.as_object()?;
    list.iter().find(|o| {
        o.as_object()
            .is_some_and(|o| keys.iter().all(|k| o.get(k) == item.get(k)))
    })
}

/// `CorrelatedObject.CachedDeepEqual`: equality that follows the schema (list-type maps are
/// compared by key, fields unknown to the schema make objects unequal).
pub(crate) fn deep_equal(node: &Node, new: &Value, old: &Value) -> bool {
    match (new, old) {
        (Value::Null, Value::Null) => true,
        (Value::Null, _) | (_, Value::Null) => false,
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                return false;
            }
            match (&node.items, is_map_list(node)) {
                (Some(items), true) => a.iter().all(|x| {
                    find_by_keys(&node.list_map_keys, b, x).is_some_and(|o| deep_equal(items, x, o))
                }),
                _ => a == b,
            }
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, v)| match (b.get(k), node.field_schema(k)) {
                        (Some(o), Some(s)) => deep_equal(s, v, o),
                        _ => false,
                    })
        }
        (Value::Array(_) | Value::Object(_), _) | (_, Value::Array(_) | Value::Object(_)) => false,
        (a, b) => a == b,
    }
}

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
        if let (Some(format), Some(raw)) = (node.format, &node.raw_format) {
            if !format.validates(s) {
                let name = path.openapi();
                let msg = format!("{name} in body must be of type {raw}: {}", gofmt::quote(s));
                res.add(raw_err(Code::InvalidType, name, Some(data.clone()), msg));
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

fn raw_err(code: Code, name: String, value: Option<Value>, message: String) -> RawErr {
    raw(code, name, value, message)
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

/// maxLength, minLength, pattern: the first failure only.
fn string_check(node: &Node, s: &str, path: &Path) -> Res {
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
fn number_check(node: &Node, n: &serde_json::Number, path: &Path) -> Res {
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
fn slice_check(node: &Node, items: &[Value], path: &Path, corr: Corr) -> Res {
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
fn enum_check(node: &Node, data: &Value, path: &Path) -> Res {
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
fn object_check(node: &Node, map: &Map<String, Value>, path: &Path, corr: Corr) -> Res {
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

/// `kubeOpenAPIResultToFieldErrors`: `prefix` is the field path the validated value sits at
/// (`None` for the whole object, `Some("status")` for a status update).
pub(crate) fn to_field_errors(errors: Vec<RawErr>, prefix: Option<&str>) -> Vec<FieldError> {
    let base = prefix.unwrap_or("<nil>");
    errors
        .into_iter()
        .map(|e| {
            let name = e.name.trim_start_matches('.');
            let field = if e.name.is_empty() || e.name == "." || e.code == Code::Composite {
                base.to_string()
            } else {
                path::child(base, name)
            };
            let value_or_empty = |v: Option<Value>| Some(v.unwrap_or_else(|| Value::from("")));
            match e.code {
                Code::Required => FieldError::new(field, FieldErrorKind::Required, None, ""),
                Code::Enum => {
                    let allowed: Vec<String> = e
                        .values
                        .iter()
                        .map(|v| match v {
                            Value::String(s) => gofmt::quote(s),
                            other => gofmt::quote(&gofmt::json(other)),
                        })
                        .collect();
                    let detail = if allowed.is_empty() {
                        String::new()
                    } else {
                        format!("supported values: {}", allowed.join(", "))
                    };
                    FieldError::new(
                        field,
                        FieldErrorKind::NotSupported,
                        Some(e.value.unwrap_or(Value::Null)),
                        detail,
                    )
                }
                Code::TooLong => {
                    let max = e.valid.unwrap_or(-1);
                    let detail = if max >= 0 {
                        format!("may not be more than {max} bytes")
                    } else {
                        "value is too long".into()
                    };
                    FieldError::new(
                        field,
                        FieldErrorKind::TooLong,
                        Some(Value::from("<value omitted>")),
                        detail,
                    )
                }
                Code::MaxItems | Code::TooManyProperties => {
                    let max = e.valid.unwrap_or(-1);
                    let actual = e.value.as_ref().and_then(Value::as_i64).unwrap_or(-1);
                    let detail = if max >= 0 {
                        format!("must have at most {max} items")
                    } else {
                        "has too many items".into()
                    };
                    let value = (actual >= 0).then(|| Value::from(actual));
                    FieldError::new(field, FieldErrorKind::TooMany, value, detail)
                }
                Code::InvalidType => FieldError::new(
                    field,
                    FieldErrorKind::TypeInvalid,
                    value_or_empty(e.value),
                    e.message,
                ),
                Code::Other => FieldError::new(
                    field,
                    FieldErrorKind::Invalid,
                    value_or_empty(e.value),
                    e.message,
                ),
                Code::Composite => FieldError::new(
                    field,
                    FieldErrorKind::Invalid,
                    Some(Value::from("")),
                    e.message,
                ),
            }
        })
        .collect()
}

//! The write pipeline shared by create, update, patch and apply: decoding bodies, checking
//! kinds and names, schema handling (unknown fields, defaulting, validation), generation,
//! finalizer rules and managedFields.

use super::ApiServer;
use super::admission;
use super::context::Ctx;
use super::error::{ApiError, ApiResult};
use super::fields;
use super::limits;
use super::meta;
use super::protobuf;
use super::registry::Builtin;
use super::request::FieldValidation;
use super::shape;
use klutch::schema::Operation;
use serde_json::{Value, json};

/// Decode a request body (JSON, YAML or Kubernetes protobuf) into an object.
pub fn decode_body(ctx: &Ctx) -> ApiResult<Value> {
    let ct = ctx.content_type.as_deref().unwrap_or("application/json");
    let media = ct.split(';').next().unwrap_or("").trim();
    if ctx.body.is_empty() {
        return Err(ApiError::bad_request(
            "the request body is empty; send the object as JSON or YAML",
        ));
    }
    let v: Value = match media {
        "application/vnd.kubernetes.protobuf" => protobuf::decode(&ctx.body).map_err(|e| {
            ApiError::bad_request(format!("the protobuf body could not be decoded: {e}"))
        })?,
        "application/yaml" | "application/apply-patch+yaml" | "text/yaml" => parse_yaml(&ctx.body)?,
        _ => parse_json(&ctx.body)?,
    };
    if !v.is_object() {
        return Err(ApiError::bad_request(format!(
            "the body must be a JSON object (a Kubernetes object), not {}",
            kind_of(&v)
        )));
    }
    Ok(v)
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

pub fn parse_json(body: &[u8]) -> ApiResult<Value> {
    // serde_json's message ends with "at line L column C" already.
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("the request body is not valid JSON: {e}")))
}

pub fn parse_yaml(body: &[u8]) -> ApiResult<Value> {
    let text = std::str::from_utf8(body)
        .map_err(|e| ApiError::bad_request(format!("the YAML body is not UTF-8: {e}")))?;
    serde_saphyr::from_str(text)
        .map_err(|e| ApiError::bad_request(format!("the request body is not valid YAML: {e}")))
}

/// Fill in or check `apiVersion` and `kind` against the addressed type.
pub fn check_type(ctx: &Ctx, obj: &mut Value) -> ApiResult<()> {
    let want_av = ctx.api_version();
    let want_kind = &ctx.rt.kind;
    match obj["kind"].as_str() {
        None | Some("") => obj["kind"] = json!(want_kind),
        Some(k) if k == want_kind => {}
        Some(k) => {
            return Err(ApiError::bad_request(format!(
                "the kind in the body ({k}) does not match the resource {} (kind {want_kind}); send a {want_kind} to this URL",
                ctx.rt.plural
            )));
        }
    }
    match obj["apiVersion"].as_str() {
        None | Some("") => obj["apiVersion"] = json!(want_av),
        Some(av) if av == want_av => {}
        Some(av)
            if ctx
                .rt
                .versions
                .iter()
                .any(|v| ctx.rt.api_version(&v.name) == av) =>
        {
            obj["apiVersion"] = json!(want_av)
        }
        Some(av) => {
            return Err(ApiError::bad_request(format!(
                "the API version in the data ({av}) does not match the expected API version ({want_av})"
            )));
        }
    }
    Ok(())
}

/// Check the body's namespace against the URL's and fill it in.
pub fn check_namespace(ctx: &Ctx, obj: &mut Value) -> ApiResult<()> {
    let url_ns = ctx.namespace();
    if !ctx.rt.namespaced {
        if let Some(m) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
            m.remove("namespace");
        }
        return Ok(());
    }
    match obj["metadata"]["namespace"].as_str() {
        None | Some("") => {
            meta::meta_mut(obj).insert("namespace".into(), json!(url_ns));
            Ok(())
        }
        Some(ns) if ns == url_ns => Ok(()),
        Some(_) => Err(ApiError::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        )),
    }
}

/// Outcome of the schema step: warnings to return to the client.
pub type Warnings = Vec<String>;

/// One field error list entry: (field, message body, reason).
pub type Cause = (String, String, &'static str);

pub fn invalid(ctx: &Ctx, name: &str, causes: Vec<Cause>) -> ApiError {
    ApiError::invalid(&ctx.rt.kind, &ctx.rt.group, name, &causes)
}

/// Metadata checks every kind gets: name syntax, labels.
fn validate_meta(ctx: &Ctx, obj: &Value, causes: &mut Vec<Cause>) {
    let name = meta::name(obj);
    if name.is_empty() {
        causes.push((
            "metadata.name".into(),
            "Required value: name or generateName is required".into(),
            "FieldValueRequired",
        ));
    } else {
        let check = match ctx.rt.builtin() {
            Some(Builtin::Namespace) => meta::check_label(name),
            Some(
                Builtin::Role
                | Builtin::ClusterRole
                | Builtin::RoleBinding
                | Builtin::ClusterRoleBinding,
            ) => meta::check_path_segment(name),
            _ => meta::check_subdomain(name),
        };
        if let Some(why) = check {
            causes.push((
                "metadata.name".into(),
                format!("Invalid value: {name:?}: {why}"),
                "FieldValueInvalid",
            ));
        }
    }
    if let Some(labels) = obj["metadata"]["labels"].as_object() {
        for (k, v) in labels {
            let probe = format!("{k}={}", v.as_str().unwrap_or("\u{0}"));
            if !v.is_string() || klutch::selector::LabelSelector::parse(&probe).is_err() {
                causes.push((
                    "metadata.labels".to_string(),
                    format!("Invalid value: {:?}: a valid label key/value must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", k),
                    "FieldValueInvalid",
                ));
            }
        }
    }
}

/// Schema handling for custom resources: unknown fields by `fieldValidation`, pruning,
/// defaulting and validation (CEL transition rules see `old`).
fn apply_schema(
    ctx: &Ctx,
    obj: &mut Value,
    old: Option<&Value>,
    sub: Option<&str>,
    warnings: &mut Warnings,
    causes: &mut Vec<Cause>,
) -> ApiResult<()> {
    let Some(schema) = ctx.version().schema.clone() else {
        return Ok(());
    };
    let unknown = schema.unknown_fields(obj);
    if !unknown.is_empty() {
        match ctx.query.field_validation {
            FieldValidation::Strict => {
                let list: Vec<String> = unknown
                    .iter()
                    .map(|f| format!("unknown field {f:?}"))
                    .collect();
                return Err(ApiError::bad_request(format!(
                    "{} in version {:?} cannot be handled as a {}: strict decoding error: {}",
                    ctx.rt.kind,
                    ctx.path.version,
                    ctx.rt.kind,
                    list.join(", ")
                )));
            }
            FieldValidation::Warn => {
                warnings.extend(unknown.iter().map(|f| format!("unknown field {f:?}")))
            }
            FieldValidation::Ignore => {}
        }
    }
    schema.prune(obj);
    schema.apply_defaults(obj);
    let op = match (old, sub) {
        (None, _) => Operation::Create,
        (Some(old), Some("status")) => Operation::UpdateStatus { old },
        (Some(old), _) => Operation::Update { old },
    };
    let outcome = schema.check(obj, op);
    warnings.extend(outcome.warnings);
    for e in outcome.errors {
        causes.push((e.field.clone(), e.body(), e.kind.reason()));
    }
    Ok(())
}

/// Prepare a new object for create: metadata, admission, schema, managedFields.
pub fn prepare_create(
    server: &ApiServer,
    ctx: &Ctx,
    mut obj: Value,
    manager: &str,
    apply: bool,
) -> ApiResult<(Value, Warnings)> {
    check_type(ctx, &mut obj)?;
    shape::check(&ctx.rt, &obj).map_err(|e| shape::decode_error(ctx, &e))?;
    check_namespace(ctx, &mut obj)?;
    if meta::name(&obj).is_empty()
        && let Some(prefix) = obj["metadata"]["generateName"]
            .as_str()
            .filter(|p| !p.is_empty())
    {
        let name = format!("{prefix}{}", meta::random_suffix());
        meta::meta_mut(&mut obj).insert("name".into(), json!(name));
    }
    meta::init_create(&mut obj, manager);
    if ctx.version().status
        && let Some(o) = obj.as_object_mut()
    {
        o.remove("status");
    }
    let mut warnings = Vec::new();
    let mut causes = Vec::new();
    validate_meta(ctx, &obj, &mut causes);
    apply_schema(ctx, &mut obj, None, None, &mut warnings, &mut causes)?;
    admission::on_create(server, &ctx.rt, &mut obj)
        .map_err(|e| merge_causes(ctx, &obj, e, &mut causes))?;
    if !causes.is_empty() {
        return Err(invalid(ctx, meta::name(&obj), causes));
    }
    let op = if apply { "Apply" } else { "Update" };
    fields::record(ctx, &mut obj, None, manager, op, None);
    limits::check_object(&obj).map_err(|c| invalid(ctx, meta::name(&obj), vec![c]))?;
    Ok((obj, warnings))
}

fn merge_causes(ctx: &Ctx, obj: &Value, e: ApiError, causes: &mut Vec<Cause>) -> ApiError {
    if e.code == 422 && !causes.is_empty() {
        if let Some(cs) = e.details.as_ref().and_then(|d| d["causes"].as_array()) {
            for c in cs {
                causes.push((
                    c["field"].as_str().unwrap_or("").to_string(),
                    c["message"].as_str().unwrap_or("").to_string(),
                    "FieldValueInvalid",
                ));
            }
        }
        return invalid(ctx, meta::name(obj), std::mem::take(causes));
    }
    e
}

/// How an update arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateKind {
    /// PUT: the body's resourceVersion is required for custom resources.
    Put,
    /// PATCH (incl. apply): the resourceVersion is a precondition only if the patch set it.
    Patch,
}

/// Who changes what, and how the change arrived.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    /// The subresource written (`status`), if any.
    pub sub: Option<&'a str>,
    pub how: UpdateKind,
    pub manager: &'a str,
    /// `Update` or `Apply` (managedFields operation).
    pub op: &'a str,
}

/// Prepare an update of `old` to `new` on the main resource or a subresource.
/// Returns `None` when nothing would change.
pub fn prepare_update(
    server: &ApiServer,
    ctx: &Ctx,
    old: &Value,
    mut new: Value,
    change: &Change<'_>,
) -> ApiResult<(Option<Value>, Warnings)> {
    let Change {
        sub,
        how,
        manager,
        op,
    } = *change;
    check_type(ctx, &mut new)?;
    if let Err(e) = shape::check(&ctx.rt, &new) {
        return Err(match how {
            UpdateKind::Put => shape::decode_error(ctx, &e),
            UpdateKind::Patch => shape::patch_error(ctx, ctx.name(), &new, &e),
        });
    }
    check_namespace(ctx, &mut new)?;
    let name = ctx.name();
    match new["metadata"]["name"].as_str() {
        None | Some("") => {
            meta::meta_mut(&mut new).insert("name".into(), json!(name));
        }
        Some(n) if n == name => {}
        Some(n) => {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({n}) does not match the name on the URL ({name})"
            )));
        }
    }
    let old_rv = old["metadata"]["resourceVersion"].as_str().unwrap_or("");
    match new["metadata"]["resourceVersion"]
        .as_str()
        .filter(|s| !s.is_empty())
    {
        Some(rv) if rv != old_rv => return Err(ApiError::conflict(ctx.subject(name))),
        Some(_) => {}
        None if how == UpdateKind::Put && ctx.rt.is_crd_type() => {
            return Err(invalid(
                ctx,
                name,
                vec![(
                    "metadata.resourceVersion".into(),
                    "Invalid value: 0x0: must be specified for an update".into(),
                    "FieldValueInvalid",
                )],
            ));
        }
        None => {}
    }
    let status_sub = ctx.version().status;
    // Only the status (or only everything but the status) changes, depending on the URL.
    match sub {
        Some("status") => {
            let mut merged = old.clone();
            merged["status"] = new.get("status").cloned().unwrap_or(Value::Null);
            if merged["status"].is_null()
                && let Some(o) = merged.as_object_mut()
            {
                o.remove("status");
            }
            new = merged;
        }
        _ if status_sub => match old.get("status") {
            Some(s) => new["status"] = s.clone(),
            None => {
                if let Some(o) = new.as_object_mut() {
                    o.remove("status");
                }
            }
        },
        _ => {}
    }
    // System metadata is the server's.
    {
        let old_meta = &old["metadata"];
        let m = meta::meta_mut(&mut new);
        for k in [
            "uid",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "generation",
            "resourceVersion",
        ] {
            match old_meta.get(k) {
                Some(v) => {
                    m.insert(k.into(), v.clone());
                }
                None => {
                    m.remove(k);
                }
            }
        }
        m.remove("selfLink");
        if m.get("managedFields").is_none_or(|v| v.is_null())
            && let Some(mf) = old_meta.get("managedFields")
        {
            m.insert("managedFields".into(), mf.clone());
        }
        for k in ["labels", "annotations"] {
            if m.get(k).is_some_and(|v| {
                v.is_null() || v.as_object().is_some_and(serde_json::Map::is_empty)
            }) {
                m.remove(k);
            }
        }
        if m.get("finalizers")
            .is_some_and(|v| v.is_null() || v.as_array().is_some_and(Vec::is_empty))
        {
            m.remove("finalizers");
        }
    }
    let mut warnings = Vec::new();
    let mut causes = Vec::new();
    validate_meta(ctx, &new, &mut causes);
    if meta::is_deleting(old) {
        let before = meta::finalizers(old);
        if meta::finalizers(&new).iter().any(|f| !before.contains(f)) {
            causes.push((
                "metadata.finalizers".into(),
                "Forbidden: no new finalizers can be added if the object is being deleted".into(),
                "FieldValueForbidden",
            ));
        }
    }
    apply_schema(ctx, &mut new, Some(old), sub, &mut warnings, &mut causes)?;
    admission::on_update(server, &ctx.rt, old, &mut new)
        .map_err(|e| merge_causes(ctx, &new, e, &mut causes))?;
    if !causes.is_empty() {
        return Err(invalid(ctx, name, causes));
    }
    if !meta::same_content(old, &new, status_sub) {
        let g = old["metadata"]["generation"].as_i64().unwrap_or(1);
        meta::meta_mut(&mut new).insert("generation".into(), json!(g + 1));
    }
    fields::record(ctx, &mut new, Some(old), manager, op, sub);
    limits::check_object(&new).map_err(|c| invalid(ctx, name, vec![c]))?;
    if strip_volatile(&new) == strip_volatile(old) {
        return Ok((None, warnings));
    }
    Ok((Some(new), warnings))
}

/// The object without what changes on every write (for no-op detection).
fn strip_volatile(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("managedFields");
        m.remove("resourceVersion");
    }
    v
}

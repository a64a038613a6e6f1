//! `x-kubernetes-validations`: rules compiled once with the `cel` crate, evaluated the way
//! apiextensions-apiserver's `cel.Validator` does — `self` bound to the node's value, `oldSelf`
//! to the old value on updates (a rule reading `oldSelf` runs only when there is one), failures
//! reported at the node's path with the node's type as the value, runtime errors as
//! `<error> evaluating rule: <message or rule>`, and, with ratcheting, failures of unchanged
//! values turned into warnings.

mod check;
mod convert;
mod library;
mod literals;

use super::SchemaError;
use super::error::{FieldError, FieldErrorKind};
use super::node::Node;
use super::path::{self, Path};
use super::structural::{deep_equal, find_by_keys, is_map_list};
use cel::common::types::CelOptional;
use cel::{Context, Env, ExecutionError, Program};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::ValidationRule;
use serde_json::Value;
use std::fmt;
use std::sync::Arc;

/// The CEL environment shared by all rules of a schema.
#[derive(Clone)]
pub(crate) struct Environment {
    env: Arc<Env>,
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Environment")
    }
}

impl Environment {
    pub(crate) fn new() -> Result<Self, SchemaError> {
        let env = library::environment()
            .map_err(|e| SchemaError::Malformed(format!("CEL environment: {e}")))?;
        Ok(Self { env: Arc::new(env) })
    }
}

/// How a failed rule is reported (`reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reason {
    Invalid,
    Forbidden,
    Required,
    Duplicate,
}

/// One compiled `x-kubernetes-validations` entry.
#[derive(Debug)]
pub(crate) struct Rule {
    source: String,
    program: Program,
    uses_old_self: bool,
    optional_old_self: bool,
    message: Option<String>,
    message_expression: Option<Program>,
    reason: Reason,
    /// `fieldPath`, normalized to a field path (`spec.foo`).
    field_path: Option<String>,
}

impl Rule {
    /// The message a failure of this rule shows (without `messageExpression`).
    pub(crate) fn message(&self) -> String {
        self.message_or_default()
    }

    /// Whether the rule reads `oldSelf` (and so runs on updates only).
    pub(crate) fn is_transition(&self) -> bool {
        self.uses_old_self
    }

    /// String literals the rule compares fields of `self` with, by field path below `self`.
    pub(crate) fn compared(&self) -> std::collections::BTreeMap<String, Vec<String>> {
        literals::compared(self.program.expression())
    }

    /// Fields of `self` the rule reads, by path below `self`.
    pub(crate) fn reads(&self) -> Vec<String> {
        literals::reads(self.program.expression())
    }

    /// `ruleErrorString`: the message, else the rule.
    fn error_string(&self) -> &str {
        match &self.message {
            Some(m) if !m.trim().is_empty() => m.trim(),
            _ => self.source.trim(),
        }
    }

    /// `ruleMessageOrDefault`.
    fn message_or_default(&self) -> String {
        match &self.message {
            Some(m) if !m.trim().is_empty() => m.trim().to_string(),
            _ => format!("failed rule: {}", self.error_string()),
        }
    }
}

/// Compiles a node's rules; `typed` is false for rules inside `allOf`/`anyOf`/… branches,
/// whose node carries no type information to check field names against.
pub(crate) fn compile_rules(
    rules: &[ValidationRule],
    node: &Node,
    path: &str,
    root: bool,
    typed: bool,
    env: &Environment,
) -> Result<Vec<Rule>, SchemaError> {
    let mut out = Vec::with_capacity(rules.len());
    for r in rules {
        if r.rule.trim().is_empty() {
            continue;
        }
        let err = |message: String| SchemaError::Rule {
            path: path.to_string(),
            rule: r.rule.clone(),
            message,
        };
        let program = env
            .env
            .compile(&r.rule)
            .map_err(|e| err(format!("compilation failed: {e}")))?;
        let self_type = check::SelfType {
            node: typed.then_some(node),
            root,
            old_self_typed: !r.optional_old_self.unwrap_or(false),
        };
        let facts = check::check(program.expression(), &self_type)
            .map_err(|e| err(format!("compilation failed: {e}")))?;
        let message_expression = match r.message_expression.as_deref().filter(|m| !m.is_empty()) {
            Some(src) => {
                let p = env
                    .env
                    .compile(src)
                    .map_err(|e| err(format!("messageExpression compilation failed: {e}")))?;
                check::check(p.expression(), &self_type)
                    .map_err(|e| err(format!("messageExpression compilation failed: {e}")))?;
                Some(p)
            }
            None => None,
        };
        let reason = match r.reason.as_deref() {
            None | Some("FieldValueInvalid") => Reason::Invalid,
            Some("FieldValueForbidden") => Reason::Forbidden,
            Some("FieldValueRequired") => Reason::Required,
            Some("FieldValueDuplicate") => Reason::Duplicate,
            Some(other) => {
                return Err(err(format!(
                    "reason: Unsupported value: {other:?}: supported values: \"FieldValueDuplicate\", \"FieldValueForbidden\", \"FieldValueInvalid\", \"FieldValueRequired\""
                )));
            }
        };
        let field_path = match r.field_path.as_deref().filter(|f| !f.is_empty()) {
            Some(fp) => Some(
                normalize_field_path(fp, node)
                    .map_err(|e| err(format!("fieldPath {fp:?}: {e}")))?,
            ),
            None => None,
        };
        out.push(Rule {
            source: r.rule.clone(),
            program,
            uses_old_self: facts.uses_old_self,
            optional_old_self: r.optional_old_self.unwrap_or(false),
            message: r.message.clone(),
            message_expression,
            reason,
            field_path,
        });
    }
    Ok(out)
}

/// `ValidFieldPath`: `.a.b` and `['a.b']` steps through declared properties or map keys,
/// rendered as a field path.
fn normalize_field_path(fp: &str, node: &Node) -> Result<String, String> {
    let mut out = String::new();
    let mut schema = node;
    let mut rest = fp;
    while !rest.is_empty() {
        let (name, tail) = if let Some(r) = rest.strip_prefix("['") {
            let end = r.find("']").ok_or("expected ] but got end of path")?;
            (r[..end].replace("\\'", "'"), &r[end + 2..])
        } else if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            if end == 0 {
                return Err("unexpected end of JSON path".into());
            }
            (r[..end].to_string(), &r[end..])
        } else {
            return Err(format!("expected [ or . but got: {rest}"));
        };
        if schema.properties.is_some() {
            schema = schema
                .property(&name)
                .ok_or("does not refer to a valid field")?;
            out = path::child(&out, &name);
        } else if let Some(add) = schema.additional_schema() {
            schema = add;
            out.push_str(&format!("[{name}]"));
        } else {
            return Err("does not refer to a valid field".into());
        }
        rest = tail;
    }
    Ok(out)
}

/// Where failures of unchanged values become warnings (updates of the main resource): the
/// ratcheting state of `ratchetingOptions`.
#[derive(Clone, Copy)]
pub(crate) struct Ratchet<'v> {
    on: bool,
    /// The node itself is correlated with the old object (its `old` is the same field).
    current: bool,
    /// The nearest ancestor that was correlated.
    nearest: Option<(&'v Node, &'v Value, &'v Value)>,
}

impl Ratchet<'_> {
    pub(crate) const OFF: Ratchet<'static> = Ratchet {
        on: false,
        current: false,
        nearest: None,
    };
    pub(crate) const ON: Ratchet<'static> = Ratchet {
        on: true,
        current: true,
        nearest: None,
    };
}

/// Evaluates every rule below `obj` (the object itself, with `old` on updates).
pub(crate) struct Evaluator<'e> {
    env: &'e Environment,
    pub errors: Vec<FieldError>,
    pub warnings: Vec<String>,
    /// Only rules whose message this accepts run (`None`: all).
    only: Option<&'e dyn Fn(&str) -> bool>,
}

impl<'e> Evaluator<'e> {
    pub(crate) fn new(env: &'e Environment) -> Self {
        Self {
            env,
            errors: Vec::new(),
            warnings: Vec::new(),
            only: None,
        }
    }

    /// An evaluator that runs only the rules whose message `only` accepts.
    pub(crate) fn only(env: &'e Environment, only: &'e dyn Fn(&str) -> bool) -> Self {
        Self {
            only: Some(only),
            ..Self::new(env)
        }
    }

    fn skips(&self, rule: &Rule) -> bool {
        self.only.is_some_and(|only| !only(&rule.message()))
    }

    pub(crate) fn root(&mut self, root: &Node, obj: &Value, old: Option<&Value>, ratchet: Ratchet) {
        self.node(root, root, obj, old, &Path::Root, true, ratchet);
    }

    /// Only the rules of `node` itself on `value`, as on a create (transition rules skip);
    /// errors name the node `<nil>`.
    pub(crate) fn own_rules(&mut self, node: &Node, value: &Value) {
        if !node.rules.is_empty() && !value.is_null() {
            self.expressions(node, node, value, None, &Path::Root, false, Ratchet::OFF);
        }
    }

    /// `vs` holds the rules (an `allOf` branch has its own), `ts` the types of the data.
    #[allow(clippy::too_many_arguments)]
    fn node<'v>(
        &mut self,
        vs: &'v Node,
        ts: &'v Node,
        obj: &'v Value,
        old: Option<&'v Value>,
        path: &Path,
        root: bool,
        ratchet: Ratchet<'v>,
    ) {
        if !vs.rules_below || obj.is_null() {
            return;
        }
        if !vs.rules.is_empty() {
            self.expressions(vs, ts, obj, old, path, root, ratchet);
        }
        for branch in &vs.all_of {
            let r = Ratchet {
                current: false,
                ..ratchet
            };
            self.node(branch, ts, obj, old, path, root, r);
        }
        let nearest = match old {
            Some(o) if ratchet.current => Some((ts, obj, o)),
            _ => ratchet.nearest,
        };
        let child_ratchet = |child_old: Option<&Value>| Ratchet {
            on: ratchet.on,
            current: ratchet.current && child_old.is_some(),
            nearest,
        };
        match obj {
            Value::Array(items) => {
                let (Some(vi), Some(ti)) = (&vs.items, &ts.items) else {
                    return;
                };
                let old_items = match old {
                    Some(Value::Array(o)) if is_map_list(ts) => Some(o),
                    _ => None,
                };
                for (i, item) in items.iter().enumerate() {
                    let item_old = old_items.and_then(|o| find_by_keys(&ts.list_map_keys, o, item));
                    let p = path.index(i);
                    self.node(
                        vi,
                        ti,
                        item,
                        item_old,
                        &p,
                        ti.embedded,
                        child_ratchet(item_old),
                    );
                }
            }
            Value::Object(map) => {
                let correlatable =
                    matches!(ts.map_type.as_deref(), None | Some("granular" | "atomic"));
                let old_map = match old {
                    Some(Value::Object(o)) if correlatable => Some(o),
                    _ => None,
                };
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                if let (Some(va), Some(ta)) = (vs.additional_schema(), ts.additional_schema()) {
                    for k in &keys {
                        let child_old = old_map.and_then(|o| o.get(*k));
                        let p = path.key(k);
                        let r = child_ratchet(child_old);
                        self.node(va, ta, &map[*k], child_old, &p, ta.embedded, r);
                    }
                }
                if vs.properties.is_some() {
                    for k in &keys {
                        if let (Some(vp), Some(tp)) = (vs.property(k), ts.property(k)) {
                            let child_old = old_map.and_then(|o| o.get(*k));
                            let p = path.prop(k);
                            let r = child_ratchet(child_old);
                            self.node(vp, tp, &map[*k], child_old, &p, tp.embedded, r);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn expressions<'v>(
        &mut self,
        vs: &Node,
        ts: &Node,
        obj: &'v Value,
        old: Option<&'v Value>,
        path: &Path,
        root: bool,
        ratchet: Ratchet<'v>,
    ) {
        let field = path.field();
        let sts_type = Value::from(ts.sts_type.as_str());
        let self_val = match convert::to_val(obj, ts, root) {
            Ok(v) => v,
            Err(msg) => {
                for rule in &vs.rules {
                    if rule.uses_old_self && old.is_none() && !rule.optional_old_self {
                        continue;
                    }
                    self.errors.push(FieldError::new(
                        field.clone(),
                        FieldErrorKind::Invalid,
                        Some(sts_type.clone()),
                        format!("{msg} evaluating rule: {}", rule.error_string()),
                    ));
                }
                return;
            }
        };
        let old_val = match old {
            Some(o) if vs.rules.iter().any(|r| r.uses_old_self) => {
                convert::to_val(o, ts, root).ok()
            }
            _ => None,
        };
        let optional_ctx_needed = vs.rules.iter().any(|r| r.optional_old_self);
        let optional_self = optional_ctx_needed.then(|| self_val.clone_as_boxed());
        let optional_old = match (optional_ctx_needed, &old_val) {
            (true, Some(o)) => Some(o.clone_as_boxed()),
            _ => None,
        };
        let mut ctx = Context::with_env(self.env.env.clone());
        ctx.add_variable_as_val("self", self_val);
        if let Some(o) = old_val {
            ctx.add_variable_as_val("oldSelf", o);
        }
        let optional_ctx = optional_self.map(|s| {
            let mut c = Context::with_env(self.env.env.clone());
            c.add_variable_as_val("self", s);
            let opt = match optional_old {
                Some(o) => CelOptional::of(o),
                None => CelOptional::none(),
            };
            c.add_variable_as_val("oldSelf", Box::new(opt));
            c
        });
        let mut should_ratchet: Option<bool> = None;
        for rule in &vs.rules {
            if (rule.uses_old_self && old.is_none() && !rule.optional_old_self) || self.skips(rule)
            {
                continue;
            }
            let rule_ctx = match (&optional_ctx, rule.optional_old_self) {
                (Some(c), true) => c,
                _ => &ctx,
            };
            let result = rule.program.execute(rule_ctx);
            let passed = match result {
                Ok(cel::Value::Bool(true)) => true,
                Ok(_) => false,
                Err(e) => {
                    let detail = match runtime_error(&e) {
                        RuntimeError::NoSuchOverload => format!(
                            "'no such overload': call arguments did not match a supported operator, function or macro signature for rule: {}",
                            rule.error_string()
                        ),
                        RuntimeError::Other(msg) => {
                            format!("{msg} evaluating rule: {}", rule.error_string())
                        }
                    };
                    self.errors.push(FieldError::new(
                        field.clone(),
                        FieldErrorKind::Invalid,
                        Some(sts_type.clone()),
                        detail,
                    ));
                    continue;
                }
            };
            if passed {
                continue;
            }
            let at = match &rule.field_path {
                Some(fp) => path::child(&field, fp),
                None => field.clone(),
            };
            let message = match &rule.message_expression {
                Some(p) => match p.execute(&ctx) {
                    Ok(cel::Value::String(s)) => {
                        let s = s.trim();
                        if s.is_empty() || s.len() > 5 * 1024 || s.contains('\n') {
                            rule.message_or_default()
                        } else {
                            s.to_string()
                        }
                    }
                    _ => rule.message_or_default(),
                },
                None => rule.message_or_default(),
            };
            let err = match rule.reason {
                Reason::Invalid => {
                    FieldError::new(at, FieldErrorKind::Invalid, Some(sts_type.clone()), message)
                }
                Reason::Forbidden => FieldError::new(at, FieldErrorKind::Forbidden, None, message),
                Reason::Required => FieldError::new(at, FieldErrorKind::Required, None, message),
                Reason::Duplicate => {
                    FieldError::new(at, FieldErrorKind::Duplicate, Some(sts_type.clone()), "")
                }
            };
            let ratcheted = !rule.uses_old_self
                && ratchet.on
                && *should_ratchet.get_or_insert_with(|| match (old, ratchet.nearest) {
                    (Some(o), _) if ratchet.current => deep_equal(ts, obj, o),
                    (_, Some((n, new, o))) => deep_equal(n, new, o),
                    _ => false,
                });
            if ratcheted {
                self.warnings.push(err.to_string());
            } else {
                self.errors.push(err);
            }
        }
    }
}

enum RuntimeError {
    NoSuchOverload,
    Other(String),
}

/// A `cel` crate error in cel-go's words.
fn runtime_error(e: &ExecutionError) -> RuntimeError {
    match e {
        ExecutionError::NoSuchOverload(_)
        | ExecutionError::UnexpectedType { .. }
        | ExecutionError::ValuesNotComparable(..)
        | ExecutionError::UnsupportedBinaryOperator(..)
        | ExecutionError::NotSupportedAsMethod { .. }
        | ExecutionError::UnsupportedTargetType { .. }
        | ExecutionError::InvalidArgumentCount { .. } => RuntimeError::NoSuchOverload,
        ExecutionError::NoSuchKey(k) => RuntimeError::Other(format!("no such key: {k}")),
        ExecutionError::DivisionByZero(_) => RuntimeError::Other("division by zero".into()),
        ExecutionError::RemainderByZero(_) => RuntimeError::Other("modulus by zero".into()),
        ExecutionError::Overflow(..) => RuntimeError::Other("integer overflow".into()),
        ExecutionError::IndexOutOfBounds(i) => {
            RuntimeError::Other(format!("index out of bounds: {}", cel_value(i)))
        }
        ExecutionError::UndeclaredReference(name) => {
            RuntimeError::Other(format!("no such attribute(s): {name}"))
        }
        ExecutionError::FunctionError { message, .. } => RuntimeError::Other(message.clone()),
        other => RuntimeError::Other(other.to_string()),
    }
}

fn cel_value(v: &cel::Value) -> String {
    match v {
        cel::Value::Int(i) => i.to_string(),
        cel::Value::UInt(u) => u.to_string(),
        cel::Value::String(s) => s.to_string(),
        other => format!("{other:?}"),
    }
}

//! What to write instead, when a CEL rule refuses a claim. Claim CRDs name their valid
//! services and plans inside `x-kubernetes-validations` rules (`self.plan == '…' || …`), not
//! as enums, so a failure only says "Unsupported plan used for postgresql". The rules
//! themselves hold the answer: the literals they compare a field with are the candidates, and
//! evaluating the rules that read the field with each candidate in place — with the claim's
//! other fields as written — leaves the ones the server would accept. A rule that only reads
//! a field (`self.plan.contains('-replica-')`) gets the field's `enum` as candidates.

use crate::schema::{FieldError, RuleSummary, Schema};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::JSONSchemaProps;
use serde_json::Value;

/// A hint for a failed rule: which field it is about and what would be accepted there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hint {
    /// The field the hint is about (`spec.plan`), as a full path.
    pub field: String,
    /// The values that would pass, in the rules' order.
    pub valid: Vec<String>,
    /// The sentence to show, e.g. `valid plans for a9s-postgresql15 (compositionRef.name
    /// a9s-postgresql): postgresql-single-nano, …`.
    pub text: String,
}

/// The hint for `err`, a failure of one of `schema`'s rules on `obj`, if the rules name values
/// that would pass. The field the hint is about is the one the rule compares with literals
/// for which some literal passes every rule that reads it (most literals first): for "Bionic
/// plans are only supported by a9s PostgreSQL 13" that is `service`, not the composition.
pub fn for_error(
    schema: &Schema,
    rules: &[RuleSummary],
    obj: &Value,
    err: &FieldError,
) -> Option<Hint> {
    let at: Vec<&RuleSummary> = rules
        .iter()
        .filter(|r| r.field == err.field && !r.transition)
        .collect();
    let failed = at.iter().find(|r| {
        err.detail == r.message
            || err
                .detail
                .ends_with(&format!("evaluating rule: {}", r.message))
    })?;
    let base = value_at(obj, &err.field)?;
    let missing = err
        .detail
        .strip_prefix("no such key: ")
        .and_then(|rest| rest.split(' ').next());
    // Fields the rule compares with literals (most first), then fields it reads that have
    // an enum (`self.plan.contains('-replica-')`).
    let mut subjects: Vec<(&String, Vec<String>)> = failed
        .compared
        .iter()
        .map(|(p, values)| (p, values.clone()))
        .collect();
    subjects.sort_by_key(|(_, values)| std::cmp::Reverse(values.len()));
    for read in &failed.reads {
        let values = enum_at(schema.props(), &join(&err.field, read));
        if !values.is_empty() && !failed.compared.contains_key(read) {
            subjects.push((read, values));
        }
    }
    subjects.retain(|(p, _)| {
        missing.is_none_or(|key| p.as_str() == key || p.starts_with(&format!("{key}.")))
    });
    let (subject, relevant, valid) = subjects.into_iter().find_map(|(subject, values)| {
        let (relevant, valid) = passing(schema, &at, &err.field, base, subject, values);
        (!valid.is_empty()).then_some((subject, relevant, valid))
    })?;
    let field = join(&err.field, subject);
    let name = subject.rsplit('.').next().unwrap_or(subject);
    let text = match missing {
        Some(_) => format!(
            "{field} is not set and the rules need it; one of: {}",
            valid.join(", ")
        ),
        None => format!(
            "valid {name}s{}: {}",
            context(&relevant, subject, base).sentence(),
            valid.join(", ")
        ),
    };
    Some(Hint { field, valid, text })
}

/// The rules that read `subject`, and which of `first` and the literals those rules name for
/// it make all of them pass (the claim's other fields as written).
fn passing<'r>(
    schema: &Schema,
    at: &[&'r RuleSummary],
    field: &str,
    base: &Value,
    subject: &str,
    first: Vec<String>,
) -> (Vec<&'r RuleSummary>, Vec<String>) {
    let relevant: Vec<&RuleSummary> = at
        .iter()
        .copied()
        .filter(|r| r.reads.iter().any(|p| p == subject) || r.compared.contains_key(subject))
        .collect();
    let mut candidates: Vec<String> = first;
    for r in &relevant {
        for v in r.compared.get(subject).into_iter().flatten() {
            if !candidates.contains(v) {
                candidates.push(v.clone());
            }
        }
    }
    let messages: Vec<&str> = relevant.iter().map(|r| r.message.as_str()).collect();
    let valid = candidates
        .into_iter()
        .filter(|c| {
            let mut trial = base.clone();
            set(&mut trial, subject, Value::String(c.clone()));
            let relevant = |m: &str| messages.contains(&m);
            schema.check_rules_at(field, &trial, &relevant).is_empty()
        })
        .collect();
    (relevant, valid)
}

/// The other fields the relevant rules read, with the claim's values.
struct Context(Vec<(String, String)>);

impl Context {
    /// ` for a9s-postgresql15 (compositionRef.name a9s-postgresql)`.
    fn sentence(&self) -> String {
        let mut plain = self.0.iter().filter(|(p, _)| !p.contains('.'));
        let Some((_, first)) = plain.next() else {
            return self.rest(None);
        };
        format!(" for {first}{}", self.rest(Some(first)))
    }

    fn rest(&self, skip: Option<&String>) -> String {
        let others: Vec<String> = self
            .0
            .iter()
            .filter(|(_, v)| Some(v) != skip)
            .map(|(p, v)| format!("{p} {v}"))
            .collect();
        if others.is_empty() {
            String::new()
        } else if skip.is_none() {
            format!(" for {}", others.join(", "))
        } else {
            format!(" ({})", others.join(", "))
        }
    }
}

fn context(rules: &[&RuleSummary], subject: &str, base: &Value) -> Context {
    let mut out: Vec<(String, String)> = Vec::new();
    for r in rules {
        let fields = r.compared.keys().chain(r.reads.iter());
        for path in fields.filter(|p| p.as_str() != subject) {
            if let Some(v) = value_at(base, path).and_then(Value::as_str)
                && !out.iter().any(|(p, _)| p == path)
            {
                out.push((path.clone(), v.to_string()));
            }
        }
    }
    out.sort_by_key(|(p, _)| p.contains('.'));
    Context(out)
}

/// The string values of the `enum` of the field at a dotted path of declared properties.
fn enum_at(props: &JSONSchemaProps, path: &str) -> Vec<String> {
    let node = path
        .split('.')
        .try_fold(props, |p, key| p.properties.as_ref()?.get(key));
    node.and_then(|n| n.enum_.as_ref())
        .map(|values| {
            values
                .iter()
                .filter_map(|v| v.0.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// `field.child`, or `child` alone below the object (`<nil>`).
fn join(field: &str, child: &str) -> String {
    if field == "<nil>" || field.is_empty() {
        child.to_string()
    } else {
        format!("{field}.{child}")
    }
}

/// The value at a dotted path of object keys (`<nil>`: the value itself).
fn value_at<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    if path == "<nil>" || path.is_empty() {
        return Some(v);
    }
    path.split('.').try_fold(v, |cur, key| cur.get(key))
}

/// Set a dotted path of object keys, creating objects on the way.
fn set(v: &mut Value, path: &str, to: Value) {
    let mut cur = v;
    for key in path.split('.') {
        if !cur.is_object() {
            *cur = Value::Object(Default::default());
        }
        let Some(map) = cur.as_object_mut() else {
            return;
        };
        cur = map.entry(key.to_string()).or_insert(Value::Null);
    }
    *cur = to;
}

//! What to write instead, when a CEL rule refuses a claim. Claim CRDs name their valid
//! services and plans inside `x-kubernetes-validations` rules (`self.plan == '…' || …`), not
//! as enums, so a failure only says "Unsupported plan used for postgresql". The rules
//! themselves hold the answer: the literals they compare a field with are the candidates, and
//! evaluating the rules that read the field with each candidate in place — with the claim's
//! other fields as written — leaves the ones the server would accept.

use crate::schema::{FieldError, RuleSummary, Schema};
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

/// The hint for `err`, a failure of one of `schema`'s rules on `obj`, if the rules name values.
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
    let subject = match missing {
        Some(key) => failed
            .compared
            .keys()
            .find(|p| p.as_str() == key || p.starts_with(&format!("{key}.")))?
            .clone(),
        None => failed
            .compared
            .iter()
            .max_by_key(|(_, values)| values.len())
            .map(|(path, _)| path.clone())?,
    };
    let relevant: Vec<&&RuleSummary> = at
        .iter()
        .filter(|r| r.reads.contains(&subject) || r.compared.contains_key(&subject))
        .collect();
    let mut candidates: Vec<String> = Vec::new();
    for r in &relevant {
        for v in r.compared.get(&subject).into_iter().flatten() {
            if !candidates.contains(v) {
                candidates.push(v.clone());
            }
        }
    }
    let messages: Vec<&str> = relevant.iter().map(|r| r.message.as_str()).collect();
    let valid: Vec<String> = candidates
        .into_iter()
        .filter(|c| {
            let mut trial = base.clone();
            set(&mut trial, &subject, Value::String(c.clone()));
            !schema.check_rules_at(&err.field, &trial).iter().any(|e| {
                messages
                    .iter()
                    .any(|m| e.detail == *m || e.detail.ends_with(m))
            })
        })
        .collect();
    let field = join(&err.field, &subject);
    let name = subject.rsplit('.').next().unwrap_or(&subject);
    let context = context(&relevant, &subject, base);
    let text = match (missing, valid.is_empty()) {
        (Some(_), _) => format!(
            "{field} is not set and the rules need it; one of: {}",
            valid.join(", ")
        ),
        (None, true) => format!("no {name} the rules name fits{}", context.sentence()),
        (None, false) => format!("valid {name}s{}: {}", context.sentence(), valid.join(", ")),
    };
    Some(Hint { field, valid, text })
}

/// The other fields the relevant rules compare, with the claim's values.
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

fn context(rules: &[&&RuleSummary], subject: &str, base: &Value) -> Context {
    let mut out: Vec<(String, String)> = Vec::new();
    for r in rules {
        for path in r.compared.keys().filter(|p| p.as_str() != subject) {
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

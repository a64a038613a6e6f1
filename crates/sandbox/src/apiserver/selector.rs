//! Label and field selectors (`labelSelector=`, `fieldSelector=`), parsed as the apiserver does.

use super::error::{ApiError, ApiResult};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
enum Op {
    Exists,
    NotExists,
    Eq(String),
    NotEq(String),
    In(Vec<String>),
    NotIn(Vec<String>),
    Gt(i64),
    Lt(i64),
}

#[derive(Debug, Clone, PartialEq)]
struct Requirement {
    key: String,
    op: Op,
}

/// A parsed label selector; the empty selector matches everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelSelector(Vec<Requirement>);

/// Split on commas that are not inside parentheses.
fn split_top(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn valid_name_part(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
}

fn check_key(key: &str) -> ApiResult<()> {
    let name = match key.rsplit_once('/') {
        Some((prefix, name)) => {
            let ok = !prefix.is_empty()
                && prefix.len() <= 253
                && prefix.split('.').all(|p| {
                    !p.is_empty()
                        && p.chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                });
            if !ok {
                return Err(parse_error(
                    key,
                    "prefix part must be a valid DNS subdomain (lowercase letters, digits, '-' and '.')",
                ));
            }
            name
        }
        None => key,
    };
    if valid_name_part(name) {
        Ok(())
    } else {
        Err(parse_error(
            key,
            "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, at most 63 characters",
        ))
    }
}

fn check_value(key: &str, v: &str) -> ApiResult<()> {
    if v.is_empty() || valid_name_part(v) {
        Ok(())
    } else {
        Err(parse_error(
            key,
            &format!(
                "invalid label value {v:?}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
            ),
        ))
    }
}

fn parse_error(what: &str, why: &str) -> ApiError {
    ApiError::bad_request(format!("unable to parse requirement: {what:?}: {why}"))
}

fn parse_set(key: &str, rest: &str) -> ApiResult<Vec<String>> {
    let inner = rest
        .trim()
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| parse_error(key, "expected a parenthesised list of values, e.g. (a,b)"))?;
    let vals: Vec<String> = inner.split(',').map(|v| v.trim().to_string()).collect();
    for v in &vals {
        check_value(key, v)?;
    }
    Ok(vals)
}

impl LabelSelector {
    pub fn parse(s: &str) -> ApiResult<Self> {
        let mut reqs = Vec::new();
        for part in split_top(s) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            reqs.push(parse_requirement(part)?);
        }
        Ok(Self(reqs))
    }

    /// Selects everything.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn matches(&self, labels: &Value) -> bool {
        self.0.iter().all(|r| {
            let v = labels.get(&r.key).and_then(Value::as_str);
            match &r.op {
                Op::Exists => v.is_some(),
                Op::NotExists => v.is_none(),
                Op::Eq(x) => v == Some(x.as_str()),
                Op::NotEq(x) => v != Some(x.as_str()),
                Op::In(xs) => v.is_some_and(|v| xs.iter().any(|x| x == v)),
                Op::NotIn(xs) => v.is_none_or(|v| !xs.iter().any(|x| x == v)),
                Op::Gt(n) => v
                    .and_then(|v| v.parse::<i64>().ok())
                    .is_some_and(|v| v > *n),
                Op::Lt(n) => v
                    .and_then(|v| v.parse::<i64>().ok())
                    .is_some_and(|v| v < *n),
            }
        })
    }
}

type MakeOp = fn(String) -> ApiResult<Op>;

fn parse_requirement(part: &str) -> ApiResult<Requirement> {
    if let Some(key) = part.strip_prefix('!') {
        let key = key.trim();
        check_key(key)?;
        return Ok(Requirement {
            key: key.into(),
            op: Op::NotExists,
        });
    }
    for (tok, neg) in [(" notin ", true), (" in ", false)] {
        if let Some((key, rest)) = part.split_once(tok) {
            let key = key.trim();
            check_key(key)?;
            let vals = parse_set(key, rest)?;
            let op = if neg { Op::NotIn(vals) } else { Op::In(vals) };
            return Ok(Requirement {
                key: key.into(),
                op,
            });
        }
    }
    let ops: [(&str, MakeOp); 6] = [
        ("!=", |v| Ok(Op::NotEq(v))),
        ("==", |v| Ok(Op::Eq(v))),
        ("=", |v| Ok(Op::Eq(v))),
        (">", |v| {
            v.parse().map(Op::Gt).map_err(|_| ApiError::bad_request(format!("unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer, got {v:?}")))
        }),
        ("<", |v| {
            v.parse().map(Op::Lt).map_err(|_| ApiError::bad_request(format!("unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer, got {v:?}")))
        }),
        ("", |_| Ok(Op::Exists)),
    ];
    for (tok, make) in ops {
        let (key, val) = if tok.is_empty() {
            (part, "")
        } else if let Some((k, v)) = part.split_once(tok) {
            (k, v)
        } else {
            continue;
        };
        let key = key.trim();
        let val = val.trim();
        check_key(key)?;
        if !tok.is_empty() && !matches!(tok, ">" | "<") {
            check_value(key, val)?;
        }
        return Ok(Requirement {
            key: key.into(),
            op: make(val.to_string())?,
        });
    }
    Err(parse_error(part, "unrecognised requirement"))
}

/// A parsed field selector (`metadata.name=x,status.phase!=Active`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldSelector(Vec<(String, bool, String)>);

impl FieldSelector {
    /// Parse, allowing `metadata.name`, `metadata.namespace` and the type's own fields.
    pub fn parse(s: &str, allowed: &[String]) -> ApiResult<Self> {
        let mut out = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, eq, val) = if let Some((k, v)) = part.split_once("!=") {
                (k, false, v)
            } else if let Some((k, v)) = part.split_once("==") {
                (k, true, v)
            } else if let Some((k, v)) = part.split_once('=') {
                (k, true, v)
            } else {
                return Err(ApiError::bad_request(format!(
                    "invalid selector: '{part}'; can't understand '{part}'"
                )));
            };
            let key = key.trim();
            if key != "metadata.name"
                && key != "metadata.namespace"
                && !allowed.iter().any(|a| a == key)
            {
                return Err(ApiError::bad_request(format!(
                    "field label not supported: {key}"
                )));
            }
            out.push((key.to_string(), eq, val.trim().to_string()));
        }
        Ok(Self(out))
    }

    /// Selects everything.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn matches(&self, obj: &Value) -> bool {
        self.0.iter().all(|(key, eq, val)| {
            let mut cur = obj;
            for seg in key.split('.') {
                cur = &cur[seg];
            }
            let actual = match cur {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            (actual == *val) == *eq
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn label_selectors() {
        let l = json!({"app": "a", "tier": "web", "n": "5"});
        for (sel, want) in [
            ("app=a", true),
            ("app==a,tier=web", true),
            ("app!=a", false),
            ("app", true),
            ("!app", false),
            ("!missing", true),
            ("tier in (web, db)", true),
            ("tier notin (web,db)", false),
            ("missing notin (x)", true),
            ("n>4", true),
            ("n<4", false),
            ("", true),
        ] {
            assert_eq!(
                LabelSelector::parse(sel).unwrap().matches(&l),
                want,
                "{sel}"
            );
        }
        for bad in ["app=a b", "-x=y", "a in b", "x>y", "a/b/c=d"] {
            assert!(LabelSelector::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn field_selectors() {
        let o = json!({"metadata": {"name": "w1", "namespace": "ns"}, "type": "Opaque"});
        let allowed = vec!["type".to_string()];
        assert!(
            FieldSelector::parse("metadata.name=w1", &allowed)
                .unwrap()
                .matches(&o)
        );
        assert!(
            !FieldSelector::parse("metadata.name!=w1", &allowed)
                .unwrap()
                .matches(&o)
        );
        assert!(
            FieldSelector::parse("type==Opaque,metadata.namespace=ns", &allowed)
                .unwrap()
                .matches(&o)
        );
        let e = FieldSelector::parse("spec.x=1", &allowed).unwrap_err();
        assert_eq!(e.message, "field label not supported: spec.x");
    }
}

//! Label selectors as kubectl's `-l` and the API server's `labelSelector=` take them:
//! comma-separated requirements `key`, `!key`, `key=value` (`==`), `key!=value`,
//! `key in (a,b)`, `key notin (a,b)`, `key>1` and `key<1`, with whitespace allowed around
//! keys, operators and values. Keys and values are checked as label keys and values are;
//! the error messages are the ones the sandbox's API server answers with.

use std::collections::BTreeMap;

/// Why a label selector does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectorError {
    #[error(
        "unable to parse requirement: {key:?}: prefix part must be a valid DNS subdomain (lowercase letters, digits, '-' and '.')"
    )]
    KeyPrefix { key: String },
    #[error(
        "unable to parse requirement: {key:?}: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, at most 63 characters"
    )]
    KeyName { key: String },
    #[error(
        "unable to parse requirement: {key:?}: invalid label value {value:?}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
    )]
    Value { key: String, value: String },
    #[error(
        "unable to parse requirement: {key:?}: expected a parenthesised list of values, e.g. (a,b)"
    )]
    ValueSet { key: String },
    #[error(
        "unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer, got {value:?}"
    )]
    NotAnInteger { value: String },
}

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

impl LabelSelector {
    /// Parse a selector; empty requirements (`a=b,,c`, a blank text) are skipped.
    pub fn parse(s: &str) -> Result<Self, SelectorError> {
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

    /// Whether an object with these labels is selected.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.matches_by(|key| labels.get(key).map(String::as_str))
    }

    /// Whether an object is selected whose label `key` is `label(key)`, for labels kept in
    /// another form than a map (a JSON object, say).
    pub fn matches_by<'a>(&self, label: impl Fn(&str) -> Option<&'a str>) -> bool {
        self.0.iter().all(|r| {
            let v = label(&r.key);
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

fn check_key(key: &str) -> Result<(), SelectorError> {
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
                return Err(SelectorError::KeyPrefix { key: key.into() });
            }
            name
        }
        None => key,
    };
    if valid_name_part(name) {
        Ok(())
    } else {
        Err(SelectorError::KeyName { key: key.into() })
    }
}

fn check_value(key: &str, v: &str) -> Result<(), SelectorError> {
    if v.is_empty() || valid_name_part(v) {
        Ok(())
    } else {
        Err(SelectorError::Value {
            key: key.into(),
            value: v.into(),
        })
    }
}

fn parse_set(key: &str, rest: &str) -> Result<Vec<String>, SelectorError> {
    let inner = rest
        .trim()
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| SelectorError::ValueSet { key: key.into() })?;
    let vals: Vec<String> = inner.split(',').map(|v| v.trim().to_string()).collect();
    for v in &vals {
        check_value(key, v)?;
    }
    Ok(vals)
}

/// `(key, rest)` around the first `keyword` (`in`, `notin`) that stands as a word: after
/// whitespace, and before whitespace or the value set's `(`.
fn split_keyword<'t>(term: &'t str, keyword: &str) -> Option<(&'t str, &'t str)> {
    term.match_indices(keyword).find_map(|(i, _)| {
        let (key, rest) = (&term[..i], &term[i + keyword.len()..]);
        let after_space = key.ends_with(char::is_whitespace);
        let before_set = rest.starts_with(|c: char| c.is_whitespace() || c == '(');
        (after_space && before_set).then_some((key, rest))
    })
}

type MakeOp = fn(String) -> Result<Op, SelectorError>;

fn integer(v: String) -> Result<i64, SelectorError> {
    v.parse()
        .map_err(|_| SelectorError::NotAnInteger { value: v })
}

fn parse_requirement(part: &str) -> Result<Requirement, SelectorError> {
    if let Some(key) = part.strip_prefix('!') {
        let key = key.trim();
        check_key(key)?;
        return Ok(Requirement {
            key: key.into(),
            op: Op::NotExists,
        });
    }
    for (keyword, neg) in [("notin", true), ("in", false)] {
        if let Some((key, rest)) = split_keyword(part, keyword) {
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
    let ops: [(&str, MakeOp); 5] = [
        ("!=", |v| Ok(Op::NotEq(v))),
        ("==", |v| Ok(Op::Eq(v))),
        ("=", |v| Ok(Op::Eq(v))),
        (">", |v| integer(v).map(Op::Gt)),
        ("<", |v| integer(v).map(Op::Lt)),
    ];
    for (tok, make) in ops {
        let Some((key, val)) = part.split_once(tok) else {
            continue;
        };
        let key = key.trim();
        let val = val.trim();
        check_key(key)?;
        if !matches!(tok, ">" | "<") {
            check_value(key, val)?;
        }
        return Ok(Requirement {
            key: key.into(),
            op: make(val.to_string())?,
        });
    }
    check_key(part)?;
    Ok(Requirement {
        key: part.into(),
        op: Op::Exists,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn label_selectors() {
        let l = labels(&[("app", "a"), ("tier", "web"), ("n", "5")]);
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
    fn whitespace_is_allowed_where_kubectl_allows_it() {
        let l = labels(&[("app", "shop"), ("tier", "db")]);
        for sel in [
            "tier in (db, cache)",
            "tier in(db)",
            "tier\tin\t(db)",
            " app = shop , tier ",
            "app=shop,tier",
            "tier notin(web)",
            "! missing",
            "app != web",
        ] {
            assert!(LabelSelector::parse(sel).unwrap().matches(&l), "{sel:?}");
        }
        assert!(
            !LabelSelector::parse("tier notin ( db )")
                .unwrap()
                .matches(&l)
        );
    }

    #[test]
    fn keywords_inside_keys_and_values_are_not_operators() {
        let l = labels(&[("domain", "x"), ("notinx", "y")]);
        assert!(LabelSelector::parse("domain").unwrap().matches(&l));
        assert!(LabelSelector::parse("notinx=y").unwrap().matches(&l));
        assert!(
            LabelSelector::parse("domain in (x,in)")
                .unwrap()
                .matches(&l)
        );
    }

    #[test]
    fn errors_say_what_the_api_server_says() {
        let err = |s: &str| LabelSelector::parse(s).unwrap_err().to_string();
        assert_eq!(
            err("a in (b"),
            "unable to parse requirement: \"a\": expected a parenthesised list of values, e.g. (a,b)"
        );
        assert_eq!(
            err("x>y"),
            "unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer, got \"y\""
        );
        assert!(err("A_/b=c").contains("prefix part must be a valid DNS subdomain"));
        assert!(err("-x=y").starts_with("unable to parse requirement: \"-x\": name part"));
        assert!(err("app=a b").contains("invalid label value \"a b\""));
    }

    #[test]
    fn an_empty_selector_selects_everything() {
        let s = LabelSelector::parse("  ").unwrap();
        assert!(s.is_empty());
        assert!(s.matches(&BTreeMap::new()));
        assert!(!LabelSelector::parse("a").unwrap().is_empty());
    }

    #[test]
    fn labels_can_be_looked_up_by_a_function() {
        let s = LabelSelector::parse("app=shop,!gone").unwrap();
        assert!(s.matches_by(|k| (k == "app").then_some("shop")));
        assert!(!s.matches_by(|_| None));
    }
}

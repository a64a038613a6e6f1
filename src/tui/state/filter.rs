//! The `/` filter: a plain text is a case-insensitive substring of namespace/name, kind,
//! cluster, status and columns; a text with a selector operator (`=`, `!=`, ` in `,
//! ` notin `, `!key`) is a label selector as kubectl's `-l` takes it, matched by kube's
//! own selector logic.

use crate::cluster::Entry;
use kube::core::{Expression, Selector, SelectorExt};
use std::collections::BTreeSet;

/// A compiled filter.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Filter {
    /// Everything matches.
    #[default]
    All,
    /// Lower-cased substring.
    Text(String),
    /// Label selector.
    Labels(Selector),
}

impl Filter {
    /// Compile the text typed after `/`. A selector that does not parse is an error naming
    /// the problem; the caller keeps showing the previous result.
    pub fn parse(text: &str) -> Result<Filter, String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Filter::All);
        }
        if looks_like_selector(text) {
            return parse_selector(text).map(Filter::Labels);
        }
        Ok(Filter::Text(text.to_lowercase()))
    }

    /// Whether `entry` passes.
    pub fn matches(&self, entry: &Entry) -> bool {
        match self {
            Filter::All => true,
            Filter::Text(t) => entry.search.contains(t.as_str()),
            Filter::Labels(sel) => sel.matches(&entry.labels),
        }
    }
}

fn looks_like_selector(text: &str) -> bool {
    text.contains('=') || text.contains(" in ") || text.contains(" notin ") || text.starts_with('!')
}

/// Split on commas that are not inside parentheses.
fn terms(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                out.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(text[start..].trim());
    out
}

fn parse_selector(text: &str) -> Result<Selector, String> {
    let mut selector = Selector::default();
    for term in terms(text) {
        selector.extend(std::iter::once(parse_term(term)?));
    }
    Ok(selector)
}

fn valid_key(k: &str) -> Result<String, String> {
    let ok = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c));
    if ok {
        Ok(k.to_string())
    } else {
        Err(format!("{k:?} is not a label key"))
    }
}

fn set(values: &str) -> Result<BTreeSet<String>, String> {
    let inner = values
        .trim()
        .strip_prefix('(')
        .and_then(|v| v.strip_suffix(')'))
        .ok_or_else(|| format!("expected (a,b) after in/notin, got {values:?}"))?;
    Ok(inner
        .split(',')
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect())
}

fn parse_term(term: &str) -> Result<Expression, String> {
    if term.is_empty() {
        return Err("empty term in label selector".into());
    }
    if let Some((k, v)) = term.split_once("!=") {
        return Ok(Expression::NotEqual(
            valid_key(k.trim())?,
            v.trim().to_string(),
        ));
    }
    if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
        return Ok(Expression::Equal(
            valid_key(k.trim())?,
            v.trim().to_string(),
        ));
    }
    if let Some((k, v)) = term.split_once(" notin ") {
        return Ok(Expression::NotIn(valid_key(k.trim())?, set(v)?));
    }
    if let Some((k, v)) = term.split_once(" in ") {
        return Ok(Expression::In(valid_key(k.trim())?, set(v)?));
    }
    if let Some(k) = term.strip_prefix('!') {
        return Ok(Expression::DoesNotExist(valid_key(k.trim())?));
    }
    Ok(Expression::Exists(valid_key(term)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{ClusterId, entry::tests_support::sample};

    #[test]
    fn text_filters_are_case_insensitive_substrings() {
        let e = sample(ClusterId::App, "team-a", "PostgresqlInstance", "orders-db");
        assert!(Filter::parse("ORDERS").unwrap().matches(&e));
        assert!(Filter::parse("team-a/ord").unwrap().matches(&e));
        assert!(Filter::parse("postgresql").unwrap().matches(&e));
        assert!(!Filter::parse("billing").unwrap().matches(&e));
        assert_eq!(Filter::parse("  ").unwrap(), Filter::All);
    }

    #[test]
    fn selectors_follow_kubectl_syntax() {
        let mut e = sample(ClusterId::App, "ns", "Backup", "b");
        e.labels.insert("app".into(), "shop".into());
        e.labels.insert("tier".into(), "db".into());
        let m = |s: &str| Filter::parse(s).unwrap().matches(&e);
        assert!(m("app=shop"));
        assert!(m("app==shop,tier=db"));
        assert!(!m("app=shop,tier=web"));
        assert!(m("app!=web"));
        assert!(m("tier in (db, cache)"));
        assert!(!m("tier notin (db)"));
        assert!(m("!missing"));
        assert!(!m("!app"));
        assert!(m("app=shop,tier"));
    }

    #[test]
    fn broken_selectors_say_why() {
        assert!(
            Filter::parse("app in db")
                .unwrap_err()
                .contains("expected (a,b)")
        );
        assert!(
            Filter::parse("a b=c")
                .unwrap_err()
                .contains("not a label key")
        );
        assert!(Filter::parse("app=x,,").unwrap_err().contains("empty term"));
    }
}

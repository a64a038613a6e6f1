//! The `/` filter: a plain text is a case-insensitive substring of namespace/name, kind,
//! cluster, status and facts; a text with a selector operator (`=`, `!=`, `in`, `notin`,
//! `!key`, `>`, `<`) is a label selector as kubectl's `-l` takes it, parsed and matched by
//! `klutch::selector` — the same parser the sandbox's API server uses.

use crate::cluster::Entry;
use klutch::selector::LabelSelector;

/// A compiled filter.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Filter {
    /// Everything matches.
    #[default]
    All,
    /// Lower-cased substring.
    Text(String),
    /// Label selector.
    Labels(LabelSelector),
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
            return LabelSelector::parse(text)
                .map(Filter::Labels)
                .map_err(|e| e.to_string());
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

/// Whether the text uses a selector operator; otherwise it is searched for as text.
fn looks_like_selector(text: &str) -> bool {
    let words = text.split(|c: char| c.is_whitespace() || c == '(' || c == ',');
    text.contains(['=', '>', '<'])
        || text.starts_with('!')
        || text.contains(",!")
        || words.into_iter().any(|w| w == "in" || w == "notin")
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
        assert!(m("tier in(db)"), "kubectl's spelling without a space");
        assert!(
            m("app=shop,,"),
            "empty terms are skipped, as the API server does"
        );
    }

    #[test]
    fn broken_selectors_say_why() {
        assert!(
            Filter::parse("app in db")
                .unwrap_err()
                .contains("expected a parenthesised list of values, e.g. (a,b)")
        );
        assert!(
            Filter::parse("a b=c")
                .unwrap_err()
                .contains("name part must consist of alphanumeric characters")
        );
        assert!(
            Filter::parse("tier=gold ore")
                .unwrap_err()
                .contains("invalid label value")
        );
    }
}

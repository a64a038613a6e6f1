//! Field selectors (`fieldSelector=`), parsed as the apiserver does, and the 400 answer to a
//! label selector that does not parse (label selectors are `klutch::selector`'s).
//!
//! Field selectors keep their own small parser: the apiserver splits them at every comma
//! and knows no sets, so the label selector's grammar would accept what it refuses.

use super::error::{ApiError, ApiResult};
use klutch::selector::SelectorError;
use serde_json::Value;

impl From<SelectorError> for ApiError {
    fn from(e: SelectorError) -> Self {
        ApiError::bad_request(e.to_string())
    }
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

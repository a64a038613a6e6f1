//! Field errors in the shape the Kubernetes API server reports them, rendered byte for byte
//! as a 1.32 API server does (`k8s.io/apimachinery/pkg/util/validation/field`).

use super::gofmt;
use serde_json::Value;
use std::collections::HashSet;
use std::fmt;

/// A schema that cannot be used (malformed, or a CEL rule that does not compile).
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("malformed schema: {0}")]
    Malformed(String),
    #[error("{path}: invalid CEL rule {rule:?}: {message}")]
    Rule {
        path: String,
        rule: String,
        message: String,
    },
    #[error("{path}: pattern {pattern:?} is not a valid regular expression: {message}")]
    Pattern {
        path: String,
        pattern: String,
        message: String,
    },
}

/// What kind of problem a [`FieldError`] is (Kubernetes' `field.ErrorType`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldErrorKind {
    Invalid,
    Required,
    NotSupported,
    Duplicate,
    TooLong,
    TooMany,
    Forbidden,
    TypeInvalid,
    Internal,
}

impl FieldErrorKind {
    /// The `reason` of a Status cause.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Invalid => "FieldValueInvalid",
            Self::Required => "FieldValueRequired",
            Self::NotSupported => "FieldValueNotSupported",
            Self::Duplicate => "FieldValueDuplicate",
            Self::TooLong => "FieldValueTooLong",
            Self::TooMany => "FieldValueTooMany",
            Self::Forbidden => "FieldValueForbidden",
            Self::TypeInvalid => "FieldValueTypeInvalid",
            Self::Internal => "InternalError",
        }
    }

    fn label(&self) -> &'static str {
        match self {
            Self::Invalid | Self::TypeInvalid => "Invalid value",
            Self::Required => "Required value",
            Self::NotSupported => "Unsupported value",
            Self::Duplicate => "Duplicate value",
            Self::TooLong => "Too long",
            Self::TooMany => "Too many",
            Self::Forbidden => "Forbidden",
            Self::Internal => "Internal error",
        }
    }

    fn shows_value(&self) -> bool {
        !matches!(
            self,
            Self::Required | Self::Forbidden | Self::TooLong | Self::Internal
        )
    }
}

/// One invalid field, e.g. `spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// Dotted path, e.g. `spec.parameters.maxConnections` or `spec.items[2]`; `<nil>` for the
    /// object itself (a rule at the root), as the API server writes it.
    pub field: String,
    pub kind: FieldErrorKind,
    /// The offending value, shown in the message where the kind shows one; `None` omits it
    /// (`Too many: must have at most 2 items`), `Some(Value::Null)` shows `"null"`.
    pub value: Option<Value>,
    pub detail: String,
}

impl FieldError {
    pub fn new(
        field: impl Into<String>,
        kind: FieldErrorKind,
        value: Option<Value>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            kind,
            value,
            detail: detail.into(),
        }
    }

    /// The message without the field path (Kubernetes' `ErrorBody`).
    pub fn body(&self) -> String {
        let mut s = self.kind.label().to_string();
        if self.kind.shows_value()
            && let Some(v) = &self.value
        {
            s.push_str(": ");
            s.push_str(&format_value(v));
        }
        if !self.detail.is_empty() {
            s.push_str(": ");
            s.push_str(&self.detail);
        }
        s
    }
}

/// The value as a 1.32 `ErrorBody` prints it: `%q` for strings, `%v` for numbers and booleans,
/// `"null"` (quoted: nil is replaced by the string "null" before printing) for nil and Go's
/// `%#v` for maps and slices.
fn format_value(v: &Value) -> String {
    match v {
        Value::String(s) => gofmt::quote(s),
        Value::Null => "\"null\"".into(),
        Value::Number(n) => gofmt::number(n),
        Value::Bool(b) => b.to_string(),
        Value::Array(_) | Value::Object(_) => gofmt::sharp_v(v),
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.body())
    }
}

/// The errors joined as `field.ErrorList.ToAggregate().Error()` does: duplicates dropped, one
/// error as is, several as `[a, b]`.
pub fn aggregate(errors: &[FieldError]) -> String {
    let mut seen = HashSet::new();
    let msgs: Vec<String> = errors
        .iter()
        .map(ToString::to_string)
        .filter(|m| seen.insert(m.clone()))
        .collect();
    match msgs.len() {
        0 => String::new(),
        1 => msgs.into_iter().next().unwrap_or_default(),
        _ => format!("[{}]", msgs.join(", ")),
    }
}

/// The message of a 422 `Invalid` status (`apierrors.NewInvalid`), e.g.
/// `KeyvalueInstance.anynines.com "x" is invalid: spec.plan: Required value`.
/// `group_kind` is `Kind.group` (just `Kind` for the core group).
pub fn invalid_message(group_kind: &str, name: &str, errors: &[FieldError]) -> String {
    let quoted = gofmt::quote(name);
    if errors.is_empty() {
        format!("{group_kind} {quoted} is invalid")
    } else {
        format!("{group_kind} {quoted} is invalid: {}", aggregate(errors))
    }
}

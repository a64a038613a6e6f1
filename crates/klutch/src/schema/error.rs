//! Field errors in the shape the Kubernetes API server reports them.

use serde_json::Value;
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
        }
    }

    fn shows_value(&self) -> bool {
        !matches!(
            self,
            Self::Required | Self::Forbidden | Self::TooLong | Self::TooMany
        )
    }
}

/// One invalid field, e.g. `spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// Dotted path, e.g. `spec.parameters.maxConnections` or `spec.items[2]`.
    pub field: String,
    pub kind: FieldErrorKind,
    /// The offending value, shown in the message where the kind shows one.
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

fn format_value(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.body())
    }
}

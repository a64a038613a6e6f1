//! kube-openapi's errors and results, and their conversion to field errors
//! (`kubeOpenAPIResultToFieldErrors`).

use crate::schema::error::{FieldError, FieldErrorKind};
use crate::schema::gofmt;
use crate::schema::path;
use serde_json::Value;

/// kube-openapi's error codes (`errors.*Code`), as far as the conversion to field errors
/// distinguishes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Code {
    InvalidType,
    Required,
    TooLong,
    Enum,
    MaxItems,
    TooManyProperties,
    /// Every other `*errors.Validation` (pattern, minimum, minLength, …): a plain `Invalid`.
    Other,
    /// Not an `*errors.Validation` (the `anyOf`/`oneOf`/`allOf`/`not` messages): reported
    /// without a path.
    Composite,
}

/// One kube-openapi error before it becomes a [`FieldError`].
#[derive(Debug, Clone)]
pub(crate) struct RawErr {
    pub(super) code: Code,
    /// kube-openapi's `Name`: the path as it spells it.
    pub(super) name: String,
    /// kube-openapi's `Value`.
    pub(super) value: Option<Value>,
    /// kube-openapi's `Valid` (the limit), for the codes that carry one.
    pub(super) valid: Option<i64>,
    /// The allowed values of a failed `enum`.
    pub(super) values: Vec<Value>,
    pub(super) message: String,
}

/// kube-openapi's `validate.Result`: errors (unique by message) and a match count.
#[derive(Debug, Default)]
pub(crate) struct Res {
    pub errors: Vec<RawErr>,
    pub(super) matches: u32,
}

impl Res {
    pub(super) fn add(&mut self, e: RawErr) {
        if !self.errors.iter().any(|x| x.message == e.message) {
            self.errors.push(e);
        }
    }

    pub(super) fn merge(&mut self, other: Res) {
        for e in other.errors {
            self.add(e);
        }
        self.matches += other.matches;
    }

    pub(super) fn err(e: RawErr) -> Res {
        Res {
            errors: vec![e],
            matches: 0,
        }
    }

    pub(super) fn valid(&self) -> bool {
        self.errors.is_empty()
    }
}

pub(super) fn raw(code: Code, name: String, value: Option<Value>, message: String) -> RawErr {
    RawErr {
        code,
        name,
        value,
        valid: None,
        values: Vec::new(),
        message,
    }
}

/// `kubeOpenAPIResultToFieldErrors`: `prefix` is the field path the validated value sits at
/// (`None` for the whole object, `Some("status")` for a status update).
pub(crate) fn to_field_errors(errors: Vec<RawErr>, prefix: Option<&str>) -> Vec<FieldError> {
    let base = prefix.unwrap_or("<nil>");
    errors
        .into_iter()
        .map(|e| {
            let name = e.name.trim_start_matches('.');
            let field = if e.name.is_empty() || e.name == "." || e.code == Code::Composite {
                base.to_string()
            } else {
                path::child(base, name)
            };
            let value_or_empty = |v: Option<Value>| Some(v.unwrap_or_else(|| Value::from("")));
            match e.code {
                Code::Required => FieldError::new(field, FieldErrorKind::Required, None, ""),
                Code::Enum => {
                    let allowed: Vec<String> = e
                        .values
                        .iter()
                        .map(|v| match v {
                            Value::String(s) => gofmt::quote(s),
                            other => gofmt::quote(&gofmt::json(other)),
                        })
                        .collect();
                    let detail = if allowed.is_empty() {
                        String::new()
                    } else {
                        format!("supported values: {}", allowed.join(", "))
                    };
                    FieldError::new(
                        field,
                        FieldErrorKind::NotSupported,
                        Some(e.value.unwrap_or(Value::Null)),
                        detail,
                    )
                }
                Code::TooLong => {
                    let max = e.valid.unwrap_or(-1);
                    let detail = if max >= 0 {
                        format!("may not be more than {max} bytes")
                    } else {
                        "value is too long".into()
                    };
                    FieldError::new(
                        field,
                        FieldErrorKind::TooLong,
                        Some(Value::from("<value omitted>")),
                        detail,
                    )
                }
                Code::MaxItems | Code::TooManyProperties => {
                    let max = e.valid.unwrap_or(-1);
                    let actual = e.value.as_ref().and_then(Value::as_i64).unwrap_or(-1);
                    let detail = if max >= 0 {
                        format!("must have at most {max} items")
                    } else {
                        "has too many items".into()
                    };
                    let value = (actual >= 0).then(|| Value::from(actual));
                    FieldError::new(field, FieldErrorKind::TooMany, value, detail)
                }
                Code::InvalidType => FieldError::new(
                    field,
                    FieldErrorKind::TypeInvalid,
                    value_or_empty(e.value),
                    e.message,
                ),
                Code::Other => FieldError::new(
                    field,
                    FieldErrorKind::Invalid,
                    value_or_empty(e.value),
                    e.message,
                ),
                Code::Composite => FieldError::new(
                    field,
                    FieldErrorKind::Invalid,
                    Some(Value::from("")),
                    e.message,
                ),
            }
        })
        .collect()
}

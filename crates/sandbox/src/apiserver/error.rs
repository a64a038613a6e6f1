//! API errors answered as `Status` objects, worded like the kube-apiserver's.

use bytes::Bytes;
use serde_json::{Value, json};

/// What went wrong with a request; becomes a `Status` body with the matching HTTP code.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    pub details: Option<Value>,
}

/// Identifies the object an error is about (the `details` of a Status).
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// Plural resource name, e.g. `configmaps`.
    pub resource: &'a str,
    pub group: &'a str,
    pub name: &'a str,
}

impl Subject<'_> {
    /// `configmaps` or `widgets.example.com`.
    pub fn qualified(&self) -> String {
        qualified(self.resource, self.group)
    }

    fn details(&self) -> Value {
        let mut d = json!({ "name": self.name, "kind": self.resource });
        if !self.group.is_empty() {
            d["group"] = json!(self.group);
        }
        d
    }
}

/// `resource` for the core group, `resource.group` otherwise.
pub fn qualified(resource: &str, group: &str) -> String {
    if group.is_empty() {
        resource.to_string()
    } else {
        format!("{resource}.{group}")
    }
}

impl ApiError {
    pub fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            reason,
            message: message.into(),
            details: None,
        }
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    pub fn not_found_path() -> Self {
        Self::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )
        .with_details(json!({}))
    }

    pub fn not_found(s: Subject<'_>) -> Self {
        Self::new(
            404,
            "NotFound",
            format!("{} {:?} not found", s.qualified(), s.name),
        )
        .with_details(s.details())
    }

    pub fn already_exists(s: Subject<'_>) -> Self {
        Self::new(
            409,
            "AlreadyExists",
            format!("{} {:?} already exists", s.qualified(), s.name),
        )
        .with_details(s.details())
    }

    pub fn conflict(s: Subject<'_>) -> Self {
        Self::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} {:?}: the object has been modified; please apply your changes to the latest version and try again",
                s.qualified(),
                s.name
            ),
        )
        .with_details(s.details())
    }

    pub fn conflict_with(s: Subject<'_>, why: &str) -> Self {
        Self::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} {:?}: {why}",
                s.qualified(),
                s.name
            ),
        )
        .with_details(s.details())
    }

    /// 422 Invalid with one cause per field error.
    /// `kind_group` is `Kind` or `Kind.group`.
    pub fn invalid(
        kind: &str,
        group: &str,
        name: &str,
        causes: &[(String, String, &'static str)],
    ) -> Self {
        let bodies: Vec<String> = causes
            .iter()
            .map(|(field, msg, _)| format!("{field}: {msg}"))
            .collect();
        let joined = if bodies.len() == 1 {
            bodies[0].clone()
        } else {
            format!("[{}]", bodies.join(", "))
        };
        let kind_group = qualified(kind, group);
        let mut details = json!({
            "name": name,
            "kind": kind,
            "causes": causes.iter().map(|(field, msg, reason)| json!({
                "reason": reason, "message": msg, "field": field
            })).collect::<Vec<_>>(),
        });
        if !group.is_empty() {
            details["group"] = json!(group);
        }
        Self::new(
            422,
            "Invalid",
            format!("{kind_group} {name:?} is invalid: {joined}"),
        )
        .with_details(details)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(403, "Forbidden", message)
    }

    pub fn unauthorized() -> Self {
        Self::new(401, "Unauthorized", "Unauthorized")
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        )
        .with_details(json!({}))
    }

    pub fn unsupported_media_type(accepted: &[&str]) -> Self {
        Self::new(
            415,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format - accepted media types include: {}",
                accepted.join(", ")
            ),
        )
    }

    pub fn gone(message: impl Into<String>) -> Self {
        Self::new(410, "Expired", message)
    }

    pub fn too_large() -> Self {
        Self::new(
            413,
            "RequestEntityTooLarge",
            "Request entity too large: limit is 3145728",
        )
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, "InternalError", message)
    }

    pub fn not_acceptable() -> Self {
        Self::new(
            406,
            "NotAcceptable",
            "only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf",
        )
    }

    /// The `Status` object.
    pub fn to_status(&self) -> Value {
        let mut s = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some(d) = &self.details {
            s["details"] = d.clone();
        }
        s
    }

    pub fn to_bytes(&self) -> Bytes {
        Bytes::from(self.to_status().to_string())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

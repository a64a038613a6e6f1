//! Message tables: for every protobuf message we understand, the field numbers
//! with the JSON name and shape of each field.
//!
//! The tables mirror `generated.proto` (field numbers, proto2 cardinality) and
//! the Go `types.go` structs (JSON names, `,inline` embedding, pointer vs value
//! fields) of k8s.io/api and k8s.io/apimachinery **v0.32** (Kubernetes 1.32).
//! Field numbers and names were cross-checked mechanically against
//! `generated.proto`; the only JSON name differing from its proto name is
//! `BoundObjectReference.uid` (proto `uID`).
//!
//! Presence rules (see [`Presence`]): gogo-protobuf writes every non-pointer
//! scalar (empty strings, zeros, `false`) and every non-pointer nested struct,
//! but pointer fields only when set. So a value-typed field that decodes to an
//! empty value is dropped (as Go's `omitempty` would), while a pointer field
//! (Go `*T`) or a non-`omitempty` number/bool (e.g. `allowed`,
//! `containerPort`) is kept even when zero/false/`{}`.

mod apis;
mod container;
mod core;
mod meta;
mod pod;
mod volume;

pub use apis::*;
pub use container::*;
pub use core::*;
pub use meta::*;
pub use pod::*;
pub use volume::*;

/// How a field's value maps to JSON.
#[derive(Debug, Clone, Copy)]
pub enum Ty {
    /// proto `string` → JSON string (invalid UTF-8 replaced, as Go's JSON encoder does).
    Str,
    /// proto `bytes` → standard base64 string (Go `[]byte`).
    Bytes,
    /// varint → `true`/`false`.
    Bool,
    /// varint `int32` → number.
    I32,
    /// varint `int64` → number.
    I64,
    /// `meta.v1.Time {1 seconds, 2 nanos}` → RFC 3339 string, second precision, UTC.
    Time,
    /// `meta.v1.MicroTime` → RFC 3339 string with 6 fractional digits, UTC.
    MicroTime,
    /// `resource.Quantity {1 string}` → its string form.
    Quantity,
    /// `intstr.IntOrString {1 type, 2 intVal, 3 strVal}` → number or string.
    IntOrString,
    /// `meta.v1.FieldsV1 {1 Raw}` → the embedded JSON document.
    FieldsV1,
    /// A message `{1 repeated string items}` that JSON renders as a bare array
    /// (`ExtraValue`, `Verbs`).
    StringList,
    /// Nested message → JSON object.
    Msg(&'static Message),
    /// `repeated` → JSON array (packed or unpacked for numeric elements).
    Rep(&'static Ty),
    /// `map<string, V>` → JSON object.
    Map(&'static Ty),
}

/// Whether a decoded zero/empty value is written to JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Go value field: drop `""`, `0`, `false`, `{}`, `[]`, zero time.
    OmitEmpty,
    /// Go pointer field or non-`omitempty` number/bool: keep whatever is on the wire.
    Keep,
    /// Go embedded struct with `json:",inline"`: merge its fields into the parent.
    Inline,
}

/// One field of a message table.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub num: u32,
    pub json: &'static str,
    pub ty: Ty,
    pub presence: Presence,
}

/// A message table: name (for error messages) and its known fields.
#[derive(Debug)]
pub struct Message {
    pub name: &'static str,
    pub fields: &'static [Field],
}

impl Message {
    pub fn field(&self, num: u32) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.num == num)
    }
}

pub(crate) const fn msg(name: &'static str, fields: &'static [Field]) -> Message {
    Message { name, fields }
}

/// A value field (`omitempty` semantics).
pub(crate) const fn f(num: u32, json: &'static str, ty: Ty) -> Field {
    Field {
        num,
        json,
        ty,
        presence: Presence::OmitEmpty,
    }
}

/// A pointer (or non-`omitempty` number/bool) field: kept even when zero.
pub(crate) const fn keep(num: u32, json: &'static str, ty: Ty) -> Field {
    Field {
        num,
        json,
        ty,
        presence: Presence::Keep,
    }
}

/// An embedded struct whose fields are inlined into the parent JSON object.
pub(crate) const fn inline(num: u32, m: &'static Message) -> Field {
    Field {
        num,
        json: "",
        ty: Ty::Msg(m),
        presence: Presence::Inline,
    }
}

/// A top-level kind: the `runtime.Unknown` TypeMeta it is selected by.
#[derive(Debug)]
pub struct Kind {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub message: &'static Message,
}

const fn kind(api_version: &'static str, kind: &'static str, message: &'static Message) -> Kind {
    Kind {
        api_version,
        kind,
        message,
    }
}

/// Every object kind [`super::decode`] understands.
pub static KINDS: &[Kind] = &[
    kind("v1", "Namespace", &NAMESPACE),
    kind("v1", "Secret", &SECRET),
    kind("v1", "ConfigMap", &CONFIG_MAP),
    kind("v1", "ServiceAccount", &SERVICE_ACCOUNT),
    kind("v1", "Service", &SERVICE),
    kind("v1", "Event", &EVENT),
    kind("apps/v1", "Deployment", &DEPLOYMENT),
    kind("rbac.authorization.k8s.io/v1", "Role", &ROLE),
    kind("rbac.authorization.k8s.io/v1", "ClusterRole", &CLUSTER_ROLE),
    kind("rbac.authorization.k8s.io/v1", "RoleBinding", &ROLE_BINDING),
    kind(
        "rbac.authorization.k8s.io/v1",
        "ClusterRoleBinding",
        &CLUSTER_ROLE_BINDING,
    ),
    kind(
        "authorization.k8s.io/v1",
        "SelfSubjectAccessReview",
        &SELF_SUBJECT_ACCESS_REVIEW,
    ),
    kind(
        "authorization.k8s.io/v1",
        "SelfSubjectRulesReview",
        &SELF_SUBJECT_RULES_REVIEW,
    ),
    kind(
        "authorization.k8s.io/v1",
        "SubjectAccessReview",
        &SUBJECT_ACCESS_REVIEW,
    ),
    kind(
        "authorization.k8s.io/v1",
        "LocalSubjectAccessReview",
        &LOCAL_SUBJECT_ACCESS_REVIEW,
    ),
    kind(
        "authentication.k8s.io/v1",
        "SelfSubjectReview",
        &SELF_SUBJECT_REVIEW,
    ),
    kind("authentication.k8s.io/v1", "TokenRequest", &TOKEN_REQUEST),
    kind("authentication.k8s.io/v1", "TokenReview", &TOKEN_REVIEW),
    kind("coordination.k8s.io/v1", "Lease", &LEASE),
    kind("events.k8s.io/v1", "Event", &EVENTS_EVENT),
];

/// Look up the table for `(apiVersion, kind)`. `DeleteOptions` is registered
/// in every group-version (and in `meta.k8s.io/v1`), so it matches any
/// apiVersion.
pub fn lookup(api_version: &str, kind: &str) -> Option<&'static Message> {
    if kind == "DeleteOptions" && !api_version.is_empty() {
        return Some(&DELETE_OPTIONS);
    }
    KINDS
        .iter()
        .find(|k| k.api_version == api_version && k.kind == kind)
        .map(|k| k.message)
}

/// Human-readable list of supported kinds, for error messages.
pub fn supported_kinds() -> String {
    let mut s: Vec<String> = KINDS
        .iter()
        .map(|k| format!("{} {}", k.api_version, k.kind))
        .collect();
    s.push("<any>/v1 DeleteOptions".to_string());
    s.join(", ")
}

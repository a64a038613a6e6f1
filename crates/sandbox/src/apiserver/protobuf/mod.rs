//! Decoder for the Kubernetes protobuf wire format
//! (`Content-Type: application/vnd.kubernetes.protobuf`), as sent by kubectl
//! 1.32's typed clientset (`kubectl create …`, `kubectl auth …`,
//! `kubectl create token`), into the equivalent JSON object.
//!
//! Body layout: the magic `k8s\0` followed by a `runtime.Unknown` message
//! `{1 TypeMeta{1 apiVersion, 2 kind}, 2 raw, 3 contentEncoding, 4 contentType}`;
//! `raw` is the object encoded per `generated.proto`. The object is converted
//! by walking the message tables in [`schema`] (one generic decoder, no
//! codegen). Unknown field numbers are skipped; malformed input yields a
//! [`ProtoError`], never a panic.
//!
//! JSON shape: camelCase names as in the JSON API, `apiVersion`/`kind` from
//! the envelope, maps as objects, `bytes` as standard base64, `Time` /
//! `MicroTime` as RFC 3339 strings, `Quantity`/`IntOrString` in their JSON
//! forms. Empty values that gogo-protobuf always writes (`""`, `0`, `false`,
//! `{}`, the zero time) are dropped unless the Go field is a pointer or a
//! non-`omitempty` number/bool (see [`schema::Presence`]).

mod convert;
pub mod schema;
mod wire;

#[cfg(test)]
mod tests;

use serde_json::Value;

use wire::{Reader, Wire};

/// The media type kubectl uses for protobuf bodies.
pub const PROTOBUF_MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// Prefix of every Kubernetes protobuf body.
pub const MAGIC: &[u8; 4] = b"k8s\0";

/// Why a body could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum ProtoError {
    #[error("not a Kubernetes protobuf body: missing magic prefix \"k8s\\0\" (6b 38 73 00)")]
    BadMagic,
    #[error("truncated protobuf message {message}: {detail}")]
    Truncated {
        message: &'static str,
        detail: String,
    },
    #[error("malformed field {field} of message {message}: {reason}")]
    Malformed {
        message: &'static str,
        field: u32,
        reason: String,
    },
    #[error(
        "runtime.Unknown envelope carries no TypeMeta (apiVersion {api_version:?}, kind {kind:?})"
    )]
    MissingTypeMeta { api_version: String, kind: String },
    #[error("unknown kind \"{kind}\" (apiVersion \"{api_version}\"); supported kinds: {supported}")]
    UnknownKind {
        api_version: String,
        kind: String,
        supported: String,
    },
    #[error(
        "unsupported runtime.Unknown payload (contentEncoding {content_encoding:?}, contentType {content_type:?}); \
         only uncompressed protobuf is supported"
    )]
    UnsupportedPayload {
        content_encoding: String,
        content_type: String,
    },
}

/// Whether a `Content-Type` header value denotes the Kubernetes protobuf
/// encoding (media type parameters such as `;charset=…` are ignored).
pub fn is_protobuf(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|m| m.trim().eq_ignore_ascii_case(PROTOBUF_MEDIA_TYPE))
}

/// The parts of `runtime.Unknown` we use.
#[derive(Debug, Default)]
struct Envelope<'a> {
    api_version: String,
    kind: String,
    raw: &'a [u8],
    content_encoding: String,
    content_type: String,
}

fn string_field(wire: Wire<'_>, message: &'static str, field: u32) -> Result<String, ProtoError> {
    match wire {
        Wire::Len(b) => Ok(String::from_utf8_lossy(b).into_owned()),
        other => Err(ProtoError::Malformed {
            message,
            field,
            reason: format!(
                "expected length-delimited string, got wire type {}",
                other.type_name()
            ),
        }),
    }
}

fn parse_envelope(data: &[u8]) -> Result<Envelope<'_>, ProtoError> {
    const UNKNOWN: &str = "runtime.Unknown";
    const TYPE_META: &str = "runtime.TypeMeta";
    let mut env = Envelope::default();
    let mut reader = Reader::new(data, UNKNOWN);
    while let Some((num, wire)) = reader.next_field()? {
        match num {
            1 => {
                let Wire::Len(tm) = wire else {
                    return Err(ProtoError::Malformed {
                        message: UNKNOWN,
                        field: 1,
                        reason: format!(
                            "expected TypeMeta message, got wire type {}",
                            wire.type_name()
                        ),
                    });
                };
                let mut tm_reader = Reader::new(tm, TYPE_META);
                while let Some((n, w)) = tm_reader.next_field()? {
                    match n {
                        1 => env.api_version = string_field(w, TYPE_META, 1)?,
                        2 => env.kind = string_field(w, TYPE_META, 2)?,
                        _ => {}
                    }
                }
            }
            2 => match wire {
                Wire::Len(raw) => env.raw = raw,
                other => {
                    return Err(ProtoError::Malformed {
                        message: UNKNOWN,
                        field: 2,
                        reason: format!("expected raw bytes, got wire type {}", other.type_name()),
                    });
                }
            },
            3 => env.content_encoding = string_field(wire, UNKNOWN, 3)?,
            4 => env.content_type = string_field(wire, UNKNOWN, 4)?,
            _ => {}
        }
    }
    Ok(env)
}

/// Decode a Kubernetes protobuf body (magic + `runtime.Unknown`) into the
/// JSON object the same request would have carried as
/// `application/json`.
pub fn decode(body: &[u8]) -> Result<Value, ProtoError> {
    let data = body
        .strip_prefix(MAGIC.as_slice())
        .ok_or(ProtoError::BadMagic)?;
    let env = parse_envelope(data)?;
    if env.kind.is_empty() || env.api_version.is_empty() {
        return Err(ProtoError::MissingTypeMeta {
            api_version: env.api_version,
            kind: env.kind,
        });
    }
    if !env.content_encoding.is_empty()
        || !(env.content_type.is_empty() || is_protobuf(&env.content_type))
    {
        return Err(ProtoError::UnsupportedPayload {
            content_encoding: env.content_encoding,
            content_type: env.content_type,
        });
    }
    let message =
        schema::lookup(&env.api_version, &env.kind).ok_or_else(|| ProtoError::UnknownKind {
            api_version: env.api_version.clone(),
            kind: env.kind.clone(),
            supported: schema::supported_kinds(),
        })?;
    let mut object = convert::message_to_json(message, env.raw)?;
    object.insert("apiVersion".to_string(), Value::String(env.api_version));
    object.insert("kind".to_string(), Value::String(env.kind));
    Ok(Value::Object(object))
}

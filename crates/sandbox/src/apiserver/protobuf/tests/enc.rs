//! A tiny protobuf *encoder* for building test bodies by hand, field by field,
//! the way gogo-protobuf lays them out (ascending field numbers, every
//! non-pointer scalar written even when empty).

/// Append a base-128 varint.
pub fn varint(mut v: u64, out: &mut Vec<u8>) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn key(num: u32, wire_type: u8) -> Vec<u8> {
    let mut out = Vec::new();
    varint(u64::from(num) << 3 | u64::from(wire_type), &mut out);
    out
}

/// Length-delimited field with raw bytes.
pub fn b(num: u32, data: &[u8]) -> Vec<u8> {
    let mut out = key(num, 2);
    varint(data.len() as u64, &mut out);
    out.extend_from_slice(data);
    out
}

/// String field.
pub fn s(num: u32, v: &str) -> Vec<u8> {
    b(num, v.as_bytes())
}

/// Varint field (unsigned / bool).
pub fn v(num: u32, val: u64) -> Vec<u8> {
    let mut out = key(num, 0);
    varint(val, &mut out);
    out
}

/// Varint field for a signed int32/int64 (two's complement, 10 bytes if negative).
pub fn i(num: u32, val: i64) -> Vec<u8> {
    v(num, val as u64)
}

/// Nested message from the concatenation of its encoded fields.
pub fn m(num: u32, parts: &[Vec<u8>]) -> Vec<u8> {
    b(num, &parts.concat())
}

/// One `map<string,string>` entry.
pub fn kv(num: u32, k: &str, val: &str) -> Vec<u8> {
    m(num, &[s(1, k), s(2, val)])
}

/// `meta.v1.Time` / `MicroTime` field.
pub fn time(num: u32, secs: i64, nanos: i32) -> Vec<u8> {
    m(num, &[i(1, secs), i(2, i64::from(nanos))])
}

/// IntOrString holding an int.
pub fn int_or_str_int(num: u32, val: i32) -> Vec<u8> {
    m(num, &[v(1, 0), i(2, i64::from(val)), s(3, "")])
}

/// IntOrString holding a string.
pub fn int_or_str_str(num: u32, val: &str) -> Vec<u8> {
    m(num, &[v(1, 1), v(2, 0), s(3, val)])
}

/// Fixed64 / fixed32 fields (never used by Kubernetes; for skip tests).
pub fn fixed64(num: u32, val: u64) -> Vec<u8> {
    let mut out = key(num, 1);
    out.extend_from_slice(&val.to_le_bytes());
    out
}

pub fn fixed32(num: u32, val: u32) -> Vec<u8> {
    let mut out = key(num, 5);
    out.extend_from_slice(&val.to_le_bytes());
    out
}

/// gogo-style ObjectMeta as the typed clientset writes it for a new object:
/// every string field present (mostly empty), generation 0, an empty
/// creationTimestamp, then labels/annotations map entries.
pub fn object_meta(
    name: &str,
    namespace: &str,
    labels: &[(&str, &str)],
    annotations: &[(&str, &str)],
) -> Vec<u8> {
    let mut parts = vec![
        s(1, name),
        s(2, ""),
        s(3, namespace),
        s(4, ""),
        s(5, ""),
        s(6, ""),
        v(7, 0),
        b(8, &[]),
    ];
    parts.extend(labels.iter().map(|(k, val)| kv(11, k, val)));
    parts.extend(annotations.iter().map(|(k, val)| kv(12, k, val)));
    m(1, &parts)
}

/// The full request body: magic + runtime.Unknown{TypeMeta, raw, "", ""}.
pub fn body(api_version: &str, kind: &str, raw: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"k8s\0".to_vec();
    out.extend(m(1, &[s(1, api_version), s(2, kind)]));
    out.extend(b(2, &raw.concat()));
    out.extend(s(3, ""));
    out.extend(s(4, ""));
    out
}

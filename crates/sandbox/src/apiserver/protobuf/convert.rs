//! The generic table walker: turns an encoded message into a JSON object
//! following a [`Message`] table.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value};

use super::ProtoError;
use super::schema::{Message, Presence, Ty};
use super::wire::{Reader, Wire, packed_varints};

/// Decode `data` as message `m` into a JSON object.
pub(crate) fn message_to_json(
    m: &'static Message,
    data: &[u8],
) -> Result<Map<String, Value>, ProtoError> {
    let mut out = Map::new();
    merge_message(m, data, &mut out)?;
    Ok(out)
}

/// Error helper bound to one field of one message.
#[derive(Clone, Copy)]
struct Ctx {
    message: &'static str,
    field: u32,
}

impl Ctx {
    fn err(self, reason: impl Into<String>) -> ProtoError {
        ProtoError::Malformed {
            message: self.message,
            field: self.field,
            reason: reason.into(),
        }
    }

    fn wire_mismatch(self, want: &str, got: &Wire<'_>) -> ProtoError {
        self.err(format!(
            "expected {want}, got wire type {}",
            got.type_name()
        ))
    }

    fn bytes<'a>(self, w: Wire<'a>, what: &str) -> Result<&'a [u8], ProtoError> {
        match w {
            Wire::Len(b) => Ok(b),
            other => Err(self.wire_mismatch(&format!("length-delimited {what}"), &other)),
        }
    }

    fn varint(self, w: Wire<'_>, what: &str) -> Result<u64, ProtoError> {
        match w {
            Wire::Varint(v) => Ok(v),
            other => Err(self.wire_mismatch(&format!("varint {what}"), &other)),
        }
    }
}

/// Decode the fields of `data` into `out` (which may already hold fields of
/// the parent, for `,inline` embedding, or of an earlier occurrence).
fn merge_message(
    m: &'static Message,
    data: &[u8],
    out: &mut Map<String, Value>,
) -> Result<(), ProtoError> {
    let mut reader = Reader::new(data, m.name);
    while let Some((num, wire)) = reader.next_field()? {
        let Some(field) = m.field(num) else {
            continue; // unknown field: already skipped by the reader
        };
        let ctx = Ctx {
            message: m.name,
            field: num,
        };
        match (field.presence, field.ty) {
            (Presence::Inline, Ty::Msg(sub)) => {
                merge_message(sub, ctx.bytes(wire, "embedded message")?, out)?;
            }
            (_, Ty::Rep(elem)) => {
                let items = repeated(elem, wire, ctx)?;
                if !items.is_empty() {
                    let slot = out
                        .entry(field.json)
                        .or_insert_with(|| Value::Array(Vec::new()));
                    match slot {
                        Value::Array(a) => a.extend(items),
                        other => *other = Value::Array(items),
                    }
                }
            }
            (_, Ty::Map(val)) => {
                let (k, v) = map_entry(val, ctx.bytes(wire, "map entry")?, ctx)?;
                let slot = out
                    .entry(field.json)
                    .or_insert_with(|| Value::Object(Map::new()));
                match slot {
                    Value::Object(o) => {
                        o.insert(k, v);
                    }
                    other => *other = Value::Object(Map::from_iter([(k, v)])),
                }
            }
            (presence, Ty::Msg(sub)) => {
                let data = ctx.bytes(wire, "message")?;
                match out.get_mut(field.json) {
                    // A repeated occurrence of a message field merges into the
                    // earlier one, field by field (protobuf merge semantics).
                    Some(Value::Object(prev)) => {
                        merge_message(sub, data, prev)?;
                        if presence != Presence::Keep && prev.is_empty() {
                            out.remove(field.json);
                        }
                    }
                    _ => {
                        let obj = message_to_json(sub, data)?;
                        if presence == Presence::Keep || !obj.is_empty() {
                            out.insert(field.json.to_string(), Value::Object(obj));
                        }
                    }
                }
            }
            (presence, ty) => {
                let v = value(ty, wire, ctx)?;
                // The last occurrence of a scalar wins, even an empty one.
                if v.is_null() || (presence != Presence::Keep && is_empty(&v)) {
                    out.remove(field.json);
                } else {
                    out.insert(field.json.to_string(), v);
                }
            }
        }
    }
    Ok(())
}

/// Elements of one occurrence of a repeated field (packed encodings yield many).
fn repeated(elem: &'static Ty, wire: Wire<'_>, ctx: Ctx) -> Result<Vec<Value>, ProtoError> {
    match (elem, wire) {
        (Ty::Bool | Ty::I32 | Ty::I64, Wire::Len(data)) => {
            let values = packed_varints(data, ctx.message, ctx.field)?;
            Ok(values.into_iter().map(|v| scalar_varint(elem, v)).collect())
        }
        (Ty::Rep(_) | Ty::Map(_), _) => {
            Err(ctx.err("nested repeated/map fields are not supported"))
        }
        // Elements are positional: kept even when empty.
        (elem, wire) => Ok(vec![value(*elem, wire, ctx)?]),
    }
}

/// Decode one `map<string, V>` entry message `{1 key, 2 value}`.
fn map_entry(val: &'static Ty, data: &[u8], ctx: Ctx) -> Result<(String, Value), ProtoError> {
    let mut reader = Reader::new(data, ctx.message);
    let mut key = String::new();
    let mut value_out = None;
    while let Some((num, wire)) = reader.next_field()? {
        match num {
            1 => key = lossy(ctx.bytes(wire, "map key")?),
            2 => value_out = Some(value(*val, wire, ctx)?),
            _ => {}
        }
    }
    let v = match value_out {
        Some(v) => v,
        None => default_value(val),
    };
    Ok((key, v))
}

/// The JSON value of a map entry whose value field is absent on the wire.
fn default_value(ty: &Ty) -> Value {
    match ty {
        Ty::Str | Ty::Bytes => Value::String(String::new()),
        Ty::Bool => Value::Bool(false),
        Ty::I32 | Ty::I64 => Value::from(0),
        Ty::Quantity => Value::String("0".to_string()),
        Ty::IntOrString => Value::from(0),
        Ty::StringList | Ty::Rep(_) => Value::Array(Vec::new()),
        Ty::Msg(_) | Ty::Map(_) => Value::Object(Map::new()),
        Ty::Time | Ty::MicroTime | Ty::FieldsV1 => Value::Null,
    }
}

fn scalar_varint(ty: &Ty, v: u64) -> Value {
    match ty {
        Ty::Bool => Value::Bool(v != 0),
        // proto int32 is sign-extended to 64 bits on the wire; truncate like Go.
        Ty::I32 => Value::from(v as i64 as i32),
        _ => Value::from(v as i64),
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Convert one non-repeated value of type `ty`.
fn value(ty: Ty, wire: Wire<'_>, ctx: Ctx) -> Result<Value, ProtoError> {
    Ok(match ty {
        Ty::Str => Value::String(lossy(ctx.bytes(wire, "string")?)),
        Ty::Bytes => Value::String(BASE64.encode(ctx.bytes(wire, "bytes")?)),
        Ty::Bool | Ty::I32 | Ty::I64 => scalar_varint(&ty, ctx.varint(wire, "number")?),
        Ty::Time => time(ctx.bytes(wire, "Time")?, false, ctx)?,
        Ty::MicroTime => time(ctx.bytes(wire, "MicroTime")?, true, ctx)?,
        Ty::Quantity => quantity(ctx.bytes(wire, "Quantity")?)?,
        Ty::IntOrString => int_or_string(ctx.bytes(wire, "IntOrString")?, ctx)?,
        Ty::FieldsV1 => fields_v1(ctx.bytes(wire, "FieldsV1")?, ctx)?,
        Ty::StringList => string_list(ctx.bytes(wire, "string list")?)?,
        Ty::Msg(sub) => Value::Object(message_to_json(sub, ctx.bytes(wire, "message")?)?),
        Ty::Rep(_) | Ty::Map(_) => {
            return Err(ctx.err("nested repeated/map fields are not supported"));
        }
    })
}

/// `Value` counts as empty for `omitempty` purposes.
fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => {
            n.as_i64() == Some(0) || n.as_u64() == Some(0) || n.as_f64() == Some(0.0)
        }
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    }
}

/// `meta.v1.Time` / `MicroTime` = `{1 int64 seconds, 2 int32 nanos}`.
fn time(data: &[u8], micro: bool, ctx: Ctx) -> Result<Value, ProtoError> {
    if data.is_empty() {
        return Ok(Value::Null); // Go's zero time is marshalled as an empty message.
    }
    let name = if micro { "MicroTime" } else { "Time" };
    let mut reader = Reader::new(data, name);
    let (mut secs, mut nanos) = (0i64, 0i32);
    while let Some((num, wire)) = reader.next_field()? {
        let c = Ctx {
            message: name,
            field: num,
        };
        match num {
            1 => secs = c.varint(wire, "seconds")? as i64,
            2 => nanos = c.varint(wire, "nanos")? as i64 as i32,
            _ => {}
        }
    }
    // Go's Time.Unmarshal drops nanos; MicroTime truncates them to microseconds.
    let nanos = if micro {
        i64::from(nanos) - i64::from(nanos) % 1000
    } else {
        0
    };
    let secs = secs
        .checked_add(nanos.div_euclid(1_000_000_000))
        .ok_or_else(|| ctx.err("timestamp out of range"))?;
    let nanos = nanos.rem_euclid(1_000_000_000);
    if secs == GO_ZERO_TIME_UNIX && nanos == 0 {
        return Ok(Value::Null); // time.Time{} written explicitly: still "zero"
    }
    format_rfc3339(secs, micro.then_some(nanos / 1000))
        .map(Value::String)
        .ok_or_else(|| ctx.err(format!("timestamp {secs}s is outside years 0..=9999")))
}

/// `time.Time{}.Unix()` (0001-01-01T00:00:00Z).
const GO_ZERO_TIME_UNIX: i64 = -62_135_596_800;

/// Format Unix seconds (UTC) as RFC 3339, optionally with 6 fractional digits.
/// `None` when the year is outside 0..=9999 (Go's JSON marshalling fails too).
pub(crate) fn format_rfc3339(secs: i64, micros: Option<i64>) -> Option<String> {
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, mo, d) = civil_from_days(days);
    if !(0..=9999).contains(&y) {
        return None;
    }
    let (h, mi, s) = (sod / 3600, sod % 3600 / 60, sod % 60);
    Some(match micros {
        Some(us) => format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{us:06}Z"),
        None => format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z"),
    })
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian
/// (H. Hinnant's `civil_from_days`). No overflow for any `i64 / 86400`.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// `resource.Quantity {1 string}` → the string (Go always writes the canonical form).
fn quantity(data: &[u8]) -> Result<Value, ProtoError> {
    let mut reader = Reader::new(data, "Quantity");
    let mut s = String::new();
    while let Some((num, wire)) = reader.next_field()? {
        if num == 1 {
            s = lossy(
                Ctx {
                    message: "Quantity",
                    field: 1,
                }
                .bytes(wire, "string")?,
            );
        }
    }
    Ok(Value::String(if s.is_empty() {
        "0".to_string()
    } else {
        s
    }))
}

/// `intstr.IntOrString {1 int64 type, 2 int32 intVal, 3 string strVal}`.
fn int_or_string(data: &[u8], ctx: Ctx) -> Result<Value, ProtoError> {
    const NAME: &str = "IntOrString";
    let mut reader = Reader::new(data, NAME);
    let (mut kind, mut int_val, mut str_val) = (0u64, 0i32, String::new());
    while let Some((num, wire)) = reader.next_field()? {
        let c = Ctx {
            message: NAME,
            field: num,
        };
        match num {
            1 => kind = c.varint(wire, "type")?,
            2 => int_val = c.varint(wire, "intVal")? as i64 as i32,
            3 => str_val = lossy(c.bytes(wire, "strVal")?),
            _ => {}
        }
    }
    match kind {
        0 => Ok(Value::from(int_val)),
        1 => Ok(Value::String(str_val)),
        other => Err(ctx.err(format!("IntOrString has impossible type {other}"))),
    }
}

/// `meta.v1.FieldsV1 {1 bytes Raw}` — Raw is a JSON document.
fn fields_v1(data: &[u8], ctx: Ctx) -> Result<Value, ProtoError> {
    let mut reader = Reader::new(data, "FieldsV1");
    let mut raw: &[u8] = &[];
    while let Some((num, wire)) = reader.next_field()? {
        if num == 1 {
            raw = Ctx {
                message: "FieldsV1",
                field: 1,
            }
            .bytes(wire, "Raw")?;
        }
    }
    if raw.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(raw).map_err(|e| ctx.err(format!("FieldsV1 is not valid JSON: {e}")))
}

/// `{1 repeated string items}` rendered as a bare JSON array.
fn string_list(data: &[u8]) -> Result<Value, ProtoError> {
    const NAME: &str = "ExtraValue";
    let mut reader = Reader::new(data, NAME);
    let mut items = Vec::new();
    while let Some((num, wire)) = reader.next_field()? {
        if num == 1 {
            items.push(Value::String(lossy(
                Ctx {
                    message: NAME,
                    field: 1,
                }
                .bytes(wire, "string")?,
            )));
        }
    }
    Ok(Value::Array(items))
}

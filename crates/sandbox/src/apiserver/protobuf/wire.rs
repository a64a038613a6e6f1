//! Minimal protobuf wire-format reader: field keys, varints, fixed-width and
//! length-delimited values. Never panics; every defect becomes a [`ProtoError`].

use super::ProtoError;

/// One decoded field value, still untyped.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Wire<'a> {
    /// Wire type 0.
    Varint(u64),
    /// Wire type 1 (fixed64/sfixed64/double); no Kubernetes field uses it.
    Fixed64,
    /// Wire type 2 (string, bytes, message, packed repeated).
    Len(&'a [u8]),
    /// Wire type 5 (fixed32/sfixed32/float); no Kubernetes field uses it.
    Fixed32,
}

impl Wire<'_> {
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Wire::Varint(_) => "varint",
            Wire::Fixed64 => "fixed64",
            Wire::Len(_) => "length-delimited",
            Wire::Fixed32 => "fixed32",
        }
    }
}

/// Why a varint could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VarintError {
    Truncated,
    /// More than 10 bytes (gogo-protobuf's `ErrIntOverflowGenerated`).
    TooLong,
}

/// Read a base-128 varint at `*pos`, advancing it.
pub(crate) fn read_varint(buf: &[u8], pos: &mut usize) -> Result<u64, VarintError> {
    let mut value: u64 = 0;
    for i in 0..10u32 {
        let Some(&b) = buf.get(*pos) else {
            return Err(VarintError::Truncated);
        };
        *pos += 1;
        // 7 * i <= 63, so the shift is in range; like gogo's generated code,
        // bits beyond 64 are silently dropped.
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(VarintError::TooLong)
}

/// Iterates over the fields of one encoded message.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Message name, for error messages.
    message: &'static str,
}

/// Largest legal protobuf field number (2^29 - 1).
const MAX_FIELD: u64 = (1 << 29) - 1;

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8], message: &'static str) -> Self {
        Reader {
            buf,
            pos: 0,
            message,
        }
    }

    fn truncated(&self, detail: String) -> ProtoError {
        ProtoError::Truncated {
            message: self.message,
            detail,
        }
    }

    fn malformed(&self, field: u32, reason: impl Into<String>) -> ProtoError {
        ProtoError::Malformed {
            message: self.message,
            field,
            reason: reason.into(),
        }
    }

    /// Read a varint; `field` is `None` for a field key.
    fn varint(&mut self, field: Option<u32>, what: &str) -> Result<u64, ProtoError> {
        let start = self.pos;
        let field_no = field.unwrap_or(0);
        let what = match field {
            Some(n) => format!("{what} of field {n}"),
            None => what.to_string(),
        };
        read_varint(self.buf, &mut self.pos).map_err(|e| match e {
            VarintError::Truncated => self.truncated(format!("{what} cut off at byte {start}")),
            VarintError::TooLong => {
                self.malformed(field_no, format!("{what}: varint longer than 10 bytes"))
            }
        })
    }

    fn take(&mut self, field: u32, n: usize) -> Result<&'a [u8], ProtoError> {
        let left = self.buf.len().saturating_sub(self.pos);
        let out = self
            .pos
            .checked_add(n)
            .and_then(|end| self.buf.get(self.pos..end))
            .ok_or_else(|| {
                self.truncated(format!(
                    "field {field} needs {n} bytes at byte {}, only {left} left",
                    self.pos
                ))
            })?;
        self.pos += n;
        Ok(out)
    }

    /// The next `(field number, value)`, or `None` at the end of the message.
    pub(crate) fn next_field(&mut self) -> Result<Option<(u32, Wire<'a>)>, ProtoError> {
        if self.pos >= self.buf.len() {
            return Ok(None);
        }
        let key = self.varint(None, "field key")?;
        let num = key >> 3;
        if num == 0 || num > MAX_FIELD {
            return Err(self.malformed(0, format!("invalid field number {num} (key {key:#x})")));
        }
        // In range thanks to the MAX_FIELD check.
        let field = num as u32;
        let value = match key & 7 {
            0 => Wire::Varint(self.varint(Some(field), "value")?),
            1 => {
                self.take(field, 8)?;
                Wire::Fixed64
            }
            2 => {
                let len = self.varint(Some(field), "length")?;
                let len = usize::try_from(len)
                    .map_err(|_| self.malformed(field, format!("length {len} too large")))?;
                Wire::Len(self.take(field, len)?)
            }
            5 => {
                self.take(field, 4)?;
                Wire::Fixed32
            }
            3 | 4 => return Err(self.malformed(field, "groups (wire types 3/4) are not supported")),
            wt => return Err(self.malformed(field, format!("invalid wire type {wt}"))),
        };
        Ok(Some((field, value)))
    }
}

/// Decode the payload of a packed repeated varint field.
pub(crate) fn packed_varints(
    data: &[u8],
    message: &'static str,
    field: u32,
) -> Result<Vec<u64>, ProtoError> {
    let mut pos = 0;
    let mut out = Vec::new();
    while pos < data.len() {
        let v = read_varint(data, &mut pos).map_err(|e| match e {
            VarintError::Truncated => ProtoError::Truncated {
                message,
                detail: format!("packed varints of field {field} cut off"),
            },
            VarintError::TooLong => ProtoError::Malformed {
                message,
                field,
                reason: "packed varint longer than 10 bytes".to_string(),
            },
        })?;
        out.push(v);
    }
    Ok(out)
}

//! Limits on what a write may store, as kube-apiserver (and etcd behind it) has them: a
//! JSON patch of at most 10,000 operations whose `copy`s add at most 3 MiB, and objects of
//! at most 3 MiB nested at most 100 levels deep. Past the depth, kube-rs clients (serde's
//! recursion limit of 128, less the list or watch event around an object) could not read
//! the object back, nor the store reload it; without the copy limit, 40 `copy`s of a
//! document into itself double it 40 times.

use super::context::Ctx;
use super::error::{ApiError, ApiResult};
use super::objects::Cause;
use json_patch::PatchOperation;
use serde_json::Value;

/// Operations in one JSON patch (kube-apiserver's `maxJSONPatchOperations`).
pub const MAX_JSON_PATCH_OPS: usize = 10_000;
/// What the `copy` operations of one JSON patch may add (kube-apiserver's
/// `JSONPatchMaxCopyBytes`).
pub const MAX_COPY_BYTES: usize = 3 * 1024 * 1024;
/// The serialized size of a stored object (the request body limit, as etcd's).
pub const MAX_OBJECT_BYTES: usize = 3 * 1024 * 1024;
/// How deeply objects and arrays may nest in a stored object (the object itself is 1).
pub const MAX_DEPTH: usize = 100;

/// How deeply `v` nests (a scalar 0, `{}` 1), counted up to `cap + 1`; the recursion never
/// goes deeper than that, so that a hostile value cannot overflow the stack here.
pub fn depth_capped(v: &Value, cap: usize) -> usize {
    fn rec(v: &Value, budget: usize) -> usize {
        let deepest = |children: &mut dyn Iterator<Item = &Value>| {
            if budget == 0 {
                1
            } else {
                1 + children.map(|c| rec(c, budget - 1)).max().unwrap_or(0)
            }
        };
        match v {
            Value::Object(m) => deepest(&mut m.values()),
            Value::Array(a) => deepest(&mut a.iter()),
            _ => 0,
        }
    }
    rec(v, cap)
}

/// The field at which `v` nests deeper than `max` (`spec.a[0].b`), if it does.
fn too_deep_at(v: &Value, max: usize) -> Option<String> {
    fn rec(v: &Value, budget: usize, path: &mut Vec<String>) -> bool {
        match v {
            Value::Object(m) => {
                if budget == 0 {
                    return true;
                }
                for (k, c) in m {
                    path.push(format!(".{k}"));
                    if rec(c, budget - 1, path) {
                        return true;
                    }
                    path.pop();
                }
                false
            }
            Value::Array(a) => {
                if budget == 0 {
                    return true;
                }
                for (i, c) in a.iter().enumerate() {
                    path.push(format!("[{i}]"));
                    if rec(c, budget - 1, path) {
                        return true;
                    }
                    path.pop();
                }
                false
            }
            _ => false,
        }
    }
    let mut path = Vec::new();
    rec(v, max, &mut path).then(|| path.concat().trim_start_matches('.').to_owned())
}

/// The length of `v` serialized as JSON.
pub fn json_len(v: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut c = Count(0);
    let _ = serde_json::to_writer(&mut c, v);
    c.0
}

fn depth_cause(field: &str) -> Cause {
    (
        field.to_owned(),
        format!("Forbidden: may not be nested more than {MAX_DEPTH} levels deep"),
        "FieldValueForbidden",
    )
}

/// Whether an object may be stored: nested at most [`MAX_DEPTH`] levels, at most
/// [`MAX_OBJECT_BYTES`] long.
pub fn check_object(v: &Value) -> Result<(), Cause> {
    if let Some(field) = too_deep_at(v, MAX_DEPTH) {
        return Err(depth_cause(&field));
    }
    let len = json_len(v);
    if len > MAX_OBJECT_BYTES {
        return Err((
            String::new(),
            format!("Too long: must have at most {MAX_OBJECT_BYTES} bytes"),
            "FieldValueTooLong",
        ));
    }
    Ok(())
}

/// A JSON pointer as a field path: `/spec/a/0` → `spec.a.0`.
fn pointer_field(pointer: &str) -> String {
    pointer.trim_start_matches('/').replace('/', ".")
}

fn not_applied(message: String) -> ApiError {
    ApiError::new(
        422,
        "Invalid",
        format!("the JSON patch could not be applied: {message}"),
    )
}

/// Apply a JSON patch (RFC 6902) to `target` within the limits: at most
/// [`MAX_JSON_PATCH_OPS`] operations (413, as kube-apiserver), `copy`s adding at most
/// [`MAX_COPY_BYTES`] (422), and no operation placing a value deeper than [`MAX_DEPTH`]
/// (422, checked before the value is placed).
pub fn apply_json_patch(ctx: &Ctx, target: &Value, body: &[u8]) -> ApiResult<Value> {
    let p: json_patch::Patch = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(format!(
            "the JSON patch is malformed: {e}; expected a list of operations like \
             [{{\"op\":\"replace\",\"path\":\"/spec/x\",\"value\":1}}]"
        ))
    })?;
    if p.0.len() > MAX_JSON_PATCH_OPS {
        return Err(ApiError::new(
            413,
            "RequestEntityTooLarge",
            format!(
                "Request entity too large: The allowed maximum operations in a JSON patch is {MAX_JSON_PATCH_OPS}, got {}",
                p.0.len()
            ),
        ));
    }
    let mut out = target.clone();
    let mut copied = 0usize;
    for op in p.0 {
        // As kube-apiserver (evanphx/json-patch): `test` of a missing path against null
        // passes (kube-rs's finalizer helper relies on it).
        if let PatchOperation::Test(t) = &op
            && t.value.is_null()
            && out.pointer(t.path.as_str()).is_none()
        {
            continue;
        }
        let placed = match &op {
            PatchOperation::Add(a) => Some((a.path.as_str(), depth_capped(&a.value, MAX_DEPTH))),
            PatchOperation::Replace(r) => {
                Some((r.path.as_str(), depth_capped(&r.value, MAX_DEPTH)))
            }
            PatchOperation::Copy(c) => match out.pointer(c.from.as_str()) {
                Some(src) => {
                    copied = copied.saturating_add(json_len(src));
                    if copied > MAX_COPY_BYTES {
                        return Err(not_applied(format!(
                            "Unable to complete the copy, the accumulated size increase of copy is {copied}, exceeding the limit {MAX_COPY_BYTES}"
                        )));
                    }
                    Some((c.path.as_str(), depth_capped(src, MAX_DEPTH)))
                }
                None => None,
            },
            PatchOperation::Move(m) => out
                .pointer(m.from.as_str())
                .map(|src| (m.path.as_str(), depth_capped(src, MAX_DEPTH))),
            PatchOperation::Remove(_) | PatchOperation::Test(_) => None,
        };
        if let Some((path, depth)) = placed {
            let level = path.matches('/').count();
            if level + depth > MAX_DEPTH {
                return Err(ApiError::invalid(
                    &ctx.rt.kind,
                    &ctx.rt.group,
                    ctx.name(),
                    &[depth_cause(&pointer_field(path))],
                ));
            }
        }
        json_patch::patch(&mut out, std::slice::from_ref(&op))
            .map_err(|e| not_applied(e.to_string()))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn nested(levels: usize) -> Value {
        let mut v = json!(1);
        for _ in 0..levels {
            v = json!({ "a": v });
        }
        v
    }

    #[test]
    fn depth_is_counted_without_going_deeper_than_the_cap() {
        assert_eq!(depth_capped(&json!(1), 10), 0);
        assert_eq!(depth_capped(&json!({}), 10), 1);
        assert_eq!(depth_capped(&json!({"a": [[]]}), 10), 3);
        assert_eq!(depth_capped(&nested(50), 10), 11);
        assert!(check_object(&nested(MAX_DEPTH)).is_ok());
        let (field, message, _) = check_object(&nested(MAX_DEPTH + 1)).unwrap_err();
        assert_eq!(field.matches('a').count(), MAX_DEPTH);
        assert!(message.contains("100 levels"), "{message}");
        assert_eq!(json_len(&json!({"a": [1, "x"]})), 13);
        let big = json!({"data": {"x": "y".repeat(MAX_OBJECT_BYTES)}});
        assert!(check_object(&big).unwrap_err().1.contains("Too long"));
    }
}

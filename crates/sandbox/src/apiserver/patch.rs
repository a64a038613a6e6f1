//! PATCH: JSON patch, merge patch, strategic merge patch (built-ins only, as the real
//! server) and server-side apply; also of the `/scale` subresource.

use super::ApiServer;
use super::apply;
use super::context::Ctx;
use super::error::{ApiError, ApiResult};
use super::fields::ListKinds;
use super::limits;
use super::objects::{self, UpdateKind};
use super::reply::Reply;
use super::scale::scale_write;
use super::smp;
use super::write::change_existing;
use serde_json::Value;

const CRD_PATCH_TYPES: &[&str] = &[
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/apply-patch+yaml",
];
const ALL_PATCH_TYPES: &[&str] = &[
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PatchType {
    Json,
    Merge,
    Strategic,
}

/// Apply a patch document of a type to an object.
fn apply_patch(ctx: &Ctx, pt: PatchType, target: &Value) -> ApiResult<Value> {
    match pt {
        PatchType::Merge => {
            let p = objects::parse_json(&ctx.body)?;
            let mut out = target.clone();
            json_patch::merge(&mut out, &p);
            Ok(out)
        }
        PatchType::Json => limits::apply_json_patch(ctx, target, &ctx.body),
        PatchType::Strategic => {
            let p = objects::parse_json(&ctx.body)?;
            smp::apply(target, &p, &ListKinds::of(ctx))
                .map_err(|e| ApiError::bad_request(e.to_string()))
        }
    }
}

pub fn patch(server: &ApiServer, ctx: &Ctx, sub: Option<&str>) -> ApiResult<Reply> {
    let ct = ctx.content_type.as_deref().unwrap_or("");
    let media = ct.split(';').next().unwrap_or("").trim();
    let accepted = if ctx.rt.is_crd_type() {
        CRD_PATCH_TYPES
    } else {
        ALL_PATCH_TYPES
    };
    if !accepted.contains(&media) {
        return Err(ApiError::unsupported_media_type(accepted));
    }
    let pt = match media {
        "application/apply-patch+yaml" => return apply::apply(server, ctx, sub),
        "application/json-patch+json" => PatchType::Json,
        "application/merge-patch+json" => PatchType::Merge,
        _ => PatchType::Strategic,
    };
    if ctx.body.is_empty() {
        return Err(ApiError::bad_request("the patch is empty"));
    }
    if sub == Some("scale") {
        return patch_scale(server, ctx, pt);
    }
    change_existing(server, ctx, sub, UpdateKind::Patch, |current| {
        let patched = apply_patch(ctx, pt, current)?;
        if patched.is_object() {
            Ok(patched)
        } else {
            Err(ApiError::bad_request(
                "the patch turned the object into something that is not an object",
            ))
        }
    })
}

fn patch_scale(server: &ApiServer, ctx: &Ctx, pt: PatchType) -> ApiResult<Reply> {
    scale_write(server, ctx, |current| {
        apply_patch(
            ctx,
            if pt == PatchType::Strategic {
                PatchType::Merge
            } else {
                pt
            },
            current,
        )
    })
}

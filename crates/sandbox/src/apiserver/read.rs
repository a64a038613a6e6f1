//! GET of one object (and its status/scale subresources) and LIST with selectors and
//! pagination, as JSON, Table or PartialObjectMetadata.

use super::ApiServer;
use super::context::Ctx;
use super::error::{ApiError, ApiResult};
use super::field_selector::FieldSelector;
use super::reply::Reply;
use super::request::Wanted;
use super::store::{ObjKey, Stored};
use super::table;
use super::{meta, scale};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::{BufMut, Bytes, BytesMut};
use klutch::selector::LabelSelector;
use serde_json::{Value, json};
use std::sync::Arc;

/// Selectors of a list or watch request.
pub struct Filter {
    labels: LabelSelector,
    fields: FieldSelector,
}

impl Filter {
    pub fn from_ctx(ctx: &Ctx) -> ApiResult<Self> {
        let labels = LabelSelector::parse(ctx.query.label_selector.as_deref().unwrap_or(""))?;
        let fields = FieldSelector::parse(
            ctx.query.field_selector.as_deref().unwrap_or(""),
            &ctx.version().selectable_fields,
        )?;
        Ok(Self { labels, fields })
    }

    pub fn matches(&self, obj: &Value) -> bool {
        self.everything()
            || (self
                .labels
                .matches_by(|key| obj["metadata"]["labels"].get(key)?.as_str())
                && self.fields.matches(obj))
    }

    /// No selector: every object matches (and none needs to be looked into).
    fn everything(&self) -> bool {
        self.labels.is_empty() && self.fields.is_empty()
    }
}

/// The object's JSON in the version the client asked for.
pub fn json_in_version(ctx: &Ctx, s: &Stored) -> Bytes {
    as_version(&ctx.api_version(), s)
}

/// The object's JSON with `apiVersion` = `want` (stored bytes when they match).
fn as_version(want: &str, s: &Stored) -> Bytes {
    // Stored objects start with their apiVersion; checking the bytes spares LIST a lookup
    // in every object's tree (scattered in memory: most of a large LIST's time).
    let head = b"{\"apiVersion\":\"";
    let json = &s.json[..];
    if json.starts_with(head)
        && json[head.len()..].starts_with(want.as_bytes())
        && json.get(head.len() + want.len()) == Some(&b'"')
    {
        return s.json.clone();
    }
    if s.value["apiVersion"].as_str() == Some(want) {
        return s.json.clone();
    }
    let mut v = s.value.clone();
    v["apiVersion"] = json!(want);
    Bytes::from(v.to_string())
}

pub fn get(server: &ApiServer, ctx: &Ctx, sub: Option<&str>) -> ApiResult<Reply> {
    let key = ObjKey::new(ctx.namespace(), ctx.name());
    let stored = server
        .store
        .get(&ctx.gr(), &key)
        .ok_or_else(|| ApiError::not_found(ctx.subject(ctx.name())))?;
    if sub == Some("scale") {
        return Ok(Reply::value(200, &scale::scale_of(ctx, &stored.value)));
    }
    Ok(match ctx.wanted {
        Wanted::Table => Reply::value(
            200,
            &table::table(ctx, &[stored], server.store.current_rv(), None),
        ),
        Wanted::PartialMetadata | Wanted::PartialMetadataList => {
            Reply::value(200, &meta::partial(&stored.value))
        }
        _ => Reply::json(200, json_in_version(ctx, &stored)),
    })
}

fn encode_continue(rv: u64, key: &ObjKey) -> String {
    URL_SAFE_NO_PAD.encode(json!({"rv": rv, "ns": key.namespace, "name": key.name}).to_string())
}

/// The resourceVersion of the list a continue token belongs to, and the key to go on from.
fn decode_continue(token: &str) -> ApiResult<(u64, ObjKey)> {
    let bad = || {
        ApiError::bad_request(
            "continue key is not valid: the token could not be decoded; restart the list without it",
        )
    };
    let raw = URL_SAFE_NO_PAD
        .decode(token.trim_end_matches('='))
        .map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&raw).map_err(|_| bad())?;
    Ok((
        v["rv"].as_u64().ok_or_else(bad)?,
        ObjKey::new(
            v["ns"].as_str().ok_or_else(bad)?,
            v["name"].as_str().ok_or_else(bad)?,
        ),
    ))
}

pub fn list(server: &ApiServer, ctx: &Ctx) -> ApiResult<Reply> {
    let filter = Filter::from_ctx(ctx)?;
    let (first_rv, start) = match ctx.query.continue_.as_deref().map(decode_continue) {
        Some(decoded) => {
            let (rv, key) = decoded?;
            (Some(rv), Some(key))
        }
        None => (None, None),
    };
    // One pass under the store's read lock, from the continue key on: the page's objects
    // are kept, the rest only counted (without a selector, without looking at them).
    let limit = ctx.query.limit;
    let mut selected: Vec<Arc<Stored>> = Vec::new();
    let mut next = None;
    let mut remaining = 0usize;
    let now = server.store.scan(
        &ctx.gr(),
        ctx.path.namespace.as_deref(),
        start.as_ref(),
        |key, s| {
            if !filter.matches(&s.value) {
                return;
            }
            if limit.is_some_and(|l| selected.len() >= l) {
                remaining += 1;
            } else {
                if limit.is_some_and(|l| selected.len() + 1 == l) {
                    next = Some(key.clone());
                }
                selected.push(s.clone());
            }
        },
    );
    if remaining == 0 {
        next = None;
    }
    // Every page of a list reports the first page's resourceVersion, as kube-apiserver does:
    // a watch started from it then replays whatever changed while the pages were read (the
    // pages themselves are read as they are now, not from a snapshot).
    let rv = first_rv.unwrap_or(now);
    let continue_ = next.map(|k| encode_continue(rv, &k));
    match ctx.wanted {
        Wanted::Table => {
            return Ok(Reply::value(
                200,
                &table::table(ctx, &selected, rv, continue_),
            ));
        }
        Wanted::PartialMetadata | Wanted::PartialMetadataList => {
            let items: Vec<Value> = selected.iter().map(|s| meta::partial(&s.value)).collect();
            let mut meta = json!({"resourceVersion": rv.to_string()});
            if let Some(c) = &continue_ {
                meta["continue"] = json!(c);
            }
            return Ok(Reply::value(
                200,
                &json!({"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": meta, "items": items}),
            ));
        }
        _ => {}
    }
    let mut meta = json!({"resourceVersion": rv.to_string()});
    if let Some(c) = &continue_ {
        meta["continue"] = json!(c);
        meta["remainingItemCount"] = json!(remaining);
    }
    let head = format!(
        "{{\"kind\":{},\"apiVersion\":{},\"metadata\":{},\"items\":[",
        json!(ctx.rt.list_kind),
        json!(ctx.api_version()),
        meta
    );
    let size: usize = selected.iter().map(|s| s.json.len() + 1).sum::<usize>() + head.len() + 2;
    let mut buf = BytesMut::with_capacity(size);
    buf.put_slice(head.as_bytes());
    let want = ctx.api_version();
    for (i, s) in selected.iter().enumerate() {
        if i > 0 {
            buf.put_u8(b',');
        }
        buf.put_slice(&as_version(&want, s));
    }
    buf.put_slice(b"]}");
    Ok(Reply::json(200, buf.freeze()))
}

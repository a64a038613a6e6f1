//! Virtual create-only resources: access reviews (`kubectl auth can-i`), rules reviews,
//! SelfSubjectReview (`kubectl auth whoami`), TokenReview, and the ServiceAccount
//! `token` subresource (`kubectl create token`).

use super::ApiServer;
use super::auth::{SaToken, UserInfo};
use super::context::Ctx;
use super::error::{ApiError, ApiResult};
use super::meta::{meta_mut, object_at};
use super::objects;
use super::rbac::{self, Attributes};
use super::registry::GroupResource;
use super::reply::Reply;
use super::shape;
use super::store::ObjKey;
use serde_json::{Value, json};

fn attributes(spec: &Value) -> Attributes {
    if let Some(ra) = spec.get("resourceAttributes").filter(|v| v.is_object()) {
        let s = |k: &str| ra[k].as_str().unwrap_or("").to_string();
        return Attributes {
            verb: s("verb"),
            group: s("group"),
            resource: s("resource"),
            subresource: s("subresource"),
            namespace: s("namespace"),
            name: s("name"),
            path: None,
        };
    }
    let nra = &spec["nonResourceAttributes"];
    Attributes {
        verb: nra["verb"].as_str().unwrap_or("").to_string(),
        path: Some(nra["path"].as_str().unwrap_or("").to_string()),
        ..Default::default()
    }
}

fn review_status(server: &ApiServer, user: &UserInfo, spec: &Value) -> Value {
    let a = attributes(spec);
    if rbac::authorize(&server.store, user, &a) {
        json!({"allowed": true, "reason": "allowed by RBAC"})
    } else {
        json!({"allowed": false})
    }
}

/// The strings of a JSON list (others skipped).
fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_str().map(String::from))
        .collect()
}

fn user_json(u: &UserInfo) -> Value {
    json!({"username": u.username, "uid": u.uid, "groups": u.groups})
}

pub fn create(server: &ApiServer, ctx: &Ctx) -> ApiResult<Reply> {
    let mut obj = objects::decode_body(ctx)?;
    objects::check_type(ctx, &mut obj)?;
    shape::check(&ctx.rt, &obj).map_err(|e| shape::decode_error(ctx, &e))?;
    let spec = obj["spec"].clone();
    let status = match ctx.rt.plural.as_str() {
        "selfsubjectaccessreviews" => review_status(server, &ctx.user, &spec),
        "subjectaccessreviews" => {
            let subject = UserInfo {
                username: spec["user"].as_str().unwrap_or("").to_string(),
                uid: spec["uid"].as_str().unwrap_or("").to_string(),
                groups: strings(&spec["groups"]),
            };
            review_status(server, &subject, &spec)
        }
        "selfsubjectrulesreviews" => {
            let ns = spec["namespace"].as_str().unwrap_or("");
            let rules = if ctx.user.is_master() {
                vec![
                    json!({"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}),
                    json!({"verbs": ["*"], "nonResourceURLs": ["*"]}),
                ]
            } else {
                rbac::rules_for(&server.store, &ctx.user, ns)
            };
            let (res, nonres): (Vec<Value>, Vec<Value>) = rules
                .into_iter()
                .partition(|r| r.get("nonResourceURLs").is_none());
            json!({"resourceRules": res, "nonResourceRules": nonres, "incomplete": false})
        }
        "selfsubjectreviews" => json!({"userInfo": user_json(&ctx.user)}),
        "tokenreviews" => {
            let token = spec["token"].as_str().unwrap_or("");
            let mut wanted = strings(&spec["audiences"]);
            if wanted.is_empty() {
                wanted.push(super::auth::SA_ISSUER.to_owned());
            }
            match server.auth.identify_for(token, &server.store, &wanted) {
                Some((u, audiences)) => {
                    json!({"authenticated": true, "user": user_json(&u), "audiences": audiences})
                }
                None => json!({"authenticated": false, "error": "invalid bearer token"}),
            }
        }
        other => return Err(ApiError::not_found_path().with_details(json!({"kind": other}))),
    };
    obj["status"] = status;
    meta_mut(&mut obj).insert("creationTimestamp".into(), Value::Null);
    Ok(Reply::value(201, &obj))
}

/// `POST …/serviceaccounts/NAME/token`.
pub fn token_request(server: &ApiServer, ctx: &Ctx) -> ApiResult<Reply> {
    let mut req = if ctx.body.is_empty() {
        json!({})
    } else {
        objects::decode_body(ctx)?
    };
    // The body is a TokenRequest whatever the URL's resource (serviceaccounts) is.
    for (k, v) in [
        ("apiVersion", "authentication.k8s.io/v1"),
        ("kind", "TokenRequest"),
    ] {
        if req.get(k).is_none_or(Value::is_null) {
            req[k] = json!(v);
        }
    }
    shape::check_kind("authentication.k8s.io", "TokenRequest", &req)
        .map_err(|e| shape::decode_error_as("TokenRequest", "v1", &e))?;
    let sa = server
        .store
        .get(
            &GroupResource::new("", "serviceaccounts"),
            &ObjKey::new(ctx.namespace(), ctx.name()),
        )
        .ok_or_else(|| ApiError::not_found(ctx.subject(ctx.name())))?;
    let seconds = req["spec"]["expirationSeconds"].as_i64().unwrap_or(3600);
    if seconds < 600 {
        return Err(ApiError::invalid(
            "TokenRequest",
            "authentication.k8s.io",
            ctx.name(),
            &[(
                "spec.expirationSeconds".into(),
                format!(
                    "Invalid value: {seconds}: may not specify a duration less than 10 minutes"
                ),
                "FieldValueInvalid",
            )],
        ));
    }
    let mut audiences = strings(&req["spec"]["audiences"]);
    if audiences.is_empty() {
        audiences.push(super::auth::SA_ISSUER.to_owned());
    }
    let exp = jiff::Timestamp::now().as_second() + seconds;
    let token = server.auth.mint(SaToken {
        namespace: ctx.namespace(),
        name: ctx.name(),
        uid: sa.value["metadata"]["uid"].as_str().unwrap_or(""),
        audiences: audiences.clone(),
        expires: Some(exp),
        secret: None,
    })?;
    let exp_ts = jiff::Timestamp::from_second(exp)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default();
    req["apiVersion"] = json!("authentication.k8s.io/v1");
    req["kind"] = json!("TokenRequest");
    req["metadata"] = json!({"name": ctx.name(), "namespace": ctx.namespace(), "creationTimestamp": super::meta::now()});
    let spec = object_at(&mut req, "spec");
    spec.insert("audiences".into(), json!(audiences));
    spec.insert("expirationSeconds".into(), json!(seconds));
    req["status"] = json!({"token": token, "expirationTimestamp": exp_ts});
    Ok(Reply::value(201, &req))
}

//! Virtual create-only resources: access reviews (`kubectl auth can-i`), rules reviews,
//! SelfSubjectReview (`kubectl auth whoami`), TokenReview, and the ServiceAccount
//! `token` subresource (`kubectl create token`).

use super::ApiServer;
use super::auth::{SaToken, UserInfo};
use super::context::Ctx;
use super::error::{ApiError, ApiResult};
use super::objects;
use super::rbac::{self, Attributes};
use super::registry::GroupResource;
use super::reply::Reply;
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

fn user_json(u: &UserInfo) -> Value {
    json!({"username": u.username, "uid": u.uid, "groups": u.groups})
}

pub fn create(server: &ApiServer, ctx: &Ctx) -> ApiResult<Reply> {
    let mut obj = objects::decode_body(ctx)?;
    objects::check_type(ctx, &mut obj)?;
    let spec = obj["spec"].clone();
    let status = match ctx.rt.plural.as_str() {
        "selfsubjectaccessreviews" => review_status(server, &ctx.user, &spec),
        "subjectaccessreviews" => {
            let strs = |v: &Value| {
                v.as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect::<Vec<_>>()
            };
            let subject = UserInfo {
                username: spec["user"].as_str().unwrap_or("").to_string(),
                uid: spec["uid"].as_str().unwrap_or("").to_string(),
                groups: strs(&spec["groups"]),
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
            match server.auth.identify(token, &server.store) {
                Some(u) => {
                    json!({"authenticated": true, "user": user_json(&u), "audiences": spec["audiences"]})
                }
                None => json!({"authenticated": false, "error": "invalid bearer token"}),
            }
        }
        other => return Err(ApiError::not_found_path().with_details(json!({"kind": other}))),
    };
    obj["status"] = status;
    if obj["metadata"].is_null() {
        obj["metadata"] = json!({});
    }
    obj["metadata"]["creationTimestamp"] = Value::Null;
    Ok(Reply::value(201, &obj))
}

/// `POST …/serviceaccounts/NAME/token`.
pub fn token_request(server: &ApiServer, ctx: &Ctx) -> ApiResult<Reply> {
    let mut req = if ctx.body.is_empty() {
        json!({})
    } else {
        objects::decode_body(ctx)?
    };
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
    let audiences: Vec<String> = req["spec"]["audiences"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a.as_str().map(String::from))
        .collect();
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
    req["spec"]["audiences"] = json!(if audiences.is_empty() {
        vec![super::auth::SA_ISSUER.to_string()]
    } else {
        audiences
    });
    req["spec"]["expirationSeconds"] = json!(seconds);
    req["status"] = json!({"token": token, "expirationTimestamp": exp_ts});
    Ok(Reply::value(201, &req))
}

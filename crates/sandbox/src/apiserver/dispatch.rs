//! From a parsed request to a handler: authentication, authorization, type lookup.

use super::ApiServer;
use super::auth::UserInfo;
use super::context::Ctx;
use super::error::{ApiError, ApiResult};
use super::rbac::{self, Attributes};
use super::registry::{Builtin, ResourceType};
use super::reply::Reply;
use super::request::{self, Query, ResourcePath, Route, Wanted};
use super::{discovery, openapi, patch, read, reviews, watch, write};
use bytes::Bytes;
use http::Method;
use std::sync::Arc;

/// A request as it arrived.
#[derive(Debug)]
pub struct Incoming {
    pub method: Method,
    pub path: String,
    pub query: Option<String>,
    pub authorization: Option<String>,
    pub accept: Option<String>,
    pub content_type: Option<String>,
    pub user_agent: String,
    pub body: Bytes,
}

/// Who sends a request, known from its headers alone.
pub enum Caller {
    /// A path everyone may read (`/version`, `/healthz`, `/readyz`, `/livez`).
    Anyone,
    User(UserInfo),
}

/// Authenticate a request from its path and `Authorization` header (before its body is
/// read): 401 for a missing or unknown token.
pub fn identify(server: &ApiServer, path: &str, authorization: Option<&str>) -> ApiResult<Caller> {
    match request::parse_path(path) {
        Route::Version | Route::Health => Ok(Caller::Anyone),
        _ => Ok(Caller::User(
            server.auth.authenticate(authorization, &server.store)?,
        )),
    }
}

/// Answer a request as it arrived (headers and body together).
#[cfg(test)]
pub async fn dispatch(server: &Arc<ApiServer>, inc: Incoming) -> Reply {
    match identify(server, &inc.path, inc.authorization.as_deref()) {
        Ok(caller) => serve(server, inc, caller).await,
        Err(e) => e.into(),
    }
}

/// Answer a request whose caller is known.
pub async fn serve(server: &Arc<ApiServer>, inc: Incoming, caller: Caller) -> Reply {
    match route(server, inc, caller).await {
        Ok(r) => r,
        Err(e) => e.into(),
    }
}

fn verb(method: &Method, p: &ResourcePath, q: &Query) -> ApiResult<&'static str> {
    Ok(match *method {
        Method::GET | Method::HEAD if p.name.is_some() => "get",
        Method::GET | Method::HEAD if q.watch => "watch",
        Method::GET | Method::HEAD => "list",
        Method::POST => "create",
        Method::PUT => "update",
        Method::PATCH => "patch",
        Method::DELETE if p.name.is_some() => "delete",
        Method::DELETE => "deletecollection",
        _ => return Err(ApiError::method_not_allowed()),
    })
}

async fn route(server: &Arc<ApiServer>, inc: Incoming, caller: Caller) -> ApiResult<Reply> {
    let route = request::parse_path(&inc.path);
    match route {
        Route::Version => return Ok(discovery::version()),
        Route::Health => {
            return Ok(Reply::json(200, "ok").with_content_type("text/plain; charset=utf-8"));
        }
        _ => {}
    }
    let user = match caller {
        Caller::User(u) => u,
        Caller::Anyone => server
            .auth
            .authenticate(inc.authorization.as_deref(), &server.store)?,
    };
    let query = request::parse_query(inc.query.as_deref())?;
    let wanted = request::wanted(inc.accept.as_deref());
    let path = match route {
        Route::Resource(p) => p,
        other => {
            let attrs = Attributes {
                verb: if inc.method == Method::GET {
                    "get"
                } else {
                    "post"
                }
                .into(),
                path: Some(inc.path.clone()),
                ..Default::default()
            };
            if !rbac::authorize(&server.store, &user, &attrs) {
                return Err(ApiError::forbidden(attrs.forbidden_message(&user)));
            }
            if inc.method != Method::GET && inc.method != Method::HEAD {
                return Err(ApiError::method_not_allowed());
            }
            return non_resource(server, other, wanted);
        }
    };
    let verb = verb(&inc.method, &path, &query)?;
    let attrs = Attributes {
        verb: verb.into(),
        group: path.group.clone(),
        resource: path.resource.clone(),
        subresource: path.subresource.clone().unwrap_or_default(),
        // As kube-apiserver's RequestInfo: a request on one namespace is "in" that
        // namespace, so a RoleBinding there may grant it (e.g. `get` on itself).
        namespace: match (&path.namespace, path.group.as_str(), path.resource.as_str()) {
            (None, "", "namespaces") => path.name.clone().unwrap_or_default(),
            (ns, _, _) => ns.clone().unwrap_or_default(),
        },
        name: path.name.clone().unwrap_or_default(),
        path: None,
    };
    if !rbac::authorize(&server.store, &user, &attrs) {
        let mut details = serde_json::json!({"kind": path.resource});
        if !attrs.name.is_empty() {
            details["name"] = attrs.name.clone().into();
        }
        if !path.group.is_empty() {
            details["group"] = path.group.clone().into();
        }
        return Err(ApiError::forbidden(attrs.forbidden_message(&user)).with_details(details));
    }
    let lookup = || {
        server
            .registry
            .lookup(&path.group, &path.version, &path.resource)
    };
    let rt = lookup()
        .or_else(|| {
            super::crd::serve_if_stored(server, &path.group, &path.resource)
                .then(lookup)
                .flatten()
        })
        .ok_or_else(ApiError::not_found_path)?;
    check_scope(&rt, &path)?;
    let ctx = Ctx {
        user,
        method: inc.method,
        query,
        wanted,
        content_type: inc.content_type,
        user_agent: inc.user_agent,
        body: inc.body,
        path,
        rt,
    };
    resource(server, ctx).await
}

fn check_scope(rt: &ResourceType, p: &ResourcePath) -> ApiResult<()> {
    if !rt.namespaced && p.namespace.is_some() {
        return Err(ApiError::not_found_path());
    }
    if rt.namespaced && p.namespace.is_none() && p.name.is_some() {
        return Err(ApiError::not_found_path());
    }
    if let Some(sub) = &p.subresource {
        let v = rt.version(&p.version);
        let ok = match sub.as_str() {
            "status" => v.is_some_and(|v| v.status),
            "scale" => v.is_some_and(|v| v.scale.is_some()),
            "token" => rt.builtin() == Some(Builtin::ServiceAccount),
            "finalize" => rt.builtin() == Some(Builtin::Namespace),
            _ => false,
        };
        if !ok {
            return Err(ApiError::not_found_path());
        }
    }
    Ok(())
}

async fn resource(server: &Arc<ApiServer>, ctx: Ctx) -> ApiResult<Reply> {
    let has_name = ctx.path.name.is_some();
    let sub = ctx.path.subresource.clone();
    if ctx.rt.is_review() {
        return match (ctx.method.clone(), has_name) {
            (Method::POST, false) => reviews::create(server, &ctx),
            _ => Err(ApiError::method_not_allowed()),
        };
    }
    match (ctx.method.clone(), has_name, sub.as_deref()) {
        (Method::GET | Method::HEAD, false, None) if ctx.query.watch => watch::watch(server, ctx),
        (Method::GET | Method::HEAD, false, None) => read::list(server, &ctx),
        (Method::GET | Method::HEAD, true, sub) => read::get(server, &ctx, sub),
        (Method::POST, false, None) => write::create(server, &ctx),
        (Method::POST, true, Some("token")) => reviews::token_request(server, &ctx),
        (Method::PUT, true, sub) => write::update(server, &ctx, sub),
        (Method::PATCH, true, sub) => patch::patch(server, &ctx, sub),
        (Method::DELETE, true, None) => write::delete(server, &ctx),
        (Method::DELETE, false, None) => write::delete_collection(server, &ctx),
        _ => Err(ApiError::method_not_allowed()),
    }
}

fn non_resource(server: &ApiServer, route: Route, wanted: Wanted) -> ApiResult<Reply> {
    match route {
        Route::Api => Ok(discovery::api(server, wanted)),
        Route::Apis => Ok(discovery::apis(server, wanted)),
        Route::ApiGroup(g) => discovery::api_group(server, &g),
        Route::GroupVersion { group, version } => {
            discovery::resource_list(server, &group, &version)
        }
        Route::OpenApiV3Root => Ok(openapi::v3_root(server)),
        Route::OpenApiV3(gv) => openapi::v3_doc(server, &gv),
        Route::OpenApiV2 => Err(ApiError::not_found_path()),
        _ => Err(ApiError::not_found_path()),
    }
}

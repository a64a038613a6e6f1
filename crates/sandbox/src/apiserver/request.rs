//! Parsing of request paths, query strings and media types into what the handlers need.

use super::error::{ApiError, ApiResult};

/// What a path addresses.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    Version,
    Health,
    Api,
    Apis,
    ApiGroup(String),
    GroupVersion { group: String, version: String },
    OpenApiV3Root,
    OpenApiV3(String),
    OpenApiV2,
    Resource(ResourcePath),
    NotFound,
}

/// `/api/v1/namespaces/NS/RES/NAME/SUB` and the like.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResourcePath {
    pub group: String,
    pub version: String,
    pub namespace: Option<String>,
    pub resource: String,
    pub name: Option<String>,
    pub subresource: Option<String>,
}

fn decode(seg: &str) -> String {
    percent_encoding::percent_decode_str(seg)
        .decode_utf8_lossy()
        .into_owned()
}

pub fn parse_path(path: &str) -> Route {
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(decode)
        .collect();
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    match s.as_slice() {
        ["version"] => Route::Version,
        ["healthz" | "readyz" | "livez", ..] => Route::Health,
        ["api"] => Route::Api,
        ["apis"] => Route::Apis,
        ["openapi", "v2"] => Route::OpenApiV2,
        ["openapi", "v3"] => Route::OpenApiV3Root,
        ["openapi", "v3", rest @ ..] => Route::OpenApiV3(rest.join("/")),
        ["api", version] => Route::GroupVersion {
            group: String::new(),
            version: version.to_string(),
        },
        ["api", version, rest @ ..] => resource_route("", version, rest),
        ["apis", group] => Route::ApiGroup(group.to_string()),
        ["apis", group, version] => Route::GroupVersion {
            group: group.to_string(),
            version: version.to_string(),
        },
        ["apis", group, version, rest @ ..] => resource_route(group, version, rest),
        _ => Route::NotFound,
    }
}

fn resource_route(group: &str, version: &str, rest: &[&str]) -> Route {
    let mut p = ResourcePath {
        group: group.to_string(),
        version: version.to_string(),
        ..Default::default()
    };
    let tail: &[&str] = match rest {
        ["namespaces", ns, sub @ ("status" | "finalize")] => {
            p.resource = "namespaces".into();
            p.name = Some(ns.to_string());
            p.subresource = Some(sub.to_string());
            return Route::Resource(p);
        }
        ["namespaces", ns, tail @ ..] if !tail.is_empty() => {
            p.namespace = Some(ns.to_string());
            tail
        }
        other => other,
    };
    match tail {
        [res] => p.resource = res.to_string(),
        [res, name] => {
            p.resource = res.to_string();
            p.name = Some(name.to_string());
        }
        [res, name, sub] => {
            p.resource = res.to_string();
            p.name = Some(name.to_string());
            p.subresource = Some(sub.to_string());
        }
        _ => return Route::NotFound,
    }
    Route::Resource(p)
}

/// Query parameters the server understands.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub watch: bool,
    pub resource_version: Option<String>,
    pub resource_version_match: Option<String>,
    pub timeout_seconds: Option<u64>,
    pub allow_watch_bookmarks: bool,
    pub send_initial_events: Option<bool>,
    pub label_selector: Option<String>,
    pub field_selector: Option<String>,
    pub limit: Option<usize>,
    pub continue_: Option<String>,
    pub dry_run: bool,
    pub field_manager: Option<String>,
    pub field_validation: FieldValidation,
    pub force: bool,
    pub propagation_policy: Option<String>,
    pub include_object: Option<String>,
}

/// `fieldValidation=`: what to do with unknown or duplicate fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FieldValidation {
    Ignore,
    #[default]
    Warn,
    Strict,
}

fn parse_bool(key: &str, v: &str) -> ApiResult<bool> {
    match v {
        "true" | "1" | "" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(ApiError::bad_request(format!(
            "invalid value for {key}: {v:?}; expected true or false"
        ))),
    }
}

pub fn parse_query(raw: Option<&str>) -> ApiResult<Query> {
    let mut q = Query::default();
    let Some(raw) = raw else { return Ok(q) };
    for (k, v) in form_urlencoded::parse(raw.as_bytes()) {
        let (k, v) = (k.as_ref(), v.as_ref());
        match k {
            "watch" => q.watch = parse_bool(k, v)?,
            "resourceVersion" => q.resource_version = Some(v.to_string()).filter(|s| !s.is_empty()),
            "resourceVersionMatch" => {
                q.resource_version_match = Some(v.to_string()).filter(|s| !s.is_empty())
            }
            "timeoutSeconds" => {
                q.timeout_seconds =
                    Some(v.parse().map_err(|_| {
                        ApiError::bad_request(format!("invalid timeoutSeconds {v:?}"))
                    })?)
            }
            "allowWatchBookmarks" => q.allow_watch_bookmarks = parse_bool(k, v)?,
            "sendInitialEvents" => q.send_initial_events = Some(parse_bool(k, v)?),
            "labelSelector" => q.label_selector = Some(v.to_string()).filter(|s| !s.is_empty()),
            "fieldSelector" => q.field_selector = Some(v.to_string()).filter(|s| !s.is_empty()),
            "limit" => {
                let n: i64 = v
                    .parse()
                    .map_err(|_| ApiError::bad_request(format!("invalid limit {v:?}")))?;
                q.limit = (n > 0).then_some(n as usize);
            }
            "continue" => q.continue_ = Some(v.to_string()).filter(|s| !s.is_empty()),
            "dryRun" => match v {
                "All" => q.dry_run = true,
                "" => {}
                other => {
                    return Err(ApiError::bad_request(format!(
                        "Invalid dryRun value {other:?}: supported values: \"All\""
                    )));
                }
            },
            "fieldManager" => q.field_manager = Some(v.to_string()).filter(|s| !s.is_empty()),
            "fieldValidation" => {
                q.field_validation = match v {
                    "Ignore" => FieldValidation::Ignore,
                    "Warn" | "" => FieldValidation::Warn,
                    "Strict" => FieldValidation::Strict,
                    other => {
                        return Err(ApiError::bad_request(format!(
                            "fieldValidation must be one of \"Ignore\", \"Warn\", or \"Strict\", got {other:?}"
                        )));
                    }
                }
            }
            "force" => q.force = parse_bool(k, v)?,
            "propagationPolicy" => q.propagation_policy = Some(v.to_string()),
            "includeObject" => q.include_object = Some(v.to_string()),
            _ => {}
        }
    }
    Ok(q)
}

/// What representation the client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    Json,
    Table,
    PartialMetadata,
    PartialMetadataList,
    DiscoveryV2,
    DiscoveryV2Beta1,
}

/// The first alternative of an Accept header this server can produce.
pub fn wanted(accept: Option<&str>) -> Wanted {
    let Some(accept) = accept else {
        return Wanted::Json;
    };
    for alt in accept.split(',') {
        let mut parts = alt.split(';').map(str::trim);
        let media = parts.next().unwrap_or("");
        let params: Vec<(&str, &str)> = parts.filter_map(|p| p.split_once('=')).collect();
        let param = |k: &str| params.iter().find(|(pk, _)| *pk == k).map(|(_, v)| *v);
        if media != "application/json"
            && media != "*/*"
            && media != "application/vnd.kubernetes.protobuf"
        {
            continue;
        }
        match (param("as"), param("g"), param("v")) {
            (Some("Table"), Some("meta.k8s.io"), Some("v1" | "v1beta1")) => return Wanted::Table,
            (Some("PartialObjectMetadata"), Some("meta.k8s.io"), _) => {
                return Wanted::PartialMetadata;
            }
            (Some("PartialObjectMetadataList"), Some("meta.k8s.io"), _) => {
                return Wanted::PartialMetadataList;
            }
            (Some("APIGroupDiscoveryList"), Some("apidiscovery.k8s.io"), Some("v2")) => {
                return Wanted::DiscoveryV2;
            }
            (Some("APIGroupDiscoveryList"), Some("apidiscovery.k8s.io"), Some("v2beta1")) => {
                return Wanted::DiscoveryV2Beta1;
            }
            (None, _, _) => return Wanted::Json,
            _ => continue,
        }
    }
    Wanted::Json
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(
            parse_path("/api/v1/namespaces"),
            Route::Resource(ResourcePath {
                version: "v1".into(),
                resource: "namespaces".into(),
                ..Default::default()
            })
        );
        let Route::Resource(p) =
            parse_path("/apis/example.com/v1/namespaces/ns1/widgets/w1/status")
        else {
            panic!()
        };
        assert_eq!(
            (
                p.group.as_str(),
                p.namespace.as_deref(),
                p.resource.as_str(),
                p.name.as_deref(),
                p.subresource.as_deref()
            ),
            (
                "example.com",
                Some("ns1"),
                "widgets",
                Some("w1"),
                Some("status")
            )
        );
        let Route::Resource(p) = parse_path("/api/v1/namespaces/ns1/status") else {
            panic!()
        };
        assert_eq!(
            (
                p.resource.as_str(),
                p.name.as_deref(),
                p.subresource.as_deref()
            ),
            ("namespaces", Some("ns1"), Some("status"))
        );
        let Route::Resource(p) = parse_path("/api/v1/namespaces/ns1") else {
            panic!()
        };
        assert_eq!(
            (p.resource.as_str(), p.name.as_deref(), p.namespace),
            ("namespaces", Some("ns1"), None)
        );
        assert_eq!(parse_path("/apis/a/b/c/d/e/f/g"), Route::NotFound);
    }

    #[test]
    fn query_skips_empty_pairs() {
        let q = parse_query(Some(
            "&watch=true&timeoutSeconds=290&allowWatchBookmarks=true&resourceVersion=12",
        ))
        .unwrap();
        assert!(q.watch && q.allow_watch_bookmarks);
        assert_eq!(q.timeout_seconds, Some(290));
        assert_eq!(q.resource_version.as_deref(), Some("12"));
        assert!(parse_query(Some("watch=maybe")).is_err());
    }

    #[test]
    fn accept_negotiation() {
        assert_eq!(
            wanted(Some(
                "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
            )),
            Wanted::Table
        );
        assert_eq!(
            wanted(Some(
                "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
            )),
            Wanted::DiscoveryV2
        );
        assert_eq!(wanted(Some("application/json, */*")), Wanted::Json);
    }
}

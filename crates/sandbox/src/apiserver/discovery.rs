//! Discovery: /version, /api, /apis (legacy and aggregated v2/v2beta1), group and
//! group-version resource lists.

use super::ApiServer;
use super::error::{ApiError, ApiResult};
use super::registry::{Builtin, ResourceType, Version};
use super::reply::Reply;
use super::request::Wanted;
use serde_json::{Value, json};

pub fn version() -> Reply {
    Reply::value(
        200,
        &json!({
            "major": "1", "minor": "32", "gitVersion": "v1.32.0",
            "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
            "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.23.0", "compiler": "gc",
            "platform": "linux/amd64", "emulator": "klutch-tui sandbox"
        }),
    )
}

fn gv(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    }
}

/// Subresources of a type in one version: (name, kind, group, version, verbs).
fn subresources(
    t: &ResourceType,
    v: &Version,
) -> Vec<(&'static str, String, String, String, Vec<&'static str>)> {
    let mut out = Vec::new();
    if v.status {
        out.push((
            "status",
            t.kind.clone(),
            t.group.clone(),
            v.name.clone(),
            vec!["get", "patch", "update"],
        ));
    }
    if v.scale.is_some() {
        out.push((
            "scale",
            "Scale".into(),
            "autoscaling".into(),
            "v1".into(),
            vec!["get", "patch", "update"],
        ));
    }
    match t.builtin() {
        Some(Builtin::ServiceAccount) => out.push((
            "token",
            "TokenRequest".into(),
            "authentication.k8s.io".into(),
            "v1".into(),
            vec!["create"],
        )),
        Some(Builtin::Namespace) => out.push((
            "finalize",
            "Namespace".into(),
            String::new(),
            "v1".into(),
            vec!["update"],
        )),
        _ => {}
    }
    out
}

fn aggregated(server: &ApiServer, core: bool, wanted: Wanted) -> Reply {
    let mut items = Vec::new();
    for (group, versions) in server.registry.groups() {
        if group.is_empty() != core {
            continue;
        }
        let versions: Vec<Value> = versions
            .iter()
            .map(|vname| {
                let resources: Vec<Value> = server
                    .registry
                    .in_group_version(&group, vname)
                    .iter()
                    .filter_map(|t| {
                        let v = t.version(vname)?;
                        let subs: Vec<Value> = subresources(t, v)
                            .into_iter()
                            .map(|(s, kind, g, ver, verbs)| {
                                json!({"subresource": s, "responseKind": {"group": g, "version": ver, "kind": kind}, "verbs": verbs})
                            })
                            .collect();
                        let mut r = json!({
                            "resource": t.plural,
                            "responseKind": {"group": t.group, "version": vname, "kind": t.kind},
                            "scope": if t.namespaced { "Namespaced" } else { "Cluster" },
                            "singularResource": t.singular,
                            "verbs": t.verbs(),
                        });
                        if !t.short_names.is_empty() {
                            r["shortNames"] = json!(t.short_names);
                        }
                        if !t.categories.is_empty() {
                            r["categories"] = json!(t.categories);
                        }
                        if !subs.is_empty() {
                            r["subresources"] = json!(subs);
                        }
                        Some(r)
                    })
                    .collect();
                json!({"version": vname, "resources": resources, "freshness": "Current"})
            })
            .collect();
        items.push(
            json!({"metadata": {"name": group, "creationTimestamp": null}, "versions": versions}),
        );
    }
    let (ver, ct) = match wanted {
        Wanted::DiscoveryV2Beta1 => (
            "v2beta1",
            "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList",
        ),
        _ => (
            "v2",
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
        ),
    };
    Reply::value(
        200,
        &json!({"kind": "APIGroupDiscoveryList", "apiVersion": format!("apidiscovery.k8s.io/{ver}"), "metadata": {}, "items": items}),
    )
    .with_content_type(ct)
}

fn is_aggregated(w: Wanted) -> bool {
    matches!(w, Wanted::DiscoveryV2 | Wanted::DiscoveryV2Beta1)
}

fn server_address(server: &ApiServer) -> Value {
    let host = server.url.trim_start_matches("https://").to_string();
    json!([{"clientCIDR": "0.0.0.0/0", "serverAddress": host}])
}

pub fn api(server: &ApiServer, wanted: Wanted) -> Reply {
    if is_aggregated(wanted) {
        return aggregated(server, true, wanted);
    }
    Reply::value(
        200,
        &json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": server_address(server)}),
    )
}

fn group_json(server: &ApiServer, group: &str, versions: &[String]) -> Value {
    let vs: Vec<Value> = versions
        .iter()
        .map(|v| json!({"groupVersion": gv(group, v), "version": v}))
        .collect();
    let mut g = json!({"name": group, "versions": vs, "serverAddressByClientCIDRs": server_address(server)});
    if let Some(first) = vs.first() {
        g["preferredVersion"] = first.clone();
    }
    g
}

pub fn apis(server: &ApiServer, wanted: Wanted) -> Reply {
    if is_aggregated(wanted) {
        return aggregated(server, false, wanted);
    }
    let groups: Vec<Value> = server
        .registry
        .groups()
        .iter()
        .filter(|(g, _)| !g.is_empty())
        .map(|(g, vs)| group_json(server, g, vs))
        .collect();
    Reply::value(
        200,
        &json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}),
    )
}

pub fn api_group(server: &ApiServer, group: &str) -> ApiResult<Reply> {
    let groups = server.registry.groups();
    let (_, vs) = groups
        .iter()
        .find(|(g, _)| g == group && !g.is_empty())
        .ok_or_else(ApiError::not_found_path)?;
    let mut g = group_json(server, group, vs);
    g["kind"] = json!("APIGroup");
    g["apiVersion"] = json!("v1");
    Ok(Reply::value(200, &g))
}

pub fn resource_list(server: &ApiServer, group: &str, version: &str) -> ApiResult<Reply> {
    let types = server.registry.in_group_version(group, version);
    if types.is_empty() {
        return Err(ApiError::not_found_path());
    }
    let mut resources = Vec::new();
    for t in &types {
        let Some(v) = t.version(version) else {
            continue;
        };
        let mut r = json!({
            "name": t.plural, "singularName": t.singular, "namespaced": t.namespaced,
            "kind": t.kind, "verbs": t.verbs(),
        });
        if !t.short_names.is_empty() {
            r["shortNames"] = json!(t.short_names);
        }
        if !t.categories.is_empty() {
            r["categories"] = json!(t.categories);
        }
        resources.push(r);
        for (s, kind, g, ver, verbs) in subresources(t, v) {
            let mut r = json!({"name": format!("{}/{s}", t.plural), "singularName": "", "namespaced": t.namespaced, "kind": kind, "verbs": verbs});
            if g != t.group || ver != version {
                r["group"] = json!(g);
                r["version"] = json!(ver);
            }
            resources.push(r);
        }
    }
    Ok(Reply::value(
        200,
        &json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv(group, version), "resources": resources}),
    ))
}

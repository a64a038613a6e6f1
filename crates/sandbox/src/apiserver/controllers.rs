//! What kube-controller-manager would do, driven by store events (never polling):
//! namespace deletion, garbage collection by ownerReferences (background, foreground,
//! orphan), CRD instance cleanup, and tokens for ServiceAccount token Secrets.

use super::ApiServer;
use super::auth::SaToken;
use super::crd::CLEANUP_FINALIZER;
use super::meta;
use super::registry::GroupResource;
use super::store::{Event, EventType, ObjKey, Write};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;

fn ns_gr() -> GroupResource {
    GroupResource::new("", "namespaces")
}

fn crd_gr() -> GroupResource {
    GroupResource::new("apiextensions.k8s.io", "customresourcedefinitions")
}

fn key_of(v: &Value) -> ObjKey {
    ObjKey::new(meta::namespace(v), meta::name(v))
}

pub fn spawn(server: Arc<ApiServer>) {
    let mut rx = server.store.subscribe();
    let tasks = server.tasks.clone();
    tasks.spawn(async move {
        resync(&server);
        loop {
            tokio::select! {
                _ = server.shutdown.cancelled() => return,
                ev = rx.recv() => match ev {
                    Ok(ev) => handle(&server, &ev),
                    Err(RecvError::Lagged(_)) => resync(&server),
                    Err(RecvError::Closed) => return,
                },
            }
        }
    });
}

/// Look at everything (at start, or after missing events).
fn resync(server: &ApiServer) {
    for gr in server.store.types() {
        let (items, _) = server.store.list(&gr, None);
        for s in items {
            examine(server, &gr, &s.value);
        }
    }
}

fn handle(server: &ApiServer, ev: &Event) {
    let v = &ev.obj.value;
    if ev.type_ == EventType::Deleted {
        collect_dependents(server, meta::uid(v));
        let ns = meta::namespace(v);
        if !ns.is_empty()
            && let Some(n) = server.store.get(&ns_gr(), &ObjKey::new("", ns))
            && meta::is_deleting(&n.value)
        {
            finish_namespace(server, ns);
        }
        if let Some(owners) = v["metadata"]["ownerReferences"].as_array() {
            for o in owners {
                recheck_owner(server, o);
            }
        }
        // The last object of a terminating CRD may have gone: the CRD may finish now.
        let crd_name = format!("{}.{}", ev.gr.resource, ev.gr.group);
        if let Some(crd) = server.store.get(&crd_gr(), &ObjKey::new("", &crd_name))
            && meta::is_deleting(&crd.value)
        {
            examine(server, &crd_gr(), &crd.value.clone());
        }
        return;
    }
    examine(server, &ev.gr, v);
}

/// React to the current state of one object.
fn examine(server: &ApiServer, gr: &GroupResource, v: &Value) {
    if *gr == ns_gr() && meta::is_deleting(v) {
        finish_namespace(server, meta::name(v));
    }
    if *gr == crd_gr()
        && meta::is_deleting(v)
        && meta::finalizers(v).iter().any(|f| f == CLEANUP_FINALIZER)
    {
        cleanup_crd(server, v);
    }
    if meta::is_deleting(v) {
        let f = meta::finalizers(v);
        if f.iter().any(|x| x == "orphan") {
            orphan_dependents(server, meta::uid(v));
            remove_finalizer(server, gr, &key_of(v), "orphan");
        } else if f.iter().any(|x| x == "foregroundDeletion") {
            if dependents(server, meta::uid(v)).is_empty() {
                remove_finalizer(server, gr, &key_of(v), "foregroundDeletion");
            } else {
                collect_dependents(server, meta::uid(v));
            }
        }
    }
    if gr.group.is_empty()
        && gr.resource == "secrets"
        && v["type"] == "kubernetes.io/service-account-token"
        && v["data"]["token"].is_null()
    {
        fill_token(server, v);
    }
}

/// Delete an object as a controller would: finalizers make it terminate, not vanish.
pub fn delete_internal(server: &ApiServer, gr: &GroupResource, key: &ObjKey) {
    let r = server.store.mutate(gr, key, false, |cur| {
        let Some(cur) = cur else {
            return Ok(Write::Unchanged);
        };
        if meta::is_deleting(&cur.value) {
            return Ok(Write::Unchanged);
        }
        if meta::finalizers(&cur.value).is_empty() && *gr != ns_gr() {
            return Ok(Write::Delete);
        }
        let mut next = cur.value.clone();
        let m = meta::meta_mut(&mut next);
        m.insert("deletionTimestamp".into(), json!(meta::now()));
        m.insert("deletionGracePeriodSeconds".into(), json!(0));
        if *gr == ns_gr() {
            next["status"]["phase"] = json!("Terminating");
        }
        Ok(Write::Put(next))
    });
    match r {
        Ok(c) => server.after_commit(gr, &c),
        Err(e) => {
            tracing::warn!(server = %server.name, %gr, name = %key.name, error = %e, "controller delete failed")
        }
    }
}

fn remove_finalizer(server: &ApiServer, gr: &GroupResource, key: &ObjKey, finalizer: &str) {
    let r = server.store.mutate(gr, key, false, |cur| {
        let Some(cur) = cur else {
            return Ok(Write::Unchanged);
        };
        let mut f = meta::finalizers(&cur.value);
        if !f.iter().any(|x| x == finalizer) {
            return Ok(Write::Unchanged);
        }
        f.retain(|x| x != finalizer);
        let mut next = cur.value.clone();
        let m = meta::meta_mut(&mut next);
        if f.is_empty() {
            m.remove("finalizers");
        } else {
            m.insert("finalizers".into(), json!(f));
        }
        Ok(if f.is_empty() && meta::is_deleting(&next) {
            Write::Delete
        } else {
            Write::Put(next)
        })
    });
    match r {
        Ok(c) => server.after_commit(gr, &c),
        Err(e) => {
            tracing::warn!(server = %server.name, %gr, name = %key.name, error = %e, "removing finalizer failed")
        }
    }
}

fn finish_namespace(server: &ApiServer, ns: &str) {
    let types = server.store.types_in_namespace(ns);
    for gr in &types {
        let (items, _) = server.store.list(gr, Some(ns));
        for s in items {
            delete_internal(server, gr, &key_of(&s.value));
        }
    }
    if server.store.types_in_namespace(ns).is_empty() {
        let r = server
            .store
            .mutate(&ns_gr(), &ObjKey::new("", ns), false, |cur| {
                Ok(match cur {
                    Some(c) if meta::is_deleting(&c.value) => Write::Delete,
                    _ => Write::Unchanged,
                })
            });
        if let Err(e) = r {
            tracing::warn!(server = %server.name, namespace = ns, error = %e, "finishing namespace deletion failed");
        }
    }
}

fn cleanup_crd(server: &ApiServer, crd: &Value) {
    let gr = GroupResource::new(
        crd["spec"]["group"].as_str().unwrap_or(""),
        crd["spec"]["names"]["plural"].as_str().unwrap_or(""),
    );
    let (items, _) = server.store.list(&gr, None);
    for s in &items {
        delete_internal(server, &gr, &key_of(&s.value));
    }
    if server.store.list(&gr, None).0.is_empty() {
        remove_finalizer(server, &crd_gr(), &key_of(crd), CLEANUP_FINALIZER);
    }
}

/// Every object owned by `uid`: (type, key).
fn dependents(server: &ApiServer, uid: &str) -> Vec<(GroupResource, ObjKey)> {
    if uid.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for gr in server.store.types() {
        let (items, _) = server.store.list(&gr, None);
        for s in items {
            let owned = s.value["metadata"]["ownerReferences"]
                .as_array()
                .is_some_and(|o| o.iter().any(|r| r["uid"] == uid));
            if owned {
                out.push((gr.clone(), key_of(&s.value)));
            }
        }
    }
    out
}

fn collect_dependents(server: &ApiServer, uid: &str) {
    for (gr, key) in dependents(server, uid) {
        delete_internal(server, &gr, &key);
    }
}

fn orphan_dependents(server: &ApiServer, uid: &str) {
    for (gr, key) in dependents(server, uid) {
        let _ = server.store.mutate(&gr, &key, false, |cur| {
            let Some(cur) = cur else {
                return Ok(Write::Unchanged);
            };
            let mut next = cur.value.clone();
            if let Some(refs) = next["metadata"]["ownerReferences"].as_array_mut() {
                refs.retain(|r| r["uid"] != uid);
                if refs.is_empty() {
                    meta::meta_mut(&mut next).remove("ownerReferences");
                }
            }
            Ok(Write::Put(next))
        });
    }
}

/// A dependent went away: an owner waiting in foreground deletion may now finish.
fn recheck_owner(server: &ApiServer, owner_ref: &Value) {
    let uid = owner_ref["uid"].as_str().unwrap_or("");
    for gr in server.store.types() {
        let (items, _) = server.store.list(&gr, None);
        if let Some(owner) = items.iter().find(|s| meta::uid(&s.value) == uid) {
            examine(server, &gr, &owner.value.clone());
            return;
        }
    }
}

fn fill_token(server: &ApiServer, secret: &Value) {
    let ns = meta::namespace(secret);
    let sa_name = secret["metadata"]["annotations"]["kubernetes.io/service-account.name"]
        .as_str()
        .unwrap_or("");
    let Some(sa) = server.store.get(
        &GroupResource::new("", "serviceaccounts"),
        &ObjKey::new(ns, sa_name),
    ) else {
        return;
    };
    let sa_uid = meta::uid(&sa.value).to_string();
    let token = server.auth.mint(SaToken {
        namespace: ns,
        name: sa_name,
        uid: &sa_uid,
        audiences: Vec::new(),
        expires: None,
        secret: Some((meta::name(secret), meta::uid(secret))),
    });
    let Ok(token) = token else { return };
    let gr = GroupResource::new("", "secrets");
    let _ = server.store.mutate(&gr, &key_of(secret), false, |cur| {
        let Some(cur) = cur else {
            return Ok(Write::Unchanged);
        };
        if !cur.value["data"]["token"].is_null() {
            return Ok(Write::Unchanged);
        }
        let mut next = cur.value.clone();
        if !next["data"].is_object() {
            next["data"] = json!({});
        }
        next["data"]["token"] = json!(STANDARD.encode(token.as_bytes()));
        next["data"]["ca.crt"] = json!(STANDARD.encode(server.ca_pem.as_bytes()));
        next["data"]["namespace"] = json!(STANDARD.encode(ns.as_bytes()));
        next["metadata"]["annotations"]["kubernetes.io/service-account.uid"] = json!(sa_uid);
        Ok(Write::Put(next))
    });
}

//! What kube-controller-manager would do, driven by store events (never polling):
//! namespace deletion, garbage collection by ownerReferences (background, foreground,
//! orphan), CRD instance cleanup, and tokens for ServiceAccount token Secrets. A failure
//! (a refused write, even a panic) is logged and everything looked at again after a
//! backoff: the controllers never stop while the server runs.

use super::ApiServer;
use super::auth::SaToken;
use super::crd::CLEANUP_FINALIZER;
use super::meta;
use super::registry::GroupResource;
use super::store::{Event, EventType, ObjKey, Write};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use std::cell::Cell;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;

fn ns_gr() -> GroupResource {
    GroupResource::new("", "namespaces")
}

fn crd_gr() -> GroupResource {
    GroupResource::new("apiextensions.k8s.io", "customresourcedefinitions")
}

fn key_of(v: &Value) -> ObjKey {
    ObjKey::new(meta::namespace(v), meta::name(v))
}

/// The first wait before looking at everything again after a failure; it doubles with
/// each failure in a row, up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// One pass of the controllers over some objects, noting whether anything failed (a write
/// refused, a panic), so that the loop looks again later.
pub struct Ctl<'a> {
    server: &'a ApiServer,
    failed: Cell<bool>,
}

impl<'a> Ctl<'a> {
    fn new(server: &'a ApiServer) -> Self {
        Self {
            server,
            failed: Cell::new(false),
        }
    }

    fn fail(&self) {
        self.failed.set(true);
    }

    /// Run `f`; false when it failed or panicked (the panic is logged, not passed on: the
    /// controllers must outlive any object they choke on).
    fn run(server: &ApiServer, what: &str, f: impl FnOnce(&Ctl<'_>)) -> bool {
        let c = Ctl::new(server);
        match std::panic::catch_unwind(AssertUnwindSafe(|| f(&c))) {
            Ok(()) => !c.failed.get(),
            Err(panic) => {
                let why = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                tracing::error!(server = %server.name, what, panic = %why, "a controller panicked; it will look at everything again");
                false
            }
        }
    }
}

pub fn spawn(server: Arc<ApiServer>) {
    let mut rx = server.store.subscribe();
    let tasks = server.tasks.clone();
    tasks.spawn(async move {
        let mut backoff = FIRST_BACKOFF;
        let mut retry_at = (!Ctl::run(&server, "resync", resync)).then(|| Instant::now() + backoff);
        loop {
            let due = retry_at.unwrap_or_else(Instant::now);
            tokio::select! {
                _ = server.shutdown.cancelled() => return,
                () = tokio::time::sleep_until(due), if retry_at.is_some() => {
                    if Ctl::run(&server, "resync", resync) {
                        retry_at = None;
                        backoff = FIRST_BACKOFF;
                    } else {
                        backoff = (backoff * 2).min(MAX_BACKOFF);
                        retry_at = Some(Instant::now() + backoff);
                    }
                }
                ev = rx.recv() => {
                    let ok = match ev {
                        Ok(ev) => Ctl::run(&server, "event", |c| handle(c, &ev)),
                        Err(RecvError::Lagged(_)) => Ctl::run(&server, "resync", resync),
                        Err(RecvError::Closed) => return,
                    };
                    if !ok && retry_at.is_none() {
                        retry_at = Some(Instant::now() + backoff);
                    }
                }
            }
        }
    });
}

/// Look at everything (at start, or after missing events).
fn resync(c: &Ctl<'_>) {
    for gr in c.server.store.types() {
        let (items, _) = c.server.store.list(&gr, None);
        for s in items {
            examine(c, &gr, &s.value);
        }
    }
}

fn handle(c: &Ctl<'_>, ev: &Event) {
    let v = &ev.obj.value;
    if ev.type_ == EventType::Deleted {
        collect_dependents(c, meta::uid(v));
        let ns = meta::namespace(v);
        if !ns.is_empty()
            && let Some(n) = c.server.store.get(&ns_gr(), &ObjKey::new("", ns))
            && meta::is_deleting(&n.value)
        {
            finish_namespace(c, ns);
        }
        if let Some(owners) = v["metadata"]["ownerReferences"].as_array() {
            for o in owners {
                recheck_owner(c, o);
            }
        }
        // The last object of a terminating CRD may have gone: the CRD may finish now.
        let crd_name = format!("{}.{}", ev.gr.resource, ev.gr.group);
        if let Some(crd) = c.server.store.get(&crd_gr(), &ObjKey::new("", &crd_name))
            && meta::is_deleting(&crd.value)
        {
            examine(c, &crd_gr(), &crd.value.clone());
        }
        return;
    }
    examine(c, &ev.gr, v);
}

/// React to the current state of one object.
fn examine(c: &Ctl<'_>, gr: &GroupResource, v: &Value) {
    if *gr == ns_gr() && meta::is_deleting(v) {
        finish_namespace(c, meta::name(v));
    }
    if *gr == crd_gr()
        && meta::is_deleting(v)
        && meta::finalizers(v).iter().any(|f| f == CLEANUP_FINALIZER)
    {
        cleanup_crd(c, v);
    }
    if meta::is_deleting(v) {
        let f = meta::finalizers(v);
        if f.iter().any(|x| x == "orphan") {
            orphan_dependents(c, meta::uid(v));
            remove_finalizer(c, gr, &key_of(v), "orphan");
        } else if f.iter().any(|x| x == "foregroundDeletion") {
            if dependents(c, meta::uid(v)).is_empty() {
                remove_finalizer(c, gr, &key_of(v), "foregroundDeletion");
            } else {
                collect_dependents(c, meta::uid(v));
            }
        }
    }
    if gr.group.is_empty()
        && gr.resource == "secrets"
        && v["type"] == "kubernetes.io/service-account-token"
        && v["data"]["token"].is_null()
    {
        fill_token(c, v);
    }
}

/// Delete an object as a controller would: finalizers make it terminate, not vanish.
pub fn delete_internal(c: &Ctl<'_>, gr: &GroupResource, key: &ObjKey) {
    let r = c.server.store.mutate(gr, key, false, |cur| {
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
            meta::object_at(&mut next, "status").insert("phase".into(), json!("Terminating"));
        }
        Ok(Write::Put(next))
    });
    match r {
        Ok(done) => c.server.after_commit(gr, &done),
        Err(e) => {
            c.fail();
            tracing::warn!(server = %c.server.name, %gr, name = %key.name, error = %e, "controller delete failed")
        }
    }
}

fn remove_finalizer(c: &Ctl<'_>, gr: &GroupResource, key: &ObjKey, finalizer: &str) {
    let r = c.server.store.mutate(gr, key, false, |cur| {
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
        Ok(done) => c.server.after_commit(gr, &done),
        Err(e) => {
            c.fail();
            tracing::warn!(server = %c.server.name, %gr, name = %key.name, error = %e, "removing finalizer failed")
        }
    }
}

fn finish_namespace(c: &Ctl<'_>, ns: &str) {
    let types = c.server.store.types_in_namespace(ns);
    for gr in &types {
        let (items, _) = c.server.store.list(gr, Some(ns));
        for s in items {
            delete_internal(c, gr, &key_of(&s.value));
        }
    }
    if c.server.store.types_in_namespace(ns).is_empty() {
        let r = c
            .server
            .store
            .mutate(&ns_gr(), &ObjKey::new("", ns), false, |cur| {
                Ok(match cur {
                    Some(c) if meta::is_deleting(&c.value) => Write::Delete,
                    _ => Write::Unchanged,
                })
            });
        if let Err(e) = r {
            c.fail();
            tracing::warn!(server = %c.server.name, namespace = ns, error = %e, "finishing namespace deletion failed");
        }
    }
}

fn cleanup_crd(c: &Ctl<'_>, crd: &Value) {
    let gr = GroupResource::new(
        crd["spec"]["group"].as_str().unwrap_or(""),
        crd["spec"]["names"]["plural"].as_str().unwrap_or(""),
    );
    let (items, _) = c.server.store.list(&gr, None);
    for s in &items {
        delete_internal(c, &gr, &key_of(&s.value));
    }
    if c.server.store.list(&gr, None).0.is_empty() {
        remove_finalizer(c, &crd_gr(), &key_of(crd), CLEANUP_FINALIZER);
    }
}

/// Every object owned by `uid`: (type, key).
fn dependents(c: &Ctl<'_>, uid: &str) -> Vec<(GroupResource, ObjKey)> {
    if uid.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for gr in c.server.store.types() {
        let (items, _) = c.server.store.list(&gr, None);
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

fn collect_dependents(c: &Ctl<'_>, uid: &str) {
    for (gr, key) in dependents(c, uid) {
        delete_internal(c, &gr, &key);
    }
}

fn orphan_dependents(c: &Ctl<'_>, uid: &str) {
    for (gr, key) in dependents(c, uid) {
        let r = c.server.store.mutate(&gr, &key, false, |cur| {
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
        if let Err(e) = r {
            c.fail();
            tracing::warn!(server = %c.server.name, %gr, name = %key.name, error = %e, "orphaning a dependent failed");
        }
    }
}

/// A dependent went away: an owner waiting in foreground deletion may now finish.
fn recheck_owner(c: &Ctl<'_>, owner_ref: &Value) {
    let uid = owner_ref["uid"].as_str().unwrap_or("");
    for gr in c.server.store.types() {
        let (items, _) = c.server.store.list(&gr, None);
        if let Some(owner) = items.iter().find(|s| meta::uid(&s.value) == uid) {
            examine(c, &gr, &owner.value.clone());
            return;
        }
    }
}

fn fill_token(c: &Ctl<'_>, secret: &Value) {
    let ns = meta::namespace(secret);
    let sa_name = secret["metadata"]["annotations"]["kubernetes.io/service-account.name"]
        .as_str()
        .unwrap_or("");
    let Some(sa) = c.server.store.get(
        &GroupResource::new("", "serviceaccounts"),
        &ObjKey::new(ns, sa_name),
    ) else {
        return;
    };
    let sa_uid = meta::uid(&sa.value).to_string();
    let token = c.server.auth.mint(SaToken {
        namespace: ns,
        name: sa_name,
        uid: &sa_uid,
        audiences: Vec::new(),
        expires: None,
        secret: Some((meta::name(secret), meta::uid(secret))),
    });
    let Ok(token) = token else {
        c.fail();
        return;
    };
    let gr = GroupResource::new("", "secrets");
    let r = c.server.store.mutate(&gr, &key_of(secret), false, |cur| {
        let Some(cur) = cur else {
            return Ok(Write::Unchanged);
        };
        if !cur.value["data"]["token"].is_null() {
            return Ok(Write::Unchanged);
        }
        let mut next = cur.value.clone();
        let data = meta::object_at(&mut next, "data");
        data.insert("token".into(), json!(STANDARD.encode(token.as_bytes())));
        data.insert(
            "ca.crt".into(),
            json!(STANDARD.encode(c.server.ca_pem.as_bytes())),
        );
        data.insert("namespace".into(), json!(STANDARD.encode(ns.as_bytes())));
        meta::field_map(meta::meta_mut(&mut next), "annotations")
            .insert("kubernetes.io/service-account.uid".into(), json!(sa_uid));
        Ok(Write::Put(next))
    });
    if let Err(e) = r {
        c.fail();
        tracing::warn!(server = %c.server.name, secret = %meta::name(secret), error = %e, "filling a token Secret failed");
    }
}

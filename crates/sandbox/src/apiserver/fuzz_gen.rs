//! The fuzz test's generator: requests built from a stream of random numbers and the
//! objects the server holds at that moment. It starts from realistic objects of many
//! kinds and swaps the type of some of their fields (a string for an object, an array for
//! a number, a value nested past the depth limit), and builds writes of every kind on
//! them: create, update, JSON patches (paths that exist, paths that do not, copy chains
//! that double a document), merge patches, strategic merge patches with their directives,
//! server-side apply, status and scale writes, deletes with odd options.

use super::ApiServer;
use super::dispatch::Incoming;
use super::registry::GroupResource;
use super::store::ObjKey;
use bytes::Bytes;
use http::Method;
use serde_json::{Map, Value, json};

pub const TOKEN: &str = "fuzz-admin";
/// The namespace the fuzzed objects live in.
pub const NS: &str = "fz";

/// Random numbers, drawn in order (and again from the start when used up).
pub struct Rng<'a> {
    seeds: &'a [u32],
    at: usize,
}

impl<'a> Rng<'a> {
    pub fn new(seeds: &'a [u32]) -> Self {
        Self { seeds, at: 0 }
    }

    fn next(&mut self) -> u32 {
        let v = self.seeds.get(self.at % self.seeds.len().max(1)).copied();
        self.at += 1;
        v.unwrap_or(0)
            .wrapping_mul(2_654_435_761)
            .rotate_left(self.at as u32 % 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { self.next() as usize % n }
    }

    fn chance(&mut self, percent: u32) -> bool {
        self.next() % 100 < percent
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// A kind the fuzzer writes: where its objects live and a realistic object of it.
pub struct Kind {
    pub group: &'static str,
    pub version: &'static str,
    pub plural: &'static str,
    pub namespaced: bool,
    pub seed: fn(&str) -> Value,
}

impl Kind {
    pub fn collection(&self) -> String {
        let root = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        if self.namespaced {
            format!("{root}/namespaces/{NS}/{}", self.plural)
        } else {
            format!("{root}/{}", self.plural)
        }
    }
}

fn meta(name: &str) -> Value {
    json!({"name": name, "labels": {"app": "fz", "tier": name}, "annotations": {"note": "x"},
           "finalizers": [], "ownerReferences": []})
}

fn pod_spec() -> Value {
    json!({"containers": [
        {"name": "a", "image": "nginx", "ports": [{"containerPort": 80, "name": "http"}],
         "env": [{"name": "E", "value": "v"}], "resources": {"limits": {"cpu": 1, "memory": "1Gi"}},
         "volumeMounts": [{"name": "v", "mountPath": "/d"}]},
        {"name": "b", "image": "busybox", "args": ["sleep", "1"]}],
        "volumes": [{"name": "v", "emptyDir": {}}], "imagePullSecrets": [{"name": "s"}]})
}

pub const KINDS: &[Kind] = &[
    Kind {
        group: "",
        version: "v1",
        plural: "configmaps",
        namespaced: true,
        seed: |n| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta(n), "data": {"k": "v", "l": "w"}}),
    },
    Kind {
        group: "",
        version: "v1",
        plural: "secrets",
        namespaced: true,
        seed: |n| {
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": meta(n), "type": "Opaque",
            "data": {"k": "dg=="}, "stringData": {"s": "t"}})
        },
    },
    Kind {
        group: "",
        version: "v1",
        plural: "serviceaccounts",
        namespaced: true,
        seed: |n| json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(n), "secrets": [{"name": "s"}]}),
    },
    Kind {
        group: "",
        version: "v1",
        plural: "namespaces",
        namespaced: false,
        seed: |n| {
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": meta(&format!("fz-{n}")),
            "spec": {"finalizers": ["kubernetes"]}})
        },
    },
    Kind {
        group: "",
        version: "v1",
        plural: "pods",
        namespaced: true,
        seed: |n| json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta(n), "spec": pod_spec()}),
    },
    Kind {
        group: "",
        version: "v1",
        plural: "services",
        namespaced: true,
        seed: |n| {
            json!({"apiVersion": "v1", "kind": "Service", "metadata": meta(n),
            "spec": {"selector": {"app": "fz"}, "ports": [{"port": 80, "targetPort": "http", "protocol": "TCP"}]}})
        },
    },
    Kind {
        group: "apps",
        version: "v1",
        plural: "deployments",
        namespaced: true,
        seed: |n| {
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta(n),
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "fz"}},
                     "template": {"metadata": {"labels": {"app": "fz"}}, "spec": pod_spec()}}})
        },
    },
    Kind {
        group: "rbac.authorization.k8s.io",
        version: "v1",
        plural: "roles",
        namespaced: true,
        seed: |n| {
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": meta(n),
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]})
        },
    },
    Kind {
        group: "rbac.authorization.k8s.io",
        version: "v1",
        plural: "rolebindings",
        namespaced: true,
        seed: |n| {
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": meta(n),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "a"},
            "subjects": [{"kind": "User", "name": "u"}]})
        },
    },
    Kind {
        group: "coordination.k8s.io",
        version: "v1",
        plural: "leases",
        namespaced: true,
        seed: |n| {
            json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": meta(n),
            "spec": {"holderIdentity": "h", "leaseDurationSeconds": 15}})
        },
    },
    Kind {
        group: "events.k8s.io",
        version: "v1",
        plural: "events",
        namespaced: true,
        seed: |n| {
            json!({"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": meta(n),
            "eventTime": "2026-01-01T00:00:00.000000Z", "reason": "R", "note": "n", "type": "Normal",
            "action": "A", "reportingController": "c", "reportingInstance": "i",
            "regarding": {"kind": "Pod", "name": "a", "namespace": NS}})
        },
    },
    Kind {
        group: "fz.example",
        version: "v1",
        plural: "widgets",
        namespaced: true,
        seed: |n| {
            json!({"apiVersion": "fz.example/v1", "kind": "Widget", "metadata": meta(n),
            "spec": {"size": 3, "mode": "fast", "items": [{"name": "a", "v": 1}], "tags": ["x"]},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]}})
        },
    },
    Kind {
        group: "fz.example",
        version: "v1",
        plural: "blobs",
        namespaced: true,
        seed: |n| {
            json!({"apiVersion": "fz.example/v1", "kind": "Blob", "metadata": meta(n),
            "spec": {"free": {"a": [1, {"b": "c"}]}}})
        },
    },
    Kind {
        group: "apiextensions.k8s.io",
        version: "v1",
        plural: "customresourcedefinitions",
        namespaced: false,
        seed: |n| gadget_crd(n),
    },
];

/// A CRD the fuzzer may change and delete (its instances go with it).
fn gadget_crd(n: &str) -> Value {
    let plural = format!("gadget{n}s");
    json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("{plural}.fz.example")},
        "spec": {"group": "fz.example", "scope": "Namespaced",
            "names": {"plural": plural, "singular": format!("gadget{n}"), "kind": format!("Gadget{n}")},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": {"type": "object",
                    "properties": {"n": {"type": "integer", "minimum": 0}},
                    "x-kubernetes-validations": [{"rule": "self.n < 100", "message": "small"}]}}}}}]}})
}

/// The CRDs the fuzzed custom resources belong to (created before the first case).
pub fn crds() -> Vec<Value> {
    let widget = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.fz.example"},
        "spec": {"group": "fz.example", "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.size", "statusReplicasPath": ".status.size"}},
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": {"type": "object", "properties": {
                        "size": {"type": "integer", "minimum": 1}, "mode": {"type": "string", "enum": ["fast", "slow"], "default": "fast"},
                        "items": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                                  "items": {"type": "object", "properties": {"name": {"type": "string"}, "v": {"type": "integer"}}, "required": ["name"]}},
                        "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}}}},
                    "status": {"type": "object", "properties": {"size": {"type": "integer"},
                        "conditions": {"type": "array", "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}}}}}}]}});
    let blob = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "blobs.fz.example"},
        "spec": {"group": "fz.example", "scope": "Namespaced",
            "names": {"plural": "blobs", "singular": "blob", "kind": "Blob"},
            "versions": [{"name": "v1", "served": true, "storage": true, "subresources": {"status": {}},
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                    "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}}}]}});
    vec![widget, blob]
}

pub const NAMES: &[&str] = &["a", "b", "c"];

fn nested(r: &mut Rng<'_>) -> Value {
    let levels = 90 + r.below(45);
    let mut v = json!("bottom");
    for i in 0..levels {
        v = if i % 3 == 0 {
            json!([v])
        } else {
            json!({ "n": v })
        };
    }
    v
}

/// A value of any JSON type, now and then nested deeper than objects may be stored.
pub fn any_value(r: &mut Rng<'_>, budget: u32) -> Value {
    match r.below(if budget == 0 { 10 } else { 14 }) {
        0 => Value::Null,
        1 => json!(r.chance(50)),
        2 => json!(7),
        3 => json!(-1),
        4 => json!(1.5),
        5 => json!("x"),
        6 => json!(""),
        7 => json!("%%not-base64"),
        8 => json!("ü\u{0}é"),
        9 => json!("y".repeat(r.below(3000))),
        10 | 11 => {
            let n = r.below(4);
            Value::Array((0..n).map(|_| any_value(r, budget - 1)).collect())
        }
        12 => {
            let mut m = Map::new();
            for _ in 0..r.below(4) {
                let k = r.pick(&[
                    "a",
                    "name",
                    "spec",
                    "metadata",
                    "$patch",
                    "$retainKeys",
                    "image",
                    "status",
                    "n",
                ]);
                m.insert(k.into(), any_value(r, budget - 1));
            }
            Value::Object(m)
        }
        _ => nested(r),
    }
}

/// Every path in a value (JSON pointers), parents before children.
pub fn pointers(v: &Value) -> Vec<String> {
    fn rec(v: &Value, at: String, out: &mut Vec<String>) {
        out.push(at.clone());
        match v {
            Value::Object(m) => {
                for (k, c) in m {
                    rec(
                        c,
                        format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                        out,
                    );
                }
            }
            Value::Array(a) => {
                for (i, c) in a.iter().enumerate() {
                    rec(c, format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    rec(v, String::new(), &mut out);
    out
}

/// Swap the type of one to three fields (or set a new one to any value).
pub fn swap_types(r: &mut Rng<'_>, mut v: Value) -> Value {
    for _ in 0..1 + r.below(3) {
        let paths = pointers(&v);
        let at = paths[r.below(paths.len())].clone();
        if at.is_empty() {
            continue;
        }
        let new = any_value(r, 2);
        if let Some(slot) = v.pointer_mut(&at) {
            *slot = new;
        }
    }
    v
}

fn json_patch(r: &mut Rng<'_>, current: &Value) -> Value {
    let paths = pointers(current);
    let path = |r: &mut Rng<'_>| match r.below(6) {
        0 => "/nope/x".to_string(),
        1 => format!("{}/-", paths[r.below(paths.len())]),
        2 => "/spec/new".to_string(),
        _ => paths[r.below(paths.len())].clone(),
    };
    let mut ops = Vec::new();
    if r.chance(1) {
        // A chain of copies that doubles a field each time (to past the copy limit, at a
        // cost: rare).
        ops.push(json!({"op": "add", "path": "/spec/d0", "value": "z".repeat(4096)}));
        for i in 1..30 {
            ops.push(json!({"op": "add", "path": format!("/spec/d{i}"), "value": {}}));
            for side in ["l", "r"] {
                ops.push(json!({"op": "copy", "from": format!("/spec/d{}", i - 1), "path": format!("/spec/d{i}/{side}")}));
            }
        }
    }
    for _ in 0..1 + r.below(4) {
        let op = r.pick(&["add", "remove", "replace", "move", "copy", "test"]);
        let mut o = json!({"op": op, "path": path(r)});
        if matches!(op, "add" | "replace" | "test") {
            o["value"] = any_value(r, 3);
        }
        if matches!(op, "move" | "copy") {
            o["from"] = json!(path(r));
        }
        ops.push(o);
    }
    Value::Array(ops)
}

fn strategic(r: &mut Rng<'_>, current: &Value) -> Value {
    let mut p = swap_types(r, current.clone());
    if let Some(m) = p.as_object_mut() {
        m.remove("metadata");
    }
    let spec = r.pick(&["spec", "data", "rules", "subjects"]);
    let directive = match r.below(7) {
        0 => json!({"$patch": r.pick(&["replace", "delete", "merge", "bogus"])}),
        1 => json!({"$retainKeys": ["a", "template"], "a": 1}),
        2 => json!({"$setElementOrder/containers": [{"name": "b"}, {"name": "a"}, {"name": "zz"}]}),
        3 => json!({"$deleteFromPrimitiveList/finalizers": ["x", 1]}),
        4 => {
            json!({"containers": [{"name": "a", "$patch": "delete"}, {"name": "c", "image": "i"}, {"name": "a"}]})
        }
        5 => json!({"template": {"spec": {"containers": [{"image": "no-key"}]}}}),
        _ => any_value(r, 2),
    };
    if let Some(m) = p.as_object_mut() {
        m.insert(spec.into(), directive);
    }
    p
}

fn body(v: &Value) -> Bytes {
    Bytes::from(serde_json::to_vec(v).unwrap_or_default())
}

fn incoming(method: Method, path: String, ct: &str, body: Bytes) -> Incoming {
    let (path, query) = match path.split_once('?') {
        Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
        None => (path, None),
    };
    Incoming {
        method,
        path,
        query,
        authorization: Some(format!("Bearer {TOKEN}")),
        accept: Some("application/json".into()),
        content_type: Some(ct.into()),
        user_agent: "fuzz/1".into(),
        body,
    }
}

/// `GET /readyz`, unauthenticated as load balancers ask it.
pub fn readyz() -> Incoming {
    Incoming {
        method: Method::GET,
        path: "/readyz".into(),
        query: None,
        authorization: None,
        accept: None,
        content_type: None,
        user_agent: "fuzz/1".into(),
        body: Bytes::new(),
    }
}

/// One request on `kind`'s object `name`, whose current state is `current` (if any).
pub fn request(r: &mut Rng<'_>, kind: &Kind, name: &str, current: Option<&Value>) -> Incoming {
    let seed = (kind.seed)(name);
    let name = seed["metadata"]["name"].as_str().unwrap_or(name).to_owned();
    let base = current.cloned().unwrap_or_else(|| seed.clone());
    let one = format!("{}/{name}", kind.collection());
    const JSON: &str = "application/json";
    match r.below(12) {
        0 | 1 => {
            let v = if r.chance(30) {
                seed
            } else {
                swap_types(r, seed)
            };
            incoming(Method::POST, kind.collection(), JSON, body(&v))
        }
        2 => {
            let mut v = if r.chance(40) {
                base
            } else {
                swap_types(r, base)
            };
            if r.chance(50)
                && let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut)
            {
                m.remove("resourceVersion");
            }
            incoming(Method::PUT, one, JSON, body(&v))
        }
        3 | 4 => incoming(
            Method::PATCH,
            one,
            "application/json-patch+json",
            body(&json_patch(r, &base)),
        ),
        5 => {
            let p = if r.chance(40) {
                base
            } else {
                swap_types(r, base)
            };
            incoming(Method::PATCH, one, "application/merge-patch+json", body(&p))
        }
        6 => incoming(
            Method::PATCH,
            one,
            "application/strategic-merge-patch+json",
            body(&strategic(r, &base)),
        ),
        7 | 8 => {
            let v = if r.chance(30) {
                seed
            } else {
                swap_types(r, seed)
            };
            let manager = r.pick(&["m1", "m2"]);
            let force = if r.chance(50) { "&force=true" } else { "" };
            incoming(
                Method::PATCH,
                format!("{one}?fieldManager={manager}{force}"),
                "application/apply-patch+yaml",
                body(&v),
            )
        }
        9 => {
            let sub = r.pick(&["status", "scale", "finalize", "token"]);
            let p = json!({"status": any_value(r, 3), "spec": {"replicas": any_value(r, 1)}});
            let ct = r.pick(&[
                "application/merge-patch+json",
                "application/json-patch+json",
                "application/strategic-merge-patch+json",
            ]);
            let b = if ct.contains("json-patch") {
                json_patch(r, &base)
            } else {
                p
            };
            incoming(Method::PATCH, format!("{one}/{sub}"), ct, body(&b))
        }
        10 => {
            let options = json!({"propagationPolicy": r.pick(&["Background", "Foreground", "Orphan", "Bogus"]),
                "preconditions": if r.chance(20) { any_value(r, 1) } else { json!({}) }});
            incoming(Method::DELETE, one, JSON, body(&options))
        }
        _ => {
            let path = if r.chance(50) { one } else { kind.collection() };
            let mut inc = incoming(Method::GET, path, JSON, Bytes::new());
            if r.chance(50) {
                inc.accept = Some("application/json;as=Table;v=v1;g=meta.k8s.io".into());
            }
            inc
        }
    }
}

/// The API type of [`KINDS`]`[k]`.
pub fn gr_of(k: usize) -> GroupResource {
    GroupResource::new(KINDS[k].group, KINDS[k].plural)
}

/// The stored object `name` of kind `k`, as the generator names it.
fn current(server: &ApiServer, k: usize, name: &str) -> Option<Value> {
    let seed = (KINDS[k].seed)(name);
    let ns = if KINDS[k].namespaced { NS } else { "" };
    let key = ObjKey::new(ns, seed["metadata"]["name"].as_str().unwrap_or(name));
    server.store.get(&gr_of(k), &key).map(|s| s.value.clone())
}

/// The next hostile request drawn from `seeds`: the index in [`KINDS`] of the kind it
/// writes, and the request, built on the object `server` holds now.
pub fn next(server: &ApiServer, seeds: &[u32]) -> (usize, Incoming) {
    let mut r = Rng::new(seeds);
    let k = r.below(KINDS.len());
    let name = NAMES[r.below(NAMES.len())];
    let now = current(server, k, name);
    (k, request(&mut r, &KINDS[k], name, now.as_ref()))
}

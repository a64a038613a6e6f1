//! Realistic bodies for rbac, authorization, authentication, coordination,
//! events and DeleteOptions.

use serde_json::json;

use super::Fixture;
use super::enc::*;

const RBAC: &str = "rbac.authorization.k8s.io/v1";
const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

/// The empty ObjectMeta gogo writes for review objects.
fn empty_meta() -> Vec<u8> {
    object_meta("", "", &[], &[])
}

/// `kubectl create role r1 --verb=get,list --resource=pods,deployments.apps
/// --resource-name=x -n ns1` (note `apiGroups: [""]` must survive).
pub fn role() -> Fixture {
    let rule = |group: &str, resource: &str| {
        m(
            2,
            &[
                s(1, "get"),
                s(1, "list"),
                s(2, group),
                s(3, resource),
                s(4, "x"),
            ],
        )
    };
    Fixture {
        name: "role",
        body: body(
            RBAC,
            "Role",
            &[
                object_meta("r1", "ns1", &[], &[]),
                rule("", "pods"),
                rule("apps", "deployments"),
            ],
        ),
        expected: json!({
            "apiVersion": RBAC, "kind": "Role",
            "metadata": {"name": "r1", "namespace": "ns1"},
            "rules": [
                {"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"], "resourceNames": ["x"]},
                {"verbs": ["get", "list"], "apiGroups": ["apps"], "resources": ["deployments"], "resourceNames": ["x"]}
            ]
        }),
    }
}

/// `kubectl create clusterrole monitoring
/// --aggregation-rule=rbac.example.com/aggregate-to-monitoring=true`
pub fn clusterrole_aggregation() -> Fixture {
    let selector = m(
        1,
        &[kv(1, "rbac.example.com/aggregate-to-monitoring", "true")],
    );
    Fixture {
        name: "clusterrole_aggregation",
        body: body(
            RBAC,
            "ClusterRole",
            &[object_meta("monitoring", "", &[], &[]), m(3, &[selector])],
        ),
        expected: json!({
            "apiVersion": RBAC, "kind": "ClusterRole",
            "metadata": {"name": "monitoring"},
            "aggregationRule": {"clusterRoleSelectors": [
                {"matchLabels": {"rbac.example.com/aggregate-to-monitoring": "true"}}
            ]}
        }),
    }
}

/// `kubectl create clusterrole logs --verb=get --non-resource-url=/logs/*`
pub fn clusterrole_nonresource() -> Fixture {
    Fixture {
        name: "clusterrole_nonresource",
        body: body(
            RBAC,
            "ClusterRole",
            &[
                object_meta("logs", "", &[], &[]),
                m(2, &[s(1, "get"), s(5, "/logs/*")]),
            ],
        ),
        expected: json!({
            "apiVersion": RBAC, "kind": "ClusterRole",
            "metadata": {"name": "logs"},
            "rules": [{"verbs": ["get"], "nonResourceURLs": ["/logs/*"]}]
        }),
    }
}

/// `kubectl create rolebinding rb1 --role=r1 --user=bob --group=devs
/// --serviceaccount=ns1:sa1 -n ns1`
pub fn rolebinding() -> Fixture {
    Fixture {
        name: "rolebinding",
        body: body(
            RBAC,
            "RoleBinding",
            &[
                object_meta("rb1", "ns1", &[], &[]),
                m(2, &[s(1, "User"), s(2, RBAC_GROUP), s(3, "bob"), s(4, "")]),
                m(
                    2,
                    &[s(1, "Group"), s(2, RBAC_GROUP), s(3, "devs"), s(4, "")],
                ),
                m(
                    2,
                    &[s(1, "ServiceAccount"), s(2, ""), s(3, "sa1"), s(4, "ns1")],
                ),
                m(3, &[s(1, RBAC_GROUP), s(2, "Role"), s(3, "r1")]),
            ],
        ),
        expected: json!({
            "apiVersion": RBAC, "kind": "RoleBinding",
            "metadata": {"name": "rb1", "namespace": "ns1"},
            "subjects": [
                {"kind": "User", "apiGroup": RBAC_GROUP, "name": "bob"},
                {"kind": "Group", "apiGroup": RBAC_GROUP, "name": "devs"},
                {"kind": "ServiceAccount", "name": "sa1", "namespace": "ns1"}
            ],
            "roleRef": {"apiGroup": RBAC_GROUP, "kind": "Role", "name": "r1"}
        }),
    }
}

/// `kubectl create clusterrolebinding crb1 --clusterrole=view --user=alice`
pub fn clusterrolebinding() -> Fixture {
    Fixture {
        name: "clusterrolebinding",
        body: body(
            RBAC,
            "ClusterRoleBinding",
            &[
                object_meta("crb1", "", &[], &[]),
                m(
                    2,
                    &[s(1, "User"), s(2, RBAC_GROUP), s(3, "alice"), s(4, "")],
                ),
                m(3, &[s(1, RBAC_GROUP), s(2, "ClusterRole"), s(3, "view")]),
            ],
        ),
        expected: json!({
            "apiVersion": RBAC, "kind": "ClusterRoleBinding",
            "metadata": {"name": "crb1"},
            "subjects": [{"kind": "User", "apiGroup": RBAC_GROUP, "name": "alice"}],
            "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": "view"}
        }),
    }
}

/// gogo's always-present SubjectAccessReviewStatus {allowed false, "", "", denied false}.
fn sar_status() -> Vec<u8> {
    m(3, &[v(1, 0), s(2, ""), s(3, ""), v(4, 0)])
}

/// Captured: `kubectl auth can-i create widgets.example.com/status
/// --subresource=status -n ns1`.
pub fn ssar_captured() -> Fixture {
    let attrs = m(
        1,
        &[
            s(1, "ns1"),
            s(2, "create"),
            s(3, "example.com"),
            s(4, ""),
            s(5, "widgets"),
            s(6, "status"),
            s(7, "status"),
        ],
    );
    Fixture {
        name: "ssar_captured",
        body: body(
            "authorization.k8s.io/v1",
            "SelfSubjectAccessReview",
            &[empty_meta(), m(2, &[attrs]), sar_status()],
        ),
        expected: json!({
            "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": {
                "namespace": "ns1", "verb": "create", "group": "example.com",
                "resource": "widgets", "subresource": "status", "name": "status"
            }},
            "status": {"allowed": false}
        }),
    }
}

/// `kubectl auth can-i get /logs`
pub fn ssar_nonresource() -> Fixture {
    Fixture {
        name: "ssar_nonresource",
        body: body(
            "authorization.k8s.io/v1",
            "SelfSubjectAccessReview",
            &[
                empty_meta(),
                m(2, &[m(2, &[s(1, "/logs"), s(2, "get")])]),
                sar_status(),
            ],
        ),
        expected: json!({
            "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
            "spec": {"nonResourceAttributes": {"path": "/logs", "verb": "get"}},
            "status": {"allowed": false}
        }),
    }
}

/// `kubectl auth can-i --list -n ns1`
pub fn ssrr() -> Fixture {
    Fixture {
        name: "ssrr",
        body: body(
            "authorization.k8s.io/v1",
            "SelfSubjectRulesReview",
            &[
                empty_meta(),
                m(2, &[s(1, "ns1")]),
                m(3, &[v(3, 0), s(4, "")]),
            ],
        ),
        expected: json!({
            "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview",
            "spec": {"namespace": "ns1"},
            "status": {"incomplete": false}
        }),
    }
}

/// A SubjectAccessReview with selectors, groups, extra and uid.
pub fn sar() -> Fixture {
    let attrs = m(
        1,
        &[
            s(1, "ns1"),
            s(2, "list"),
            s(3, ""),
            s(4, "v1"),
            s(5, "pods"),
            s(6, ""),
            s(7, ""),
            m(
                8,
                &[
                    s(1, "spec.nodeName=n1"),
                    m(2, &[s(1, "spec.nodeName"), s(2, "In"), s(3, "n1")]),
                ],
            ),
            m(9, &[s(1, "app=web")]),
        ],
    );
    let spec = m(
        2,
        &[
            attrs,
            s(3, "bob"),
            s(4, "devs"),
            s(4, "system:authenticated"),
            m(5, &[s(1, "scopes"), m(2, &[s(1, "a"), s(1, "b")])]),
            m(5, &[s(1, "none"), m(2, &[])]),
            s(6, "u-1"),
        ],
    );
    Fixture {
        name: "sar",
        body: body(
            "authorization.k8s.io/v1",
            "SubjectAccessReview",
            &[empty_meta(), spec, sar_status()],
        ),
        expected: json!({
            "apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
            "spec": {
                "resourceAttributes": {
                    "namespace": "ns1", "verb": "list", "version": "v1", "resource": "pods",
                    "fieldSelector": {
                        "rawSelector": "spec.nodeName=n1",
                        "requirements": [{"key": "spec.nodeName", "operator": "In", "values": ["n1"]}]
                    },
                    "labelSelector": {"rawSelector": "app=web"}
                },
                "user": "bob",
                "groups": ["devs", "system:authenticated"],
                "extra": {"scopes": ["a", "b"], "none": []},
                "uid": "u-1"
            },
            "status": {"allowed": false}
        }),
    }
}

/// A LocalSubjectAccessReview (namespaced).
pub fn local_sar() -> Fixture {
    Fixture {
        name: "local_sar",
        body: body(
            "authorization.k8s.io/v1",
            "LocalSubjectAccessReview",
            &[
                object_meta("", "ns1", &[], &[]),
                m(
                    2,
                    &[
                        m(1, &[s(1, "ns1"), s(2, "get"), s(5, "configmaps")]),
                        s(3, "alice"),
                    ],
                ),
                m(
                    3,
                    &[
                        v(1, 1),
                        s(2, "RBAC: allowed by RoleBinding"),
                        s(3, ""),
                        v(4, 0),
                    ],
                ),
            ],
        ),
        expected: json!({
            "apiVersion": "authorization.k8s.io/v1", "kind": "LocalSubjectAccessReview",
            "metadata": {"namespace": "ns1"},
            "spec": {"resourceAttributes": {"namespace": "ns1", "verb": "get", "resource": "configmaps"}, "user": "alice"},
            "status": {"allowed": true, "reason": "RBAC: allowed by RoleBinding"}
        }),
    }
}

/// `kubectl auth whoami`
pub fn self_subject_review() -> Fixture {
    Fixture {
        name: "self_subject_review",
        body: body(
            "authentication.k8s.io/v1",
            "SelfSubjectReview",
            &[empty_meta(), m(2, &[m(1, &[s(1, ""), s(2, "")])])],
        ),
        expected: json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}),
    }
}

/// Captured: `kubectl create token sa1 --duration=10m --audience=aud1`.
pub fn token_request() -> Fixture {
    Fixture {
        name: "token_request",
        body: body(
            "authentication.k8s.io/v1",
            "TokenRequest",
            &[
                empty_meta(),
                m(2, &[s(1, "aud1"), v(4, 600)]),
                m(3, &[s(1, ""), b(2, &[])]),
            ],
        ),
        expected: json!({
            "apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
            "spec": {"audiences": ["aud1"], "expirationSeconds": 600}
        }),
    }
}

/// `kubectl create token sa1 --bound-object-kind=Pod --bound-object-name=p1
/// --bound-object-uid=uid-1` (proto field `uID` is JSON `uid`).
pub fn token_request_bound() -> Fixture {
    let bound = m(3, &[s(1, "Pod"), s(2, "v1"), s(3, "p1"), s(4, "uid-1")]);
    Fixture {
        name: "token_request_bound",
        body: body(
            "authentication.k8s.io/v1",
            "TokenRequest",
            &[
                empty_meta(),
                m(2, &[bound, v(4, 3600)]),
                m(3, &[s(1, ""), b(2, &[])]),
            ],
        ),
        expected: json!({
            "apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
            "spec": {
                "expirationSeconds": 3600,
                "boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": "p1", "uid": "uid-1"}
            }
        }),
    }
}

/// A TokenReview as an authenticating proxy would send it.
pub fn token_review() -> Fixture {
    Fixture {
        name: "token_review",
        body: body(
            "authentication.k8s.io/v1",
            "TokenReview",
            &[
                empty_meta(),
                m(
                    2,
                    &[s(1, "abc.def"), s(2, "https://kubernetes.default.svc")],
                ),
                m(3, &[v(1, 0), m(2, &[s(1, ""), s(2, "")]), s(3, "")]),
            ],
        ),
        expected: json!({
            "apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview",
            "spec": {"token": "abc.def", "audiences": ["https://kubernetes.default.svc"]}
        }),
    }
}

/// An events.k8s.io/v1 Event (what kube-runtime's Recorder posts).
pub fn event_events_v1() -> Fixture {
    let regarding = m(
        8,
        &[
            s(1, "Widget"),
            s(2, "ns1"),
            s(3, "w1"),
            s(4, "uid-w"),
            s(5, "example.com/v1"),
        ],
    );
    Fixture {
        name: "event_events_v1",
        body: body(
            "events.k8s.io/v1",
            "Event",
            &[
                object_meta("w1.abc", "ns1", &[], &[]),
                time(2, 1_700_000_000, 123_456_789),
                m(3, &[v(1, 3), time(2, 1_700_000_010, 5_000)]),
                s(4, "widget-controller"),
                s(5, "widget-controller-7d9f"),
                s(6, "Reconcile"),
                s(7, "Synced"),
                regarding,
                s(10, "synced ok"),
                s(11, "Normal"),
                m(12, &[s(1, ""), s(2, "")]),
                b(13, &[]),
                b(14, &[]),
                v(15, 0),
            ],
        ),
        expected: json!({
            "apiVersion": "events.k8s.io/v1", "kind": "Event",
            "metadata": {"name": "w1.abc", "namespace": "ns1"},
            "eventTime": "2023-11-14T22:13:20.123456Z",
            "series": {"count": 3, "lastObservedTime": "2023-11-14T22:13:30.000005Z"},
            "reportingController": "widget-controller",
            "reportingInstance": "widget-controller-7d9f",
            "action": "Reconcile",
            "reason": "Synced",
            "regarding": {"kind": "Widget", "namespace": "ns1", "name": "w1", "uid": "uid-w", "apiVersion": "example.com/v1"},
            "note": "synced ok",
            "type": "Normal"
        }),
    }
}

/// DeleteOptions with `gracePeriodSeconds: 0` (pointer: kept) and preconditions.
pub fn delete_options() -> Fixture {
    Fixture {
        name: "delete_options",
        body: body(
            "v1",
            "DeleteOptions",
            &[
                i(1, 0),
                m(2, &[s(1, "uid-1"), s(2, "7")]),
                s(4, "Foreground"),
                s(5, "All"),
            ],
        ),
        expected: json!({
            "apiVersion": "v1", "kind": "DeleteOptions",
            "gracePeriodSeconds": 0,
            "preconditions": {"uid": "uid-1", "resourceVersion": "7"},
            "propagationPolicy": "Foreground",
            "dryRun": ["All"]
        }),
    }
}

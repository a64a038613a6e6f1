//! Realistic bodies for core/v1 and apps/v1 kinds, laid out as kubectl 1.32's
//! typed clientset (gogo-protobuf) writes them, with the JSON each must decode to.

use serde_json::json;

use super::Fixture;
use super::enc::*;

/// `kubectl create namespace ns1`
pub fn namespace() -> Fixture {
    Fixture {
        name: "namespace",
        body: body(
            "v1",
            "Namespace",
            &[
                object_meta("ns1", "", &[], &[]),
                m(2, &[]),
                m(3, &[s(1, "")]),
            ],
        ),
        expected: json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns1"}}),
    }
}

/// `kubectl create secret generic s1 -n ns1 --from-literal=user=admin
/// --from-literal=empty= --from-file=bin` (bin = 00 ff fe)
pub fn secret() -> Fixture {
    Fixture {
        name: "secret",
        body: body(
            "v1",
            "Secret",
            &[
                object_meta("s1", "ns1", &[], &[]),
                m(2, &[s(1, "bin"), b(2, &[0x00, 0xff, 0xfe])]),
                m(2, &[s(1, "empty"), b(2, &[])]),
                m(2, &[s(1, "user"), s(2, "admin")]),
                s(3, "Opaque"),
            ],
        ),
        expected: json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "s1", "namespace": "ns1"},
            "data": {"bin": "AP/+", "empty": "", "user": "YWRtaW4="},
            "type": "Opaque"
        }),
    }
}

/// A Secret with the pointer field `immutable: false` and `stringData`.
pub fn secret_immutable_false() -> Fixture {
    Fixture {
        name: "secret_immutable_false",
        body: body(
            "v1",
            "Secret",
            &[
                object_meta("tls1", "ns1", &[], &[]),
                s(3, "kubernetes.io/tls"),
                kv(4, "tls.key", "KEY"),
                v(5, 0),
            ],
        ),
        expected: json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "tls1", "namespace": "ns1"},
            "type": "kubernetes.io/tls",
            "stringData": {"tls.key": "KEY"},
            "immutable": false
        }),
    }
}

/// `kubectl create configmap cm1 -n ns1 --from-literal=a=1 --from-literal=b=
/// --from-file=logo.bin`
pub fn configmap() -> Fixture {
    Fixture {
        name: "configmap",
        body: body(
            "v1",
            "ConfigMap",
            &[
                object_meta("cm1", "ns1", &[], &[]),
                kv(2, "a", "1"),
                kv(2, "b", ""),
                m(3, &[s(1, "logo.bin"), b(2, b"\x89PNG")]),
            ],
        ),
        expected: json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "cm1", "namespace": "ns1"},
            "data": {"a": "1", "b": ""},
            "binaryData": {"logo.bin": "iVBORw=="}
        }),
    }
}

/// Every ObjectMeta field, on a ConfigMap.
pub fn configmap_full_meta() -> Fixture {
    let meta = m(
        1,
        &[
            s(1, "cm2"),
            s(2, "cm-"),
            s(3, "ns1"),
            s(4, "/api/v1/namespaces/ns1/configmaps/cm2"),
            s(5, "6f1c2b9e-0000-4000-8000-000000000001"),
            s(6, "42"),
            v(7, 3),
            time(8, 1_700_000_000, 0),
            time(9, 1_700_000_600, 0),
            i(10, 30),
            kv(11, "app", "web"),
            kv(11, "tier", ""),
            kv(12, "note", "hi"),
            m(
                13,
                &[
                    s(1, "Deployment"),
                    s(3, "web"),
                    s(4, "uid-1"),
                    s(5, "apps/v1"),
                    v(6, 1),
                    v(7, 0),
                ],
            ),
            s(14, "example.com/cleanup"),
            s(14, "foregroundDeletion"),
            m(
                17,
                &[
                    s(1, "kubectl-create"),
                    s(2, "Update"),
                    s(3, "v1"),
                    time(4, 1_700_000_000, 0),
                    s(6, "FieldsV1"),
                    m(7, &[b(1, br#"{"f:data":{"f:a":{}}}"#)]),
                    s(8, ""),
                ],
            ),
        ],
    );
    Fixture {
        name: "configmap_full_meta",
        body: body("v1", "ConfigMap", &[meta, kv(2, "a", "1"), v(4, 1)]),
        expected: json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {
                "name": "cm2",
                "generateName": "cm-",
                "namespace": "ns1",
                "selfLink": "/api/v1/namespaces/ns1/configmaps/cm2",
                "uid": "6f1c2b9e-0000-4000-8000-000000000001",
                "resourceVersion": "42",
                "generation": 3,
                "creationTimestamp": "2023-11-14T22:13:20Z",
                "deletionTimestamp": "2023-11-14T22:23:20Z",
                "deletionGracePeriodSeconds": 30,
                "labels": {"app": "web", "tier": ""},
                "annotations": {"note": "hi"},
                "ownerReferences": [{
                    "apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "uid-1",
                    "controller": true, "blockOwnerDeletion": false
                }],
                "finalizers": ["example.com/cleanup", "foregroundDeletion"],
                "managedFields": [{
                    "manager": "kubectl-create", "operation": "Update", "apiVersion": "v1",
                    "time": "2023-11-14T22:13:20Z", "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:data": {"f:a": {}}}
                }]
            },
            "data": {"a": "1"},
            "immutable": true
        }),
    }
}

/// `kubectl create serviceaccount sa1 -n ns1`
pub fn serviceaccount() -> Fixture {
    Fixture {
        name: "serviceaccount",
        body: body(
            "v1",
            "ServiceAccount",
            &[object_meta("sa1", "ns1", &[], &[])],
        ),
        expected: json!({
            "apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": "sa1", "namespace": "ns1"}
        }),
    }
}

/// A ServiceAccount with secrets, imagePullSecrets and `automountServiceAccountToken: false`.
pub fn serviceaccount_full() -> Fixture {
    let secret_ref = m(
        2,
        &[
            s(1, ""),
            s(2, ""),
            s(3, "sa2-token"),
            s(4, ""),
            s(5, ""),
            s(6, ""),
            s(7, ""),
        ],
    );
    Fixture {
        name: "serviceaccount_full",
        body: body(
            "v1",
            "ServiceAccount",
            &[
                object_meta("sa2", "ns1", &[], &[]),
                secret_ref,
                m(3, &[s(1, "regcred")]),
                v(4, 0),
            ],
        ),
        expected: json!({
            "apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": "sa2", "namespace": "ns1"},
            "secrets": [{"name": "sa2-token"}],
            "imagePullSecrets": [{"name": "regcred"}],
            "automountServiceAccountToken": false
        }),
    }
}

/// `kubectl create service clusterip svc1 --tcp=80:8080 -n ns1`
pub fn service_clusterip() -> Fixture {
    let port = m(
        1,
        &[
            s(1, "80-8080"),
            s(2, "TCP"),
            v(3, 80),
            int_or_str_int(4, 8080),
            v(5, 0),
        ],
    );
    let spec = m(
        2,
        &[
            port,
            kv(2, "app", "svc1"),
            s(3, ""),
            s(4, "ClusterIP"),
            s(7, ""),
            s(8, ""),
            s(10, ""),
            s(11, ""),
            v(12, 0),
            v(13, 0),
        ],
    );
    Fixture {
        name: "service_clusterip",
        body: body(
            "v1",
            "Service",
            &[
                object_meta("svc1", "ns1", &[("app", "svc1")], &[]),
                spec,
                m(3, &[m(1, &[])]),
            ],
        ),
        expected: json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "svc1", "namespace": "ns1", "labels": {"app": "svc1"}},
            "spec": {
                "ports": [{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080}],
                "selector": {"app": "svc1"},
                "type": "ClusterIP"
            }
        }),
    }
}

/// NodePort Service with a named targetPort, a fixed clusterIP and some pointer fields.
pub fn service_nodeport() -> Fixture {
    let port = m(
        1,
        &[
            s(1, "web"),
            s(2, "TCP"),
            v(3, 80),
            int_or_str_str(4, "http"),
            v(5, 30080),
        ],
    );
    let spec = m(
        2,
        &[
            port,
            kv(2, "app", "web"),
            s(3, "10.0.0.5"),
            s(4, "NodePort"),
            s(7, "ClientIP"),
            m(14, &[m(1, &[v(1, 10800)])]),
            s(17, "SingleStack"),
            s(18, "10.0.0.5"),
            s(19, "IPv4"),
            v(20, 0),
        ],
    );
    Fixture {
        name: "service_nodeport",
        body: body(
            "v1",
            "Service",
            &[object_meta("svc2", "ns1", &[], &[]), spec],
        ),
        expected: json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "svc2", "namespace": "ns1"},
            "spec": {
                "ports": [{"name": "web", "protocol": "TCP", "port": 80, "targetPort": "http", "nodePort": 30080}],
                "selector": {"app": "web"},
                "clusterIP": "10.0.0.5",
                "clusterIPs": ["10.0.0.5"],
                "type": "NodePort",
                "sessionAffinity": "ClientIP",
                "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 10800}},
                "ipFamilies": ["IPv4"],
                "ipFamilyPolicy": "SingleStack",
                "allocateLoadBalancerNodePorts": false
            }
        }),
    }
}

/// A core/v1 Event as a controller would post it.
pub fn event_core() -> Fixture {
    let involved = m(
        2,
        &[
            s(1, "Pod"),
            s(2, "ns1"),
            s(3, "web-1"),
            s(4, "uid-p"),
            s(5, "v1"),
            s(6, ""),
            s(7, ""),
        ],
    );
    Fixture {
        name: "event_core",
        body: body(
            "v1",
            "Event",
            &[
                object_meta("web-1.17a", "ns1", &[], &[]),
                involved,
                s(3, "Started"),
                s(4, "Started container web"),
                m(5, &[s(1, "kubelet"), s(2, "node-1")]),
                time(6, 1_700_000_000, 500),
                time(7, 1_700_000_060, 0),
                v(8, 2),
                s(9, "Normal"),
                b(10, &[]),
                s(12, ""),
                s(14, ""),
                s(15, ""),
            ],
        ),
        expected: json!({
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": "web-1.17a", "namespace": "ns1"},
            "involvedObject": {"kind": "Pod", "namespace": "ns1", "name": "web-1", "uid": "uid-p", "apiVersion": "v1"},
            "reason": "Started",
            "message": "Started container web",
            "source": {"component": "kubelet", "host": "node-1"},
            "firstTimestamp": "2023-11-14T22:13:20Z",
            "lastTimestamp": "2023-11-14T22:14:20Z",
            "count": 2,
            "type": "Normal"
        }),
    }
}

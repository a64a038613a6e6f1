//! apps/v1 Deployment bodies.

use serde_json::json;

use super::Fixture;
use super::enc::*;

/// gogo-style Container: every value field written, pointers absent.
fn container(name: &str, image: &str, extra: &[Vec<u8>]) -> Vec<u8> {
    let mut parts = vec![s(1, name), s(2, image), s(5, "")];
    parts.extend_from_slice(extra);
    parts.extend([
        m(8, &[]), // resources {}
        s(13, ""),
        s(14, ""),
        v(16, 0),
        v(17, 0),
        v(18, 0),
        s(20, ""),
    ]);
    m(2, &parts)
}

/// gogo-style PodSpec around the given containers/extra fields.
fn pod_spec(fields: &[Vec<u8>]) -> Vec<u8> {
    let mut parts = fields.to_vec();
    parts.extend([
        s(6, ""),
        s(8, ""),
        s(9, ""),
        s(10, ""),
        v(11, 0),
        v(12, 0),
        v(13, 0),
        s(16, ""),
        s(17, ""),
        s(19, ""),
        s(24, ""),
    ]);
    m(2, &parts)
}

fn empty_status() -> Vec<u8> {
    m(3, &[v(1, 0), v(2, 0), v(3, 0), v(4, 0), v(5, 0), v(7, 0)])
}

/// `kubectl create deployment web --image=nginx:1.27 --replicas=3 --port=80 -n ns1`
pub fn deployment() -> Fixture {
    let port = m(6, &[s(1, ""), v(2, 0), v(3, 80), s(4, ""), s(5, "")]);
    let template = m(
        3,
        &[
            object_meta("", "", &[("app", "web")], &[]),
            pod_spec(&[container("nginx", "nginx:1.27", &[port]), s(3, "")]),
        ],
    );
    let spec = m(
        2,
        &[
            v(1, 3),
            m(2, &[kv(1, "app", "web")]),
            template,
            m(4, &[s(1, "")]),
            v(5, 0),
            v(7, 0),
        ],
    );
    Fixture {
        name: "deployment",
        body: body(
            "apps/v1",
            "Deployment",
            &[
                object_meta("web", "ns1", &[("app", "web")], &[]),
                spec,
                empty_status(),
            ],
        ),
        expected: json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "ns1", "labels": {"app": "web"}},
            "spec": {
                "replicas": 3,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{
                        "name": "nginx",
                        "image": "nginx:1.27",
                        "ports": [{"containerPort": 80}]
                    }]}
                }
            }
        }),
    }
}

/// A Deployment exercising most PodSpec/Container shapes: replicas 0
/// (pointer), matchExpressions, rolling update IntOrStrings, env sources,
/// inline LocalObjectReferences, volumes (inline VolumeSource, `emptyDir: {}`),
/// probes (inline ProbeHandler), quantities and packed int64s.
pub fn deployment_full() -> Fixture {
    let env = [
        m(7, &[s(1, "A"), s(2, "1")]),
        m(
            7,
            &[
                s(1, "POD"),
                s(2, ""),
                m(3, &[m(1, &[s(1, "v1"), s(2, "metadata.name")])]),
            ],
        ),
        m(
            7,
            &[
                s(1, "S"),
                s(2, ""),
                m(3, &[m(4, &[m(1, &[s(1, "sec")]), s(2, "k"), v(3, 0)])]),
            ],
        ),
    ];
    let resources = m(
        8,
        &[
            m(1, &[s(1, "cpu"), m(2, &[s(1, "500m")])]),
            m(1, &[s(1, "memory"), m(2, &[s(1, "128Mi")])]),
            m(2, &[s(1, "cpu"), m(2, &[s(1, "250m")])]),
        ],
    );
    let liveness = m(
        10,
        &[
            m(
                1,
                &[m(
                    2,
                    &[
                        s(1, "/healthz"),
                        int_or_str_int(2, 8080),
                        s(3, ""),
                        s(4, "HTTP"),
                    ],
                )],
            ),
            v(2, 5),
            v(3, 0),
            v(4, 10),
            v(5, 0),
            v(6, 0),
        ],
    );
    let readiness = m(11, &[m(1, &[m(3, &[int_or_str_str(1, "http"), s(2, "")])])]);
    let sec_ctx = m(15, &[m(1, &[s(2, "ALL")]), i(4, 1000), v(5, 1)]);
    let cont = m(
        2,
        &[
            s(1, "app"),
            s(2, "example/app:v2"),
            s(3, "/app"),
            s(4, "--verbose"),
            s(5, ""),
            m(
                6,
                &[s(1, "http"), v(2, 0), v(3, 8080), s(4, "TCP"), s(5, "")],
            ),
            env[0].clone(),
            env[1].clone(),
            env[2].clone(),
            resources,
            m(9, &[s(1, "data"), v(2, 1), s(3, "/data"), s(4, "")]),
            liveness,
            readiness,
            s(13, "/dev/termination-log"),
            s(14, "IfNotPresent"),
            sec_ctx,
            v(16, 0),
            v(17, 0),
            v(18, 0),
            m(19, &[s(1, ""), m(2, &[m(1, &[s(1, "cm")])])]),
            s(20, "File"),
        ],
    );
    let volumes = [
        m(1, &[s(1, "data"), m(2, &[m(2, &[s(1, "")])])]),
        m(
            1,
            &[
                s(1, "cfg"),
                m(2, &[m(19, &[m(1, &[s(1, "cm")]), v(3, 420)])]),
            ],
        ),
        m(
            1,
            &[
                s(1, "sec"),
                m(2, &[m(6, &[s(1, "s"), m(2, &[s(1, "k"), s(2, "p")])])]),
            ],
        ),
    ];
    let pod_sec = m(14, &[b(4, &[1, 2]), i(5, 2000)]);
    let spec_fields = [
        volumes[0].clone(),
        volumes[1].clone(),
        volumes[2].clone(),
        cont,
        s(3, "Always"),
        i(4, 30),
        kv(7, "disk", "ssd"),
        pod_sec,
        m(
            22,
            &[s(1, "k"), s(2, "Exists"), s(3, ""), s(4, "NoSchedule")],
        ),
    ];
    let mut pod_fields = spec_fields.to_vec();
    pod_fields.push(s(6, "ClusterFirst"));
    let template = m(
        3,
        &[
            object_meta("", "", &[("tier", "fe")], &[]),
            m(2, &pod_fields),
        ],
    );
    let spec = m(
        2,
        &[
            v(1, 0),
            m(
                2,
                &[m(2, &[s(1, "tier"), s(2, "In"), s(3, "fe"), s(3, "be")])],
            ),
            template,
            m(
                4,
                &[
                    s(1, "RollingUpdate"),
                    m(2, &[int_or_str_int(1, 0), int_or_str_str(2, "25%")]),
                ],
            ),
            v(5, 0),
            v(6, 10),
            v(7, 0),
            v(9, 600),
        ],
    );
    Fixture {
        name: "deployment_full",
        body: body(
            "apps/v1",
            "Deployment",
            &[object_meta("app", "ns1", &[], &[]), spec, empty_status()],
        ),
        expected: json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "app", "namespace": "ns1"},
            "spec": {
                "replicas": 0,
                "selector": {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["fe", "be"]}]},
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "25%"}},
                "revisionHistoryLimit": 10,
                "progressDeadlineSeconds": 600,
                "template": {
                    "metadata": {"labels": {"tier": "fe"}},
                    "spec": {
                        "volumes": [
                            {"name": "data", "emptyDir": {}},
                            {"name": "cfg", "configMap": {"name": "cm", "defaultMode": 420}},
                            {"name": "sec", "secret": {"secretName": "s", "items": [{"key": "k", "path": "p"}]}}
                        ],
                        "containers": [{
                            "name": "app",
                            "image": "example/app:v2",
                            "command": ["/app"],
                            "args": ["--verbose"],
                            "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                            "env": [
                                {"name": "A", "value": "1"},
                                {"name": "POD", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
                                {"name": "S", "valueFrom": {"secretKeyRef": {"name": "sec", "key": "k", "optional": false}}}
                            ],
                            "envFrom": [{"configMapRef": {"name": "cm"}}],
                            "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}, "requests": {"cpu": "250m"}},
                            "volumeMounts": [{"name": "data", "readOnly": true, "mountPath": "/data"}],
                            "livenessProbe": {
                                "httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
                                "initialDelaySeconds": 5,
                                "periodSeconds": 10
                            },
                            "readinessProbe": {"tcpSocket": {"port": "http"}},
                            "terminationMessagePath": "/dev/termination-log",
                            "terminationMessagePolicy": "File",
                            "imagePullPolicy": "IfNotPresent",
                            "securityContext": {"capabilities": {"drop": ["ALL"]}, "runAsUser": 1000, "runAsNonRoot": true}
                        }],
                        "restartPolicy": "Always",
                        "terminationGracePeriodSeconds": 30,
                        "dnsPolicy": "ClusterFirst",
                        "nodeSelector": {"disk": "ssd"},
                        "securityContext": {"supplementalGroups": [1, 2], "fsGroup": 2000},
                        "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoSchedule"}]
                    }
                }
            }
        }),
    }
}

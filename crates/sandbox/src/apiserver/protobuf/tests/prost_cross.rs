//! Bodies encoded by an independent encoder (`prost` derive, proto2 field
//! numbers from `generated.proto`), to cross-check the hand-rolled reader.

use std::collections::BTreeMap;

use prost::Message;
use serde_json::json;

use super::Fixture;

#[derive(Clone, PartialEq, Message)]
struct TypeMeta {
    #[prost(string, optional, tag = "1")]
    api_version: Option<String>,
    #[prost(string, optional, tag = "2")]
    kind: Option<String>,
}

#[derive(Clone, PartialEq, Message)]
struct Unknown {
    #[prost(message, optional, tag = "1")]
    type_meta: Option<TypeMeta>,
    #[prost(bytes = "vec", optional, tag = "2")]
    raw: Option<Vec<u8>>,
    #[prost(string, optional, tag = "3")]
    content_encoding: Option<String>,
    #[prost(string, optional, tag = "4")]
    content_type: Option<String>,
}

#[derive(Clone, PartialEq, Message)]
struct Time {
    #[prost(int64, optional, tag = "1")]
    seconds: Option<i64>,
    #[prost(int32, optional, tag = "2")]
    nanos: Option<i32>,
}

#[derive(Clone, PartialEq, Message)]
struct ObjectMeta {
    #[prost(string, optional, tag = "1")]
    name: Option<String>,
    #[prost(string, optional, tag = "3")]
    namespace: Option<String>,
    #[prost(int64, optional, tag = "7")]
    generation: Option<i64>,
    #[prost(message, optional, tag = "8")]
    creation_timestamp: Option<Time>,
    #[prost(btree_map = "string, string", tag = "11")]
    labels: BTreeMap<String, String>,
    #[prost(string, repeated, tag = "14")]
    finalizers: Vec<String>,
}

#[derive(Clone, PartialEq, Message)]
struct LeaseSpec {
    #[prost(string, optional, tag = "1")]
    holder_identity: Option<String>,
    #[prost(int32, optional, tag = "2")]
    lease_duration_seconds: Option<i32>,
    #[prost(message, optional, tag = "3")]
    acquire_time: Option<Time>,
    #[prost(message, optional, tag = "4")]
    renew_time: Option<Time>,
    #[prost(int32, optional, tag = "5")]
    lease_transitions: Option<i32>,
    #[prost(string, optional, tag = "6")]
    strategy: Option<String>,
}

#[derive(Clone, PartialEq, Message)]
struct Lease {
    #[prost(message, optional, tag = "1")]
    metadata: Option<ObjectMeta>,
    #[prost(message, optional, tag = "2")]
    spec: Option<LeaseSpec>,
}

#[derive(Clone, PartialEq, Message)]
struct BoundObjectReference {
    #[prost(string, optional, tag = "1")]
    kind: Option<String>,
    #[prost(string, optional, tag = "2")]
    api_version: Option<String>,
    #[prost(string, optional, tag = "3")]
    name: Option<String>,
    #[prost(string, optional, tag = "4")]
    uid: Option<String>,
}

#[derive(Clone, PartialEq, Message)]
struct TokenRequestSpec {
    #[prost(string, repeated, tag = "1")]
    audiences: Vec<String>,
    #[prost(message, optional, tag = "3")]
    bound_object_ref: Option<BoundObjectReference>,
    #[prost(int64, optional, tag = "4")]
    expiration_seconds: Option<i64>,
}

#[derive(Clone, PartialEq, Message)]
struct TokenRequestStatus {
    #[prost(string, optional, tag = "1")]
    token: Option<String>,
    #[prost(message, optional, tag = "2")]
    expiration_timestamp: Option<Time>,
}

#[derive(Clone, PartialEq, Message)]
struct TokenRequest {
    #[prost(message, optional, tag = "1")]
    metadata: Option<ObjectMeta>,
    #[prost(message, optional, tag = "2")]
    spec: Option<TokenRequestSpec>,
    #[prost(message, optional, tag = "3")]
    status: Option<TokenRequestStatus>,
}

fn envelope(api_version: &str, kind: &str, raw: Vec<u8>) -> Vec<u8> {
    let unknown = Unknown {
        type_meta: Some(TypeMeta {
            api_version: Some(api_version.into()),
            kind: Some(kind.into()),
        }),
        raw: Some(raw),
        content_encoding: Some(String::new()),
        content_type: Some(String::new()),
    };
    let mut out = b"k8s\0".to_vec();
    out.extend(unknown.encode_to_vec());
    out
}

/// A Lease as a leader-election client writes it (MicroTimes, `leaseTransitions: 0`).
pub fn lease() -> Fixture {
    let lease = Lease {
        metadata: Some(ObjectMeta {
            name: Some("controller-leader".into()),
            namespace: Some("kube-system".into()),
            generation: Some(0),
            creation_timestamp: Some(Time::default()),
            labels: BTreeMap::from([("app".to_string(), "ctl".to_string())]),
            finalizers: vec![],
        }),
        spec: Some(LeaseSpec {
            holder_identity: Some("node-1_7f3a".into()),
            lease_duration_seconds: Some(15),
            acquire_time: Some(Time {
                seconds: Some(1_700_000_000),
                nanos: Some(123_456_789),
            }),
            renew_time: Some(Time {
                seconds: Some(1_700_000_005),
                nanos: Some(999),
            }),
            lease_transitions: Some(0),
            strategy: None,
        }),
    };
    Fixture {
        name: "lease_prost",
        body: envelope("coordination.k8s.io/v1", "Lease", lease.encode_to_vec()),
        expected: json!({
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": "controller-leader", "namespace": "kube-system", "labels": {"app": "ctl"}},
            "spec": {
                "holderIdentity": "node-1_7f3a",
                "leaseDurationSeconds": 15,
                "acquireTime": "2023-11-14T22:13:20.123456Z",
                "renewTime": "2023-11-14T22:13:25.000000Z",
                "leaseTransitions": 0
            }
        }),
    }
}

/// TokenRequest with a bound object, creation timestamp and generation,
/// encoded by prost.
pub fn token_request() -> Fixture {
    let tr = TokenRequest {
        metadata: Some(ObjectMeta {
            name: Some("sa1".into()),
            namespace: Some("ns1".into()),
            generation: Some(2),
            creation_timestamp: Some(Time {
                seconds: Some(-1),
                nanos: Some(0),
            }),
            labels: BTreeMap::new(),
            finalizers: vec!["a".into(), String::new()],
        }),
        spec: Some(TokenRequestSpec {
            audiences: vec!["aud1".into(), "aud2".into()],
            bound_object_ref: Some(BoundObjectReference {
                kind: Some("Secret".into()),
                api_version: Some("v1".into()),
                name: Some("s1".into()),
                uid: Some(String::new()),
            }),
            expiration_seconds: Some(0),
        }),
        status: Some(TokenRequestStatus {
            token: Some(String::new()),
            expiration_timestamp: Some(Time::default()),
        }),
    };
    Fixture {
        name: "token_request_prost",
        body: envelope(
            "authentication.k8s.io/v1",
            "TokenRequest",
            tr.encode_to_vec(),
        ),
        expected: json!({
            "apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
            "metadata": {
                "name": "sa1", "namespace": "ns1", "generation": 2,
                "creationTimestamp": "1969-12-31T23:59:59Z",
                "finalizers": ["a", ""]
            },
            "spec": {
                "audiences": ["aud1", "aud2"],
                "boundObjectRef": {"kind": "Secret", "apiVersion": "v1", "name": "s1"},
                "expirationSeconds": 0
            }
        }),
    }
}

//! Error reporting and edge cases of the wire format.

use serde_json::json;

use super::enc::*;
use crate::apiserver::protobuf::convert::format_rfc3339;
use crate::apiserver::protobuf::{ProtoError, decode, is_protobuf};

fn err(body: &[u8]) -> ProtoError {
    match decode(body) {
        Ok(v) => panic!("expected an error, got {v}"),
        Err(e) => e,
    }
}

#[test]
fn content_type_detection() {
    assert!(is_protobuf("application/vnd.kubernetes.protobuf"));
    assert!(is_protobuf(
        "application/vnd.kubernetes.protobuf; charset=utf-8"
    ));
    assert!(is_protobuf(
        " Application/VND.Kubernetes.Protobuf;stream=watch"
    ));
    assert!(!is_protobuf("application/json"));
    assert!(!is_protobuf("application/vnd.kubernetes.protobuf+json"));
    assert!(!is_protobuf(""));
}

#[test]
fn bad_magic() {
    for body in [
        &b""[..],
        b"k8s",
        b"{\"kind\":\"Secret\"}",
        b"k8s\x01\x0a\x00",
    ] {
        let e = err(body);
        assert!(matches!(e, ProtoError::BadMagic), "{e:?}");
        assert!(e.to_string().contains("magic"), "{e}");
    }
}

#[test]
fn missing_type_meta() {
    let e = err(b"k8s\0");
    assert!(matches!(e, ProtoError::MissingTypeMeta { .. }), "{e:?}");
    let e = err(&body("v1", "", &[]));
    assert!(matches!(e, ProtoError::MissingTypeMeta { .. }), "{e:?}");
}

#[test]
fn unknown_kind_lists_supported_kinds() {
    let e = err(&body("apps/v1", "StatefulSet", &[]));
    let msg = e.to_string();
    assert!(matches!(e, ProtoError::UnknownKind { .. }), "{e:?}");
    assert!(msg.contains("unknown kind \"StatefulSet\""), "{msg}");
    assert!(
        msg.contains("v1 Secret") && msg.contains("apps/v1 Deployment"),
        "{msg}"
    );
    // Known kind, unsupported version.
    assert!(matches!(
        err(&body("apps/v1beta1", "Deployment", &[])),
        ProtoError::UnknownKind { .. }
    ));
}

#[test]
fn compressed_or_foreign_payload_is_rejected() {
    let mut b = b"k8s\0".to_vec();
    b.extend(m(1, &[s(1, "v1"), s(2, "Secret")]));
    b.extend(s(3, "gzip"));
    let e = err(&b);
    assert!(matches!(e, ProtoError::UnsupportedPayload { .. }), "{e}");

    let mut b = b"k8s\0".to_vec();
    b.extend(m(1, &[s(1, "v1"), s(2, "Secret")]));
    b.extend(s(4, "application/json"));
    assert!(matches!(err(&b), ProtoError::UnsupportedPayload { .. }));

    // An explicit protobuf content type is fine.
    let mut b = b"k8s\0".to_vec();
    b.extend(m(1, &[s(1, "v1"), s(2, "Namespace")]));
    b.extend(s(4, "application/vnd.kubernetes.protobuf"));
    assert_eq!(
        decode(&b).unwrap(),
        json!({"apiVersion": "v1", "kind": "Namespace"})
    );
}

#[test]
fn wrong_wire_type_names_field_and_message() {
    // ObjectMeta.name (string) sent as a varint.
    let e = err(&body("v1", "Secret", &[m(1, &[v(1, 5)])]));
    assert!(
        matches!(
            e,
            ProtoError::Malformed {
                message: "ObjectMeta",
                field: 1,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .starts_with("malformed field 1 of message ObjectMeta"),
        "{e}"
    );
    // A varint field sent as a string.
    let e = err(&body("apps/v1", "Deployment", &[m(2, &[s(1, "3")])]));
    assert!(
        matches!(
            e,
            ProtoError::Malformed {
                message: "DeploymentSpec",
                field: 1,
                ..
            }
        ),
        "{e:?}"
    );
    // TypeMeta not a message.
    let mut b = b"k8s\0".to_vec();
    b.extend(v(1, 1));
    assert!(matches!(
        err(&b),
        ProtoError::Malformed {
            message: "runtime.Unknown",
            field: 1,
            ..
        }
    ));
}

#[test]
fn truncation_is_reported() {
    let mut b = body("v1", "Secret", &[object_meta("s1", "ns1", &[], &[])]);
    b.truncate(b.len() - 3);
    let e = err(&b);
    assert!(matches!(e, ProtoError::Truncated { .. }), "{e:?}");
    assert!(
        e.to_string().starts_with("truncated protobuf message"),
        "{e}"
    );
    // Inner length running past the end of the raw object.
    let raw = vec![vec![0x0a, 0x05, b'a']];
    let e = err(&body("v1", "Secret", &raw));
    assert!(
        matches!(
            e,
            ProtoError::Truncated {
                message: "Secret",
                ..
            }
        ),
        "{e:?}"
    );
    // Truncated varint.
    let e = err(&body("v1", "Secret", &[vec![0x28, 0x80]]));
    assert!(matches!(e, ProtoError::Truncated { .. }), "{e:?}");
}

#[test]
fn invalid_keys_and_wire_types() {
    // Field number 0.
    assert!(matches!(
        err(&body("v1", "Secret", &[vec![0x00, 0x00]])),
        ProtoError::Malformed { .. }
    ));
    // Groups (wire types 3 and 4) and the undefined wire types 6 and 7.
    for key in [0x0b, 0x0c, 0x0e, 0x0f] {
        let e = err(&body("v1", "Secret", &[vec![key, 0x00]]));
        assert!(
            matches!(e, ProtoError::Malformed { field: 1, .. }),
            "{key:#x}: {e:?}"
        );
    }
    // Varint longer than 10 bytes.
    let mut long = vec![0x28];
    long.extend([0xff; 10]);
    long.push(0x01);
    assert!(matches!(
        err(&body("v1", "Secret", &[long])),
        ProtoError::Malformed { .. }
    ));
}

#[test]
fn unknown_fields_of_every_wire_type_are_skipped() {
    let noise = || {
        vec![
            v(99, 7),
            s(100, "x"),
            fixed32(101, 1),
            fixed64(102, 2),
            m(103, &[v(1, 1)]),
        ]
    };
    let mut meta = vec![s(1, "cm1")];
    meta.extend(noise());
    let mut raw = noise();
    raw.push(m(1, &meta));
    raw.push(kv(2, "a", "1"));
    raw.extend(noise());
    let mut full = b"k8s\0".to_vec();
    full.extend(v(9, 1));
    full.extend(m(1, &[s(1, "v1"), s(2, "ConfigMap"), s(3, "ignored")]));
    full.extend(b(2, &raw.concat()));
    full.extend(fixed64(10, 0));
    assert_eq!(
        decode(&full).unwrap(),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm1"}, "data": {"a": "1"}})
    );
}

#[test]
fn numbers_signs_and_packing() {
    // Negative int32/int64 are 10-byte two's complement varints; repeated
    // int64 may arrive unpacked and packed, interleaved.
    let mut packed = Vec::new();
    varint(u64::MAX, &mut packed);
    varint(7, &mut packed);
    let pod_spec = m(2, &[m(14, &[i(2, -5), i(4, -10), v(4, 3), b(4, &packed)])]);
    let raw = [m(
        2,
        &[v(1, u64::MAX), m(3, &[pod_spec]), v(5, 0x1_0000_0005)],
    )];
    assert_eq!(
        decode(&body("apps/v1", "Deployment", &raw)).unwrap(),
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "spec": {
                "replicas": -1,
                "minReadySeconds": 5,
                "template": {"spec": {"securityContext": {"runAsUser": -5, "supplementalGroups": [-10, 3, -1, 7]}}}
            }
        })
    );
}

#[test]
fn strings_are_lossy_utf8_and_duplicates_follow_protobuf_rules() {
    // Invalid UTF-8 becomes U+FFFD (as Go's JSON encoder does).
    let raw = [m(1, &[b(1, b"bad\xffname")])];
    assert_eq!(
        decode(&body("v1", "Namespace", &raw)).unwrap(),
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bad\u{fffd}name"}})
    );
    // Last scalar wins (an empty later value clears); messages merge.
    let raw = [
        m(1, &[s(1, "first"), s(3, "ns1")]),
        m(1, &[s(1, "second"), s(3, "")]),
        s(3, "Opaque"),
        s(3, ""),
    ];
    assert_eq!(
        decode(&body("v1", "Secret", &raw)).unwrap(),
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "second"}})
    );
}

#[test]
fn special_types() {
    // IntOrString with an impossible type.
    let port = m(1, &[s(1, "p"), v(3, 80), m(4, &[v(1, 2)])]);
    let e = err(&body("v1", "Service", &[m(2, &[port])]));
    assert!(
        matches!(
            e,
            ProtoError::Malformed {
                message: "ServicePort",
                field: 4,
                ..
            }
        ),
        "{e:?}"
    );
    // FieldsV1 that is not JSON.
    let mf = m(1, &[m(17, &[s(1, "m"), m(7, &[b(1, b"{nope")])])]);
    let e = err(&body("v1", "ConfigMap", &[mf]));
    assert!(
        matches!(
            e,
            ProtoError::Malformed {
                message: "ManagedFieldsEntry",
                field: 7,
                ..
            }
        ),
        "{e:?}"
    );
    // A Time beyond year 9999.
    let e = err(&body(
        "v1",
        "ConfigMap",
        &[m(1, &[time(8, 253_402_300_800, 0)])],
    ));
    assert!(
        matches!(
            e,
            ProtoError::Malformed {
                message: "ObjectMeta",
                field: 8,
                ..
            }
        ),
        "{e:?}"
    );
    // Go's zero time written explicitly is still "no timestamp"; Time drops nanos.
    let raw = [m(
        1,
        &[
            time(8, -62_135_596_800, 0),
            time(9, 1_700_000_000, 999_999_999),
        ],
    )];
    assert_eq!(
        decode(&body("v1", "ConfigMap", &raw)).unwrap(),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"deletionTimestamp": "2023-11-14T22:13:20Z"}})
    );
    // Quantity map value without its string, and an empty map entry.
    let res = m(8, &[m(1, &[s(1, "cpu"), m(2, &[])]), m(2, &[])]);
    let pod = m(2, &[m(2, &[s(1, "c"), res])]);
    let raw = [m(2, &[m(3, &[pod])])];
    assert_eq!(
        decode(&body("apps/v1", "Deployment", &raw)).unwrap(),
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": {"containers": [
            {"name": "c", "resources": {"limits": {"cpu": "0"}, "requests": {"": "0"}}}
        ]}}}})
    );
}

#[test]
fn rfc3339_formatting() {
    let cases: &[(i64, Option<i64>, Option<&str>)] = &[
        (0, None, Some("1970-01-01T00:00:00Z")),
        (1_700_000_000, None, Some("2023-11-14T22:13:20Z")),
        (951_782_400, None, Some("2000-02-29T00:00:00Z")),
        (-1, None, Some("1969-12-31T23:59:59Z")),
        (253_402_300_799, None, Some("9999-12-31T23:59:59Z")),
        (253_402_300_800, None, None),
        (-62_167_219_200, None, Some("0000-01-01T00:00:00Z")),
        (-62_167_219_201, None, None),
        (
            1_700_000_000,
            Some(123_456),
            Some("2023-11-14T22:13:20.123456Z"),
        ),
        (1_700_000_000, Some(0), Some("2023-11-14T22:13:20.000000Z")),
        (i64::MAX, None, None),
        (i64::MIN, None, None),
    ];
    for &(secs, micros, want) in cases {
        assert_eq!(
            format_rfc3339(secs, micros).as_deref(),
            want,
            "{secs} {micros:?}"
        );
    }
}

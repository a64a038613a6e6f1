//! Property test of the request path: arbitrary methods, paths, queries, headers and
//! bodies never panic the server and always get a well-formed answer.

use super::dispatch::{Incoming, dispatch};
use super::fuzz_gen::TOKEN;
use super::fuzz_writes::server;
use super::reply::Reply;
use bytes::Bytes;
use proptest::prelude::*;

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("api".to_string()),
        Just("apis".to_string()),
        Just("v1".to_string()),
        Just("namespaces".to_string()),
        Just("default".to_string()),
        Just("configmaps".to_string()),
        Just("secrets".to_string()),
        Just("serviceaccounts".to_string()),
        Just("status".to_string()),
        Just("token".to_string()),
        Just("scale".to_string()),
        Just("apiextensions.k8s.io".to_string()),
        Just("customresourcedefinitions".to_string()),
        Just("apps".to_string()),
        Just("deployments".to_string()),
        Just("openapi".to_string()),
        Just("v3".to_string()),
        Just("x".to_string()),
        "[a-z0-9.%-]{0,12}",
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(Vec::new()),
        proptest::collection::vec(any::<u8>(), 0..64),
        Just(
            br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"a":"b"}}"#
                .to_vec()
        ),
        Just(
            br#"{"metadata":{"name":"x","finalizers":["f"]},"spec":{"replicas":"three"}}"#.to_vec()
        ),
        Just(
            br#"[{"op":"replace","path":"/data/a","value":1},{"op":"test","path":"/x","value":2}]"#
                .to_vec()
        ),
        Just(br#"{"data":null,"metadata":{"resourceVersion":"1"}}"#.to_vec()),
        Just(b"k8s\x00\x0a\x0c\x0a\x02v1\x12\x06Secret\x12\x02\x0a\x00".to_vec()),
        Just(b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: y}\n".to_vec()),
        "\\PC{0,80}".prop_map(String::into_bytes),
    ]
}

fn request() -> impl Strategy<Value = Incoming> {
    (
        prop_oneof![Just("GET"), Just("POST"), Just("PUT"), Just("PATCH"), Just("DELETE"), Just("OPTIONS")],
        proptest::collection::vec(segment(), 0..8),
        proptest::collection::vec(("[a-zA-Z]{1,20}", "[a-zA-Z0-9=,!() %&-]{0,20}"), 0..4),
        prop_oneof![
            Just(None),
            Just(Some("application/json".to_string())),
            Just(Some("application/merge-patch+json".to_string())),
            Just(Some("application/json-patch+json".to_string())),
            Just(Some("application/strategic-merge-patch+json".to_string())),
            Just(Some("application/apply-patch+yaml".to_string())),
            Just(Some("application/vnd.kubernetes.protobuf".to_string())),
            Just(Some("text/garbage".to_string())),
        ],
        prop_oneof![
            Just(None),
            Just(Some("application/json;as=Table;v=v1;g=meta.k8s.io".to_string())),
            Just(Some("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList".to_string())),
            "[ -~]{0,30}".prop_map(Some),
        ],
        body(),
        prop_oneof![4 => Just(Some(format!("Bearer {TOKEN}"))), 1 => Just(None), 1 => Just(Some("Bearer nope".to_string()))],
    )
        .prop_map(|(method, segs, query, ct, accept, body, auth)| {
            let q: Vec<String> = query.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
            let q = if q.is_empty() { None } else { Some(q.join("&")) };
            Incoming {
                method: method.parse().expect("method"),
                path: format!("/{}", segs.join("/")),
                query: q,
                authorization: auth,
                accept,
                content_type: ct,
                user_agent: "fuzz/1".into(),
                body: Bytes::from(body),
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]
    #[test]
    fn the_request_path_never_panics(reqs in proptest::collection::vec(request(), 1..6)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            let server = server();
            for req in reqs {
                match dispatch(&server, req).await {
                    Reply::Json { code, body, .. } => {
                        prop_assert!((200..600).contains(&code));
                        if code >= 400 {
                            let v: serde_json::Value = serde_json::from_slice(&body).expect("error bodies are JSON");
                            prop_assert_eq!(&v["kind"], "Status");
                            prop_assert_eq!(v["code"].as_u64(), Some(code as u64));
                            prop_assert!(!v["message"].as_str().unwrap_or("").is_empty());
                        }
                    }
                    Reply::Stream(_) => {}
                }
            }
            server.shutdown.cancel();
            Ok(())
        })?;
    }
}

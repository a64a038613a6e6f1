//! BindingProvider and BindingResponse on the wire: upstream's documented JSON, and
//! the `response=` encoding that both base64 alphabets must decode.

#![allow(clippy::unwrap_used)] // tests may unwrap

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use klutch::bind::{
    APIServiceExportRequestResource, APIServiceExportRequestResponse, APIServiceExportRequestSpec,
    BindTypeError, BindingProvider, BindingResponse, Owner, PermissionClaim, ResourceSelector,
    decode_binding_response, encode_binding_response,
};
use serde_json::{Value, json};

const PROVIDER_JSON: &str = r#"{"apiVersion":"v1alpha1","kind":"BindingProvider","providerPrettyName":"example-backend",
 "version":"v1.5.0","authenticationMethods":[{"method":"OAuth2CodeGrant",
 "oauth2CodeGrant":{"authenticatedURL":"http://127.0.0.1:8080/authorize"}}]}"#;

#[test]
fn binding_provider_reads_and_writes_upstreams_json() {
    let wire: Value = serde_json::from_str(PROVIDER_JSON).unwrap();
    let provider: BindingProvider = serde_json::from_value(wire.clone()).unwrap();
    provider.check_type().unwrap();
    assert_eq!(
        provider.oauth2_authenticated_url(),
        Some("http://127.0.0.1:8080/authorize")
    );
    assert_eq!(serde_json::to_value(&provider).unwrap(), wire);
    let built = BindingProvider::new(
        "example-backend",
        "v1.5.0",
        "http://127.0.0.1:8080/authorize",
    );
    assert_eq!(built, provider);
}

#[test]
fn binding_provider_with_a_group_in_its_api_version_is_refused() {
    let mut provider: BindingProvider = serde_json::from_str(PROVIDER_JSON).unwrap();
    provider.api_version = "klutch.anynines.com/v1alpha1".into();
    let err = provider.check_type().unwrap_err();
    assert!(
        matches!(err, BindTypeError::UnsupportedApiVersion { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("\"v1alpha1\""), "{err}");
}

fn documented_response() -> Value {
    json!({"apiVersion":"klutch.anynines.com/v1alpha1","kind":"BindingResponse",
     "authentication":{"oauth2CodeGrant":{"sid":"3kF9aZ","id":"http://127.0.0.1:5556/dex/CgVhZG1pbg"}},
     "kubeconfig": STANDARD.encode("apiVersion: v1\nkind: Config\n"),
     "requests":[{"apiVersion":"klutch.anynines.com/v1alpha1","kind":"APIServiceExportRequest",
       "metadata":{"name":"postgresqlinstances.anynines.com"},
       "spec":{"resources":[{"group":"anynines.com","resource":"postgresqlinstances",
               "permissionClaims":[{"group":"","resource":"secrets","version":"v1",
                 "selector":{"owner":"Provider"}}]}]},"status":{}}]})
}

#[test]
fn binding_response_reads_upstreams_json() {
    let wire = documented_response();
    let response: BindingResponse = serde_json::from_value(wire.clone()).unwrap();
    assert_eq!(response.session_id(), Some("3kF9aZ"));
    assert_eq!(response.kubeconfig, b"apiVersion: v1\nkind: Config\n");
    let request = &response.requests[0];
    request.check_type().unwrap();
    let claims = request.spec.resources[0]
        .permission_claims
        .as_ref()
        .unwrap();
    assert_eq!(claims[0].owner(), Some(Owner::Provider));
    assert_eq!(serde_json::to_value(&response).unwrap(), wire);

    let object = request.to_request("cluster-8xk2p");
    assert_eq!(
        object.metadata.name.as_deref(),
        Some("postgresqlinstances.anynines.com")
    );
    assert_eq!(object.metadata.namespace.as_deref(), Some("cluster-8xk2p"));
    assert_eq!(
        object.spec.resources[0].crd_name(),
        "postgresqlinstances.anynines.com"
    );
}

/// A response whose strings hold every character that makes the two alphabets
/// disagree, at every offset modulo 3.
fn quirky_response(shift: usize) -> BindingResponse {
    let padding = "p".repeat(shift);
    let spec = APIServiceExportRequestSpec {
        parameters: Some(json!({"q": format!("{padding}a>b?c~d\u{7f}e&f<g"), "ü": "Ünïcödé ✓ 🚀"})),
        resources: vec![APIServiceExportRequestResource {
            group: "anynines.com".into(),
            resource: "postgresqlinstances".into(),
            versions: Some(vec!["v1".into()]),
            permission_claims: Some(vec![PermissionClaim {
                resource: "secrets".into(),
                version: "v1".into(),
                selector: Some(ResourceSelector {
                    owner: Some(Owner::Provider),
                    names: Some(vec![format!("{padding}??>>~~")]),
                    ..ResourceSelector::default()
                }),
                ..PermissionClaim::default()
            }]),
        }],
    };
    let kubeconfig: Vec<u8> = (0..=255u8).cycle().skip(shift).take(300).collect();
    BindingResponse::new(
        "3kF9aZ",
        "http://127.0.0.1:5556/?user=~a>",
        kubeconfig,
        vec![APIServiceExportRequestResponse::new(
            "postgresqlinstances.anynines.com",
            spec,
        )],
    )
}

#[test]
fn encoded_responses_decode_identically_in_both_alphabets() {
    for shift in 0..6 {
        let response = quirky_response(shift);
        let encoded = encode_binding_response(&response).unwrap();
        assert!(
            !encoded.contains(['+', '/', '-', '_']),
            "shift {shift}: alphabet-specific character in {encoded}"
        );
        assert!(encoded.len().is_multiple_of(4), "padded output expected");
        let by_std = STANDARD.decode(&encoded).unwrap();
        let by_url = URL_SAFE.decode(&encoded).unwrap();
        assert_eq!(by_std, by_url);
        let json: Value = serde_json::from_slice(&by_std).unwrap();
        assert_eq!(json, serde_json::to_value(&response).unwrap());
        assert_eq!(decode_binding_response(&encoded).unwrap(), response);
    }
}

#[test]
fn upstream_style_responses_decode_in_any_alphabet_and_padding() {
    // Upstream encodes plain JSON with the URL alphabet; find a shift where that
    // really produces URL-only characters, so the test covers the quirk.
    let (response, url_encoded) = (0..6)
        .map(quirky_response)
        .map(|r| {
            let json = serde_json::to_vec(&r).unwrap();
            let encoded = URL_SAFE.encode(&json);
            (r, encoded)
        })
        .find(|(_, e)| e.contains(['-', '_']))
        .expect("some shift yields URL-alphabet characters");
    let json = serde_json::to_vec(&response).unwrap();
    let variants = [
        url_encoded,
        URL_SAFE_NO_PAD.encode(&json),
        STANDARD.encode(&json),
        STANDARD_NO_PAD.encode(&json),
    ];
    for variant in variants {
        assert_eq!(
            decode_binding_response(&variant).unwrap(),
            response,
            "{variant}"
        );
    }
}

#[test]
fn decoding_refuses_what_is_not_a_binding_response() {
    assert!(matches!(
        decode_binding_response("not base64 at all!"),
        Err(BindTypeError::Base64(_))
    ));
    assert!(matches!(
        decode_binding_response(&STANDARD.encode("{not json")),
        Err(BindTypeError::Json { .. })
    ));
    let mut wrong_group = documented_response();
    wrong_group["apiVersion"] = json!("kube-bind.io/v1alpha2");
    let err = decode_binding_response(&STANDARD.encode(wrong_group.to_string())).unwrap_err();
    assert!(err.to_string().contains("kube-bind.io/v1alpha2"), "{err}");
    let mut wrong_kind = documented_response();
    wrong_kind["kind"] = json!("BindingProvider");
    assert!(matches!(
        decode_binding_response(&STANDARD.encode(wrong_kind.to_string())),
        Err(BindTypeError::WrongKind { .. })
    ));
}

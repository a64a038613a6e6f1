//! The non-CRD wire types of the bind HTTP protocol: BindingProvider (`GET /export`)
//! and BindingResponse (the `response=` query value of the loopback callback), with
//! the encoding quirks of upstream (reference/bind-protocol.md §2 and §6).

use base64::Engine;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD, URL_SAFE};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

use super::API_VERSION;
use super::error::BindTypeError;
use super::export_request::{
    APIServiceExportRequest, APIServiceExportRequestSpec, APIServiceExportRequestStatus,
};

/// The bare `apiVersion` of a BindingProvider; upstream's CLI requires exactly this.
pub const BINDING_PROVIDER_API_VERSION: &str = "v1alpha1";
/// The authentication method name of the OAuth2 code grant.
pub const OAUTH2_CODE_GRANT: &str = "OAuth2CodeGrant";
const BINDING_PROVIDER_KIND: &str = "BindingProvider";
const BINDING_RESPONSE_KIND: &str = "BindingResponse";
const EXPORT_REQUEST_KIND: &str = "APIServiceExportRequest";

/// What `GET /export` of a bind backend answers: who the provider is and how to log in.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BindingProvider {
    /// Always the bare `v1alpha1`.
    pub api_version: String,
    /// `BindingProvider`.
    pub kind: String,
    /// Name shown to the user.
    pub provider_pretty_name: String,
    /// Backend version, e.g. `v1.5.0` (`v0.0.0` for development builds).
    pub version: String,
    /// Supported methods, in order of preference.
    #[serde(default)]
    pub authentication_methods: Vec<AuthenticationMethod>,
}

impl BindingProvider {
    /// A provider offering the OAuth2 code grant at `authenticated_url`.
    pub fn new(pretty_name: &str, version: &str, authenticated_url: &str) -> Self {
        Self {
            api_version: BINDING_PROVIDER_API_VERSION.to_owned(),
            kind: BINDING_PROVIDER_KIND.to_owned(),
            provider_pretty_name: pretty_name.to_owned(),
            version: version.to_owned(),
            authentication_methods: vec![AuthenticationMethod {
                method: OAUTH2_CODE_GRANT.to_owned(),
                oauth2_code_grant: Some(OAuth2CodeGrant {
                    authenticated_url: authenticated_url.to_owned(),
                }),
            }],
        }
    }

    /// Check the `apiVersion` and `kind` as upstream's CLI does.
    pub fn check_type(&self) -> Result<(), BindTypeError> {
        if self.api_version != BINDING_PROVIDER_API_VERSION {
            return Err(BindTypeError::UnsupportedApiVersion {
                kind: BINDING_PROVIDER_KIND,
                found: self.api_version.clone(),
                expected: vec![BINDING_PROVIDER_API_VERSION.to_owned()],
            });
        }
        if self.kind != BINDING_PROVIDER_KIND {
            return Err(BindTypeError::WrongKind {
                expected: BINDING_PROVIDER_KIND,
                found: self.kind.clone(),
            });
        }
        Ok(())
    }

    /// The URL of the first OAuth2 code grant method, as upstream's CLI picks it.
    pub fn oauth2_authenticated_url(&self) -> Option<&str> {
        self.authentication_methods
            .iter()
            .find(|m| m.method == OAUTH2_CODE_GRANT)
            .and_then(|m| m.oauth2_code_grant.as_ref())
            .map(|g| g.authenticated_url.as_str())
    }
}

/// One authentication method of a provider.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationMethod {
    /// `OAuth2CodeGrant`.
    pub method: String,
    /// Set for the OAuth2 code grant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth2_code_grant: Option<OAuth2CodeGrant>,
}

/// Where the consumer starts the code grant.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct OAuth2CodeGrant {
    /// The backend's `/authorize` URL.
    #[serde(rename = "authenticatedURL")]
    pub authenticated_url: String,
}

/// What the backend sends back to the consumer's loopback receiver after `/bind`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct BindingResponse {
    /// `klutch.anynines.com/v1alpha1`.
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    /// `BindingResponse`.
    pub kind: String,
    /// The session this answers.
    #[serde(default)]
    pub authentication: BindingResponseAuthentication,
    /// The kubeconfig for the cluster namespace (standard base64 on the wire).
    #[serde(with = "base64_bytes")]
    pub kubeconfig: Vec<u8>,
    /// The export requests to create.
    #[serde(default)]
    pub requests: Vec<APIServiceExportRequestResponse>,
}

impl BindingResponse {
    /// A response for session `sid` of user `id` (`<issuer>/<sub>`).
    pub fn new(
        sid: &str,
        id: &str,
        kubeconfig: Vec<u8>,
        requests: Vec<APIServiceExportRequestResponse>,
    ) -> Self {
        Self {
            api_version: API_VERSION.to_owned(),
            kind: BINDING_RESPONSE_KIND.to_owned(),
            authentication: BindingResponseAuthentication {
                oauth2_code_grant: Some(OAuth2CodeGrantSession {
                    sid: sid.to_owned(),
                    id: id.to_owned(),
                }),
            },
            kubeconfig,
            requests,
        }
    }

    /// The session id the response is for, if any.
    pub fn session_id(&self) -> Option<&str> {
        self.authentication
            .oauth2_code_grant
            .as_ref()
            .map(|g| g.sid.as_str())
    }
}

/// Which authentication a response belongs to.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BindingResponseAuthentication {
    /// Set for the OAuth2 code grant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth2_code_grant: Option<OAuth2CodeGrantSession>,
}

/// The code grant session a response answers.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct OAuth2CodeGrantSession {
    /// The consumer's session id; the consumer checks it against its own.
    pub sid: String,
    /// The user, `<issuer>/<sub>`.
    pub id: String,
}

/// An export request as carried in a BindingResponse: only `metadata.name`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct APIServiceExportRequestResponse {
    /// `klutch.anynines.com/v1alpha1`.
    pub api_version: String,
    /// `APIServiceExportRequest`.
    pub kind: String,
    /// Only the name.
    #[serde(default)]
    pub metadata: NameOnlyMeta,
    /// The request's spec.
    pub spec: APIServiceExportRequestSpec,
    /// Always empty (`{}`).
    #[serde(default)]
    pub status: APIServiceExportRequestStatus,
}

/// `metadata` with nothing but a name.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct NameOnlyMeta {
    /// The object name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
}

impl APIServiceExportRequestResponse {
    /// A request named `name` with this spec.
    pub fn new(name: &str, spec: APIServiceExportRequestSpec) -> Self {
        Self {
            api_version: API_VERSION.to_owned(),
            kind: EXPORT_REQUEST_KIND.to_owned(),
            metadata: NameOnlyMeta {
                name: name.to_owned(),
            },
            spec,
            status: APIServiceExportRequestStatus::default(),
        }
    }

    /// Check the `apiVersion` and `kind` as upstream's CLI does.
    pub fn check_type(&self) -> Result<(), BindTypeError> {
        if self.api_version != API_VERSION {
            return Err(BindTypeError::UnsupportedApiVersion {
                kind: EXPORT_REQUEST_KIND,
                found: self.api_version.clone(),
                expected: vec![API_VERSION.to_owned()],
            });
        }
        if self.kind != EXPORT_REQUEST_KIND {
            return Err(BindTypeError::WrongKind {
                expected: EXPORT_REQUEST_KIND,
                found: self.kind.clone(),
            });
        }
        Ok(())
    }

    /// The request as an object to create in `namespace` (the cluster namespace).
    pub fn to_request(&self, namespace: &str) -> APIServiceExportRequest {
        APIServiceExportRequest {
            metadata: ObjectMeta {
                name: Some(self.metadata.name.clone()).filter(|n| !n.is_empty()),
                namespace: Some(namespace.to_owned()),
                ..ObjectMeta::default()
            },
            spec: self.spec.clone(),
            status: None,
        }
    }
}

/// Standard-alphabet decoding that also takes the URL alphabet (after mapping) and
/// does not care about padding.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

fn lenient_decode(value: &str) -> Result<Vec<u8>, base64::DecodeError> {
    let normalised: String = value
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            other => other,
        })
        .collect();
    LENIENT.decode(normalised)
}

/// Encode a response for the `response=` query value (before query escaping).
///
/// The result is padded base64 that decodes to the same bytes in the standard and
/// in the URL alphabet (upstream encodes with one and decodes with the other): the
/// JSON is made pure ASCII with `>`, `?`, `~` and DEL escaped as `\uXXXX`, which
/// leaves no 6-bit group that maps to `+`, `/`, `-` or `_`.
pub fn encode_binding_response(response: &BindingResponse) -> Result<String, BindTypeError> {
    let json = serde_json::to_string(response).map_err(|source| BindTypeError::Json {
        what: BINDING_RESPONSE_KIND,
        source,
    })?;
    let mut safe = String::with_capacity(json.len());
    for c in json.chars() {
        if c.is_ascii() && !matches!(c, '>' | '?' | '~' | '\x7f') {
            safe.push(c);
        } else {
            // Outside strings JSON has none of these, so every one is inside a string.
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                safe.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    Ok(URL_SAFE.encode(safe))
}

/// Decode the `response=` query value (already query-unescaped): either base64
/// alphabet, padded or not; checks `apiVersion` and `kind`.
pub fn decode_binding_response(value: &str) -> Result<BindingResponse, BindTypeError> {
    let bytes = lenient_decode(value)?;
    let response: BindingResponse =
        serde_json::from_slice(&bytes).map_err(|source| BindTypeError::Json {
            what: BINDING_RESPONSE_KIND,
            source,
        })?;
    if response.api_version != API_VERSION {
        return Err(BindTypeError::UnsupportedApiVersion {
            kind: BINDING_RESPONSE_KIND,
            found: response.api_version,
            expected: vec![API_VERSION.to_owned()],
        });
    }
    if response.kind != BINDING_RESPONSE_KIND {
        return Err(BindTypeError::WrongKind {
            expected: BINDING_RESPONSE_KIND,
            found: response.kind,
        });
    }
    Ok(response)
}

/// Go's `[]byte` in JSON: standard padded base64 out, lenient in.
mod base64_bytes {
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], ser: S) -> Result<S::Ok, S::Error> {
        ser.serialize_str(&super::STANDARD.encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(de: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(de)?;
        super::lenient_decode(&text).map_err(D::Error::custom)
    }

    #[cfg(test)]
    #[allow(clippy::unwrap_used)]
    mod tests {
        #[test]
        fn kubeconfig_is_standard_padded_base64() {
            let mut json = Vec::new();
            let mut ser = serde_json::Serializer::new(&mut json);
            super::serialize(&[0xfb, 0xff, 0xfe, 0x61], &mut ser).unwrap();
            assert_eq!(String::from_utf8(json).unwrap(), "\"+//+YQ==\"");
        }
    }
}

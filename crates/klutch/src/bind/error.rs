//! Errors of the bind types: decoding wire values and converting dynamic objects.

/// An error turning wire data or a dynamic object into a typed bind value.
#[derive(Debug, thiserror::Error)]
pub enum BindTypeError {
    /// The object carries an `apiVersion` this type does not accept.
    #[error("{kind} has apiVersion {found:?}, expected one of {expected:?}")]
    UnsupportedApiVersion {
        /// The kind that was being read.
        kind: &'static str,
        /// The apiVersion found in the data.
        found: String,
        /// The apiVersions that are accepted.
        expected: Vec<String>,
    },
    /// The object is of another kind.
    #[error("expected kind {expected}, found {found:?}")]
    WrongKind {
        /// The kind that was expected.
        expected: &'static str,
        /// The kind found in the data.
        found: String,
    },
    /// The `response=` value of a bind callback is not base64 in either alphabet.
    #[error("binding response is not valid base64 (standard or URL alphabet): {0}")]
    Base64(#[from] base64::DecodeError),
    /// The JSON does not match the expected shape.
    #[error("{what} is not valid JSON of the expected shape: {source}")]
    Json {
        /// What was being read or written.
        what: &'static str,
        /// The serde error, naming the field at fault.
        #[source]
        source: serde_json::Error,
    },
}

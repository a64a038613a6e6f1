//! What a handler answers: a JSON (or other) body with its status code and warnings, or a
//! stream (watches). `http` turns it into a response.

use super::error::ApiError;
use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use std::convert::Infallible;

pub type RespBody = BoxBody<Bytes, Infallible>;

/// What a handler answers.
pub enum Reply {
    Json {
        code: u16,
        body: Bytes,
        content_type: &'static str,
        warnings: Vec<String>,
    },
    Stream(RespBody),
}

impl Reply {
    pub fn json(code: u16, body: impl Into<Bytes>) -> Self {
        Self::Json {
            code,
            body: body.into(),
            content_type: "application/json",
            warnings: Vec::new(),
        }
    }

    pub fn value(code: u16, v: &serde_json::Value) -> Self {
        Self::json(code, v.to_string())
    }

    pub fn with_warnings(mut self, w: Vec<String>) -> Self {
        if let Self::Json { warnings, .. } = &mut self {
            warnings.extend(w);
        }
        self
    }

    pub fn with_content_type(mut self, ct: &'static str) -> Self {
        if let Self::Json { content_type, .. } = &mut self {
            *content_type = ct;
        }
        self
    }
}

impl From<ApiError> for Reply {
    fn from(e: ApiError) -> Self {
        Reply::json(e.code, e.to_bytes())
    }
}

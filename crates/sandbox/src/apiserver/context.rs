//! A request to a resource as its handler sees it: who asks, the parsed path and query,
//! the body, and the resource type addressed. Handlers take a [`Ctx`]; only the dispatcher
//! makes one.

use super::auth::UserInfo;
use super::error::Subject;
use super::registry::{GroupResource, ResourceType, Version};
use super::request::{Query, ResourcePath, Wanted};
use bytes::Bytes;
use http::Method;
use std::sync::Arc;

/// A request to a resource, ready for a handler.
pub struct Ctx {
    pub user: UserInfo,
    pub method: Method,
    pub query: Query,
    pub wanted: Wanted,
    pub content_type: Option<String>,
    pub user_agent: String,
    pub body: Bytes,
    pub path: ResourcePath,
    pub rt: Arc<ResourceType>,
}

impl Ctx {
    pub fn gr(&self) -> GroupResource {
        self.rt.gr()
    }

    /// The version the client addressed.
    pub fn version(&self) -> &Version {
        self.rt
            .version(&self.path.version)
            .unwrap_or_else(|| self.rt.storage_version())
    }

    pub fn namespace(&self) -> &str {
        self.path.namespace.as_deref().unwrap_or("")
    }

    pub fn name(&self) -> &str {
        self.path.name.as_deref().unwrap_or("")
    }

    pub fn subject<'a>(&'a self, name: &'a str) -> Subject<'a> {
        Subject {
            resource: &self.rt.plural,
            group: &self.rt.group,
            name,
        }
    }

    /// The field manager: `fieldManager=` or the client's name from its User-Agent.
    pub fn manager(&self) -> String {
        if let Some(m) = &self.query.field_manager {
            return m.clone();
        }
        let ua = self.user_agent.split('/').next().unwrap_or("").trim();
        if ua.is_empty() {
            "unknown".into()
        } else {
            ua.to_string()
        }
    }

    pub fn api_version(&self) -> String {
        self.rt.api_version(&self.path.version)
    }
}

//! Applying claim files: every document read and validated — against the kinds the App
//! Cluster serves and, for objects that exist, as an update of the live object — before
//! anything is sent; then a server dry-run of each (the server's verdict and defaults, and
//! field-manager conflicts, before anything changes) with a diff against the live object;
//! then server-side apply as `klutch-tui`. What the server refuses is placed at the line and
//! column of the field it names; a conflict says who owns the field and how to take it over.

use super::diff;
use super::{CatalogError, Claims, FIELD_MANAGER};
use klutch::claims::source::{self, Document, Pos};
use klutch::claims::validate::{self, Problem};
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::core::{ApiResource, GroupVersionKind, Status};
use serde_json::Value;
use std::fmt;

/// Where a document goes.
#[derive(Clone, Debug)]
pub struct Target {
    /// Its resource.
    pub resource: ApiResource,
    /// Its namespace (the context's when the document names none).
    pub namespace: String,
    /// Its name.
    pub name: String,
}

impl Target {
    /// `postgresqlinstance.anynines.com/orders-db`, as kubectl names objects.
    pub fn label(&self) -> String {
        format!(
            "{}.{}/{}",
            self.resource.kind.to_lowercase(),
            self.resource.group,
            self.name
        )
    }

    fn api(&self, client: &kube::Client) -> Api<DynamicObject> {
        Api::namespaced_with(client.clone(), &self.namespace, &self.resource)
    }
}

/// One validated document, with what is there now.
#[derive(Debug)]
pub struct Planned {
    /// The document as read (for positions).
    pub document: Document,
    /// Where it goes.
    pub target: Target,
    /// What is sent: the document with its namespace set.
    pub object: Value,
    /// The live object, when it exists.
    pub live: Option<Value>,
}

/// Every document of a file, validated.
#[derive(Debug)]
pub struct Plan {
    /// In file order.
    pub items: Vec<Planned>,
}

/// What applying a document does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// The object is new.
    Created,
    /// The object changes.
    Configured,
    /// Nothing changes.
    Unchanged,
}

impl Action {
    /// kubectl's word for it.
    pub fn word(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Configured => "configured",
            Action::Unchanged => "unchanged",
        }
    }
}

/// The outcome of applying (or dry-running) one document.
#[derive(Clone, Debug)]
pub struct Change {
    /// The object.
    pub target: Target,
    /// What happens to it.
    pub action: Action,
    /// Unified diff from the live object to the server's answer (empty: unchanged).
    pub diff: String,
    /// The server's answer.
    pub object: Value,
}

/// A field another manager owns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    /// The manager that owns it, e.g. `kubectl-client-side-apply`.
    pub manager: String,
    /// The field, e.g. `spec.plan`.
    pub field: String,
    /// Where the document writes it.
    pub pos: Option<Pos>,
}

/// Fields of one object that other managers own.
#[derive(Clone, Debug)]
pub struct Conflicts {
    /// The object.
    pub target: String,
    /// Each field and its owner.
    pub fields: Vec<Conflict>,
}

impl fmt::Display for Conflicts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.target)?;
        let parts: Vec<String> = self
            .fields
            .iter()
            .map(|c| format!("{} is owned by field manager {:?}", c.field, c.manager))
            .collect();
        write!(
            f,
            "{}; to take them over as {FIELD_MANAGER}, apply again with --force-conflicts (or leave the fields out of the file)",
            parts.join(", ")
        )
    }
}

/// Why applying did not happen or did not finish.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// Problems in the file; nothing was sent.
    #[error("{} problem(s) in the file; nothing was applied", .0.len())]
    Invalid(Vec<Problem>),
    /// The claim kinds could not be read.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// Other managers own fields the file sets.
    #[error("{0}")]
    Conflict(Conflicts),
    /// The API server failed the request.
    #[error("{what}: {source}")]
    Api {
        /// What was being done.
        what: String,
        /// The server's answer.
        #[source]
        source: kube::Error,
    },
}

impl Claims {
    /// Read `bytes` and validate every document before anything is sent: kinds and versions
    /// the App Cluster serves, metadata, schema and CEL rules — for existing objects as an
    /// update of the live object, so that transition rules (no smaller plan, immutable
    /// service) apply. Every problem of every document comes back at once.
    pub async fn plan(&self, bytes: &[u8]) -> Result<Plan, ApplyError> {
        let documents = source::parse_bytes(bytes)
            .map_err(|e| ApplyError::Invalid(vec![validate::syntax_problem(e)]))?;
        if documents.is_empty() {
            return Err(ApplyError::Invalid(vec![validate::empty_problem()]));
        }
        let catalog = self.catalog().await?;
        let mut problems = Vec::new();
        let mut items: Vec<Planned> = Vec::new();
        for document in documents {
            let valid = match validate::validate(catalog, &document, None) {
                Ok(v) => v,
                Err(p) => {
                    problems.extend(p);
                    continue;
                }
            };
            let gvk =
                GroupVersionKind::gvk(&valid.kind.group, &valid.version.name, &valid.kind.kind);
            let target = Target {
                resource: ApiResource::from_gvk_with_plural(&gvk, &valid.kind.plural),
                namespace: valid
                    .namespace
                    .clone()
                    .unwrap_or_else(|| self.default_namespace().to_string()),
                name: valid.name.clone(),
            };
            if let Some(first) = items.iter().find(|i| {
                i.target.label() == target.label() && i.target.namespace == target.namespace
            }) {
                problems.push(Problem::at(
                    &document,
                    "metadata.name",
                    format!(
                        "{} is also document {} of this file (at {}); apply each object once",
                        target.label(),
                        first.document.index + 1,
                        first.document.start
                    ),
                ));
                continue;
            }
            let live = target
                .api(&self.app)
                .get_opt(&target.name)
                .await
                .map_err(|source| ApplyError::Api {
                    what: format!("reading {} in {}", target.label(), target.namespace),
                    source,
                })?
                .map(|o| serde_json::to_value(o).unwrap_or(Value::Null));
            if let Some(old) = &live
                && let Err(p) = validate::validate(catalog, &document, Some(old))
            {
                problems.extend(p);
                continue;
            }
            let mut object = document.value.clone();
            object["metadata"]["namespace"] = Value::from(target.namespace.as_str());
            items.push(Planned {
                document,
                target,
                object,
                live,
            });
        }
        if problems.is_empty() {
            Ok(Plan { items })
        } else {
            Err(ApplyError::Invalid(problems))
        }
    }

    /// Ask the server what applying every document would do, changing nothing: its verdict
    /// (refusals placed in the file), conflicts with other field managers, and a diff of
    /// each object against its live state.
    pub async fn dry_run(&self, plan: &Plan, force: bool) -> Result<Vec<Change>, ApplyError> {
        let mut changes = Vec::new();
        let mut problems = Vec::new();
        for item in &plan.items {
            match self.send(item, force, true).await {
                Ok(change) => changes.push(change),
                Err(ApplyError::Invalid(p)) => problems.extend(p),
                Err(e) => return Err(e),
            }
        }
        if problems.is_empty() {
            Ok(changes)
        } else {
            Err(ApplyError::Invalid(problems))
        }
    }

    /// Apply every document (server-side apply, field manager `klutch-tui`), in file order.
    pub async fn apply(&self, plan: &Plan, force: bool) -> Result<Vec<Change>, ApplyError> {
        let mut changes = Vec::new();
        for item in &plan.items {
            changes.push(self.send(item, force, false).await?);
        }
        Ok(changes)
    }

    async fn send(&self, item: &Planned, force: bool, dry_run: bool) -> Result<Change, ApplyError> {
        let mut params = PatchParams::apply(FIELD_MANAGER).validation_strict();
        if force {
            params = params.force();
        }
        if dry_run {
            params = params.dry_run();
        }
        let answer = item
            .target
            .api(&self.app)
            .patch(&item.target.name, &params, &Patch::Apply(&item.object))
            .await
            .map_err(|e| refusal(item, e))?;
        let object = serde_json::to_value(answer).unwrap_or(Value::Null);
        let diff = diff::unified(
            item.live.as_ref(),
            &object,
            &format!("{}/{}", item.target.namespace, item.target.label()),
        );
        let action = match (&item.live, diff.is_empty()) {
            (None, _) => Action::Created,
            (Some(_), true) => Action::Unchanged,
            (Some(_), false) => Action::Configured,
        };
        Ok(Change {
            target: item.target.clone(),
            action,
            diff,
            object,
        })
    }
}

/// The server's refusal of a document, placed in the file where it can be.
fn refusal(item: &Planned, e: kube::Error) -> ApplyError {
    let status: Option<&Status> = match &e {
        kube::Error::Api(s) => Some(s),
        _ => None,
    };
    let Some(status) = status else {
        return ApplyError::Api {
            what: format!("applying {}", item.target.label()),
            source: e,
        };
    };
    let causes = status
        .details
        .as_ref()
        .map(|d| d.causes.clone())
        .unwrap_or_default();
    let doc = &item.document;
    if status.code == 409 && causes.iter().any(|c| c.reason == "FieldManagerConflict") {
        let fields = causes
            .iter()
            .filter(|c| c.reason == "FieldManagerConflict")
            .map(|c| {
                let field = c.field.trim_start_matches('.').to_string();
                let at = doc.locate(&field);
                Conflict {
                    manager: c
                        .message
                        .split('"')
                        .nth(1)
                        .unwrap_or(c.message.as_str())
                        .to_string(),
                    pos: at.exact.then_some(at.pos),
                    field,
                }
            })
            .collect();
        return ApplyError::Conflict(Conflicts {
            target: item.target.label(),
            fields,
        });
    }
    match status.code {
        422 if !causes.is_empty() => ApplyError::Invalid(
            causes
                .iter()
                .map(|c| {
                    let field = c.field.trim_start_matches('.');
                    let body = c
                        .message
                        .strip_prefix(&format!("{field}: "))
                        .unwrap_or(&c.message);
                    Problem::at(doc, field, body)
                })
                .collect(),
        ),
        404 if status.message.contains("namespaces") => ApplyError::Invalid(vec![Problem::at(
            doc,
            "metadata.namespace",
            format!(
                "namespace {:?} does not exist in the App Cluster; create it first (kubectl create namespace {})",
                item.target.namespace, item.target.namespace
            ),
        )]),
        400 | 422 => ApplyError::Invalid(vec![Problem::at(doc, "<nil>", status.message.clone())]),
        _ => ApplyError::Api {
            what: format!(
                "applying {} in {}",
                item.target.label(),
                item.target.namespace
            ),
            source: e,
        },
    }
}

//! What the cockpit asks of the claims service, and what comes back. A request carries an
//! id; its answer ([`Reply`]) names it, so that the cockpit knows which dialog or progress
//! line it belongs to. Every outcome is also posted to the message log. Credentials come back
//! in a type whose `Debug` shows the keys only: they are never logged.

use super::claims::apply::ApplyError;
use super::claims::related::{self, Related};
use super::claims::{Claims, ClaimsError};
use crate::cluster::{ClusterId, Level, Store};
use futures::StreamExt;
use klutch::claims::progress::Phase;
use kube::Client;
use kube::api::{Api, DeleteParams, DynamicObject};
use kube::core::{ApiResource, GroupVersionKind};
use std::collections::BTreeMap;
use std::fmt;
use tokio::sync::mpsc;

/// Identifies a request and its replies.
pub type RequestId = u64;

/// An object the cockpit shows, enough to address it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectRef {
    /// `group/version`.
    pub api_version: String,
    /// Kind.
    pub kind: String,
    /// Plural resource name.
    pub plural: String,
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// The cluster it lives in.
    pub cluster: ClusterId,
}

impl ObjectRef {
    /// Its resource type for the dynamic API.
    pub fn resource(&self) -> ApiResource {
        let (group, version) = match self.api_version.rsplit_once('/') {
            Some((g, v)) => (g, v),
            None => ("", self.api_version.as_str()),
        };
        let gvk = GroupVersionKind::gvk(group, version, &self.kind);
        ApiResource::from_gvk_with_plural(&gvk, &self.plural)
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}/{}", self.kind, self.namespace, self.name)
    }
}

/// Something to do with claims.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClaimRequest {
    /// Validate claim YAML and ask the server what applying it would do (changes nothing).
    Plan {
        /// The YAML.
        text: String,
        /// Where it goes (the App Cluster, unless a Control Plane copy is edited on purpose).
        cluster: ClusterId,
    },
    /// Apply claim YAML (server-side apply as `klutch-tui`).
    Apply {
        /// The YAML.
        text: String,
        /// Where it goes.
        cluster: ClusterId,
        /// Take over fields other managers own.
        force: bool,
    },
    /// Back up an instance and follow the backup to its end.
    Backup {
        /// Namespace.
        namespace: String,
        /// `KIND/NAME` or the name of the instance.
        instance: String,
    },
    /// Restore a backup and follow the restore to its end.
    Restore {
        /// Namespace.
        namespace: String,
        /// The Backup's name.
        backup: String,
    },
    /// Delete an object.
    Delete(ObjectRef),
    /// Read a service binding's credentials.
    Credentials {
        /// Namespace.
        namespace: String,
        /// The ServiceBinding's name.
        binding: String,
    },
    /// Read what goes with an object's YAML: its Secret (masked) and its Events.
    Describe(ObjectRef),
}

/// Connection details, key by key; `Debug` shows the keys only.
#[derive(Clone, PartialEq, Eq)]
pub struct Secrets(pub BTreeMap<String, String>);

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

/// What a claim request came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// The server would accept the text; what would change.
    Planned {
        /// The request.
        id: RequestId,
        /// One line per object (`postgresqlinstance.anynines.com/db configured`).
        summary: Vec<String>,
        /// Unified diff from the live objects (empty: nothing changes).
        diff: String,
    },
    /// The text has problems; nothing was sent. Each is `line:column: field: message`.
    Refused {
        /// The request.
        id: RequestId,
        /// Where and what.
        problems: Vec<(u32, u32, String)>,
    },
    /// A step of a long request.
    Progress {
        /// The request.
        id: RequestId,
        /// What happens now.
        text: String,
    },
    /// The request is done.
    Done {
        /// The request.
        id: RequestId,
        /// What was done.
        text: String,
    },
    /// The request failed.
    Failed {
        /// The request.
        id: RequestId,
        /// Why, and what to do.
        message: String,
    },
    /// A service binding's credentials.
    Credentials {
        /// The request.
        id: RequestId,
        /// The Secret they came from.
        secret: String,
        /// The values.
        values: Secrets,
    },
    /// An object's Secret (masked) and Events.
    Described {
        /// The request.
        id: RequestId,
        /// What was found.
        related: Related,
    },
    /// A claim's chain, walked.
    Why {
        /// The request.
        id: RequestId,
        /// Each link up to the first that does not hold.
        report: super::why::Report,
    },
}

impl Reply {
    /// The request it answers.
    pub fn id(&self) -> RequestId {
        match self {
            Reply::Planned { id, .. }
            | Reply::Refused { id, .. }
            | Reply::Progress { id, .. }
            | Reply::Done { id, .. }
            | Reply::Failed { id, .. }
            | Reply::Credentials { id, .. }
            | Reply::Described { id, .. }
            | Reply::Why { id, .. } => *id,
        }
    }
}

/// Sends replies and keeps the message log in step.
#[derive(Clone)]
pub struct Replies {
    tx: mpsc::Sender<Reply>,
    store: Store,
}

impl Replies {
    /// Replies go to `tx`; their text also to the store's message log.
    pub fn new(tx: mpsc::Sender<Reply>, store: Store) -> Replies {
        Replies { tx, store }
    }

    /// Say that request `id` failed.
    pub async fn fail(&self, id: RequestId, message: String) {
        self.send(Reply::Failed { id, message }).await;
    }

    /// Send `reply` (its text also to the message log).
    pub async fn send(&self, reply: Reply) {
        let logged = match &reply {
            Reply::Progress { text, .. } | Reply::Done { text, .. } => {
                Some((Level::Info, text.clone()))
            }
            Reply::Failed { message, .. } => Some((Level::Error, message.clone())),
            _ => None,
        };
        if let Some((level, text)) = logged {
            self.store.update(|d| d.post(level, text));
        }
        // The cockpit may have quit; nobody is left to tell.
        let _ = self.tx.send(reply).await;
    }
}

/// Run one claim request against the App Cluster (`app`) and its Control Plane (`cp`).
pub async fn run(
    id: RequestId,
    request: ClaimRequest,
    app: Client,
    cp: Option<Client>,
    replies: &Replies,
) {
    let claims = Claims::new(app.clone(), cp.clone());
    let on = |cluster: ClusterId| match (cluster, &cp) {
        (ClusterId::ControlPlane, Some(cp)) => Some(Claims::new(cp.clone(), None)),
        (ClusterId::ControlPlane, None) => None,
        (ClusterId::App, _) => Some(Claims::new(app.clone(), cp.clone())),
    };
    let client_of = |cluster: ClusterId| match cluster {
        ClusterId::App => Some(app.clone()),
        ClusterId::ControlPlane => cp.clone(),
    };
    let reply = match request {
        ClaimRequest::Plan { text, cluster } => match on(cluster) {
            Some(claims) => plan(id, &claims, &text).await,
            None => not_connected(id),
        },
        ClaimRequest::Apply {
            text,
            cluster,
            force,
        } => match on(cluster) {
            Some(claims) => apply(id, &claims, &text, force).await,
            None => not_connected(id),
        },
        ClaimRequest::Backup {
            namespace,
            instance,
        } => {
            let created = claims.backup(&namespace, &instance).await;
            follow(id, &claims, created, "backup", replies).await
        }
        ClaimRequest::Restore { namespace, backup } => {
            let created = claims.restore(&namespace, &backup).await;
            follow(id, &claims, created, "restore", replies).await
        }
        ClaimRequest::Delete(target) => delete(id, client_of(target.cluster), &target).await,
        ClaimRequest::Describe(target) => describe(id, client_of(target.cluster), &target).await,
        ClaimRequest::Credentials { namespace, binding } => {
            match claims.credentials(&namespace, &binding).await {
                Ok(c) => Reply::Credentials {
                    id,
                    secret: c.secret.clone(),
                    values: Secrets(c.values().clone()),
                },
                Err(e) => Reply::Failed {
                    id,
                    message: e.to_string(),
                },
            }
        }
    };
    replies.send(reply).await;
}

fn not_connected(id: RequestId) -> Reply {
    Reply::Failed {
        id,
        message: "no Control Plane is connected (pass --cp-context)".into(),
    }
}

fn refused(id: RequestId, error: ApplyError) -> Reply {
    match error {
        ApplyError::Invalid(problems) => Reply::Refused {
            id,
            problems: problems
                .iter()
                .map(|p| {
                    let text = match &p.hint {
                        Some(h) if p.field.is_empty() => format!("{} — {h}", p.message),
                        Some(h) => format!("{}: {} — {h}", p.field, p.message),
                        None if p.field.is_empty() => p.message.clone(),
                        None => format!("{}: {}", p.field, p.message),
                    };
                    (p.pos.line, p.pos.column, text)
                })
                .collect(),
        },
        other => Reply::Failed {
            id,
            message: other.to_string(),
        },
    }
}

async fn plan(id: RequestId, claims: &Claims, text: &str) -> Reply {
    let plan = match claims.plan(text.as_bytes()).await {
        Ok(p) => p,
        Err(e) => return refused(id, e),
    };
    match claims.dry_run(&plan, false).await {
        Ok(changes) => Reply::Planned {
            id,
            summary: changes
                .iter()
                .map(|c| format!("{} {}", c.target.label(), c.action.word()))
                .collect(),
            diff: changes.iter().map(|c| c.diff.as_str()).collect(),
        },
        Err(e) => refused(id, e),
    }
}

async fn apply(id: RequestId, claims: &Claims, text: &str, force: bool) -> Reply {
    let plan = match claims.plan(text.as_bytes()).await {
        Ok(p) => p,
        Err(e) => return refused(id, e),
    };
    match claims.apply(&plan, force).await {
        Ok(changes) => {
            let done: Vec<String> = changes
                .iter()
                .map(|c| format!("{} {}", c.target.label(), c.action.word()))
                .collect();
            Reply::Done {
                id,
                text: done.join(", "),
            }
        }
        Err(e) => refused(id, e),
    }
}

/// Follow a new backup or restore until it is done or failed, reporting each change.
async fn follow(
    id: RequestId,
    claims: &Claims,
    created: Result<super::claims::backup::Created, ClaimsError>,
    what: &str,
    replies: &Replies,
) -> Reply {
    let created = match created {
        Ok(c) => c,
        Err(e) => {
            return Reply::Failed {
                id,
                message: format!("{what} not started: {e}"),
            };
        }
    };
    let name = format!("{}/{}", created.namespace, created.name);
    replies
        .send(Reply::Progress {
            id,
            text: format!("{what} {name}: created"),
        })
        .await;
    let mut changes = match claims.follow(&created).await {
        Ok(s) => s.boxed(),
        Err(e) => {
            return Reply::Failed {
                id,
                message: format!("{what} {name}: cannot follow it: {e}"),
            };
        }
    };
    while let Some(change) = changes.next().await {
        let Ok(p) = change else { continue };
        let said = p
            .message
            .as_deref()
            .map(|m| format!(": {m}"))
            .unwrap_or_default();
        match p.phase {
            Phase::Done => {
                return Reply::Done {
                    id,
                    text: format!("{what} {name}: done"),
                };
            }
            Phase::Failed => {
                return Reply::Failed {
                    id,
                    message: format!("{what} {name} failed ({}){said}", p.state),
                };
            }
            Phase::Working | Phase::Deleting => {
                replies
                    .send(Reply::Progress {
                        id,
                        text: format!("{what} {name}: {}{said}", p.state),
                    })
                    .await;
            }
        }
    }
    Reply::Failed {
        id,
        message: format!("{what} {name}: it went away before it was done"),
    }
}

async fn delete(id: RequestId, client: Option<Client>, target: &ObjectRef) -> Reply {
    let Some(client) = client else {
        return unreachable_cluster(id, target);
    };
    let resource = target.resource();
    let api: Api<DynamicObject> = Api::namespaced_with(client, &target.namespace, &resource);
    match api.delete(&target.name, &DeleteParams::default()).await {
        Ok(_) => Reply::Done {
            id,
            text: format!("{target} is being deleted"),
        },
        Err(e) => Reply::Failed {
            id,
            message: format!("deleting {target}: {e}"),
        },
    }
}

fn unreachable_cluster(id: RequestId, target: &ObjectRef) -> Reply {
    Reply::Failed {
        id,
        message: format!("{target}: its cluster is not connected"),
    }
}

async fn describe(id: RequestId, client: Option<Client>, target: &ObjectRef) -> Reply {
    let Some(client) = client else {
        return unreachable_cluster(id, target);
    };
    match related::related(&client, target).await {
        Ok(related) => Reply::Described { id, related },
        Err(e) => Reply::Failed {
            id,
            message: e.to_string(),
        },
    }
}

//! Backups and restores: a Backup claim for an instance, a Restore claim for a backup (built
//! by `klutch::claims::builders`, so that service type and composition are what the claim
//! CRDs' rules require, and named by the API server), and a stream of each change of state
//! until the claim is done or has failed — with the provider's message on failure. The
//! stream is a watch of that one object; nothing polls.

use super::{Claims, ClaimsError, FIELD_MANAGER, to_json};
use futures::{Stream, StreamExt};
use klutch::claims::progress::{Phase, Progress, progress};
use klutch::claims::{ClaimKind, builders};
use kube::api::{Api, DynamicObject, PostParams};
use kube::runtime::{WatchStreamExt, watcher};
use serde_json::Value;

/// A claim this service created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Created {
    /// Its kind.
    pub kind: ClaimKind,
    /// Its namespace.
    pub namespace: String,
    /// The name the API server gave it.
    pub name: String,
}

impl Claims {
    /// The instance claim `name` in `namespace`; `name` may be `KIND/NAME` (kind or plural,
    /// any case) where several instance kinds use the name.
    pub async fn instance(
        &self,
        namespace: &str,
        name: &str,
    ) -> Result<(ClaimKind, Value), ClaimsError> {
        let catalog = self.catalog().await?;
        let (wanted, name) = match name.split_once('/') {
            Some((k, n)) => (Some(k.to_lowercase()), n),
            None => (None, name),
        };
        let kinds: Vec<ClaimKind> = catalog
            .kinds()
            .iter()
            .filter_map(|k| ClaimKind::from_kind(&k.kind))
            .filter(|k| matches!(k, ClaimKind::Instance(_)))
            .filter(|k| {
                wanted
                    .as_deref()
                    .is_none_or(|w| w == k.kind().to_lowercase() || w == k.plural())
            })
            .collect();
        if kinds.is_empty() {
            return Err(ClaimsError::NotBound("data service instance"));
        }
        let lookups = kinds.iter().map(|k| async move {
            match self.get(*k, namespace, name).await {
                Ok(obj) => Ok(Some((*k, obj))),
                Err(ClaimsError::NotFound { .. }) => Ok(None),
                Err(e) => Err(e),
            }
        });
        let found: Vec<(ClaimKind, DynamicObject)> = futures::future::try_join_all(lookups)
            .await?
            .into_iter()
            .flatten()
            .collect();
        match found.as_slice() {
            [] => Err(ClaimsError::NotFound {
                what: "data service instance".into(),
                name: name.to_string(),
                namespace: namespace.to_string(),
            }),
            [(kind, obj)] => Ok((*kind, to_json(obj, &self.resource(*kind).await?))),
            several => {
                let kinds: Vec<&str> = several.iter().map(|(k, _)| k.kind()).collect();
                Err(ClaimsError::Ambiguous {
                    name: name.to_string(),
                    kinds: kinds.join(" and a "),
                    namespace: namespace.to_string(),
                    example: format!("{}/{name}", several[0].0.kind().to_lowercase()),
                })
            }
        }
    }

    /// Take a backup of the instance `instance` (a name, or `KIND/NAME`).
    pub async fn backup(&self, namespace: &str, instance: &str) -> Result<Created, ClaimsError> {
        let (_, obj) = self.instance(namespace, instance).await?;
        self.create(ClaimKind::Backup, namespace, builders::backup_of(&obj)?)
            .await
    }

    /// Restore the backup `backup` into the instance it was taken from.
    pub async fn restore(&self, namespace: &str, backup: &str) -> Result<Created, ClaimsError> {
        let resource = self.resource(ClaimKind::Backup).await?;
        let obj = self.get(ClaimKind::Backup, namespace, backup).await?;
        let claim = builders::restore_of(&to_json(&obj, &resource))?;
        self.create(ClaimKind::Restore, namespace, claim).await
    }

    async fn create(
        &self,
        kind: ClaimKind,
        namespace: &str,
        claim: Value,
    ) -> Result<Created, ClaimsError> {
        let resource = self.resource(kind).await?;
        let api: Api<DynamicObject> = Api::namespaced_with(self.app.clone(), namespace, &resource);
        let obj: DynamicObject = serde_json::from_value(claim).map_err(|e| ClaimsError::Api {
            what: format!("building the {}", kind.kind()),
            source: kube::Error::SerdeError(e),
        })?;
        let params = PostParams {
            field_manager: Some(FIELD_MANAGER.to_string()),
            ..PostParams::default()
        };
        let created = api
            .create(&params, &obj)
            .await
            .map_err(|source| ClaimsError::Api {
                what: format!("creating the {} in namespace {namespace}", kind.kind()),
                source,
            })?;
        Ok(Created {
            kind,
            namespace: namespace.to_string(),
            name: created.metadata.name.unwrap_or_default(),
        })
    }

    /// Each change of `claim`'s progress, from its current state until it is done or has
    /// failed (the last item says which). Watch errors come as items and the watch goes on.
    pub async fn follow(
        &self,
        claim: &Created,
    ) -> Result<
        impl Stream<Item = Result<Progress, kube::runtime::watcher::Error>> + use<>,
        ClaimsError,
    > {
        let resource = self.resource(claim.kind).await?;
        let api: Api<DynamicObject> =
            Api::namespaced_with(self.app.clone(), &claim.namespace, &resource);
        let config = watcher::Config::default().fields(&format!("metadata.name={}", claim.name));
        let objects = watcher(api, config)
            .default_backoff()
            .applied_objects()
            .boxed();
        let changes = futures::stream::unfold(
            (objects, None::<Progress>, false),
            move |(mut objects, mut last, ended)| {
                let resource = resource.clone();
                async move {
                    if ended {
                        return None;
                    }
                    loop {
                        match objects.next().await? {
                            Err(e) => return Some((Err(e), (objects, last, false))),
                            Ok(obj) => {
                                let now = progress(&to_json(&obj, &resource));
                                if last.as_ref() == Some(&now) {
                                    continue;
                                }
                                let end = matches!(now.phase, Phase::Done | Phase::Failed);
                                last = Some(now.clone());
                                return Some((Ok(now), (objects, last, end)));
                            }
                        }
                    }
                }
            },
        );
        Ok(changes)
    }
}

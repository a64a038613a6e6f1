//! What the backend can export: reflector stores (watch-fed) of the Control
//! Plane's CRDs and of its APIServiceExportTemplates in both API groups
//! (`example-backend.klutch.anynines.com` and, if served, `bind.anynines.com`),
//! across all namespaces.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use klutch::bind::{AnyExportTemplate, TEMPLATE_PLURAL, TemplateApiGroup};
use kube::api::{Api, DynamicObject, ListParams};
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::{WatchStreamExt, watcher};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::BackendError;

/// How long the first LIST of each store may take at start.
const SYNC_TIMEOUT: Duration = Duration::from_secs(30);

/// Watch-fed views of CRDs and export templates.
pub struct Catalog {
    client: kube::Client,
    crds: Store<CustomResourceDefinition>,
    templates: Vec<(TemplateApiGroup, Store<DynamicObject>)>,
}

/// One exportable resource: a template and the CRD it selects.
pub struct Exportable {
    pub template: AnyExportTemplate,
    pub crd: Arc<CustomResourceDefinition>,
}

fn spawn_reflector<K>(
    writer: reflector::store::Writer<K>,
    api: Api<K>,
    stop: CancellationToken,
) -> JoinHandle<()>
where
    K: kube::Resource
        + Clone
        + std::fmt::Debug
        + serde::de::DeserializeOwned
        + Send
        + Sync
        + 'static,
    K::DynamicType: Clone + Eq + std::hash::Hash + Send + Sync,
{
    let stream = reflector::reflector(writer, watcher(api, watcher::Config::default()))
        .default_backoff()
        .take_until(stop.cancelled_owned());
    tokio::spawn(stream.for_each(|event| async move {
        if let Err(error) = event {
            tracing::debug!(%error, "bind backend: catalog watch error (retrying)");
        }
    }))
}

impl Catalog {
    /// Start the watches and wait until every store has its first LIST.
    pub async fn start(
        client: kube::Client,
        stop: &CancellationToken,
        tasks: &mut Vec<JoinHandle<()>>,
    ) -> Result<Arc<Self>, BackendError> {
        let (crds, writer) = reflector::store();
        tasks.push(spawn_reflector(
            writer,
            Api::<CustomResourceDefinition>::all(client.clone()),
            stop.clone(),
        ));
        let mut templates = Vec::new();
        for group in TemplateApiGroup::ALL {
            let served = client
                .list_api_group_resources(group.api_version())
                .await
                .is_ok_and(|list| list.resources.iter().any(|r| r.name == TEMPLATE_PLURAL));
            if !served {
                tracing::info!(
                    group = group.group(),
                    "bind backend: templates not served in this group"
                );
                continue;
            }
            let ar = group.api_resource();
            let writer = reflector::store::Writer::new(ar.clone());
            let reader = writer.as_reader();
            tasks.push(spawn_reflector(
                writer,
                Api::<DynamicObject>::all_with(client.clone(), &ar),
                stop.clone(),
            ));
            templates.push((group, reader));
        }
        let catalog = Self {
            client,
            crds,
            templates,
        };
        let ready = async {
            catalog.crds.wait_until_ready().await.ok();
            for (_, store) in &catalog.templates {
                store.wait_until_ready().await.ok();
            }
        };
        tokio::time::timeout(SYNC_TIMEOUT, ready)
            .await
            .map_err(|_| BackendError::Sync("CRDs and export templates"))?;
        Ok(Arc::new(catalog))
    }

    /// Every template that parses, ordered by group (example-backend first),
    /// namespace and name, so that the choice among duplicates is stable.
    pub fn templates(&self) -> Vec<AnyExportTemplate> {
        let mut out = Vec::new();
        for (_, store) in &self.templates {
            let mut objects = store.state();
            objects.sort_by(|a, b| {
                (&a.metadata.namespace, &a.metadata.name)
                    .cmp(&(&b.metadata.namespace, &b.metadata.name))
            });
            out.extend(
                objects
                    .iter()
                    .filter_map(|o| AnyExportTemplate::from_dynamic(o).ok()),
            );
        }
        out
    }

    /// The template selecting `<resource>.<group>`, from the stores.
    pub fn template_for(&self, group: &str, resource: &str) -> Option<AnyExportTemplate> {
        self.templates()
            .into_iter()
            .find(|t| selects(t, group, resource))
    }

    /// The template selecting `<resource>.<group>`, confirmed with a LIST of both
    /// groups when the stores have none (they may lag a template created a moment
    /// ago, and a group installed after start has no store).
    pub async fn template_for_fresh(
        &self,
        group: &str,
        resource: &str,
    ) -> Result<Option<AnyExportTemplate>, kube::Error> {
        if let Some(t) = self.template_for(group, resource) {
            return Ok(Some(t));
        }
        for api_group in TemplateApiGroup::ALL {
            let api =
                Api::<DynamicObject>::all_with(self.client.clone(), &api_group.api_resource());
            let list = match api.list(&ListParams::default()).await {
                Ok(list) => list,
                // Not served in this group.
                Err(kube::Error::Api(e)) if e.code == 404 => continue,
                Err(e) => return Err(e),
            };
            if let Some(t) = list
                .items
                .iter()
                .filter_map(|o| AnyExportTemplate::from_dynamic(o).ok())
                .find(|t| selects(t, group, resource))
            {
                return Ok(Some(t));
            }
        }
        Ok(None)
    }

    /// The CRD of this name, from the store.
    pub fn crd(&self, name: &str) -> Option<Arc<CustomResourceDefinition>> {
        self.crds.get(&ObjectRef::new(name))
    }

    /// Whether the CRD `name` exists now and is not being deleted, asked of the Control
    /// Plane itself: a bind decides on it, and the cache may not have seen a deletion yet.
    pub async fn crd_live(&self, name: &str) -> Result<bool, kube::Error> {
        let crd = Api::<CustomResourceDefinition>::all(self.client.clone())
            .get_opt(name)
            .await?;
        Ok(crd.is_some_and(|c| c.metadata.deletion_timestamp.is_none()))
    }

    /// Every template whose CRD exists, sorted by CRD name (the catalogue page).
    pub fn exportable(&self) -> Vec<Exportable> {
        let mut out: Vec<Exportable> = Vec::new();
        for template in self.templates() {
            let name = template.template.spec.api_service_selector.crd_name();
            if out
                .iter()
                .any(|e| e.crd.metadata.name.as_deref() == Some(&name))
            {
                continue;
            }
            if let Some(crd) = self.crd(&name) {
                out.push(Exportable { template, crd });
            }
        }
        out.sort_by(|a, b| a.crd.metadata.name.cmp(&b.crd.metadata.name));
        out
    }
}

fn selects(t: &AnyExportTemplate, group: &str, resource: &str) -> bool {
    let s = &t.template.spec.api_service_selector;
    s.group == group && s.resource == resource
}

//! The konnector step of `bind`, filled in for this binary.

use futures::future::BoxFuture;
use klutch::bind::ExportOffer;
use kube::Client;

use crate::services::bind::machine::Made;
use crate::services::bind::{BindError, KonnectorDriver};

/// The konnector driver of the headless `bind`.
pub struct Driver {
    _app: Client,
}

impl Driver {
    /// A driver for the App Cluster behind `app`.
    pub fn new(app: Client) -> Driver {
        Driver { _app: app }
    }

    /// Stop a local loop, if one runs.
    pub async fn stop(&self) {}
}

fn missing() -> BindError {
    BindError::Konnector(
        "this build of klutch-tui has no konnector; bind with --konnector none and run one yourself"
            .into(),
    )
}

impl KonnectorDriver for Driver {
    fn install<'a>(
        &'a self,
        _app: &'a Client,
        _image: Option<&'a str>,
        _exports: &'a [ExportOffer],
    ) -> BoxFuture<'a, Result<(Vec<Made>, String), BindError>> {
        Box::pin(async { Err(missing()) })
    }

    fn start_local<'a>(&'a self, _app: &'a Client) -> BoxFuture<'a, Result<String, BindError>> {
        Box::pin(async { Err(missing()) })
    }

    fn stop_local(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
}

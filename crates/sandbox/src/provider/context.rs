//! What the provider's controllers work with: [`Shared`] by every controller (the client,
//! the delay, fault injection, the service CA, the claim kinds served) and [`KindCtx`], what
//! one kind's reconciliations get.

use super::faults;
use klutch::claims::ClaimKind;
use kube::core::ApiResource;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// What every controller shares.
pub(crate) struct Shared {
    pub client: kube::Client,
    pub delay: Duration,
    pub faults: faults::Faults,
    /// PEM of the CA the simulated data services' certificates chain to (`cacrt` keys).
    pub service_ca: String,
    pub resources: HashMap<ClaimKind, ApiResource>,
}

impl Shared {
    /// A share of the provisioning delay.
    pub fn delay_share(&self, share: f64) -> Duration {
        self.delay.mul_f64(share)
    }

    pub fn resource(&self, kind: ClaimKind) -> Option<&ApiResource> {
        self.resources.get(&kind)
    }
}

/// What one controller's reconciliations get.
pub struct KindCtx {
    pub shared: Arc<Shared>,
    pub kind: ClaimKind,
    pub ar: ApiResource,
}

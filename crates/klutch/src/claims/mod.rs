//! The Klutch claims of group `anynines.com`: the kinds with their plurals, data services and
//! default compositions ([`ClaimKind`], [`DataService`]), their CRDs as Crossplane
//! generates them from the CompositeResourceDefinitions ([`crd_from_xrd`]), and claim YAML as
//! users write it: read with positions ([`source`]), validated against the kinds a cluster
//! serves ([`catalog`], [`validate`], with [`hints`] from the CRDs' rules), and the fields a
//! new claim needs ([`skeleton`]).

pub mod builders;
pub mod catalog;
mod crd;
mod envelope;
mod flavour;
pub mod hints;
mod kinds;
pub mod progress;
pub mod skeleton;
pub mod source;
pub mod validate;

pub use crd::{ClaimCrdError, crd_from_xrd, fixture_claim_crds, read_yaml};
pub use flavour::Flavour;
pub use kinds::{API_VERSION, ClaimKind, DataService, GROUP, VERSION};

//! The Klutch claims of group `anynines.com`: the kinds with their plurals, data services and
//! default compositions ([`ClaimKind`], [`DataService`]), and their CRDs as Crossplane
//! generates them from the CompositeResourceDefinitions ([`crd_from_xrd`]).

mod crd;
mod envelope;
mod kinds;

pub use crd::{ClaimCrdError, crd_from_xrd, fixture_claim_crds, read_yaml};
pub use kinds::{API_VERSION, ClaimKind, DataService, GROUP, VERSION};

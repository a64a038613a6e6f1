//! Failure injection and the provider's random numbers. A fallible step (provision, update,
//! bind, backup, restore) fails when the claim carries the annotation
//! [`FAIL_NEXT_ANNOTATION`] (its value is the error message; the annotation is removed when it
//! fires) or, otherwise, with the configured probability. One seeded generator serves
//! failures, ids and credentials, so a seed makes a run's draws repeatable.

use kube::api::DynamicObject;
use parking_lot::Mutex;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::status::INTERNAL_ERROR;

/// Put this annotation on a claim to make its next step fail with the annotation's value as
/// the error message (empty: provider-anynines' "Internal error in provider").
pub const FAIL_NEXT_ANNOTATION: &str = "sandbox.klutch.anynines.com/fail-next";

/// An injected failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub message: String,
    /// Whether it came from the annotation (which must then be removed).
    pub from_annotation: bool,
}

pub struct Faults {
    rate: f64,
    rng: Mutex<StdRng>,
}

impl Faults {
    pub fn new(rate: f64, seed: Option<u64>) -> Self {
        let rng = match seed {
            Some(s) => StdRng::seed_from_u64(s),
            None => StdRng::from_os_rng(),
        };
        Self {
            rate,
            rng: Mutex::new(rng),
        }
    }

    /// Whether the step about to happen on `claim` fails.
    pub fn draw(&self, claim: &DynamicObject) -> Option<Fault> {
        if let Some(msg) = claim
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(FAIL_NEXT_ANNOTATION))
        {
            let message = if msg.trim().is_empty() {
                INTERNAL_ERROR.to_string()
            } else {
                msg.clone()
            };
            return Some(Fault {
                message,
                from_annotation: true,
            });
        }
        if self.rate > 0.0 && self.rng.lock().random_bool(self.rate) {
            return Some(Fault {
                message: INTERNAL_ERROR.to_string(),
                from_annotation: false,
            });
        }
        None
    }

    /// A number in `range`.
    pub fn number(&self, range: std::ops::Range<u64>) -> u64 {
        self.rng.lock().random_range(range)
    }

    /// `len` random lowercase hex characters.
    pub fn hex(&self, len: usize) -> String {
        let mut rng = self.rng.lock();
        (0..len)
            .map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap_or('0'))
            .collect()
    }

    /// A random version-4 UUID (as the broker generates ids).
    pub fn uuid(&self) -> String {
        let bytes: [u8; 16] = self.rng.lock().random();
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(annotation: Option<&str>) -> DynamicObject {
        let mut v = serde_json::json!({"apiVersion": klutch::claims::API_VERSION, "kind": "Backup",
            "metadata": {"name": "b", "namespace": "n"}});
        if let Some(a) = annotation {
            v["metadata"]["annotations"] = serde_json::json!({FAIL_NEXT_ANNOTATION: a});
        }
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn the_annotation_wins_and_names_the_error() {
        let f = Faults::new(0.0, Some(1));
        assert_eq!(f.draw(&claim(None)), None);
        assert_eq!(
            f.draw(&claim(Some("quota exceeded"))),
            Some(Fault {
                message: "quota exceeded".into(),
                from_annotation: true
            })
        );
        assert_eq!(
            f.draw(&claim(Some(""))).unwrap().message,
            "Internal error in provider"
        );
    }

    #[test]
    fn rates_and_seeds() {
        let always = Faults::new(1.0, Some(7));
        assert!((0..50).all(|_| always.draw(&claim(None)).is_some()));
        let half = |seed| {
            let f = Faults::new(0.5, Some(seed));
            (0..200)
                .map(|_| f.draw(&claim(None)).is_some())
                .collect::<Vec<_>>()
        };
        let a = half(42);
        assert_eq!(a, half(42), "a seed repeats the draws");
        let failed = a.iter().filter(|x| **x).count();
        assert!((60..140).contains(&failed), "{failed} of 200 failed at 0.5");
        let f = Faults::new(0.0, Some(3));
        let id = f.uuid();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(f.hex(12).chars().all(|c| c.is_ascii_hexdigit()));
        assert!((1000..2000).contains(&f.number(1000..2000)));
    }
}

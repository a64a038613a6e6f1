//! Exponential backoff for reconnecting: used by the heartbeat and, through kube-runtime's
//! `Backoff` trait, by every watcher. Deterministic (no jitter) so the header can say when
//! the next attempt comes; short cap so a cluster that returns is seen again within seconds.

use kube::runtime::utils::Backoff as KubeBackoff;
use std::time::Duration;

/// Doubling delays from `min` up to `max`, reset after a success.
#[derive(Clone, Debug)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    /// Delays `min`, `2·min`, `4·min`, … capped at `max`.
    pub fn new(min: Duration, max: Duration) -> Backoff {
        Backoff {
            min,
            max,
            next: min,
        }
    }

    /// The cockpit's default: 250 ms doubling up to 5 s.
    pub fn reconnect() -> Backoff {
        Backoff::new(Duration::from_millis(250), Duration::from_secs(5))
    }
}

impl Iterator for Backoff {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        let current = self.next;
        self.next = (current * 2).min(self.max);
        Some(current)
    }
}

impl KubeBackoff for Backoff {
    fn reset(&mut self) {
        self.next = self.min;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_caps_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_millis(350));
        let got: Vec<u128> = b.by_ref().take(4).map(|d| d.as_millis()).collect();
        assert_eq!(got, [100, 200, 350, 350]);
        KubeBackoff::reset(&mut b);
        assert_eq!(b.next(), Some(Duration::from_millis(100)));
    }
}

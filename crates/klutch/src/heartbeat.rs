//! Whether a konnector is alive, from what it writes on its ClusterBinding: the time of its
//! last heartbeat and the interval it promises (reference/bind-protocol.md §4–§5). Computed
//! from the two facts and the time now — never from the backend's `Healthy` condition, whose
//! `HeartbeatTimeDrift` warning fires right after every heartbeat upstream.

use jiff::{SignedDuration, Timestamp};

/// How late a heartbeat may be, in intervals, before the konnector counts as gone (as
/// upstream's backend judges `HeartbeatTimeout`).
pub const LATE_AFTER_INTERVALS: i32 = 2;

/// What the heartbeat facts say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Heartbeat {
    /// No heartbeat was ever written: no konnector has reached the Control Plane.
    Pending,
    /// A heartbeat time, but no interval to judge it by.
    IntervalMissing {
        /// Since the last heartbeat.
        age: SignedDuration,
    },
    /// The last heartbeat is within two intervals.
    Alive {
        /// Since the last heartbeat.
        age: SignedDuration,
        /// The promised interval.
        interval: SignedDuration,
    },
    /// The last heartbeat is older than two intervals: the konnector stopped or cannot
    /// reach the Control Plane.
    Late {
        /// Since the last heartbeat.
        age: SignedDuration,
        /// The promised interval.
        interval: SignedDuration,
    },
}

impl Heartbeat {
    /// Judge `last` (RFC 3339, as written) and `interval` (a Go duration such as `5m0s`) at
    /// `now`. Unreadable values count as missing.
    pub fn judge(last: &str, interval: &str, now: Timestamp) -> Heartbeat {
        let Ok(last) = last.parse::<Timestamp>() else {
            return Heartbeat::Pending;
        };
        let age = now.duration_since(last).max(SignedDuration::ZERO);
        match interval.parse::<SignedDuration>() {
            Ok(interval) if interval > SignedDuration::ZERO => {
                if age > interval * LATE_AFTER_INTERVALS {
                    Heartbeat::Late { age, interval }
                } else {
                    Heartbeat::Alive { age, interval }
                }
            }
            _ => Heartbeat::IntervalMissing { age },
        }
    }

    /// Whether the konnector is known to be alive.
    pub fn is_alive(self) -> bool {
        matches!(self, Heartbeat::Alive { .. })
    }

    /// Since the last heartbeat, if there was one.
    pub fn age(self) -> Option<SignedDuration> {
        match self {
            Heartbeat::Pending => None,
            Heartbeat::IntervalMissing { age }
            | Heartbeat::Alive { age, .. }
            | Heartbeat::Late { age, .. } => Some(age),
        }
    }

    /// A short word for a STATUS-like column.
    pub fn word(self) -> &'static str {
        match self {
            Heartbeat::Pending => "NoHeartbeatYet",
            Heartbeat::IntervalMissing { .. } => "IntervalMissing",
            Heartbeat::Alive { .. } => "Alive",
            Heartbeat::Late { .. } => "HeartbeatLate",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-06-10T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn two_intervals_make_a_heartbeat_late() {
        let j = |last: &str, interval: &str| Heartbeat::judge(last, interval, now());
        assert_eq!(j("-", "5m0s"), Heartbeat::Pending);
        let alive = j("2026-06-10T11:58:00Z", "5m0s");
        assert!(alive.is_alive(), "{alive:?}");
        assert_eq!(alive.age(), Some(SignedDuration::from_mins(2)));
        // Seconds after a heartbeat is healthy (upstream warns of "time drift" here).
        assert!(j("2026-06-10T11:59:58Z", "5m0s").is_alive());
        assert!(j("2026-06-10T11:50:01Z", "5m0s").is_alive());
        assert!(matches!(
            j("2026-06-10T11:49:59Z", "5m0s"),
            Heartbeat::Late { .. }
        ));
        assert!(matches!(
            j("2026-06-10T11:59:00Z", "-"),
            Heartbeat::IntervalMissing { .. }
        ));
        // A clock ahead of ours is not a negative age.
        assert_eq!(
            j("2026-06-10T12:00:05Z", "10s").age(),
            Some(SignedDuration::ZERO)
        );
    }
}

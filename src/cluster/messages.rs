//! Messages for the person at the cockpit: what services did, how far a long operation has
//! come, and what failed (never a crash). A bounded queue in the store: the message line
//! shows the newest, the message log shows them all; when full, the oldest go first.

use jiff::Timestamp;
use std::collections::VecDeque;

/// How many messages are kept.
pub const CAPACITY: usize = 500;

/// How serious a message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// For information.
    Info,
    /// Something failed.
    Error,
}

/// One message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// Increases with every message (never reused, also after old ones are dropped).
    pub seq: u64,
    /// When it was posted.
    pub at: Timestamp,
    /// Severity.
    pub level: Level,
    /// The text.
    pub text: String,
}

/// The newest [`CAPACITY`] messages, oldest first.
#[derive(Clone, Debug, Default)]
pub struct Messages {
    queue: VecDeque<Message>,
    last_seq: u64,
}

impl Messages {
    /// Add a message, dropping the oldest when full. Returns its sequence number.
    pub fn post(&mut self, level: Level, text: impl Into<String>) -> u64 {
        self.last_seq += 1;
        if self.queue.len() == CAPACITY {
            self.queue.pop_front();
        }
        self.queue.push_back(Message {
            seq: self.last_seq,
            at: Timestamp::now(),
            level,
            text: text.into(),
        });
        self.last_seq
    }

    /// The newest message.
    pub fn newest(&self) -> Option<&Message> {
        self.queue.back()
    }

    /// Messages posted after `seq`, oldest first.
    pub fn since(&self, seq: u64) -> impl Iterator<Item = &Message> {
        let start = self.queue.partition_point(|m| m.seq <= seq);
        self.queue.range(start..)
    }

    /// Every kept message, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Message> + ExactSizeIterator {
        self.queue.iter()
    }

    /// How many are kept.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether none are kept.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_messages_between_frames_are_both_kept() {
        let mut m = Messages::default();
        m.post(Level::Error, "one");
        m.post(Level::Info, "two");
        let texts: Vec<&str> = m.since(0).map(|m| m.text.as_str()).collect();
        assert_eq!(texts, ["one", "two"]);
        assert_eq!(m.since(1).count(), 1);
        assert_eq!(m.newest().map(|m| m.seq), Some(2));
    }

    #[test]
    fn the_queue_is_bounded_and_sequence_numbers_go_on() {
        let mut m = Messages::default();
        for i in 0..CAPACITY + 10 {
            m.post(Level::Info, format!("m{i}"));
        }
        assert_eq!(m.len(), CAPACITY);
        assert_eq!(m.iter().next().map(|m| m.seq), Some(11));
        assert_eq!(m.since(5).count(), CAPACITY);
        assert_eq!(m.since(CAPACITY as u64 + 9).count(), 1);
    }
}

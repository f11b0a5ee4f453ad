//! One source of ids for everything the console asks for and must match with its answer: log
//! sessions, YAML fetches, SLO charts, writes and jobs. An answer carrying an old id is for a
//! question no longer on screen and is dropped.

use chrono::{DateTime, Utc};

#[derive(Debug, Clone)]
pub struct Ids {
    next: u64,
}

impl Default for Ids {
    fn default() -> Self {
        Ids { next: 1 }
    }
}

impl Ids {
    /// A number never handed out before in this session.
    pub fn fresh(&mut self) -> u64 {
        let n = self.next;
        self.next += 1;
        n
    }

    /// A write's id, shared by its audit lines: its time and the session's counter, so ids
    /// from two sessions on one log do not collide within a second either.
    pub fn write(&mut self, now: DateTime<Utc>) -> String {
        let n = self.fresh();
        format!("{}-{n}", now.format("%Y%m%dT%H%M%SZ"))
    }
}

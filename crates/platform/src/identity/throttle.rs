//! Login throttling (reference §8): a temporary block after every 10 failures, lasting
//! 2 min × 2^(n/10 − 1), and a permanent block at 30 failures, until an administrator unblocks.
//!
//! Counters are kept per account, or per identifier when no account matches, and both behave the
//! same, so blocks reveal nothing about which identifiers exist. They live in the database so
//! every node sees the same counts.

/// Failures before a permanent block.
pub const PERMANENT_BLOCK_AT: i64 = 30;
/// Failures per temporary block step.
pub const STEP: i64 = 10;
/// Remaining attempts from which the login page warns.
pub const WARN_WHEN_REMAINING: i64 = 10;
const MINUTE: i64 = 60_000_000;

/// Stored counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Counters {
    /// Consecutive failures.
    pub failure_count: i64,
    /// Temporarily blocked until (µs).
    pub temporary_blocked_until: Option<i64>,
    /// Permanently blocked since (µs).
    pub blocked_at: Option<i64>,
}

/// Whether a login may be attempted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Go ahead.
    Open,
    /// Wait until this time (µs).
    TemporarilyBlocked(i64),
    /// Blocked until an administrator unblocks.
    Blocked,
}

impl Counters {
    /// The gate at `now`.
    pub fn gate(&self, now: i64) -> Gate {
        if self.blocked_at.is_some() {
            Gate::Blocked
        } else if let Some(until) = self.temporary_blocked_until.filter(|u| *u > now) {
            Gate::TemporarilyBlocked(until)
        } else {
            Gate::Open
        }
    }

    /// The counters after one more failure at `now`.
    pub fn after_failure(&self, now: i64) -> Counters {
        let n = self.failure_count + 1;
        let mut next = Counters { failure_count: n, ..*self };
        if n % STEP == 0 {
            let minutes = 2 * (1_i64 << (n / STEP - 1).clamp(0, 20));
            next.temporary_blocked_until = Some(now + minutes * MINUTE);
        }
        if n >= PERMANENT_BLOCK_AT {
            next.blocked_at = Some(now);
        }
        next
    }

    /// Attempts left before the permanent block.
    pub fn remaining(&self) -> i64 {
        (PERMANENT_BLOCK_AT - self.failure_count).max(0)
    }
}

// The counting statement (store::count_attempt) writes the two temporary blocks (at STEP and
// 2·STEP failures) and the permanent one (at 3·STEP) in one upsert.
const _: () = assert!(PERMANENT_BLOCK_AT == 3 * STEP);

/// The blocks a failure counted at `now` may start, for the atomic counting statement: the attempt
/// is counted *before* the password is checked, so that parallel attempts can never check more
/// passwords than the rule allows (a successful login then clears the counters).
pub fn blocks(now: i64) -> super::store::Blocks {
    let first = Counters { failure_count: STEP - 1, ..Counters::default() }.after_failure(now);
    let second = Counters { failure_count: 2 * STEP - 1, ..Counters::default() }.after_failure(now);
    super::store::Blocks {
        first: (STEP, first.temporary_blocked_until),
        second: (2 * STEP, second.temporary_blocked_until),
        permanent_at: PERMANENT_BLOCK_AT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_durations_written_by_the_counting_statement() {
        let at_ten = Counters { failure_count: STEP - 1, ..Counters::default() }.after_failure(0);
        let at_twenty = Counters { failure_count: 2 * STEP - 1, ..Counters::default() }.after_failure(0);
        assert_eq!(
            (at_ten.temporary_blocked_until, at_twenty.temporary_blocked_until),
            (Some(2 * MINUTE), Some(4 * MINUTE))
        );
    }

    #[test]
    fn blocks_double_every_ten_failures_and_become_permanent_at_thirty() {
        let mut c = Counters::default();
        for _ in 0..9 {
            c = c.after_failure(0);
        }
        assert_eq!(c.gate(0), Gate::Open);
        c = c.after_failure(0);
        assert_eq!(c.gate(0), Gate::TemporarilyBlocked(2 * MINUTE));
        assert_eq!(c.gate(2 * MINUTE), Gate::Open);
        for _ in 0..10 {
            c = c.after_failure(10 * MINUTE);
        }
        assert_eq!(c.failure_count, 20);
        assert_eq!(c.gate(10 * MINUTE), Gate::TemporarilyBlocked(14 * MINUTE), "4 minutes at 20 failures");
        assert_eq!(c.remaining(), 10);
        for _ in 0..10 {
            c = c.after_failure(20 * MINUTE);
        }
        assert_eq!(c.gate(i64::MAX / 2), Gate::Blocked);
    }
}

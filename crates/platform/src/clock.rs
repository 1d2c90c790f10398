//! Time as an input: production reads the system clock, tests move a manual one.

use std::sync::Mutex;

use time::{OffsetDateTime, UtcOffset};

/// A source of the current time.
pub trait Clock: Send + Sync + std::fmt::Debug + 'static {
    /// Now, in UTC.
    fn now(&self) -> OffsetDateTime;

    /// Now, in microseconds since the epoch (the database representation).
    fn now_micros(&self) -> i64 {
        crate::db::micros(self.now())
    }
}

/// The system clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that only moves when told to (tests of delays and expiries, without sleeping).
#[derive(Debug)]
pub struct ManualClock(Mutex<OffsetDateTime>);

impl ManualClock {
    /// A clock showing `start`.
    pub fn new(start: OffsetDateTime) -> ManualClock {
        ManualClock(Mutex::new(start))
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: time::Duration) {
        let mut now = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Europe/Paris offset at an instant: UTC+2 from the last Sunday of March 01:00 UTC to the last
/// Sunday of October 01:00 UTC, else UTC+1 (the EU rule since 1996).
pub fn paris_offset(t: OffsetDateTime) -> UtcOffset {
    let t = t.to_offset(UtcOffset::UTC);
    let last_sunday = |month: time::Month| {
        let days = time::util::days_in_month(month, t.year());
        let last = time::Date::from_calendar_date(t.year(), month, days).expect("a valid date");
        let back = last.weekday().number_days_from_sunday();
        last.saturating_sub(time::Duration::days(i64::from(back)))
    };
    let start = last_sunday(time::Month::March).with_hms(1, 0, 0).expect("valid").assume_utc();
    let end = last_sunday(time::Month::October).with_hms(1, 0, 0).expect("valid").assume_utc();
    let hours = if t >= start && t < end { 2 } else { 1 };
    UtcOffset::from_hms(hours, 0, 0).expect("a valid offset")
}

/// The Paris date of an instant (µs), `YYYY-MM-DD`: the day people there live it.
pub fn paris_date(micros: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let p = t.to_offset(paris_offset(t));
    format!("{:04}-{:02}-{:02}", p.year(), u8::from(p.month()), p.day())
}

/// `DD/MM/YYYY HH:mm` in Europe/Paris.
pub fn paris_datetime(micros: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let p = t.to_offset(paris_offset(t));
    format!("{:02}/{:02}/{} {:02}:{:02}", p.day(), u8::from(p.month()), p.year(), p.hour(), p.minute())
}

/// `HH:mm` in Europe/Paris (when a lock ends, say).
pub fn paris_hour(micros: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let paris = t.to_offset(paris_offset(t));
    format!("{:02}:{:02}", paris.hour(), paris.minute())
}

/// Today in UTC, `YYYY-MM-DD`, by the node's clock.
pub fn today(clock: &dyn Clock) -> String {
    let d = clock.now().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

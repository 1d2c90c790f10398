//! Per-IP limits: a quota of requests per client and minute on the routes where guessing or
//! flooding is the threat, each group of routes with its own quota ([`Bucket`]) so that, say,
//! verifying certificates never locks an address out of logging in.
//!
//! The client is the address [`super::client_ip`] resolved, reduced to what one party controls
//! ([`key`]): an IPv6 client by its /64 network (one host usually holds the whole 2⁶⁴ addresses of
//! its /64), an IPv4 client (or an IPv4-mapped IPv6 address) by its address. Each node limits in
//! memory (GCRA, governor); on PostgreSQL the requests are also counted per minute in the database,
//! so that N nodes behind a balancer allow the configured rate, not N times it
//! ([`super::shared_limit`]).

use std::{
    net::{IpAddr, Ipv6Addr},
    num::NonZeroU32,
    sync::Arc,
    time::Duration,
};

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use governor::{Quota, RateLimiter, clock::Clock as _};

use super::{client_ip::ClientIp, error::AppError};
use crate::AppState;

/// A group of limited routes with its own quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// Logging in, signing up, password resets, email changes, the invigilator's password:
    /// `--auth-rate-per-minute`.
    Auth,
    /// Certificate verification (page and API): `--verification-rate-per-minute`.
    Verification,
}

impl Bucket {
    /// The bucket's name in shared counters.
    pub fn name(self) -> &'static str {
        match self {
            Bucket::Auth => "auth",
            Bucket::Verification => "verify",
        }
    }

    /// Requests allowed per client and minute.
    pub fn per_minute(self, settings: &crate::config::ServeSettings) -> u32 {
        match self {
            Bucket::Auth => settings.auth_rate_per_minute,
            Bucket::Verification => settings.verification_rate_per_minute,
        }
        .max(1)
    }
}

/// What one party controls: an IPv6 address's /64, an IPv4 address (mapped or not).
pub fn key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// Whole seconds to wait, rounded up, at least one: a client told "0" would retry at once.
pub fn retry_after(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

/// `Retry-After` for a lock that lasts until `until` (µs), seen at `now` (µs).
pub fn retry_after_until(now: i64, until: i64) -> u64 {
    retry_after(Duration::from_micros(u64::try_from(until - now).unwrap_or(0)))
}

type Limiter =
    RateLimiter<IpAddr, governor::state::keyed::DefaultKeyedStateStore<IpAddr>, governor::clock::DefaultClock>;

/// One bucket's limiter on this node.
#[derive(Clone)]
pub struct Limit {
    bucket: Bucket,
    limiter: Arc<Limiter>,
}

impl Limit {
    /// A limiter allowing `per_minute` requests per client and minute (burst of the same size).
    pub fn new(bucket: Bucket, per_minute: u32) -> Limit {
        let n = NonZeroU32::new(per_minute.max(1)).expect("at least one");
        Limit { bucket, limiter: Arc::new(RateLimiter::keyed(Quota::per_minute(n))) }
    }

    /// Forgets clients whose quota is full again (bounded memory).
    pub fn trim(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

/// Middleware: counts the request against its client's quota of the bucket, on this node and, on
/// PostgreSQL, across the cluster; 429 with `Retry-After` above it.
pub async fn enforce(State((state, limit)): State<(AppState, Limit)>, req: Request, next: Next) -> Response {
    let Some(ip) = req.extensions().get::<ClientIp>().map(|c| key(c.0)) else {
        return next.run(req).await;
    };
    if let Err(not_until) = limit.limiter.check_key(&ip) {
        let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
        return AppError::TooManyRequests { retry_after: retry_after(wait) }.into_response();
    }
    if let Some(retry_after) = super::shared_limit::over(&state, limit.bucket, ip).await {
        return AppError::TooManyRequests { retry_after }.into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        assert_eq!(key(ip("2001:db8:1:2:aaaa::1")), key(ip("2001:db8:1:2:ffff:1:2:3")));
        assert_eq!(key(ip("2001:db8:1:2::15")), ip("2001:db8:1:2::"));
        assert_ne!(key(ip("2001:db8:1:2::1")), key(ip("2001:db8:1:3::1")), "another /64 is another client");
        assert_eq!(key(ip("203.0.113.7")), ip("203.0.113.7"));
        assert_ne!(key(ip("203.0.113.7")), key(ip("203.0.113.8")));
        assert_eq!(key(ip("::ffff:203.0.113.7")), ip("203.0.113.7"), "IPv4-mapped is the IPv4 client");
    }

    #[test]
    fn retry_after_rounds_up_and_is_never_zero() {
        assert_eq!(retry_after(Duration::ZERO), 1);
        assert_eq!(retry_after(Duration::from_millis(1)), 1);
        assert_eq!(retry_after(Duration::from_millis(2_999)), 3);
        assert_eq!(retry_after(Duration::from_secs(3)), 3);
        assert_eq!(retry_after(Duration::from_millis(3_001)), 4);
    }

    #[test]
    fn buckets_are_separate() {
        let auth = Limit::new(Bucket::Auth, 2);
        let verify = Limit::new(Bucket::Verification, 2);
        let client = ip("203.0.113.7");
        assert!(verify.limiter.check_key(&client).is_ok() && verify.limiter.check_key(&client).is_ok());
        assert!(verify.limiter.check_key(&client).is_err(), "verification quota used up");
        assert!(auth.limiter.check_key(&client).is_ok(), "logging in is still allowed");
    }
}

//! The client's address, as the per-IP limits see it.
//!
//! Behind a load balancer every connection comes from the balancer: counting per peer address would
//! put all clients in one bucket. `--trusted-proxies` names the proxies whose forwarding headers
//! are believed. The address is then read from `Forwarded` (RFC 7239) or, without it,
//! `X-Forwarded-For`, **from the right**: each trusted proxy appends the address it saw, so the
//! first hop from the right that is not a trusted proxy is the client. Entries further left were
//! written by the client itself and are never believed. A peer that is not a trusted proxy is the
//! client, whatever headers it sends.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::HeaderMap,
    middleware::Next,
    response::Response,
};
use ipnet::IpNet;

use crate::AppState;

/// The address the request is attributed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientIp(pub IpAddr);

/// Parses one entry of `--trusted-proxies`: a CIDR block (`10.0.0.0/8`) or one address.
pub fn parse_trusted(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("`{s}` is neither an IP address nor a CIDR block"))
}

fn strip_port(raw: &str) -> Option<IpAddr> {
    let raw = raw.trim().trim_matches('"');
    if let Ok(ip) = raw.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(sock) = raw.parse::<SocketAddr>() {
        return Some(sock.ip());
    }
    // `[2001:db8::1]` without a port.
    raw.strip_prefix('[').and_then(|r| r.strip_suffix(']')).and_then(|r| r.parse().ok())
}

/// The hops of the forwarding headers, left (client side) to right (our side). `None` marks a hop
/// that is not an address (`unknown`, obfuscated identifiers).
fn hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let forwarded: Vec<&str> = headers.get_all("forwarded").iter().filter_map(|v| v.to_str().ok()).collect();
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .flat_map(|v| v.split(','))
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, v)| strip_port(v))
            })
            .collect();
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(strip_port)
        .collect()
}

/// The client address of a request that came from `peer`.
pub fn resolve(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    for hop in hops(headers).into_iter().rev() {
        match hop {
            Some(ip) if is_trusted(&ip) => client = ip,
            Some(ip) => return ip,
            // Nothing to the left of an unreadable hop can be believed: stop at the last proxy.
            None => return client,
        }
    }
    client
}

/// Middleware: records the [`ClientIp`] of every request.
pub async fn client_ip(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([127, 0, 0, 1]), |ConnectInfo(addr)| addr.ip());
    let ip = resolve(peer, request.headers(), &state.settings.trusted_proxies);
    request.extensions_mut().insert(ClientIp(ip));
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn untrusted_peers_are_the_client_whatever_they_send() {
        let trusted = [parse_trusted("10.0.0.0/8").unwrap()];
        let h = headers(&[("x-forwarded-for", "1.2.3.4")]);
        assert_eq!(resolve(ip("203.0.113.9"), &h, &trusted), ip("203.0.113.9"));
        assert_eq!(resolve(ip("203.0.113.9"), &h, &[]), ip("203.0.113.9"), "no trusted proxy: headers ignored");
    }

    #[test]
    fn forwarded_for_is_read_from_the_right() {
        let trusted = [parse_trusted("10.0.0.0/8").unwrap(), parse_trusted("192.168.1.1").unwrap()];
        // The client forged the first entry; the balancer (10.0.0.2) and a second proxy appended theirs.
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 198.51.100.7, 10.0.0.2")]);
        assert_eq!(resolve(ip("192.168.1.1"), &h, &trusted), ip("198.51.100.7"));
        let h = headers(&[("x-forwarded-for", "6.6.6.6"), ("x-forwarded-for", "198.51.100.7")]);
        assert_eq!(resolve(ip("10.1.1.1"), &h, &trusted), ip("198.51.100.7"), "repeated headers in order");
        let h = headers(&[("x-forwarded-for", "10.0.0.3, 10.0.0.2")]);
        assert_eq!(resolve(ip("10.0.0.1"), &h, &trusted), ip("10.0.0.3"), "only proxies: the farthest one");
        let h = headers(&[("x-forwarded-for", "garbage, 10.0.0.2")]);
        assert_eq!(resolve(ip("10.0.0.1"), &h, &trusted), ip("10.0.0.2"), "an unreadable hop stops the walk");
        assert_eq!(resolve(ip("10.0.0.1"), &HeaderMap::new(), &trusted), ip("10.0.0.1"));
    }

    #[test]
    fn forwarded_header_takes_precedence_and_handles_ports_and_ipv6() {
        let trusted = [parse_trusted("10.0.0.0/8").unwrap()];
        let h = headers(&[
            ("forwarded", "for=6.6.6.6, for=\"[2001:db8:cafe::17]:4711\";proto=https, for=10.0.0.2:80"),
            ("x-forwarded-for", "5.5.5.5"),
        ]);
        assert_eq!(resolve(ip("10.0.0.1"), &h, &trusted), ip("2001:db8:cafe::17"));
        let h = headers(&[("forwarded", "for=unknown, for=10.0.0.2")]);
        assert_eq!(resolve(ip("10.0.0.1"), &h, &trusted), ip("10.0.0.2"));
    }

    #[test]
    fn trusted_list_parsing() {
        assert!(parse_trusted("10.0.0.0/8").is_ok());
        assert!(parse_trusted("::1").is_ok());
        assert!(parse_trusted("fd00::/8").is_ok());
        assert!(parse_trusted("10.0.0.0/33").is_err());
        assert!(parse_trusted("proxy.local").is_err());
    }
}

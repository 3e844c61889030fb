//! Who is asking: the connection's peer, or, when the peer is a
//! configured proxy (the CDN or load balancer), the address it forwarded
//! in `X-Forwarded-For`. Believed only from a trusted proxy: otherwise
//! anyone could pick the address their limits count against.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request};

/// The client's address: the peer, or, when the peer is a trusted proxy,
/// the right-most address of `X-Forwarded-For` that is not a trusted proxy.
pub fn client_address<B>(req: &Request<B>, trusted: &[IpAddr]) -> IpAddr {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    forwarded_client(peer, req.headers(), trusted)
}

pub fn forwarded_client(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    hops.into_iter()
        .rev()
        .find(|ip| !trusted.contains(ip))
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let client: IpAddr = "203.0.113.7".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "198.51.100.1, 203.0.113.7, 10.0.0.2".parse().unwrap(),
        );
        assert_eq!(
            forwarded_client(proxy, &headers, &[proxy]),
            client,
            "right-most untrusted hop"
        );
        assert_eq!(
            forwarded_client(client, &headers, &[proxy]),
            client,
            "a client's own header is ignored"
        );
        assert_eq!(forwarded_client(proxy, &HeaderMap::new(), &[proxy]), proxy);
    }
}

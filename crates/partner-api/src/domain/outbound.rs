//! Which network addresses the platform may send webhooks to.
//!
//! Webhook URLs come from partners, so an unchecked URL would let a partner make the platform
//! call its own internal services or a cloud metadata endpoint (SSRF).

use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

#[derive(Clone, Debug, Default)]
pub struct AddressPolicy {
    allowed: Vec<IpNet>,
}

impl AddressPolicy {
    pub fn new(allowed: Vec<IpNet>) -> Self {
        Self { allowed }
    }

    /// The same policy with loopback allowed too (the local sandbox partner).
    pub fn with_loopback(&self) -> Self {
        let mut allowed = self.allowed.clone();
        allowed.push("127.0.0.0/8".parse().expect("valid literal network"));
        allowed.push("::1/128".parse().expect("valid literal network"));
        Self { allowed }
    }

    /// An IPv6 address carrying an IPv4 one is judged as that IPv4, by the allowed list too.
    pub fn permits(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => embedded_v4(v6).map_or(ip, IpAddr::V4),
            IpAddr::V4(_) => ip,
        };
        !is_non_public(ip) || self.allowed.iter().any(|net| net.contains(&ip))
    }
}

fn is_non_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_non_public_v4(v4),
        IpAddr::V6(v6) => is_non_public_v6(v6),
    }
}

fn is_non_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_unspecified()
        || a == 0 // "this network"
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local() // includes 169.254.169.254, the cloud metadata endpoint
        || (a == 100 && (64..128).contains(&b)) // CGNAT 100.64.0.0/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || ip.is_documentation()
        || ip.is_multicast()
        || a >= 240 // reserved and broadcast
}

fn is_non_public_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    if let Some(v4) = embedded_v4(ip) {
        return is_non_public_v4(v4);
    }
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (segments[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (segments[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (segments[0] == 0x2001 && segments[1] == 0x0db8) // documentation
        || (segments[0] == 0x2001 && segments[1] < 0x0200) // Teredo, ORCHID and other special-purpose
}

/// IPv4 addresses carried inside IPv6 ones, the IPv4 in the last 32 bits unless said otherwise:
/// compatible (`::a.b.c.d`, but not `::` and `::1`), mapped (`::ffff:a.b.c.d`),
/// translated (`::ffff:0:a.b.c.d`), NAT64 well-known (`64:ff9b::/96`) and local-use
/// (`64:ff9b:1::/48`, which a translator may map with any suffix), 6to4 (`2002:a.b.c.d::/48`).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let from =
        |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    let last = from(s[6], s[7]);
    let compatible = s[..6] == [0, 0, 0, 0, 0, 0] && !ip.is_loopback() && !ip.is_unspecified();
    let mapped = s[..6] == [0, 0, 0, 0, 0, 0xffff];
    let translated = s[..6] == [0, 0, 0, 0, 0xffff, 0];
    let nat64 = s[..6] == [0x0064, 0xff9b, 0, 0, 0, 0];
    let nat64_local = s[..3] == [0x0064, 0xff9b, 0x0001];
    if compatible || mapped || translated || nat64 || nat64_local {
        return Some(last);
    }
    if s[0] == 0x2002 {
        return Some(from(s[1], s[2]));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn internal_addresses_are_refused_by_default() {
        let policy = AddressPolicy::default();
        for s in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
            "::127.0.0.1",
            "::ffff:0:127.0.0.1",
            "::ffff:0:a9fe:a9fe",
            "64:ff9b::10.0.0.1",
            "64:ff9b:1::127.0.0.1",
            "64:ff9b:1:abcd::a9fe:a9fe",
        ] {
            assert!(!policy.permits(ip(s)), "{s} should be refused");
        }
    }

    #[test]
    fn public_addresses_are_permitted() {
        let policy = AddressPolicy::default();
        for s in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
            "::ffff:0:8.8.8.8",
            "64:ff9b::8.8.8.8",
            "64:ff9b:1::8.8.8.8",
        ] {
            assert!(policy.permits(ip(s)), "{s} should be permitted");
        }
    }

    #[test]
    fn an_allowed_range_opens_exactly_that_range_also_through_mapped_addresses() {
        let policy = AddressPolicy::new(vec!["127.0.0.0/8".parse().unwrap()]);
        assert!(policy.permits(ip("127.0.0.1")));
        assert!(policy.permits(ip("::ffff:127.0.0.1")));
        assert!(policy.permits(ip("64:ff9b::127.0.0.1")));
        assert!(!policy.permits(ip("10.0.0.1")));
        assert!(!policy.permits(ip("169.254.169.254")));
        assert!(AddressPolicy::default().with_loopback().permits(ip("::1")));
    }
}

package httpfetch

import (
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// metadataAddrs are cloud instance-metadata services outside the
// link-local ranges (AWS's IPv6 endpoint). The IPv4 ones (169.254.169.254,
// 169.254.170.2, 100.100.100.200 for Alibaba) are link-local or listed.
var metadataAddrs = []netip.Addr{
	netip.MustParseAddr("fd00:ec2::254"),
	netip.MustParseAddr("100.100.100.200"),
}

// dialGuard refuses, at connection time, the addresses a URI (or a
// redirect, or a DNS answer that changed since) must not lead to:
// link-local (the metadata services at 169.254.169.254 hand out the
// node's or the pod's credentials), the listed metadata addresses, the
// unspecified address, and loopback unless allowed. Checking the address
// actually dialled, rather than the URL's host, also covers names that
// resolve to these. Through a proxy (HTTPS_PROXY) the proxy is dialled,
// and the proxy's own rules apply.
func dialGuard(allowLoopback bool) func(network, address string, _ syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrAddressRefused, address, err)
		}
		ip, err := netip.ParseAddr(host)
		if err != nil {
			return fmt.Errorf("%w: %s is not an IP address", ErrAddressRefused, host)
		}
		if reason := refused(ip.Unmap(), allowLoopback); reason != "" {
			return fmt.Errorf("%w: %s is %s", ErrAddressRefused, ip, reason)
		}
		return nil
	}
}

func refused(ip netip.Addr, allowLoopback bool) string {
	switch {
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return "link-local (where instance metadata and credentials are served)"
	case ip.IsUnspecified():
		return "unspecified"
	case ip.IsLoopback() && !allowLoopback:
		return "loopback (the operator's own pod)"
	}
	for _, m := range metadataAddrs {
		if ip == m {
			return "a cloud metadata address"
		}
	}
	return ""
}

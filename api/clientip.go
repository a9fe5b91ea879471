package api

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// The per-address limits (bad bearer tokens, portal requests) count the
// address a request came from. Behind a load balancer or reverse proxy the
// TCP peer is the proxy, and every client would share its bucket; the
// proxy names the client in X-Forwarded-For. That header is the client's to
// write too, so only the hops added by trusted proxies (http.trustedProxies)
// are believed: the client is the rightmost address that is not a trusted
// proxy. (Fiber's own ProxyHeader takes the leftmost, which a client can
// forge to get a fresh bucket per request.)

// parseTrustedProxies reads addresses and CIDR prefixes.
func parseTrustedProxies(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: want an address or a CIDR prefix", s)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// clientIP is the address the per-address limits count for c.
func (s *Server) clientIP(c *fiber.Ctx) string {
	peer, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	return clientAddress(peer, c.Get(fiber.HeaderXForwardedFor), s.trustedProxies)
}

// clientAddress walks X-Forwarded-For from the right while the hop it
// came from is a trusted proxy; a hop it cannot read ends the walk at the
// last trusted one, so a garbled header gains its sender nothing.
func clientAddress(peer netip.Addr, forwardedFor string, trusted []netip.Prefix) string {
	addr := peer.Unmap()
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	if !isTrusted(addr) || forwardedFor == "" {
		return addr.String()
	}
	hops := strings.Split(forwardedFor, ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return addr.String()
		}
		addr = hop.Unmap()
		if !isTrusted(addr) {
			return addr.String()
		}
	}
	return addr.String()
}

package api

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestClientAddress(t *testing.T) {
	trusted, err := parseTrustedProxies([]string{"10.0.0.0/8", "192.168.1.5"})
	require.NoError(t, err)
	tests := []struct {
		name, peer, forwardedFor, want string
	}{
		{"no proxy: the peer", "203.0.113.7", "", "203.0.113.7"},
		{"an untrusted peer's header is not believed", "203.0.113.7", "198.51.100.1", "203.0.113.7"},
		{"behind a trusted proxy: the client it names", "10.1.2.3", "198.51.100.1", "198.51.100.1"},
		{"a forged leftmost hop is ignored", "10.1.2.3", "1.2.3.4, 198.51.100.1", "198.51.100.1"},
		{"through two trusted proxies", "10.1.2.3", "198.51.100.1, 192.168.1.5", "198.51.100.1"},
		{"a garbled hop: the last trusted proxy", "10.1.2.3", "nonsense", "10.1.2.3"},
		{"only trusted hops: the leftmost of them", "10.1.2.3", "10.9.9.9", "10.9.9.9"},
		{"IPv4 in IPv6", "::ffff:10.1.2.3", "198.51.100.1", "198.51.100.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, clientAddress(netip.MustParseAddr(tt.peer), tt.forwardedFor, trusted))
		})
	}
	_, err = parseTrustedProxies([]string{"not-an-address"})
	require.Error(t, err)
}

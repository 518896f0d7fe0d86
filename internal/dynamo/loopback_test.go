package dynamo

import (
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// listeners returns the local addresses of the TCP sockets listening on port,
// from /proc/net/tcp and /proc/net/tcp6 (Linux).
func listeners(t *testing.T, port int) []net.IP {
	t.Helper()
	var ips []net.IP
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(file)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		found, err := procListeners(string(b), port)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		ips = append(ips, found...)
	}
	return ips
}

// procListeners reads a /proc/net/tcp* table for the sockets listening on port.
func procListeners(table string, port int) ([]net.IP, error) {
	var ips []net.IP
	lines := strings.Split(table, "\n")
	for _, line := range lines[1:] { // after the header
		fields := strings.Fields(line)
		if len(fields) < 4 || fields[3] != "0A" { // 0A: LISTEN
			continue
		}
		addr, portHex, ok := strings.Cut(fields[1], ":")
		p, err := strconv.ParseUint(portHex, 16, 16)
		if !ok || err != nil || int(p) != port {
			continue
		}
		ip, err := procIP(addr)
		if err != nil {
			return nil, err
		}
		ips = append(ips, ip)
	}
	return ips, nil
}

// procIP decodes an address of /proc/net/tcp*: 32-bit words in host order
// (little-endian here).
func procIP(s string) (net.IP, error) {
	b, err := hex.DecodeString(s)
	if err != nil || (len(b) != 4 && len(b) != 16) {
		return nil, fmt.Errorf("address %q is not 4 or 16 hex bytes", s)
	}
	for i := 0; i < len(b); i += 4 {
		b[i], b[i+1], b[i+2], b[i+3] = b[i+3], b[i+2], b[i+1], b[i]
	}
	return net.IP(b), nil
}

// exposed returns how port can be reached from outside this machine: listening
// sockets not on a loopback address, and this machine's own non-loopback
// addresses that accept a connection on port. Nothing is sent to other hosts.
func exposed(t *testing.T, port int) []string {
	t.Helper()
	var found []string
	ips := listeners(t, port)
	for _, ip := range ips {
		if !ip.IsLoopback() {
			found = append(found, "listening on "+ip.String())
		}
	}
	if len(ips) == 0 {
		if _, err := os.Stat("/proc/net/tcp"); err == nil {
			t.Fatalf("nothing listens on port %d", port)
		}
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLoopback() || ipn.IP.IsLinkLocalUnicast() {
			continue
		}
		target := net.JoinHostPort(ipn.IP.String(), strconv.Itoa(port))
		if c, err := net.DialTimeout("tcp", target, time.Second); err == nil {
			c.Close()
			found = append(found, "accepts connections on "+target)
		}
	}
	return found
}

// TestProcListeners proves the /proc part of the check below tells a server on
// every interface (as DynamoDB Local is on its own) from one on 127.0.0.1, from
// lines as Linux writes them (no test server listens beyond 127.0.0.1).
func TestProcListeners(t *testing.T) {
	const header = "  sl  local_address rem_address   st tx_queue ...\n"
	tests := []struct {
		name, line string
		loopback   bool
	}{
		{"IPv4 any", "   0: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000  0 1 1", false},
		{"IPv6 any (Java's *:PORT)", "   0: 00000000000000000000000000000000:1F40 00000000000000000000000000000000:0000 0A 0 0 0 1000 0 1 1", false},
		{"IPv4 127.0.0.1", "   0: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000  0 1 1", true},
		{"IPv6 ::ffff:127.0.0.1 (LoopbackLauncher)", "   0: 0000000000000000FFFF00000100007F:1F40 00000000000000000000000000000000:0000 0A 0 0 0 1000 0 1 1", true},
		{"IPv6 ::1", "   0: 00000000000000000000000001000000:1F40 00000000000000000000000000000000:0000 0A 0 0 0 1000 0 1 1", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ips, err := procListeners(header+tt.line+"\n", 0x1F40)
			if err != nil || len(ips) != 1 {
				t.Fatalf("procListeners = %v, %v; want one address", ips, err)
			}
			if ips[0].IsLoopback() != tt.loopback {
				t.Errorf("%s: IsLoopback() = %v, want %v", ips[0], ips[0].IsLoopback(), tt.loopback)
			}
			if ips, _ := procListeners(header+tt.line+"\n", 8001); len(ips) != 0 {
				t.Errorf("another port: %v, want none", ips)
			}
		})
	}
	// A connection (state 01), not a listener, is not counted.
	if ips, _ := procListeners(header+"   0: 00000000:1F40 0100007F:9C40 01 0 0 0 1000 0 1 1\n", 0x1F40); len(ips) != 0 {
		t.Errorf("an established connection counted as a listener: %v", ips)
	}
}

func TestLocalListensOnLoopbackOnly(t *testing.T) {
	requireLocal(t)
	if strings.Contains(keeperLogs.String(), "WARNING") {
		t.Logf("DynamoDB Local started with a warning:\n%s", keeperLogs.String())
	}
	u, err := url.Parse(keeper.Endpoint())
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatal(err)
	}
	if got := exposed(t, port); len(got) > 0 {
		t.Errorf("DynamoDB Local (port %d) can be reached from other machines: %s", port, strings.Join(got, "; "))
	}
}

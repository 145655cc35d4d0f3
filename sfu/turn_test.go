package sfu_test

// The TURN tests run real pion clients against the embedded server on 127.0.0.1 only; run them
// in a loopback-only namespace: unshare -rn sh -c 'ip link set lo up; exec go test ./sfu -run TURN'.

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/stun/v4"
	"github.com/pion/turn/v5"
	"github.com/pion/webrtc/v4"

	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/sfu"
)

// turnLog collects the server's log so tests can check what refusals say (and do not say).
type turnLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *turnLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *turnLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// startTURN runs a loopback-only TURN server with the secret a real node derives from its token key.
func startTURN(t *testing.T, o sfu.TURNOptions) (*sfu.TURNServer, *turnLog) {
	t.Helper()
	signer, err := auth.NewTokenSigner([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	logs := &turnLog{}
	o.LoopbackOnly, o.Secret = true, signer.DeriveKey("turn")
	o.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	s, err := sfu.StartTURN(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, logs
}

// turnLoopbackAPI keeps a pion PeerConnection on 127.0.0.1: loopback interface and addresses only,
// no mDNS.
func turnLoopbackAPI() *webrtc.API {
	se := webrtc.SettingEngine{}
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetIncludeLoopbackCandidate(true)
	se.SetInterfaceFilter(func(n string) bool { return n == "lo" })
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeTCP4})
	return webrtc.NewAPI(webrtc.WithSettingEngine(se))
}

// connectThroughTURN connects a relay-only PeerConnection (a meeting point behind a strict
// firewall) to an ordinary one, sends a data channel message across and returns the relay
// side's selected candidate pair.
// connectThroughTURN connects two peers, one through the relay only, and calls connected while
// both are still up (their deferred Close releases the relay).
func connectThroughTURN(t *testing.T, server sfu.ICEServer, connected func()) *webrtc.ICECandidatePair {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	api := turnLoopbackAPI()
	relay, err := api.NewPeerConnection(webrtc.Configuration{
		ICEServers:         []webrtc.ICEServer{{URLs: server.URLs, Username: server.Username, Credential: server.Credential}},
		ICETransportPolicy: webrtc.ICETransportPolicyRelay,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	peer, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()

	got := make(chan string, 1)
	peer.OnDataChannel(func(dc *webrtc.DataChannel) {
		dc.OnMessage(func(m webrtc.DataChannelMessage) {
			select {
			case got <- string(m.Data):
			default:
			}
		})
	})
	dc, err := relay.CreateDataChannel("agenda", nil)
	if err != nil {
		t.Fatal(err)
	}
	dc.OnOpen(func() { _ = dc.SendText("biểu quyết mục 3") })

	offer := turnDescribe(ctx, t, relay)
	if strings.Contains(offer, "typ host") || !strings.Contains(offer, "typ relay") {
		t.Fatalf("the relay-only side must offer relay candidates only:\n%s", offer)
	}
	if err := peer.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		t.Fatal(err)
	}
	answer := turnDescribe(ctx, t, peer)
	if err := relay.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-got:
		if m != "biểu quyết mục 3" {
			t.Fatalf("message changed on the way: %q", m)
		}
	case <-ctx.Done():
		t.Fatalf("no message through the relay: relay side %s, peer %s", relay.ICEConnectionState(), peer.ICEConnectionState())
	}
	pair, err := relay.SCTP().Transport().ICETransport().GetSelectedCandidatePair()
	if err != nil || pair == nil {
		t.Fatalf("no selected pair: %v", err)
	}
	if pair.Local.Typ != webrtc.ICECandidateTypeRelay || pair.Local.Address != "127.0.0.1" {
		t.Fatalf("selected local candidate %s %s, want a relay on 127.0.0.1", pair.Local.Typ, pair.Local.Address)
	}
	peerPair, err := peer.SCTP().Transport().ICETransport().GetSelectedCandidatePair()
	if err != nil || peerPair == nil || peerPair.Remote.Typ != webrtc.ICECandidateTypeRelay {
		t.Fatalf("the other side does not talk to the relay: %v %v", peerPair, err)
	}
	connected()
	return pair
}

// turnDescribe sets a local offer (or answer, once there is a remote offer) and waits for gathering,
// so the SDP carries every candidate.
func turnDescribe(ctx context.Context, t *testing.T, pc *webrtc.PeerConnection) string {
	t.Helper()
	var d webrtc.SessionDescription
	var err error
	if pc.RemoteDescription() == nil {
		d, err = pc.CreateOffer(nil)
	} else {
		d, err = pc.CreateAnswer(nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	done := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(d); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("candidate gathering did not finish")
	}
	return pc.LocalDescription().SDP
}

func TestTURNRelayOverUDP(t *testing.T) {
	s, _ := startTURN(t, sfu.TURNOptions{TCPPort: -1})
	ice := s.Credentials("point-12", time.Hour)
	if len(ice.URLs) != 1 || !strings.HasPrefix(ice.URLs[0], "turn:127.0.0.1:") || !strings.HasSuffix(ice.URLs[0], "?transport=udp") {
		t.Fatalf("URLs %v, want one turn:127.0.0.1:<port>?transport=udp", ice.URLs)
	}
	if !strings.HasSuffix(ice.Username, ":point-12") || ice.Credential == "" {
		t.Fatalf("credentials %q / %q do not follow <expiry>:<identity>", ice.Username, ice.Credential)
	}
	connectThroughTURN(t, ice, func() {
		if st := s.Stats(); st.Allocations < 1 || st.OverTCP != 0 || st.RefusedCredentials != 0 {
			t.Fatalf("stats %+v, want a UDP relay and no refusal", st)
		}
	})
}

// TestTURNRelayOverTCP is the commune whose firewall allows only outgoing TCP: the browser reaches
// the TURN server over TCP (pion's ICE agent does this for ?transport=tcp), and the relay it gets
// carries the media on to the SFU.
func TestTURNRelayOverTCP(t *testing.T) {
	s, _ := startTURN(t, sfu.TURNOptions{UDPPort: -1})
	ice := s.Credentials("point-7", time.Hour)
	if len(ice.URLs) != 1 || !strings.HasSuffix(ice.URLs[0], "?transport=tcp") {
		t.Fatalf("with UDP off the URLs are %v, want only a TCP one", ice.URLs)
	}
	connectThroughTURN(t, ice, func() {
		st := s.Stats()
		if st.Allocations < 1 || st.OverTCP != st.Allocations || st.TCPConns < 1 {
			t.Fatalf("stats %+v, want relays made over TCP only", st)
		}
	})
}

// turnAllocate makes one relay for username with pion's TURN client over UDP.
func turnAllocate(t *testing.T, server net.Addr, username, password string) (net.PacketConn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c, err := turn.NewClient(&turn.ClientConfig{TURNServerAddr: server.String(), Conn: conn, Username: username, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); _ = conn.Close() })
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	return c.AllocateWithContext(ctx)
}

// turnCode is the TURN error code of a refused request, 0 if err is not a TURN error.
func turnCode(err error) int {
	var te *stun.TurnError
	if errors.As(err, &te) {
		return int(te.ErrorCodeAttr.Code)
	}
	return 0
}

func TestTURNRefusesBadCredentials(t *testing.T) {
	s, logs := startTURN(t, sfu.TURNOptions{TCPPort: -1})
	addr := s.Addrs()[0]
	good := s.Credentials("point-12", time.Hour)
	relay, err := turnAllocate(t, addr, good.Username, good.Credential)
	if err != nil {
		t.Fatalf("good credentials refused: %v", err)
	}
	_ = relay.Close()

	expired := s.Credentials("point-12", -time.Second)
	other := s.Credentials("point-13", time.Hour)
	exp, _, _ := strings.Cut(good.Username, ":")
	forged := []byte(good.Credential)
	forged[0] ^= 1
	bad := []struct{ name, username, password string }{
		{"forged password", good.Username, string(forged)},
		{"expired username", expired.Username, expired.Credential},
		{"identity changed", exp + ":point-13", good.Credential},
		{"another identity's password", good.Username, other.Credential},
		{"no expiry", "point-12", good.Credential},
	}
	for _, b := range bad {
		relay, err := turnAllocate(t, addr, b.username, b.password)
		if err == nil {
			_ = relay.Close()
			t.Errorf("%s: allocation made", b.name)
		} else if turnCode(err) != 401 {
			t.Errorf("%s: %v, want 401", b.name, err)
		}
	}
	if st := s.Stats(); st.RefusedCredentials != uint64(len(bad)) || st.Allocations != 0 {
		t.Fatalf("stats %+v, want %d refusals and no relay", st, len(bad))
	}
	log := logs.String()
	if !strings.Contains(log, "expired credentials") || !strings.Contains(log, "identity=point-13") {
		t.Fatalf("refusals not logged with reason and identity:\n%s", log)
	}
	for _, secret := range []string{good.Credential, other.Credential, expired.Credential, string(forged)} {
		if strings.Contains(log, secret) {
			t.Fatalf("the log holds a password:\n%s", log)
		}
	}
}

func TestTURNAllocationLimits(t *testing.T) {
	s, logs := startTURN(t, sfu.TURNOptions{TCPPort: -1, MaxPerIdentity: 2, MaxAllocations: 3, RelayPortMin: 49160, RelayPortMax: 49199})
	addr := s.Addrs()[0]
	must := func(identity string) net.PacketConn {
		t.Helper()
		c := s.Credentials(identity, time.Hour)
		relay, err := turnAllocate(t, addr, c.Username, c.Credential)
		if err != nil {
			t.Fatalf("%s: %v", identity, err)
		}
		t.Cleanup(func() { _ = relay.Close() })
		a := relay.LocalAddr().(*net.UDPAddr)
		if !a.IP.IsLoopback() || a.Port < 49160 || a.Port > 49199 {
			t.Fatalf("relay address %s, want 127.0.0.1 within 49160-49199", a)
		}
		return relay
	}
	refused := func(identity string) {
		t.Helper()
		c := s.Credentials(identity, time.Hour)
		relay, err := turnAllocate(t, addr, c.Username, c.Credential)
		if err == nil {
			_ = relay.Close()
			t.Fatalf("%s: allocation past the limit made", identity)
		}
		if turnCode(err) != 486 {
			t.Fatalf("%s: %v, want 486 (quota reached)", identity, err)
		}
	}
	first := must("point-1")
	must("point-1")
	refused("point-1") // two per identity
	must("point-2")
	refused("point-3") // three on the node
	if st := s.Stats(); st.Allocations != 3 || st.RefusedQuota != 2 {
		t.Fatalf("stats %+v, want 3 relays and 2 refusals", st)
	}
	if !strings.Contains(logs.String(), "allocations per identity reached") {
		t.Fatalf("quota refusal not logged:\n%s", logs.String())
	}

	// Closing a relay (the client deallocates) gives its place back.
	_ = first.Close()
	deadline := time.Now().Add(5 * time.Second)
	for s.Stats().Allocations != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("closed relay still counted: %+v", s.Stats())
		}
		time.Sleep(20 * time.Millisecond)
	}
	must("point-3")
}

// TestTURNPeers checks a relay talks only to the peers and ports allowed: the SFU's media port,
// not other services on the host and not other hosts.
func TestTURNPeers(t *testing.T) {
	sfuPort, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sfuPort.Close()
	otherService, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer otherService.Close()
	s, _ := startTURN(t, sfu.TURNOptions{TCPPort: -1, PeerPorts: []int{sfuPort.LocalAddr().(*net.UDPAddr).Port}})
	c := s.Credentials("point-5", time.Hour)
	relay, err := turnAllocate(t, s.Addrs()[0], c.Username, c.Credential)
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()

	// A permission for another host is refused (no packet leaves: the server only answers).
	if _, err := relay.WriteTo([]byte("x"), &net.UDPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 9}); err == nil {
		t.Fatal("relay to another host allowed")
	}

	// Out: what is sent to another port is dropped; what is sent to the SFU's port arrives.
	if _, err := relay.WriteTo([]byte("to other"), otherService.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if _, err := relay.WriteTo([]byte("to sfu"), sfuPort.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1500)
	_ = sfuPort.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, from, err := sfuPort.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "to sfu" {
		t.Fatalf("SFU port got %q, %v", buf[:n], err)
	}
	// The other port's datagram was sent first, so had it been relayed it would be there now.
	_ = otherService.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if n, _, err := otherService.ReadFrom(buf); err == nil {
		t.Fatalf("another service on the host got %q through the relay", buf[:n])
	}

	// In: only the SFU's port is heard.
	if _, err := otherService.WriteTo([]byte("from other"), from); err != nil {
		t.Fatal(err)
	}
	if _, err := sfuPort.WriteTo([]byte("from sfu"), from); err != nil {
		t.Fatal(err)
	}
	_ = relay.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _, err = relay.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "from sfu" {
		t.Fatalf("client got %q, %v; want only the SFU's datagram", buf[:n], err)
	}
}

func TestTURNOptions(t *testing.T) {
	secret := bytes.Repeat([]byte{1}, 32)
	for name, o := range map[string]sfu.TURNOptions{
		"short secret":   {LoopbackOnly: true, Secret: []byte("short")},
		"both off":       {LoopbackOnly: true, Secret: secret, UDPPort: -1, TCPPort: -1},
		"half a range":   {LoopbackOnly: true, Secret: secret, RelayPortMin: 49160},
		"range reversed": {LoopbackOnly: true, Secret: secret, RelayPortMin: 49200, RelayPortMax: 49160},
		"bad public IP":  {LoopbackOnly: true, Secret: secret, PublicIP: "turn.example"},
	} {
		if s, err := sfu.StartTURN(o); err == nil {
			_ = s.Close()
			t.Errorf("%s: started", name)
		}
	}
}

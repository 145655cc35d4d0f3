package sfu

import "runtime/metrics"

// WriteCounters say how the media port's writes went out and what the process allocated, for
// the load test's comparison of forwarding paths.
type WriteCounters struct {
	Path        string `json:"path"`          // "shared" or "legacy"
	Datagrams   uint64 `json:"datagrams"`     // sent by the round writer
	SendCalls   uint64 `json:"send_calls"`    // its sendmmsg system calls
	GSOMessages uint64 `json:"gso_messages"`  // messages that carried several datagrams (UDP_SEGMENT)
	GSODgrams   uint64 `json:"gso_datagrams"` // datagrams sent in those
	GSO         bool   `json:"gso"`           // GSO on now
	HeapAllocs  uint64 `json:"heap_allocs"`   // heap objects allocated by the whole process so far
}

func (s *Server) writeCounters() WriteCounters {
	c := WriteCounters{Path: "shared"}
	if s.opts.LegacyForwarding {
		c.Path = "legacy"
	}
	if s.out != nil {
		c.Datagrams, c.SendCalls, c.GSOMessages, c.GSODgrams, c.GSO = s.out.writeStats()
	}
	m := []metrics.Sample{{Name: "/gc/heap/allocs:objects"}}
	metrics.Read(m)
	if m[0].Value.Kind() == metrics.KindUint64 {
		c.HeapAllocs = m[0].Value.Uint64()
	}
	return c
}

package sfu

import (
	"time"

	"github.com/pion/webrtc/v4"
)

// PointStats is one participant's connection as the control room shows it (PROTOCOL.md, media
// events).
type PointStats struct {
	Identity     string  `json:"identity"`
	Name         string  `json:"name"`
	State        string  `json:"state"` // connected, reconnecting, failed
	AudioOnly    bool    `json:"audio_only"`
	AudioMuted   bool    `json:"audio_muted"`
	InKbps       float64 `json:"in_kbps"`
	OutKbps      float64 `json:"out_kbps"`
	LossIn       float64 `json:"loss_in"`
	LossOut      float64 `json:"loss_out"`
	RTTMs        int64   `json:"rtt_ms"`
	Layer        string  `json:"layer"`
	EstimateKbps float64 `json:"estimate_kbps"`
	Since        string  `json:"since"`
}

// statSample is what the last statistics round saw of a participant, to turn totals into rates.
type statSample struct {
	inBytes, outBytes uint64
	inPackets         uint64
	extHighest        int64
}

// publishStats sends every participant's figures on the bus for the control room.
func (r *room) publishStats() {
	now := time.Now()
	r.mu.Lock()
	elapsed := now.Sub(r.lastStatsAt).Seconds()
	first := r.lastStatsAt.IsZero()
	r.lastStatsAt = now
	r.mu.Unlock()
	members := r.members()
	points := make([]PointStats, 0, len(members))
	next := map[*participant]statSample{}
	for _, p := range members {
		var cur statSample
		for _, src := range []*source{p.source(SourceMic), p.source(SourceCamera), p.source(SourceScreen)} {
			if src == nil {
				continue
			}
			for _, l := range src.allLayers() {
				cur.inBytes += l.bytes.Load()
				cur.inPackets += l.packets.Load()
				cur.extHighest += l.extHighest.Load()
			}
		}
		var lost, rtt int64
		var reports int64
		layer := ""
		for _, s := range p.slots() {
			cur.outBytes += s.bytes.Load()
			if fl := s.fractionLost.Load(); fl > 0 {
				lost += int64(fl)
			}
			if v := s.rttMs.Load(); v > rtt {
				rtt = v
			}
			reports++
			s.mu.Lock()
			if layer == "" && !s.audio && s.want.follow == "spotlight" && s.cur != nil {
				layer = qualityNames[s.cur.q]
			}
			s.mu.Unlock()
		}
		ps := PointStats{Identity: p.grant.Identity, Name: p.grant.Name, State: p.state(), RTTMs: rtt, Layer: layer,
			Since: p.joined.UTC().Format(time.RFC3339)}
		r.mu.Lock()
		ps.AudioMuted = r.chairMuted[p.grant.Identity]
		r.mu.Unlock()
		p.mu.Lock()
		ps.AudioOnly = p.audioOnly
		ps.AudioMuted = ps.AudioMuted || p.selfMuted["audio"]
		p.mu.Unlock()
		if reports > 0 {
			ps.LossOut = float64(lost) / float64(reports) / 256
		}
		r.mu.Lock()
		prev, seen := r.lastStats[p]
		r.mu.Unlock()
		if seen && !first && elapsed > 0 {
			ps.InKbps = float64(cur.inBytes-prev.inBytes) * 8 / 1000 / elapsed
			ps.OutKbps = float64(cur.outBytes-prev.outBytes) * 8 / 1000 / elapsed
			if expected := cur.extHighest - prev.extHighest; expected > 0 {
				got := int64(cur.inPackets - prev.inPackets)
				if got < expected {
					ps.LossIn = float64(expected-got) / float64(expected)
				}
			}
		}
		ps.EstimateKbps = p.estimateKbps()
		next[p] = cur
		points = append(points, ps)
	}
	r.mu.Lock()
	r.lastStats = next
	r.mu.Unlock()
	r.s.publishEvent(r.name, map[string]any{"type": "stats", "points": points})
}

// state summarizes the participant's connections for the control room.
func (p *participant) state() string {
	p.mu.Lock()
	pcs := []*webrtc.PeerConnection{p.pub, p.sub}
	p.mu.Unlock()
	st := "connected"
	for _, pc := range pcs {
		if pc == nil {
			continue
		}
		switch pc.ConnectionState() {
		case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
			return "failed"
		case webrtc.PeerConnectionStateDisconnected, webrtc.PeerConnectionStateConnecting, webrtc.PeerConnectionStateNew:
			st = "reconnecting"
		}
	}
	return st
}

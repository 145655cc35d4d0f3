package loadtest

import (
	"fmt"
	"slices"
	"time"

	"github.com/phonghop/phonghop/sfu/sfuclient"
)

// Report is one run's figures. Loss, delay, bitrate and continuity are over the unshaped points
// (weak links have their own section); CPU and memory are the server process's own.
type Report struct {
	Scenario      string    `json:"scenario"`
	Started       time.Time `json:"started"`
	Points        int       `json:"points"`
	Rooms         int       `json:"rooms"`
	Joined        int       `json:"joined"`
	Failures      []string  `json:"failures,omitempty"`
	JoinSeconds   float64   `json:"join_seconds"` // from the first dial to the last join
	WindowSeconds float64   `json:"window_seconds"`

	JoinToJoinedMs Pct `json:"join_to_joined_ms"` // WebSocket dial to `joined`
	JoinToMediaMs  Pct `json:"join_to_media_ms"`  // WebSocket dial to the first packet on the subscribe connection
	NoMedia        int `json:"no_media"`          // joined points that never received a packet
	AudioOnly      int `json:"audio_only"`        // points the server told to stop sending video, at the end

	RecvKbpsP5  float64 `json:"recv_kbps_p5"` // per subscriber, over the window
	RecvKbpsP50 float64 `json:"recv_kbps_p50"`

	SentPackets      int64              `json:"sent_packets"`      // by all points in the window
	SentPPSByLayer   map[string]float64 `json:"sent_pps_by_layer"` // what the publishers sent per second: the server pauses unwatched layers
	ForwardedPackets int64              `json:"forwarded_packets"` // received by all points in the window (media and probes)
	PaddingPackets   int64              `json:"padding_packets"`   // of those, the server's bandwidth probes
	ForwardedPPS     float64            `json:"forwarded_pps"`
	ServerPacketsIn  uint64             `json:"server_packets_in"` // the server's own counts in the window
	ServerPacketsOut uint64             `json:"server_packets_out"`

	LossPercent            float64 `json:"loss_percent"` // by sequence number, video and audio
	VideoLossPercent       float64 `json:"video_loss_percent"`
	AudioLossPercent       float64 `json:"audio_loss_percent"`
	AudioUnrepairedPercent float64 `json:"audio_unrepaired_percent"` // after RED
	CounterLossPercent     float64 `json:"counter_loss_percent"`     // publishers' packets missing within a run of one source and layer
	MaxGap                 int     `json:"max_gap"`
	Continuity             Continuity

	DelayMs      Pct                `json:"delay_ms"` // forwarding delay, send time in the payload to arrival
	AudioDelayMs Pct                `json:"audio_delay_ms"`
	VideoLayers  map[string]float64 `json:"video_layers"` // share of received video packets by layer

	ServerCPUSeconds         float64 `json:"server_cpu_seconds"`
	ServerCPUPercent         float64 `json:"server_cpu_percent"` // of one core
	CPUMicrosPerForwarded    float64 `json:"cpu_us_per_forwarded"`
	CPUMicrosPerServerPacket float64 `json:"cpu_us_per_server_packet_out"`
	ServerRSSMiB             float64 `json:"server_rss_mib"`
	ServerPeakRSSMiB         float64 `json:"server_peak_rss_mib"`
	RSSPerPointKiB           float64 `json:"rss_per_point_kib"`  // (RSS at the end − before joins) / points
	TesterCPUSeconds         float64 `json:"tester_cpu_seconds"` // the simulated points' process, in the window
	// TesterSendLagMs is how late the simulated points sent their frames: when it is high the
	// load tester itself was short of CPU and the delays above are partly its own.
	TesterSendLagMs Pct `json:"tester_send_lag_ms"`

	Forwarding
	Groups      []Group     `json:"groups,omitempty"`
	Weak        []WeakPoint `json:"weak,omitempty"`
	ProfilePath string      `json:"profile_path,omitempty"`
	ProfileTop  []string    `json:"profile_top,omitempty"`
	Notes       []string    `json:"notes,omitempty"`
}

// Continuity counts what a browser would notice in its slots during the window.
type Continuity struct {
	Switches        int64   `json:"switches"`
	SwitchNotKey    int64   `json:"switch_not_key"`
	SwitchMaxGap    int     `json:"switch_max_gap"`
	Resumes         int64   `json:"resumes"` // the server paused a slot and resumed the same stream on a key frame
	Discontinuities int64   `json:"discontinuities"`
	TSBackwards     int64   `json:"ts_backwards"`
	PicIDJumps      int64   `json:"picid_jumps"`
	PicIDBackwards  int64   `json:"picid_backwards"`
	Freezes         int64   `json:"freezes"`
	FrozenSeconds   float64 `json:"frozen_seconds"`
}

// Group is the figures of the points sharing one kind of weak link.
type Group struct {
	Name                   string         `json:"name"`
	Points                 int            `json:"points"`
	RecvKbpsP50            float64        `json:"recv_kbps_p50"`
	VideoLossPercent       float64        `json:"video_loss_percent"`
	AudioLossPercent       float64        `json:"audio_loss_percent"`
	AudioUnrepairedPercent float64        `json:"audio_unrepaired_percent"`
	Freezes                int64          `json:"freezes"`
	FrozenSeconds          float64        `json:"frozen_seconds"`
	MainLayerAtEnd         map[string]int `json:"main_layer_at_end"`
}

// WeakPoint is one point on a weak link, measured from the moment its link went bad.
type WeakPoint struct {
	Identity string `json:"identity"`
	Group    string `json:"group"`
	// SwitchDownMs: until the main screen's slot first went to a lower layer (-1: it did not).
	SwitchDownMs float64 `json:"switch_down_ms"`
	MainLayer    string  `json:"main_layer_at_end"`
	// VideoStoppedMs: until the main screen's video stopped for good (the server took the point
	// to audio only; -1: it did not).
	VideoStoppedMs float64 `json:"video_stopped_ms"`
	// Second half of the window, after the server had time to adapt and repair.
	KbpsLate             float64 `json:"kbps_late"`
	VideoLossLate        float64 `json:"video_loss_late_percent"`
	AudioLossLate        float64 `json:"audio_loss_late_percent"`
	AudioUnrepairedLate  float64 `json:"audio_unrepaired_late_percent"`
	AudioRecoveredByRED  int64   `json:"audio_recovered_by_red"`
	Freezes              int64   `json:"freezes"`
	FrozenSeconds        float64 `json:"frozen_seconds"`
	MediaAgainMs         float64 `json:"media_again_ms"`     // after an outage: until the first packet (-1: n/a)
	KeyFrameAgainMs      float64 `json:"key_frame_again_ms"` // until the first key frame on the main screen
	ServerEstimateKbps   float64 `json:"server_estimate_kbps"`
	ServerLayer          string  `json:"server_layer"`
	ServerLossOut        float64 `json:"server_loss_out"`
	ServerAudioOnly      bool    `json:"server_audio_only"`
	ServerConnectionSays string  `json:"server_state"`
}

func pct100(part, whole int64) float64 {
	if whole <= 0 {
		return 0
	}
	return 100 * float64(part) / float64(whole)
}

// sums adds up slot deltas.
type sums struct {
	videoExp, videoLost, audioExp, audioLost, audioUnrep, recovered, counterLost, media, padding int64
	layers                                                                                       [5]int64
	cont                                                                                         Continuity
	maxGap                                                                                       int
}

func (s *sums) add(ds []slotDelta) {
	for _, d := range ds {
		if d.kind == "video" {
			s.videoExp += d.expected
			s.videoLost += d.lost
		} else {
			s.audioExp += d.expected
			s.audioLost += d.lost
			s.audioUnrep += d.unrepaired
		}
		s.recovered += d.recovered
		s.counterLost += d.counterLost
		s.media += d.media
		s.padding += d.padding
		for l := range s.layers {
			s.layers[l] += d.layers[l]
		}
		s.maxGap = max(s.maxGap, d.maxGap)
		c := &s.cont
		c.Switches += d.switches
		c.SwitchNotKey += d.switchNotKey
		c.SwitchMaxGap = max(c.SwitchMaxGap, d.switchMaxGap)
		c.Resumes += d.resumes
		c.Discontinuities += d.discontinuities
		c.TSBackwards += d.tsBackwards
		c.PicIDJumps += d.picIDJumps
		c.PicIDBackwards += d.picIDBackwards
		c.Freezes += d.freezes
		c.FrozenSeconds += d.frozen.Seconds()
	}
}

func report(c *Config, members []*member, w window) *Report {
	r := &Report{Scenario: c.Scenario, Started: c.epoch, Points: len(members), Rooms: max(1, c.Rooms), WindowSeconds: w.t1.Sub(w.t0).Seconds()}
	if c.Scenario != "meetings-20x8" {
		r.Rooms = 1
	}
	secs := r.WindowSeconds
	var joinedMs, mediaMs, kbps []float64
	var all sums
	var delay, audioDelay, sendLag sfuclient.Histogram
	groups := map[string]*groupAcc{}
	var last time.Time
	var sentBy [5]int64
	for i, m := range members {
		if m.c != nil && c.judges(i, m.point) {
			r.Judges++
		}
		if m.c == nil {
			if len(r.Failures) < 10 && m.err != nil {
				r.Failures = append(r.Failures, m.identity+": "+m.err.Error())
			}
			continue
		}
		r.Joined++
		if m.c.Stats.AudioOnly.Load() {
			r.AudioOnly++
		}
		joinedMs = append(joinedMs, ms(m.c.JoinedAt.Sub(m.c.DialAt)))
		if fm := m.c.Stats.FirstMedia.Load(); fm != 0 {
			mediaMs = append(mediaMs, ms(time.Unix(0, fm).Sub(m.c.DialAt)))
		} else {
			r.NoMedia++
		}
		if m.c.JoinedAt.After(last) {
			last = m.c.JoinedAt
		}
		s0, s2 := &m.snap[0], &m.snap[2]
		r.SentPackets += s2.sent - s0.sent
		for l := range sentBy {
			sentBy[l] += s2.sentBy[l] - s0.sentBy[l]
		}
		sendLag.Merge(s2.sendLag.Sub(s0.sendLag))
		r.ForwardedPackets += s2.packets - s0.packets
		ds := m.diff(0, 2)
		if m.group != "" {
			g := groups[m.group]
			if g == nil {
				g = &groupAcc{}
				groups[m.group] = g
			}
			g.add(m, ds, secs)
			r.Weak = append(r.Weak, weakPoint(m, w))
			continue
		}
		kbps = append(kbps, float64(s2.bytes-s0.bytes)*8/1000/secs)
		all.add(ds)
		delay.Merge(s2.delay.Sub(s0.delay))
		audioDelay.Merge(s2.audioDelay.Sub(s0.audioDelay))
	}
	if c.Scenario == "weak-links" {
		for _, m := range members {
			if m.c != nil && m.group == "" && m.identity == "point-clean" {
				wp := weakPoint(m, w)
				wp.Group = "clean"
				r.Weak = append([]WeakPoint{wp}, r.Weak...)
			}
		}
	}
	if r.Joined > 0 {
		r.JoinSeconds = last.Sub(c.epoch).Seconds()
	}
	r.JoinToJoinedMs, r.JoinToMediaMs = pcts(joinedMs), pcts(mediaMs)
	r.RecvKbpsP5, r.RecvKbpsP50 = percentile(kbps, 5), percentile(kbps, 50)
	r.PaddingPackets = all.padding
	r.ForwardedPPS = float64(r.ForwardedPackets) / secs
	r.ServerPacketsIn, r.ServerPacketsOut = w.c1.PacketsIn-w.c0.PacketsIn, w.c1.PacketsOut-w.c0.PacketsOut
	r.LossPercent = pct100(all.videoLost+all.audioLost, all.videoExp+all.audioExp)
	r.VideoLossPercent, r.AudioLossPercent = pct100(all.videoLost, all.videoExp), pct100(all.audioLost, all.audioExp)
	r.AudioUnrepairedPercent = pct100(all.audioUnrep, all.audioExp)
	r.CounterLossPercent = pct100(all.counterLost, all.media+all.counterLost)
	r.MaxGap, r.Continuity = all.maxGap, all.cont
	r.DelayMs, r.AudioDelayMs, r.TesterSendLagMs = histPcts(&delay), histPcts(&audioDelay), histPcts(&sendLag)
	video := all.layers[sfuclient.LayerLow] + all.layers[sfuclient.LayerMid] + all.layers[sfuclient.LayerHigh]
	r.VideoLayers = map[string]float64{}
	for _, l := range []sfuclient.Layer{sfuclient.LayerLow, sfuclient.LayerMid, sfuclient.LayerHigh} {
		r.VideoLayers[l.String()] = pct100(all.layers[l], video) / 100
	}
	r.SentPPSByLayer = map[string]float64{}
	for l, n := range sentBy {
		if n > 0 {
			r.SentPPSByLayer[sfuclient.Layer(l).String()] = float64(n) / secs
		}
	}
	r.ServerCPUSeconds = w.p1.cpu - w.p0.cpu
	r.ServerCPUPercent = 100 * r.ServerCPUSeconds / secs
	if r.ForwardedPackets > 0 {
		r.CPUMicrosPerForwarded = r.ServerCPUSeconds * 1e6 / float64(r.ForwardedPackets)
	}
	if r.ServerPacketsOut > 0 {
		r.CPUMicrosPerServerPacket = r.ServerCPUSeconds * 1e6 / float64(r.ServerPacketsOut)
	}
	r.ServerRSSMiB, r.ServerPeakRSSMiB = float64(w.p1.rssKiB)/1024, float64(w.p1.hwmKiB)/1024
	r.RSSPerPointKiB = float64(w.p1.rssKiB-w.base.rssKiB) / float64(max(1, r.Joined))
	r.TesterCPUSeconds = w.tester1 - w.tester0
	judges := r.Judges
	r.Forwarding = forwarding(w, r.ForwardedPackets)
	r.Judges = judges
	for name, g := range groups {
		r.Groups = append(r.Groups, g.group(name))
	}
	slices.SortFunc(r.Groups, func(a, b Group) int { return cmpStr(a.Name, b.Name) })
	if len(r.Weak) > 40 {
		r.Weak = r.Weak[:40]
	}
	if r.NoMedia > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%d joined points received no media at all", r.NoMedia))
	}
	return r
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

type groupAcc struct {
	n      int
	s      sums
	kbps   []float64
	layers map[string]int
}

func (g *groupAcc) add(m *member, ds []slotDelta, secs float64) {
	g.n++
	g.s.add(ds)
	g.kbps = append(g.kbps, float64(m.snap[2].bytes-m.snap[0].bytes)*8/1000/secs)
	if g.layers == nil {
		g.layers = map[string]int{}
	}
	if mv, ok := m.mainVideo(1, 2); ok && mv.media > 0 {
		g.layers[mv.end.Layer.String()]++
	} else {
		g.layers["none"]++
	}
}

func (g *groupAcc) group(name string) Group {
	return Group{Name: name, Points: g.n, RecvKbpsP50: percentile(g.kbps, 50),
		VideoLossPercent: pct100(g.s.videoLost, g.s.videoExp), AudioLossPercent: pct100(g.s.audioLost, g.s.audioExp),
		AudioUnrepairedPercent: pct100(g.s.audioUnrep, g.s.audioExp), Freezes: g.s.cont.Freezes,
		FrozenSeconds: g.s.cont.FrozenSeconds, MainLayerAtEnd: g.layers}
}

// weakPoint measures one point from the start of the window, when its link went bad.
func weakPoint(m *member, w window) WeakPoint {
	wp := WeakPoint{Identity: m.identity, Group: m.group, SwitchDownMs: -1, VideoStoppedMs: -1, MediaAgainMs: -1, KeyFrameAgainMs: -1, MainLayer: "none"}
	if mv, ok := m.mainVideo(0, 2); ok {
		if last := mv.end.LastAt; last.After(w.t0) && w.t1.Sub(last) > time.Second {
			wp.VideoStoppedMs = ms(last.Sub(w.t0))
		}
		for _, sw := range mv.end.SwitchLog {
			if sw.At.After(w.t0) && sw.To.Source == sw.From.Source && sw.To.Layer < sw.From.Layer {
				wp.SwitchDownMs = ms(sw.At.Sub(w.t0))
				break
			}
		}
	}
	if mv, ok := m.mainVideo(1, 2); ok && mv.media > 0 {
		wp.MainLayer = mv.end.Layer.String()
	}
	var late sums
	late.add(m.diff(1, 2))
	wp.KbpsLate = float64(m.snap[2].bytes-m.snap[1].bytes) * 8 / 1000 / m.snap[2].at.Sub(m.snap[1].at).Seconds()
	wp.VideoLossLate, wp.AudioLossLate = pct100(late.videoLost, late.videoExp), pct100(late.audioLost, late.audioExp)
	wp.AudioUnrepairedLate, wp.AudioRecoveredByRED = pct100(late.audioUnrep, late.audioExp), late.recovered
	var whole sums
	whole.add(m.diff(0, 2))
	wp.Freezes, wp.FrozenSeconds = whole.cont.Freezes, whole.cont.FrozenSeconds
	if m.shape != nil && m.shape.outageFor > 0 {
		end := w.t0.Add(m.shape.outageAfter + m.shape.outageFor)
		for _, s := range m.c.Stats.Silences() {
			if s.To.After(end) {
				wp.MediaAgainMs = ms(s.To.Sub(end))
				break
			}
		}
		if mv, ok := m.mainVideo(0, 2); ok {
			for _, k := range mv.end.KeyFrameLog {
				if k.After(end) {
					wp.KeyFrameAgainMs = ms(k.Sub(end))
					break
				}
			}
		}
	}
	if v, ok := w.views[m.identity]; ok {
		wp.ServerEstimateKbps, wp.ServerLayer, wp.ServerLossOut, wp.ServerAudioOnly, wp.ServerConnectionSays = v.EstimateKbps, v.Layer, v.LossOut, v.AudioOnly, v.State
	}
	return wp
}

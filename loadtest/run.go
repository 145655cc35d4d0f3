package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/phonghop/phonghop/sfu"
	"github.com/phonghop/phonghop/sfu/sfuclient"
)

// Config is one run. Main fills it from flags; tests set it directly.
type Config struct {
	Scenario string        // briefing-250, meetings-20x8 or weak-links
	Points   int           // simulated points (at most 500)
	Rooms    int           // meetings only
	Duration time.Duration // the measured window (at most 10 min)
	Warmup   time.Duration // after the last join, before measuring
	JoinRate float64       // points joining per second
	Speakers int           // briefing: points that speak now and then besides the chair
	Paged    bool          // briefing: thumbnails are the point's page of eight rather than the first eight
	// Weak links in a briefing, applied when the window starts.
	Constrained     float64 // fraction of points held to ConstrainedKbps towards them
	ConstrainedKbps int
	Lossy           int // points with LossyRate random loss both ways
	LossyRate       float64
	Outages         int // points whose link drops for OutageFor, 3 s into the window
	OutageFor       time.Duration
	Seed            uint64
	Out             string // directory for the JSON and Markdown reports (and the profile)
	CPUProfile      bool   // profile the server during the window
	Server          ServerCommand
	ServerLog       string // the server's log level (default warn)
	// Legacy runs the server on its previous forwarding path (sfu.Options.LegacyForwarding);
	// NoGSO turns UDP GSO off on the new one.
	Legacy, NoGSO bool
	// Judge is the share of points that judge everything (delay, continuity, layers, RED); the
	// others only count what they receive, with receiver reports off (NACKs and transport feedback
	// stay negotiated: the server keeps histories and estimates their links as for any point), so
	// that many points cost the tester little CPU. 0 means every point judges.
	Judge    float64
	Progress io.Writer // progress lines (nil: none)

	epoch time.Time
}

// limits keep every run bounded.
const (
	maxPoints   = 500
	maxDuration = 10 * time.Minute
	maxJoinRate = 100
)

func (c *Config) validate() error {
	switch c.Scenario {
	case "briefing-250", "meetings-20x8", "weak-links":
	default:
		return fmt.Errorf("loadtest: unknown scenario %q (briefing-250, meetings-20x8, weak-links)", c.Scenario)
	}
	if c.Points < 2 || c.Points > maxPoints {
		return fmt.Errorf("loadtest: -points must be 2..%d", maxPoints)
	}
	if c.Duration <= 0 || c.Duration > maxDuration {
		return fmt.Errorf("loadtest: -duration must be above 0 and at most %v", maxDuration)
	}
	if c.Warmup < 0 || c.Warmup > time.Minute {
		return errors.New("loadtest: -warmup must be 0..1m")
	}
	if c.JoinRate <= 0 || c.JoinRate > maxJoinRate {
		return fmt.Errorf("loadtest: -join-rate must be above 0 and at most %d per second", maxJoinRate)
	}
	if c.Scenario == "meetings-20x8" && (c.Rooms < 1 || c.Points/c.Rooms < 2) {
		return errors.New("loadtest: -rooms must leave at least two points per room")
	}
	if c.Constrained < 0 || c.Constrained > 1 || c.LossyRate < 0 || c.LossyRate > 1 || c.Lossy < 0 || c.Outages < 0 || c.OutageFor < 0 || c.OutageFor > time.Minute {
		return errors.New("loadtest: weak-link options out of range")
	}
	if c.Out == "" {
		return errors.New("loadtest: -out is required")
	}
	if c.Judge < 0 || c.Judge > 1 {
		return errors.New("loadtest: -judge must be 0..100%")
	}
	return nil
}

// member is a joined point and what the run knows of it.
type member struct {
	point
	c    *sfuclient.Client
	link *sfuclient.Link
	err  error
	snap [3]clientSnap // window start, middle, end
}

// Run starts the server under test in its own process, joins the scenario's points at the join
// rate, lets media flow through a warm-up, measures a window, and writes the reports. It stops by
// itself: joins, warm-up and window are bounded, and the context can cut it short.
func Run(ctx context.Context, c Config) (*Report, error) {
	if c.Server == nil {
		c.Server = DefaultServerCommand
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(c.Out, 0o755); err != nil {
		return nil, err
	}
	budget := time.Duration(float64(c.Points)/c.JoinRate*float64(time.Second)) + c.Warmup + c.Duration + 4*time.Minute
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	logf := func(format string, a ...any) {
		if c.Progress != nil {
			fmt.Fprintf(c.Progress, "loadtest: "+format+"\n", a...)
		}
	}

	logFile, err := os.Create(filepath.Join(c.Out, c.Scenario+".server.log"))
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	var args []string
	if c.ServerLog != "" {
		args = append(args, "-log", c.ServerLog)
	}
	if c.Legacy {
		args = append(args, "-legacy-forwarding")
	}
	if c.NoGSO {
		args = append(args, "-no-gso")
	}
	srv, err := startServer(ctx, c.Server, logFile, args...)
	if err != nil {
		return nil, err
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = srv.stop()
		}
	}()
	base, err := srv.sample()
	if err != nil {
		return nil, err
	}

	c.epoch = time.Now()
	total := time.Duration(float64(c.Points)/c.JoinRate*float64(time.Second)) + c.Warmup + c.Duration
	var plan []point
	switch c.Scenario {
	case "briefing-250":
		plan = briefing(&c, total)
	case "meetings-20x8":
		plan = meetings(&c, total)
	case "weak-links":
		plan = weakLinks(&c)
	}
	logf("%s: %d points joining at %.0f/s against %s", c.Scenario, len(plan), c.JoinRate, srv.url)
	var members []*member
	live := &joinedSet{}
	stopWatch := watch(ctx, srv, live, logf)
	defer stopWatch()
	members = join(ctx, srv, plan, c, live, logf)
	defer closeAll(members)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	logf("joined; warming up for %v", c.Warmup)
	if !sleep(ctx, c.Warmup) {
		return nil, ctx.Err()
	}
	// The window opens once every point receives media (or 30 s more have gone by), so a slow
	// start is measured as join time rather than as a hole in the window.
	waiting := time.Now()
	for !allMedia(members) && time.Since(waiting) < 30*time.Second {
		if !sleep(ctx, 200*time.Millisecond) {
			return nil, ctx.Err()
		}
	}

	// The measured window.
	c0, err := srv.counters()
	if err != nil {
		return nil, err
	}
	p0, err := srv.sample()
	if err != nil {
		return nil, err
	}
	me0, _ := readProc(os.Getpid())
	load0 := loadAverage()
	t0 := time.Now()
	snapAll(members, 0)
	shapeAll(ctx, members)
	var prof []byte
	var profErr error
	var profWG sync.WaitGroup
	if c.CPUProfile && c.Duration >= 2*time.Second {
		profWG.Add(1)
		go func() {
			defer profWG.Done()
			prof, profErr = srv.profile(c.Duration - time.Second)
		}()
	}
	logf("measuring for %v", c.Duration)
	// The middle snapshot splits the window into the first reaction to the weak links and the
	// settled state after; it waits until outages are over, when the window allows.
	mid := c.Duration / 2
	if after := 3*time.Second + c.maxOutage() + 2*time.Second; after > mid && after < c.Duration-time.Second {
		mid = after
	}
	if !sleep(ctx, mid) {
		return nil, ctx.Err()
	}
	snapAll(members, 1)
	if !sleep(ctx, c.Duration-mid) {
		return nil, ctx.Err()
	}
	snapAll(members, 2)
	t1 := time.Now()
	c1, err := srv.counters()
	if err != nil {
		return nil, err
	}
	p1, err := srv.sample()
	if err != nil {
		return nil, err
	}
	me1, _ := readProc(os.Getpid())
	load1 := loadAverage()
	views, _ := srv.pointStats()
	profWG.Wait()

	rep := report(&c, members, window{t0: t0, t1: t1, c0: c0, c1: c1, base: base, p0: p0, p1: p1, views: views,
		tester0: me0.cpu, tester1: me1.cpu, load0: load0, load1: load1})
	closeAll(members)
	stopped = true
	if err := srv.stop(); err != nil {
		rep.Notes = append(rep.Notes, "server stop: "+err.Error())
	}
	if c.CPUProfile {
		switch {
		case profErr != nil:
			rep.Notes = append(rep.Notes, "profile: "+profErr.Error())
		case prof != nil:
			path := filepath.Join(c.Out, c.Scenario+".server.pprof")
			if err := os.WriteFile(path, prof, 0o644); err != nil {
				return nil, err
			}
			rep.ProfilePath = path
			var err error
			rep.ProfileTop, err = pprofTop(ctx, srv.exe, path, 15)
			if err != nil {
				rep.Notes = append(rep.Notes, "pprof -top: "+err.Error())
			}
		}
	}
	return rep, writeReports(&c, rep)
}

// judges tells whether point i judges everything: all points without Judge, otherwise one in
// round(1/Judge) of them, the first (the chair) and every point on a weak link.
func (c *Config) judges(i int, p point) bool {
	if c.Judge <= 0 || c.Judge >= 1 || p.shape != nil || c.Scenario == "weak-links" {
		return true
	}
	every := max(1, int(1/c.Judge+0.5))
	return i%every == 0
}

// maxOutage is the longest outage the scenario puts on a point.
func (c *Config) maxOutage() time.Duration {
	if c.Scenario == "weak-links" {
		return 5 * time.Second
	}
	if c.Outages > 0 {
		return c.OutageFor
	}
	return 0
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// join brings the points in at the join rate, each in its own goroutine (a slow join does not
// hold up the next), and waits for all of them.
func join(ctx context.Context, srv *server, plan []point, c Config, live *joinedSet, logf func(string, ...any)) []*member {
	members := make([]*member, len(plan))
	var wg sync.WaitGroup
	every := time.Duration(float64(time.Second) / c.JoinRate)
	for i, p := range plan {
		m := &member{point: p}
		members[i] = m
		if i > 0 && !sleep(ctx, every) {
			m.err = ctx.Err()
			continue
		}
		tok, err := srv.token(p.room, p.identity, p.publish)
		if err != nil {
			m.err = err
			continue
		}
		o := sfuclient.Options{LoopbackOnly: true, Layout: p.layout, Talk: p.talk, NACKHistory: 64, Seed: c.Seed + uint64(i)}
		if !c.judges(i, p) {
			o.CountOnly, o.NoReports = true, true
		}
		if p.publish {
			o.Publish = []string{sfu.SourceMic, sfu.SourceCamera}
		}
		if p.shape != nil {
			m.link = sfuclient.NewLink(c.Seed*1000 + uint64(i))
			o.Link = m.link
		}
		chair := chairOf(plan, p.room) == p.identity
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.c, m.err = sfuclient.Join(srv.url, tok, o)
			if m.err == nil {
				live.add(m.c)
			}
			if m.err == nil && chair && c.Scenario != "meetings-20x8" {
				m.err = srv.command(p.room, "spotlight", p.identity)
			}
		}()
		if chair {
			wg.Wait() // the chair is in, and on the main screen, before anybody else comes
		}
		if (i+1)%50 == 0 {
			logf("%d of %d points joining", i+1, len(plan))
		}
	}
	wg.Wait()
	return members
}

// shapeAll applies every shaped point's link settings now and schedules its outage.
func shapeAll(ctx context.Context, members []*member) {
	for _, m := range members {
		if m.link == nil || m.shape == nil {
			continue
		}
		m.link.Set(m.shape.cfg)
		if m.shape.outageFor > 0 {
			link, s := m.link, m.shape
			go func() {
				if sleep(ctx, s.outageAfter) {
					link.Outage(s.outageFor)
				}
			}()
		}
	}
}

// closeAll makes every point leave, a few at a time.
func closeAll(members []*member) {
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for _, m := range members {
		if m.c == nil {
			continue
		}
		c := m.c
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			c.Close()
			<-sem
		}()
		if m.link != nil {
			defer m.link.Close()
		}
	}
	wg.Wait()
}

// watch logs, every 5 s while the run lasts, what the points receive and how late, and what the
// server spends: a run that goes wrong shows when and how.
func watch(ctx context.Context, srv *server, live *joinedSet, logf func(string, ...any)) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		var pkts int64
		delay, sendLag := &sfuclient.Histogram{}, &sfuclient.Histogram{}
		prev, _ := srv.sample()
		prevC, _ := srv.counters()
		for sleep(ctx, 5*time.Second) {
			var now int64
			d, lag := &sfuclient.Histogram{}, &sfuclient.Histogram{}
			for _, c := range live.list() {
				now += c.Stats.Packets.Load()
				d.Merge(&c.Stats.Delay)
				lag.Merge(&c.Stats.SendLag)
			}
			ps, _ := srv.sample()
			cs, _ := srv.counters()
			win := d.Sub(delay)
			lagWin := lag.Sub(sendLag)
			logf("  server in %.0f/s out %.0f/s, points received %.0f/s, delay p50 %v p99 %v, send lag p99 %v, server CPU %.0f%%, RSS %d MiB",
				float64(cs.PacketsIn-prevC.PacketsIn)/5, float64(cs.PacketsOut-prevC.PacketsOut)/5, float64(now-pkts)/5,
				win.Percentile(50), win.Percentile(99), lagWin.Percentile(99), 100*(ps.cpu-prev.cpu)/ps.at.Sub(prev.at).Seconds(), ps.rssKiB/1024)
			pkts, delay, sendLag, prev, prevC = now, d, lag, ps, cs
		}
	}()
	return func() { cancel(); <-done }
}

// joinedSet is the points joined so far, for watching while others still join.
type joinedSet struct {
	mu sync.Mutex
	cs []*sfuclient.Client
}

func (j *joinedSet) add(c *sfuclient.Client) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.cs = append(j.cs, c)
}

func (j *joinedSet) list() []*sfuclient.Client {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.cs
}

func allMedia(members []*member) bool {
	for _, m := range members {
		if m.c != nil && m.c.Stats.FirstMedia.Load() == 0 {
			return false
		}
	}
	return true
}

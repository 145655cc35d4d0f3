package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/phonghop/phonghop/agenda"
	"github.com/phonghop/phonghop/docs"
	"github.com/phonghop/phonghop/internal/api"
	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/directory"
	"github.com/phonghop/phonghop/internal/events"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
	"github.com/phonghop/phonghop/rooms"
)

// BenchmarkDocumentDownloads: 250 delegates, each with their own session, download the same
// 20 MB PDF at once over HTTP (the moment a meeting opens and every tablet fetches the
// documents). Reports the time of a round, the throughput, and the peak growth of the Go heap
// and of the memory taken from the OS over the state before the round. Clients run in the same
// process, so their read buffers (32 KB each) are counted too: the figures are an upper bound
// for the server. Every download must be complete and intact.
//
//	go test -run '^$' -bench DocumentDownloads -benchtime 3x ./internal/api
func BenchmarkDocumentDownloads(b *testing.B) {
	const readers = 250
	const size = 20 << 20
	ctx := context.Background()
	db := storetest.OpenSQLite(b, migrations()...)
	log := events.NewLog(nil, nil)
	rs := rooms.New(db, log, nil, nil)
	a := auth.NewService(db)
	org, err := directory.New(db).CreateOrganization(ctx, directory.Organization{Code: "UBND-T", Name: "Ủy ban nhân dân tỉnh", Abbreviation: "UBND", Level: directory.Province})
	if err != nil {
		b.Fatal(err)
	}
	var ids []int64
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		for i := 0; i <= readers; i++ {
			u, err := directory.CreateUser(ctx, tx, directory.User{Username: fmt.Sprintf("daibieu%04d", i), FullName: fmt.Sprintf("Đại biểu %d", i), OrganizationID: org.ID})
			if err != nil {
				return err
			}
			ids = append(ids, u.ID)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO user_roles (user_id, role, organization_id) VALUES (?, 'secretary', ?)`, ids[0], org.ID)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	secretary, _ := a.Principal(ctx, ids[0])
	start := time.Now().Add(-time.Hour)
	m, err := rs.Create(ctx, secretary, rooms.MeetingInput{OrganizationID: org.ID, Title: "Hội nghị", Kind: rooms.InPerson, Place: "Hội trường",
		StartsAt: start, EndsAt: start.Add(4 * time.Hour), ChairID: &ids[1], SecretaryID: &ids[0]})
	if err != nil {
		b.Fatal(err)
	}
	secM, _ := rs.Member(ctx, db.Reader(), m.ID, secretary)
	var inv []rooms.Invitee
	for _, id := range ids[2:] {
		inv = append(inv, rooms.Invitee{UserID: &id, Role: rooms.RoleDelegate})
	}
	if _, err := rs.Invite(ctx, secM, inv); err != nil {
		b.Fatal(err)
	}
	if _, err := rs.Transition(ctx, secM, "schedule"); err != nil {
		b.Fatal(err)
	}
	blobs, err := docs.NewDirStore(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	ds := docs.New(db, log, blobs, 100<<20)
	// A PDF header, 20 MB of comment lines, and the end marker: what the content check needs.
	pdf := bytes.NewBufferString("%PDF-1.4\n")
	line := bytes.Repeat([]byte("%"), 99)
	line[98] = '\n'
	for pdf.Len() < size-16 {
		pdf.Write(line)
	}
	pdf.WriteString("%%EOF\n")
	want := pdf.Len()
	doc, err := ds.Upload(ctx, docs.Viewer{UserID: ids[0], Role: "secretary", Organizer: true}, m.ID, docs.Meta{Title: "Báo cáo tổng hợp"}, "bao-cao.pdf", pdf)
	if err != nil {
		b.Fatal(err)
	}
	var cookies []string
	for _, id := range ids[1:] {
		tok, _, err := a.StartSession(ctx, id, "127.0.0.1", "bench")
		if err != nil {
			b.Fatal(err)
		}
		cookies = append(cookies, tok)
	}
	srv := httptest.NewServer(api.New(api.Config{}, api.Deps{DB: db, Auth: a, Directory: directory.New(db), Rooms: rs,
		Agenda: agenda.New(db, log), Docs: ds, Log: slog.New(slog.DiscardHandler)}))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: readers, MaxConnsPerHost: readers, DisableCompression: true}}
	url := fmt.Sprintf("%s/api/meetings/%d/documents/%d/file", srv.URL, m.ID, doc.ID)

	var peakHeap, peakSys uint64
	var busy time.Duration
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		b.StopTimer()
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		stop := make(chan struct{})
		sampled := make(chan struct{})
		var heap, sys atomic.Uint64
		go func() { // samples memory every 20 ms while the round runs
			defer close(sampled)
			t := time.NewTicker(20 * time.Millisecond)
			defer t.Stop()
			for {
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > base.HeapInuse && ms.HeapInuse-base.HeapInuse > heap.Load() {
					heap.Store(ms.HeapInuse - base.HeapInuse)
				}
				if ms.Sys > base.Sys && ms.Sys-base.Sys > sys.Load() {
					sys.Store(ms.Sys - base.Sys)
				}
				select {
				case <-stop:
					return
				case <-t.C:
				}
			}
		}()
		b.StartTimer()
		var wg sync.WaitGroup
		var failed sync.Map
		t0 := time.Now()
		for i := 0; i < readers; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest("GET", url, nil)
				req.AddCookie(&http.Cookie{Name: api.SessionCookie, Value: cookies[i]})
				resp, err := client.Do(req)
				if err != nil {
					failed.Store(i, err.Error())
					return
				}
				got, err := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || err != nil || got != int64(want) {
					failed.Store(i, fmt.Sprintf("status %d, %d of %d bytes, %v", resp.StatusCode, got, want, err))
				}
			}()
		}
		wg.Wait()
		busy += time.Since(t0)
		b.StopTimer()
		close(stop)
		<-sampled
		failed.Range(func(k, v any) bool { b.Fatalf("download %v: %v", k, v); return false })
		peakHeap = max(peakHeap, heap.Load())
		peakSys = max(peakSys, sys.Load())
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(busy.Seconds()/float64(b.N), "s/round")
	b.ReportMetric(float64(readers)*float64(want)*float64(b.N)/busy.Seconds()/(1<<20), "MB/s")
	b.ReportMetric(float64(peakHeap)/(1<<20), "heap_growth_MB")
	b.ReportMetric(float64(peakSys)/(1<<20), "sys_growth_MB")
}

package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
)

// vietnamese reports whether s has Vietnamese letters (a message written for the user).
func vietnamese(s string) bool { return strings.ContainsAny(s, "ạảấầđưởếộơ") }

// TestRegisterRefusesBadDatesAndUnits: the register's route answers 400 with the field and a
// Vietnamese message for a date decades away and for a unit with "/".
func TestRegisterRefusesBadDatesAndUnits(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		e := newMeetingEnv(t, db)
		today := time.Now().In(time.FixedZone("ICT", 7*3600))
		for _, c := range []struct{ date, unit, field string }{
			{today.AddDate(-40, 0, 0).Format("2006-01-02"), "VP", "doc_date"},
			{today.AddDate(30, 0, 0).Format("2006-01-02"), "VP", "doc_date"},
			{today.Format("2006-01-02"), "UBND-V/X", "unit"},
		} {
			var out apiError
			st := e.sec.do("POST", "/api/register/entries", map[string]any{"organization_id": e.org.ID, "doc_type": "CV", "unit": c.unit,
				"doc_date": c.date, "summary": "V/v chuẩn bị hội nghị", "signer": "Trần Văn B"}, &out)
			if st != 400 || out.Error.Field != c.field || !vietnamese(out.Error.Message) {
				t.Errorf("%s %q: %d %+v", c.date, c.unit, st, out)
			}
		}
		var entry struct{ Symbol string }
		if st := e.sec.do("POST", "/api/register/entries", map[string]any{"organization_id": e.org.ID, "doc_type": "CV", "unit": "VP",
			"summary": "V/v chuẩn bị hội nghị", "signer": "Trần Văn B"}, &entry); st != 201 || entry.Symbol != "01/UBND-VP" {
			t.Fatalf("a valid filing after the refused ones: %d %+v (a refused one took a number?)", st, entry)
		}
	})
}

// TestEdXMLImportRefusesNonXML: a body declared JSON or text is 415; one that claims XML (or
// declares nothing) but is not is 400; both in JSON with a Vietnamese message.
func TestEdXMLImportRefusesNonXML(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		e := newMeetingEnv(t, db)
		for _, c := range []struct {
			ct, body string
			want     int
		}{
			{"application/json", `{"header":{"code":"01"}}`, 415},
			{"text/plain", `<edXML:envelope/>`, 415},
			{"multipart/form-data; boundary=x", "--x--", 415},
			{"application/xml", `{"header":{"code":"01"}}`, 400},
			{"text/xml", "%PDF-1.7\n", 400},
			{"", `{"header":{}}`, 400},
			{"application/xml", "   ", 400},
		} {
			st, body := e.sec.raw("POST", "/api/register/incoming", c.ct, strings.NewReader(c.body), nil)
			var out apiError
			if json.Unmarshal(body, &out) != nil || st != c.want || !vietnamese(out.Error.Message) {
				t.Errorf("%q %q: %d %s, want %d with a Vietnamese JSON error", c.ct, c.body, st, body, c.want)
			}
		}
	})
}

// TestSecurityHeaders: every response, the app's pages and the API's JSON alike, carries the
// content security policy, refuses framing, and turns off sniffing and cross-site referrers.
func TestSecurityHeaders(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		for _, path := range []string{"/", "/api/auth/session", "/healthz", "/api/nothing-here"} {
			resp, err := http.Get(e.srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			h := resp.Header
			csp := h.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("%s: CSP %q lacks %q", path, csp, want)
				}
			}
			if strings.Contains(csp, "script-src 'self' 'unsafe") {
				t.Errorf("%s: scripts may run inline: %q", path, csp)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "same-origin" || h.Get("X-Frame-Options") != "DENY" {
				t.Errorf("%s: headers %v", path, h)
			}
		}
	})
}

// TestSocketCapPerSession: one sign-in holds at most 8 live meeting sockets; the ninth is
// refused with 429 and a reason; another sign-in is not affected, and a closed socket frees its
// place.
func TestSocketCapPerSession(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		e := newMeetingEnv(t, db)
		url := "ws" + strings.TrimPrefix(e.srv.URL, "http") + e.path("/ws")
		dial := func(c *client) (*websocket.Conn, int, string) {
			d := websocket.Dialer{Jar: c.http.Jar, HandshakeTimeout: 5 * time.Second}
			conn, resp, err := d.Dial(url, nil)
			if err != nil {
				if resp == nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				return nil, resp.StatusCode, string(b)
			}
			return conn, 101, ""
		}
		var open []*websocket.Conn
		defer func() {
			for _, c := range open {
				c.Close()
			}
		}()
		for i := 0; i < 8; i++ {
			c, st, body := dial(e.sec)
			if c == nil {
				t.Fatalf("socket %d refused: %d %s", i+1, st, body)
			}
			open = append(open, c)
		}
		if c, st, body := dial(e.sec); c != nil || st != 429 || !strings.Contains(body, "quá nhiều kết nối") {
			t.Fatalf("ninth socket of one sign-in: %d %s", st, body)
		}
		other := e.login("thuky", "mat-khau-thuky")
		if c, st, body := dial(other); c == nil {
			t.Fatalf("a second sign-in was refused: %d %s", st, body)
		} else {
			c.Close()
		}
		open[0].Close()
		open = open[1:]
		deadline := time.Now().Add(10 * time.Second)
		for {
			c, st, _ := dial(e.sec)
			if c != nil {
				open = append(open, c)
				break
			}
			if st != 429 || time.Now().After(deadline) {
				t.Fatalf("place not freed after closing a socket: %d", st)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

// TestConfidentialEdXMLNeedsConfirmation: a confidential (mật) entry is exported as edXML only
// with the explicit confirmation, and the confirmed export is in the audit log.
func TestConfidentialEdXMLNeedsConfirmation(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		e := newMeetingEnv(t, db)
		var entry struct{ ID int64 }
		if st := e.sec.do("POST", "/api/register/entries", map[string]any{"organization_id": e.org.ID, "series": "confidential", "doc_type": "TB",
			"summary": "Thông báo mật", "signer": "Trần Văn B"}, &entry); st != 201 {
			t.Fatalf("file: %d", st)
		}
		path := "/api/register/entries/" + strconv.FormatInt(entry.ID, 10) + "/edxml"
		var out apiError
		if st := e.sec.do("GET", path, nil, &out); st != 409 || !strings.Contains(out.Error.Message, "văn bản mật") {
			t.Fatalf("unconfirmed export of a confidential entry: %d %+v", st, out)
		}
		if st, _ := e.sec.raw("GET", path+"?confirm_confidential=1", "", nil, nil); st != 200 {
			t.Fatalf("confirmed export: %d", st)
		}
		admin := e.login("admin", "mat-khau-admin")
		if rows := auditRows(t, admin, "action=export&object=register_entry:"+strconv.FormatInt(entry.ID, 10)); len(rows) != 1 || !strings.Contains(rows[0].Detail, "confirm_confidential=1") {
			t.Fatalf("audit of the confirmed export: %+v", rows)
		}
	})
}

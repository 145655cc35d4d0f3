package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/phonghop/phonghop/agenda"
	"github.com/phonghop/phonghop/docs"
	"github.com/phonghop/phonghop/docs/register"
	"github.com/phonghop/phonghop/internal/api"
	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/bus"
	"github.com/phonghop/phonghop/internal/directory"
	"github.com/phonghop/phonghop/internal/events"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
	"github.com/phonghop/phonghop/rooms"
)

// env is a real API over a real database and an embedded NATS.
type env struct {
	t     testing.TB
	db    *store.DB
	srv   *httptest.Server
	org   directory.Organization
	clock *time.Time
	media *auth.TokenSigner
	bus   *bus.Bus
	rooms *rooms.Service
	docs  *docs.Service
	api   *api.Server
	// blobDir holds the stored files, for tests that change one behind the server's back.
	blobDir string
}

func newEnv(t *testing.T, db *store.DB) *env {
	return newEnvOn(t, db, bus.Config{DataDir: t.TempDir()})
}

// newEnvOn is newEnv on a given bus (embedded or external NATS); with changes each adjust the
// server's dependencies before it is built.
func newEnvOn(t testing.TB, db *store.DB, busCfg bus.Config, with ...func(*api.Deps)) *env {
	ctx := context.Background()
	clock := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	e := &env{t: t, db: db, clock: &clock}
	db.Now = func() time.Time { return *e.clock }
	b, err := bus.Open(ctx, busCfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	e.bus = b
	a, d := auth.NewService(db), directory.New(db)
	if e.org, err = d.CreateOrganization(ctx, directory.Organization{Code: "UBND-T", Name: "UBND tỉnh", Abbreviation: "UBND", Level: directory.Province}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []auth.NewAccount{
		{User: directory.User{Username: "admin", FullName: "Quản trị", OrganizationID: e.org.ID}, Password: "mat-khau-admin", Roles: []auth.RoleGrant{{Role: auth.RoleAdmin}}},
		{User: directory.User{Username: "thuky", FullName: "Thư ký", OrganizationID: e.org.ID}, Password: "mat-khau-thuky", Roles: []auth.RoleGrant{{Role: auth.RoleSecretary, OrganizationID: &e.org.ID}}},
		{User: directory.User{Username: "daibieu", FullName: "Đại biểu", OrganizationID: e.org.ID}, Password: "mat-khau-daibieu"},
	} {
		if _, err := a.CreateAccount(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	log := events.NewLog(b, nil)
	e.blobDir = t.TempDir()
	blobs, err := docs.NewDirStore(e.blobDir)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := docs.SelfSignedSigner("Văn phòng UBND tỉnh", "UBND tỉnh")
	if err != nil {
		t.Fatal(err)
	}
	media, err := auth.NewTokenSigner([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	e.media, e.bus, e.rooms, e.docs = media, b, rooms.New(db, log, b, nil), docs.New(db, log, blobs, 1<<20)
	deps := api.Deps{DB: db, Bus: b, Auth: a, Directory: d,
		Rooms: e.rooms, Agenda: agenda.New(db, log), Docs: e.docs, Register: register.New(db), Signer: signer, Media: media, Log: slog.New(slog.DiscardHandler)}
	for _, f := range with {
		f(&deps)
	}
	e.api = api.New(api.Config{}, deps)
	e.srv = httptest.NewServer(e.api)
	t.Cleanup(e.srv.Close)
	return e
}

// client is a browser-like session: cookie jar plus the CSRF token from login.
type client struct {
	e    *env
	http *http.Client
	csrf string
}

func (e *env) anon() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, http: &http.Client{Jar: jar}}
}

func (e *env) login(username, password string) *client {
	c := e.anon()
	var out struct {
		CSRFToken string `json:"csrf_token"`
	}
	if st := c.do("POST", "/api/auth/login", map[string]string{"username": username, "password": password}, &out); st != 200 {
		e.t.Fatalf("login %s: status %d", username, st)
	}
	c.csrf = out.CSRFToken
	return c
}

type apiError struct {
	Error struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		MessageEN string `json:"message_en"`
		Field     string `json:"field"`
	} `json:"error"`
}

// raw sends a request with a literal body and headers, returning status and body.
func (c *client) raw(method, path, contentType string, body io.Reader, hdr map[string]string) (int, []byte) {
	req, _ := http.NewRequest(method, c.e.srv.URL+path, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (c *client) do(method, path string, in, out any) int {
	var body io.Reader
	ct := ""
	if in != nil {
		b, _ := json.Marshal(in)
		body, ct = bytes.NewReader(b), "application/json"
	}
	st, b := c.raw(method, path, ct, body, nil)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			c.e.t.Fatalf("%s %s: decode %q: %v", method, path, b, err)
		}
	}
	return st
}

func (e *env) count(table string) int {
	var n int
	if err := e.db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func migrations() []store.Migrations {
	return []store.Migrations{directory.Migrations(), auth.Migrations(), events.Migrations(), rooms.Migrations(),
		agenda.Migrations(), docs.Migrations(), rooms.SessionMigrations(), register.Migrations()}
}

func TestHealthAndSession(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		anon := e.anon()
		var ready struct {
			Status string
			Checks map[string]string
		}
		if st := anon.do("GET", "/readyz", nil, &ready); st != 200 || ready.Checks["database"] != "ok" || ready.Checks["bus"] != "ok" {
			t.Fatalf("readyz %d %+v", st, ready)
		}
		st, body := anon.raw("GET", "/metrics", "", nil, nil)
		if st != 200 || !bytes.Contains(body, []byte("phonghop_http_requests_total")) {
			t.Fatalf("metrics %d", st)
		}
		if st := anon.do("GET", "/api/auth/session", nil, nil); st != 401 {
			t.Fatalf("session without cookie: %d", st)
		}
		c := e.login("thuky", "mat-khau-thuky")
		var sess struct {
			User struct {
				Username string
				IsAdmin  bool `json:"is_admin"`
				Roles    []auth.RoleGrant
			}
			CSRFToken string `json:"csrf_token"`
		}
		if st := c.do("GET", "/api/auth/session", nil, &sess); st != 200 || sess.User.Username != "thuky" || sess.User.IsAdmin || len(sess.User.Roles) != 1 || sess.CSRFToken != c.csrf {
			t.Fatalf("session %d %+v", st, sess)
		}
		var mine struct{ Items []directory.Organization }
		if st := c.do("GET", "/api/me/organizations", nil, &mine); st != 200 || len(mine.Items) != 1 || mine.Items[0].ID != e.org.ID {
			t.Fatalf("my organizations %d %+v", st, mine)
		}
		if st := c.do("POST", "/api/auth/logout", nil, nil); st != 204 {
			t.Fatalf("logout %d", st)
		}
		if st := c.do("GET", "/api/auth/session", nil, nil); st != 401 {
			t.Fatalf("session after logout: %d", st)
		}
	})
}

// TestBadInput sends each kind of bad request and checks the status, the error code, that the
// message is there in both languages, and that nothing changed.
func TestBadInput(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		admin := e.login("admin", "mat-khau-admin")
		validOrg := `{"parent_id":` + itoa(e.org.ID) + `,"code":"H1","name":"UBND huyện 1","abbreviation":"UBND","level":"district"}`
		cases := []struct {
			name, method, path, ctype, body string
			hdr                             map[string]string
			as                              *client
			status                          int
			code, field                     string
		}{
			{"wrong password", "POST", "/api/auth/login", "application/json", `{"username":"admin","password":"sai-mat-khau"}`, nil, e.anon(), 401, "unauthenticated", ""},
			{"unknown user", "POST", "/api/auth/login", "application/json", `{"username":"khongco","password":"sai-mat-khau"}`, nil, e.anon(), 401, "unauthenticated", ""},
			{"empty login", "POST", "/api/auth/login", "application/json", `{"username":"","password":""}`, nil, e.anon(), 400, "invalid", ""},
			{"no session", "POST", "/api/organizations", "application/json", validOrg, nil, e.anon(), 401, "unauthenticated", ""},
			{"forged session", "GET", "/api/organizations", "", "", map[string]string{"Cookie": api.SessionCookie + "=forged"}, e.anon(), 401, "unauthenticated", ""},
			{"missing CSRF", "POST", "/api/organizations", "application/json", validOrg, map[string]string{"X-CSRF-Token": ""}, admin, 403, "forbidden", ""},
			{"wrong CSRF", "POST", "/api/organizations", "application/json", validOrg, map[string]string{"X-CSRF-Token": "wrong"}, admin, 403, "forbidden", ""},
			{"cross-origin", "POST", "/api/organizations", "application/json", validOrg, map[string]string{"Origin": "https://evil.example"}, admin, 403, "forbidden", ""},
			{"malformed JSON", "POST", "/api/organizations", "application/json", `{"code":`, nil, admin, 400, "invalid", ""},
			{"not JSON", "POST", "/api/organizations", "text/plain", validOrg, nil, admin, 415, "unsupported", ""},
			{"unknown field", "POST", "/api/organizations", "application/json", `{"code":"H2","name":"x","abbreviation":"UBND","level":"district","mayor":"x"}`, nil, admin, 400, "invalid", "mayor"},
			{"wrong type", "POST", "/api/organizations", "application/json", `{"code":5}`, nil, admin, 400, "invalid", "code"},
			{"trailing data", "POST", "/api/organizations", "application/json", validOrg + `{}`, nil, admin, 400, "invalid", ""},
			{"oversize body", "POST", "/api/organizations", "application/json", `{"name":"` + strings.Repeat("a", 2<<20) + `"}`, nil, admin, 413, "too_large", ""},
			{"missing name", "POST", "/api/organizations", "application/json", `{"parent_id":1,"code":"H3","abbreviation":"UBND","level":"district"}`, nil, admin, 400, "invalid", "name"},
			{"bad level", "POST", "/api/organizations", "application/json", `{"parent_id":1,"code":"H3","name":"x","abbreviation":"UBND","level":"city"}`, nil, admin, 400, "invalid", "level"},
			{"unknown parent", "POST", "/api/organizations", "application/json", `{"parent_id":999,"code":"H3","name":"x","abbreviation":"UBND","level":"district"}`, nil, admin, 400, "invalid", "parent_id"},
			{"duplicate code", "POST", "/api/organizations", "application/json", `{"code":"UBND-T","name":"x","abbreviation":"UBND","level":"province"}`, nil, admin, 409, "conflict", "code"},
			{"secretary creates org", "POST", "/api/organizations", "application/json", validOrg, nil, e.login("thuky", "mat-khau-thuky"), 403, "forbidden", ""},
			{"delegate creates user", "POST", "/api/users", "application/json", `{"username":"x","password":"mat-khau-dai-1","full_name":"X","organization_id":1}`, nil, e.login("daibieu", "mat-khau-daibieu"), 403, "forbidden", ""},
			{"delegate lists users", "GET", "/api/users", "", "", nil, e.login("daibieu", "mat-khau-daibieu"), 403, "forbidden", ""},
			{"delegate resets password", "POST", "/api/users/1/password", "application/json", `{"new_password":"mat-khau-moi-1"}`, nil, e.login("daibieu", "mat-khau-daibieu"), 403, "forbidden", ""},
			{"duplicate username", "POST", "/api/users", "application/json", `{"username":"thuky","password":"mat-khau-dai-1","full_name":"X","organization_id":` + itoa(e.org.ID) + `}`, nil, admin, 409, "conflict", "username"},
			{"short password", "POST", "/api/users", "application/json", `{"username":"moi","password":"ngan","full_name":"X","organization_id":` + itoa(e.org.ID) + `}`, nil, admin, 400, "invalid", "password"},
			{"bad point org", "POST", "/api/meeting-points", "application/json", `{"organization_id":999,"code":"DC9","name":"x"}`, nil, admin, 400, "invalid", "organization_id"},
			{"bad id", "GET", "/api/organizations/abc", "", "", nil, admin, 400, "invalid", ""},
			{"missing org", "GET", "/api/organizations/999", "", "", nil, admin, 404, "not_found", ""},
			{"unknown route", "GET", "/api/nothing", "", "", nil, admin, 404, "not_found", ""},
		}
		beforeOrgs, beforeUsers, beforePoints := e.count("organizations"), e.count("users"), e.count("meeting_points")
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				var body io.Reader
				if tc.body != "" {
					body = strings.NewReader(tc.body)
				}
				st, b := tc.as.raw(tc.method, tc.path, tc.ctype, body, tc.hdr)
				var out apiError
				_ = json.Unmarshal(b, &out)
				if st != tc.status || out.Error.Code != tc.code || out.Error.Field != tc.field {
					t.Fatalf("got %d %s field=%q (%s), want %d %s field=%q", st, out.Error.Code, out.Error.Field, b, tc.status, tc.code, tc.field)
				}
				if out.Error.Message == "" || out.Error.MessageEN == "" {
					t.Fatalf("error without both messages: %s", b)
				}
			})
		}
		if e.count("organizations") != beforeOrgs || e.count("users") != beforeUsers || e.count("meeting_points") != beforePoints {
			t.Fatal("bad input changed the data")
		}
	})
}

func TestAdminCreatesAndSessionsExpire(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		admin := e.login("admin", "mat-khau-admin")
		var d directory.Organization
		if st := admin.do("POST", "/api/organizations", map[string]any{"parent_id": e.org.ID, "code": "H-DS", "name": "UBND huyện Đông Sơn", "abbreviation": "UBND", "level": "district"}, &d); st != 201 || d.ID == 0 {
			t.Fatalf("create district: %d %+v", st, d)
		}
		var p directory.MeetingPoint
		if st := admin.do("POST", "/api/meeting-points", map[string]any{"organization_id": d.ID, "code": "DC-DS", "name": "Điểm cầu Đông Sơn"}, &p); st != 201 || p.OrganizationID != d.ID {
			t.Fatalf("create point: %d %+v", st, p)
		}
		var u struct {
			ID    int64
			Roles []auth.RoleGrant
		}
		if st := admin.do("POST", "/api/users", map[string]any{"username": "thuky.ds", "password": "mat-khau-ds-1", "full_name": "Vũ Thanh Hương",
			"organization_id": d.ID, "roles": []map[string]any{{"role": "secretary", "organization_id": d.ID}}}, &u); st != 201 || len(u.Roles) != 1 {
			t.Fatalf("create user: %d %+v", st, u)
		}
		ds := e.login("thuky.ds", "mat-khau-ds-1")
		var users struct{ Items []directory.User }
		// Secretaries pick invitees from the whole directory; people without a role see no list.
		if st := ds.do("GET", "/api/users", nil, &users); st != 200 || len(users.Items) != 4 {
			t.Fatalf("district secretary sees %d %+v", st, users)
		}
		if st := e.login("daibieu", "mat-khau-daibieu").do("GET", "/api/users", nil, nil); st != 403 {
			t.Fatalf("a delegate listed users: %d", st)
		}
		// Admin resets the password: the old one stops working, the user's sessions end.
		if st := admin.do("POST", "/api/users/"+itoa(u.ID)+"/password", map[string]string{"new_password": "mat-khau-moi-22"}, nil); st != 204 {
			t.Fatalf("reset: %d", st)
		}
		if st := ds.do("GET", "/api/auth/session", nil, nil); st != 401 {
			t.Fatalf("session after reset: %d", st)
		}
		e.login("thuky.ds", "mat-khau-moi-22")

		// Thirteen idle hours later the admin's session has expired.
		*e.clock = e.clock.Add(13 * time.Hour)
		var out apiError
		if st := admin.do("GET", "/api/auth/session", nil, &out); st != 401 || !strings.Contains(out.Error.MessageEN, "expired") {
			t.Fatalf("expired session: %d %+v", st, out)
		}
	})
}

func TestLoginRateLimit(t *testing.T) {
	db := storetest.OpenSQLite(t, migrations()...)
	e := newEnv(t, db)
	c := e.anon()
	for i := 0; i < auth.MaxFailuresPerUser; i++ {
		c.do("POST", "/api/auth/login", map[string]string{"username": "admin", "password": "wrong-password"}, nil)
	}
	var out apiError
	if st := c.do("POST", "/api/auth/login", map[string]string{"username": "admin", "password": "mat-khau-admin"}, &out); st != 429 || out.Error.Code != "rate_limited" {
		t.Fatalf("after %d failures: %d %+v", auth.MaxFailuresPerUser, st, out)
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

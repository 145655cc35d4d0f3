package api_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phonghop/phonghop/agenda"
	"github.com/phonghop/phonghop/docs/register"
	"github.com/phonghop/phonghop/internal/api"
	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/auth/oidctest"
	"github.com/phonghop/phonghop/internal/directory"
	"github.com/phonghop/phonghop/internal/events"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
)

// lockedBuffer collects the server's log lines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// ssoEnv is the meeting env with a second API node that offers province sign-in through a real
// OpenID provider ("tinh"), and a provider that is down ("ngung").
type ssoEnv struct {
	*meetingEnv
	node *env // the same database and bus, served by the node with single sign-on
	op   *oidctest.Server
	logs *lockedBuffer
}

func newSSOEnv(t *testing.T, db *store.DB) *ssoEnv {
	ctx := context.Background()
	me := newMeetingEnv(t, db)
	op, err := oidctest.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = op.Close() })
	down, err := oidctest.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_ = down.Close() // its address answers nothing now
	srv := httptest.NewUnstartedServer(nil)
	rp := "http://" + srv.Listener.Addr().String()
	op.AddClient(oidctest.Client{ID: "phonghop", Secret: "bi-mat", RedirectURIs: []string{rp + "/api/auth/sso/tinh/callback"},
		PostLogoutRedirectURIs: []string{rp + "/login"}})
	op.AddUser(oidctest.User{Subject: "s-001", Username: "lan", Password: "mk-lan", Name: "Nguyễn Thị Lan", OrgCode: "UBND-T", Title: "Chuyên viên"})
	logs := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	a := auth.NewService(db)
	sso, err := a.EnableSSO(auth.SSOConfig{Log: log, RefreshInterval: 15 * time.Minute, Providers: []auth.ProviderConfig{
		{Name: "tinh", DisplayName: "Cổng đăng nhập tỉnh", Issuer: op.URL, ClientID: "phonghop", ClientSecret: "bi-mat",
			RedirectURL: rp + "/api/auth/sso/tinh/callback", ClaimOrg: "org_code", ClaimTitle: "title"},
		{Name: "ngung", Issuer: down.URL, ClientID: "phonghop", RedirectURL: rp + "/api/auth/sso/ngung/callback"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	evlog := events.NewLog(me.bus, nil)
	srv.Config.Handler = api.New(api.Config{}, api.Deps{DB: db, Bus: me.bus, Auth: a, Directory: directory.New(db), Rooms: me.rooms,
		Agenda: agenda.New(db, evlog), Docs: me.docs, Register: register.New(db), Media: me.media, SSO: sso, Log: log})
	srv.Start()
	t.Cleanup(srv.Close)
	node := *me.env
	node.srv = srv
	_ = ctx
	return &ssoEnv{meetingEnv: me, node: &node, op: op, logs: logs}
}

// browser follows redirects with its own cookies, as a browser does; with stop set it halts at
// phonghop's callback so a test can alter or replay what the provider sent.
type browser struct {
	*client
	stop bool
}

func (e *ssoEnv) browser() *browser {
	jar, _ := cookiejar.New(nil)
	b := &browser{}
	b.client = &client{e: e.node, http: &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if b.stop && strings.HasPrefix(req.URL.Path, "/api/auth/sso/") && strings.HasSuffix(req.URL.Path, "/callback") {
			return http.ErrUseLastResponse
		}
		return nil
	}}}
	return b
}

func (b *browser) get(t *testing.T, u string) *http.Response {
	t.Helper()
	resp, err := b.http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// signIn goes from phonghop's province sign-in button through the provider's sign-in page. It
// returns the last response: phonghop's page when stop is off, else the provider's redirect to
// phonghop's callback.
func (b *browser) signIn(t *testing.T, provider, username, password string) *http.Response {
	t.Helper()
	form := b.get(t, b.e.srv.URL+"/api/auth/sso/"+provider+"/login")
	id := form.Request.URL.Query().Get("authRequestID")
	if id == "" {
		return form // the provider already knew this browser, or phonghop sent it back to the login page
	}
	resp, err := b.http.PostForm(form.Request.URL.Scheme+"://"+form.Request.URL.Host+"/login",
		url.Values{"authRequestID": {id}, "username": {username}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// landing is where phonghop finally sent the browser: "/" when signed in, or the sso_error code.
func landing(resp *http.Response) string {
	if e := resp.Request.URL.Query().Get("sso_error"); e != "" {
		return "error:" + e
	}
	return resp.Request.URL.Path
}

func (b *browser) session(t *testing.T) (int, *auth.Principal, string) {
	t.Helper()
	var out struct {
		User      *auth.Principal `json:"user"`
		CSRFToken string          `json:"csrf_token"`
	}
	st := b.do("GET", "/api/auth/session", nil, &out)
	return st, out.User, out.CSRFToken
}

func TestProviderSignInGetsSessionMediaTokenAndCSRF(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		e := newSSOEnv(t, db)
		var providers struct {
			Providers []auth.ProviderInfo `json:"providers"`
		}
		if st := e.node.anon().do("GET", "/api/auth/providers", nil, &providers); st != 200 || len(providers.Providers) != 2 || providers.Providers[0].DisplayName != "Cổng đăng nhập tỉnh" {
			t.Fatalf("providers: %d %+v", st, providers)
		}
		b := e.browser()
		if got := landing(b.signIn(t, "tinh", "lan", "mk-lan")); got != "/" {
			t.Fatalf("landed on %s; log:\n%s", got, e.logs)
		}
		st, p, csrf := b.session(t)
		if st != 200 || p.FullName != "Nguyễn Thị Lan" || p.Title != "Chuyên viên" || p.OrganizationID != e.org.ID || csrf == "" {
			t.Fatalf("session %d %+v", st, p)
		}
		b.csrf = csrf
		// Signing in again is the same person, brought up to the provider's claims.
		e.op.AddUser(oidctest.User{Subject: "s-001", Username: "lan", Password: "mk-lan", Name: "Nguyễn Thị Lan", OrgCode: "UBND-T", Title: "Phó trưởng phòng"})
		b2 := e.browser()
		if got := landing(b2.signIn(t, "tinh", "lan", "mk-lan")); got != "/" {
			t.Fatalf("second sign-in landed on %s", got)
		}
		_, p2, _ := b2.session(t)
		if p2.ID != p.ID || p2.Title != "Phó trưởng phòng" {
			t.Fatalf("second sign-in is %+v, first was %+v", p2, p)
		}

		// Invited to the meeting, the provider account gets a media join token, with CSRF.
		if st := e.sec.do("POST", e.path("/participants"), map[string]any{"invitees": []map[string]any{
			{"user_id": p.ID, "role": "delegate", "can_vote": true}}}, nil); st != 201 {
			t.Fatalf("invite: %d", st)
		}
		e.sec.do("POST", e.path("/transition"), map[string]string{"action": "schedule"}, nil)
		var tok struct{ Token string }
		if st := b.do("POST", e.path("/media-token"), nil, &tok); st != 200 {
			t.Fatalf("media token: %d", st)
		}
		if g, err := e.media.Verify(tok.Token); err != nil || g.Room != fmt.Sprintf("meeting-%d", e.meeting) || !g.Subscribe {
			t.Fatalf("grant %+v (%v)", g, err)
		}
		if st, _ := b.raw("POST", e.path("/media-token"), "", nil, map[string]string{"X-CSRF-Token": ""}); st != 403 {
			t.Fatalf("media token without CSRF: %d", st)
		}

		// The admin screen tells provider accounts from local ones.
		admin := e.login("admin", "mat-khau-admin")
		var users struct {
			Items []struct {
				ID            int64
				Username      string
				LocalPassword bool   `json:"local_password"`
				Provider      string `json:"provider"`
			}
		}
		if st := admin.do("GET", "/api/users", nil, &users); st != 200 {
			t.Fatalf("users: %d", st)
		}
		kinds := map[string]string{}
		for _, u := range users.Items {
			kinds[u.Username] = fmt.Sprint(u.LocalPassword, "/", u.Provider)
		}
		if kinds["tinh.lan"] != "false/tinh" || kinds["thuky"] != "true/" {
			t.Fatalf("account kinds %v", kinds)
		}
	})
}

func TestProviderSignInRefusals(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		e := newSSOEnv(t, db)
		usersBefore := e.count("users")
		// callback stops a sign-in at phonghop's callback and returns its URL.
		callback := func(b *browser) *url.URL {
			b.stop = true
			resp := b.signIn(t, "tinh", "lan", "mk-lan")
			b.stop = false
			u, err := resp.Location()
			if err != nil || !strings.HasSuffix(u.Path, "/callback") {
				t.Fatalf("no callback (%v): %d %s", err, resp.StatusCode, resp.Request.URL)
			}
			return u
		}
		refused := func(name string, b *browser, resp *http.Response, code string) {
			t.Helper()
			if got := landing(resp); got != "error:"+code {
				t.Errorf("%s: landed on %s, want error:%s", name, got, code)
			}
			if st, _, _ := b.session(t); st != 401 {
				t.Errorf("%s: a session was opened (%d)", name, st)
			}
			if !strings.Contains(e.logs.String(), "code="+code) {
				t.Errorf("%s: no log line with code=%s:\n%s", name, code, e.logs)
			}
		}

		b := e.browser()
		cb := callback(b)
		q := cb.Query()
		q.Set("state", "not-the-state")
		wrong := *cb
		wrong.RawQuery = q.Encode()
		refused("wrong state", b, b.get(t, wrong.String()), "state")

		b = e.browser()
		cb = callback(b)
		other := e.browser() // a callback carried to another browser (login CSRF) lacks its cookie
		refused("other browser", other, other.get(t, cb.String()), "state")
		refused("state used twice", b, b.get(t, cb.String()), "state")

		// A code already exchanged, brought back under a fresh state, is refused by the provider.
		b = e.browser()
		first := callback(b)
		if got := landing(b.get(t, first.String())); got != "/" {
			t.Fatalf("first sign-in: %s\n%s", got, e.logs)
		}
		b2 := e.browser()
		fresh := callback(b2)
		q = fresh.Query()
		q.Set("code", first.Query().Get("code"))
		fresh.RawQuery = q.Encode()
		refused("replayed code", b2, b2.get(t, fresh.String()), "code")

		// The person turned the sign-in down at the provider.
		b = e.browser()
		cb = callback(b)
		q = url.Values{"state": {cb.Query().Get("state")}, "error": {"access_denied"}, "error_description": {"người dùng từ chối"}}
		cb.RawQuery = q.Encode()
		refused("provider error", b, b.get(t, cb.String()), "provider")

		// A sign-in left at the provider's page for longer than ten minutes must start again.
		b = e.browser()
		cb = callback(b)
		*e.clock = e.clock.Add(11 * time.Minute)
		before := strings.Count(e.logs.String(), "sign-in started more than")
		refused("state expired", b, b.get(t, cb.String()), "state")
		if strings.Count(e.logs.String(), "sign-in started more than") != before+1 {
			t.Errorf("expired state not logged as such:\n%s", e.logs)
		}

		// A provider account deactivated in phonghop cannot sign in through the provider.
		if _, err := db.ExecContext(context.Background(), `UPDATE users SET active = ? WHERE username = 'tinh.lan'`, false); err != nil {
			t.Fatal(err)
		}
		b = e.browser()
		refused("deactivated here", b, b.signIn(t, "tinh", "lan", "mk-lan"), "account")
		if _, err := db.ExecContext(context.Background(), `UPDATE users SET active = ? WHERE username = 'tinh.lan'`, true); err != nil {
			t.Fatal(err)
		}

		for _, c := range []struct {
			name string
			sw   oidctest.Switches
			code string
		}{
			{"expired ID token", oidctest.Switches{ExpiredIDToken: true}, "token"},
			{"ID token for another audience", oidctest.Switches{WrongAudience: true}, "token"},
			{"ID token signed with an unpublished key", oidctest.Switches{ForeignKey: true}, "token"},
			{"userinfo for another subject", oidctest.Switches{UserinfoSubject: "s-999"}, "userinfo"},
		} {
			e.op.Set(c.sw)
			b := e.browser()
			refused(c.name, b, b.signIn(t, "tinh", "lan", "mk-lan"), c.code)
		}
		e.op.Set(oidctest.Switches{})

		b = e.browser()
		refused("provider down", b, b.get(t, e.node.srv.URL+"/api/auth/sso/ngung/login"), "unavailable")
		refused("unknown provider", b, b.get(t, e.node.srv.URL+"/api/auth/sso/khac/login"), "unknown_provider")

		e.op.AddUser(oidctest.User{Subject: "s-002", Username: "minh", Password: "mk-minh", Name: "Lê Văn Minh", OrgCode: "KHONG-CO"})
		b = e.browser()
		refused("organization not in the directory", b, b.signIn(t, "tinh", "minh", "mk-minh"), "organization")

		// The provider turns the person away at its own page while they are disabled.
		e.op.SetDisabled("s-001", true)
		b = e.browser()
		if resp := b.signIn(t, "tinh", "lan", "mk-lan"); resp.Request.URL.Host == strings.TrimPrefix(e.node.srv.URL, "http://") {
			t.Errorf("a disabled person came back to phonghop: %s", resp.Request.URL)
		}
		e.op.SetDisabled("s-001", false)

		// One person was created (lan, above); the refusals created nobody.
		if n := e.count("users"); n != usersBefore+1 {
			t.Errorf("users: %d, want %d", n, usersBefore+1)
		}
	})
}

func TestProviderKeyRotation(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		e := newSSOEnv(t, db)
		if got := landing(e.browser().signIn(t, "tinh", "lan", "mk-lan")); got != "/" {
			t.Fatalf("before rotation: %s", got)
		}
		// The old key is withdrawn at once: phonghop meets an unknown key id and fetches the keys again.
		if _, err := e.op.RotateKey(true); err != nil {
			t.Fatal(err)
		}
		if got := landing(e.browser().signIn(t, "tinh", "lan", "mk-lan")); got != "/" {
			t.Fatalf("after rotation: %s\n%s", got, e.logs)
		}
	})
}

func TestProviderSessionRefreshAndLogout(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		e := newSSOEnv(t, db)
		e.op.AddUser(oidctest.User{Subject: "s-003", Username: "hung", Password: "mk-hung", Name: "Phạm Văn Hùng", OrgCode: "UBND-T"})
		// A local account with the name a provider account would get is not taken over.
		local, err := auth.NewService(db).CreateAccount(context.Background(), auth.NewAccount{
			User: directory.User{Username: "tinh.hung", FullName: "Phạm Văn Hùng", OrganizationID: e.org.ID}, Password: "mat-khau-hung"})
		if err != nil {
			t.Fatal(err)
		}
		lan, hung := e.browser(), e.browser()
		for who, b := range map[string]*browser{"lan": lan, "hung": hung} {
			if got := landing(b.signIn(t, "tinh", who, "mk-"+who)); got != "/" {
				t.Fatalf("%s: %s", who, got)
			}
		}
		if _, p, _ := hung.session(t); p.ID == local.ID || p.Username == "tinh.hung" || !strings.HasPrefix(p.Username, "tinh.") {
			t.Fatalf("provider account %+v, local account %+v", p, local)
		}
		e.login("tinh.hung", "mat-khau-hung") // the local account still signs in with its password
		refreshes, _ := e.op.Counts()
		// Within the interval nobody asks the provider; past it, the refresh token is used.
		*e.clock = e.clock.Add(10 * time.Minute)
		if st, _, _ := lan.session(t); st != 200 {
			t.Fatalf("within interval: %d", st)
		}
		if n, _ := e.op.Counts(); n != refreshes {
			t.Fatalf("refreshed within the interval: %d → %d", refreshes, n)
		}
		e.op.SetDisabled("s-001", true)
		e.op.RemoveUser("s-003")
		*e.clock = e.clock.Add(6 * time.Minute)
		if st, _, _ := lan.session(t); st != 401 {
			t.Errorf("disabled at the provider, session still answers %d", st)
		}
		if st, _, _ := hung.session(t); st != 401 {
			t.Errorf("removed at the provider, session still answers %d", st)
		}
		if !strings.Contains(e.logs.String(), "sso: session ended at refresh") {
			t.Errorf("no log line for the ended session:\n%s", e.logs)
		}
		e.op.SetDisabled("s-001", false)

		// A person still active is refreshed and stays; the refresh token rotates.
		b := e.browser()
		if got := landing(b.signIn(t, "tinh", "lan", "mk-lan")); got != "/" {
			t.Fatalf("sign in again: %s", got)
		}
		for i := range 2 {
			*e.clock = e.clock.Add(16 * time.Minute)
			before, _ := e.op.Counts()
			if st, _, _ := b.session(t); st != 200 {
				t.Fatalf("refresh %d: session %d\n%s", i, st, e.logs)
			}
			if after, _ := e.op.Counts(); after != before+1 {
				t.Fatalf("refresh %d: provider saw %d refreshes, want %d", i, after, before+1)
			}
		}

		// Logout ends phonghop's session and sends the browser to end the provider's.
		_, _, csrf := b.session(t)
		b.csrf = csrf
		var out struct {
			LogoutURL string `json:"logout_url"`
		}
		if st := b.do("POST", "/api/auth/logout", nil, &out); st != 200 || !strings.HasPrefix(out.LogoutURL, e.op.URL) || !strings.Contains(out.LogoutURL, "id_token_hint=") {
			t.Fatalf("logout: %d %q", st, out.LogoutURL)
		}
		if st, _, _ := b.session(t); st != 401 {
			t.Fatalf("after logout: %d", st)
		}
		_, logoutsBefore := e.op.Counts()
		if resp := b.get(t, out.LogoutURL); resp.Request.URL.String() != e.node.srv.URL+"/login" {
			t.Fatalf("after the provider's logout the browser is at %s", resp.Request.URL)
		}
		if _, n := e.op.Counts(); n != logoutsBefore+1 {
			t.Fatalf("provider logouts %d → %d", logoutsBefore, n)
		}
		// The provider's session is over too: its sign-in page asks again.
		form := b.get(t, e.node.srv.URL+"/api/auth/sso/tinh/login")
		if form.Request.URL.Query().Get("authRequestID") == "" {
			t.Fatalf("the provider signed the browser in without asking: %s", form.Request.URL)
		}
		// A provider that cannot be reached at the check ends the session.
		b = e.browser()
		if got := landing(b.signIn(t, "tinh", "lan", "mk-lan")); got != "/" {
			t.Fatalf("sign in before the provider goes down: %s", got)
		}
		_ = e.op.Close()
		*e.clock = e.clock.Add(16 * time.Minute)
		if st, _, _ := b.session(t); st != 401 {
			t.Errorf("provider down at the check, session answers %d", st)
		}
		// A local account logs out as before.
		if st := e.sec.do("POST", "/api/auth/logout", nil, nil); st != 204 {
			t.Fatalf("local logout: %d", st)
		}
	})
}

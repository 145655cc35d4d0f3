// Package frontend holds the web app's source (TypeScript, built with Vite into dist/) and serves
// the built files from inside the binary.
//
// dist/ is produced by `make frontend`; only dist/.keep is committed, so `go build` works on a clean
// checkout without Node.js, and the server then says how to build the app instead of serving it.
package frontend

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed all:dist
var dist embed.FS

// Built reports whether the app was built into the binary.
func Built() bool {
	_, err := fs.Stat(dist, "dist/index.html")
	return err == nil
}

// Handler serves the built app. Paths that are not files get index.html, so the app's own
// routes (e.g. /meetings/42) survive a reload. Hashed assets are cached for a year.
func Handler() http.Handler {
	sub, _ := fs.Sub(dist, "dist")
	files := http.FileServer(http.FS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !Built() {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(notBuiltPage))
			return
		}
		p := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if p == "" || p == "." {
			p = "index.html"
		}
		if st, err := fs.Stat(sub, p); err != nil || st.IsDir() {
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/"
			w.Header().Set("Cache-Control", "no-cache")
			files.ServeHTTP(w, r2)
			return
		}
		if strings.HasSuffix(p, ".mjs") {
			// The PDF viewer's worker is an ES module; browsers insist on a JavaScript type.
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		}
		if strings.HasPrefix(p, "assets/") {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		files.ServeHTTP(w, r)
	})
}

const notBuiltPage = `<!doctype html><html lang="vi"><meta charset="utf-8"><title>phonghop</title>
<body style="font-family:sans-serif;max-width:40em;margin:4em auto">
<h1>Giao diện web chưa được biên dịch</h1>
<p>Chạy <code>make run</code> (cần Node.js) để biên dịch giao diện và khởi động máy chủ.</p>
<hr><p lang="en">The web app has not been built. Run <code>make run</code> (needs Node.js) to build it and start the server.</p>
</body></html>`

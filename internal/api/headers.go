package api

import "net/http"

// contentSecurityPolicy fits what the web app loads: its own scripts and styles from /assets
// (React sets element styles through the DOM, and the PDF viewer's text layer writes inline
// styles, hence 'unsafe-inline' for styles only), the PDF.js worker from the same origin, pages
// drawn into canvases and images from data: and blob: URLs, and the API, the meeting WebSocket
// and the media signaling on this origin. Media tracks arrive through WebRTC, which CSP does not
// govern. No page of the app is meant to be framed — the projector view opens in a window of its
// own on the room's screen — so frame-ancestors is 'none', which also keeps a hostile page from
// overlaying the vote buttons (clickjacking).
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; " +
	"media-src 'self' blob:; frame-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders are set on every response, the API's JSON and files included.
func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY") // for browsers that predate frame-ancestors
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(self), microphone=(self), display-capture=(self), geolocation=(), payment=()")
}

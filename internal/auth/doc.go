// Package auth owns credentials and access: password hashes, server-side sessions with CSRF
// tokens, login rate limiting, system roles and the permission checks built on them, and the
// signed join tokens that let a participant into a media room.
package auth

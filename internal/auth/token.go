package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// MediaGrant is what a signed join token lets its holder do in one media room. The room service
// issues it; the SFU checks the signature and expiry and trusts nothing else about meetings.
type MediaGrant struct {
	Room     string   `json:"room"`          // media room name, e.g. "meeting-42"
	Identity string   `json:"sub"`           // stable participant identity, e.g. "user-7" or "point-12"
	Name     string   `json:"name"`          // display name shown to others
	Publish  []string `json:"pub,omitempty"` // track kinds it may publish: "audio", "video", "screen"
	// Subscribe lets it receive others' media.
	Subscribe bool `json:"subscribe"`
	// StartMuted joins with audio muted by the room (delegates join muted by default).
	StartMuted bool `json:"start_muted,omitempty"`
	// SelfUnmute allows the holder to unmute itself after the chair muted it.
	SelfUnmute bool `json:"self_unmute,omitempty"`
	// Node is the signaling URL of the SFU node the room lives on.
	Node      string `json:"node,omitempty"`
	IssuedAt  int64  `json:"iat"`
	ExpiresAt int64  `json:"exp"`
}

// CanPublish reports whether the grant allows publishing a track of the given kind.
func (g MediaGrant) CanPublish(kind string) bool {
	for _, k := range g.Publish {
		if k == kind {
			return true
		}
	}
	return false
}

// Token errors; the SFU answers each with a refusal that says which.
var (
	ErrTokenMalformed = errors.New("token malformed")
	ErrTokenSignature = errors.New("token signature invalid")
	ErrTokenExpired   = errors.New("token expired")
)

const tokenContext = "phonghop-media-v1."

// TokenSigner signs and verifies media join tokens with HMAC-SHA256 and a shared key.
// A token is base64url(JSON grant) "." base64url(MAC), the MAC taken over a context string and
// the encoded grant so a token made for another purpose cannot be replayed here.
type TokenSigner struct {
	key []byte
	// Now is the clock; tests may replace it.
	Now func() time.Time
}

// NewTokenSigner makes a signer; the key must be at least 32 bytes.
func NewTokenSigner(key []byte) (*TokenSigner, error) {
	if len(key) < 32 {
		return nil, fmt.Errorf("auth: media token key must be at least 32 bytes (got %d)", len(key))
	}
	return &TokenSigner{key: append([]byte(nil), key...), Now: time.Now}, nil
}

// deriveContext separates derived keys from token MACs: no token MAC input starts with it, so a
// derived key never equals a token signature and holding one does not let anyone sign tokens.
const deriveContext = "phonghop-derive-v1."

// DeriveKey returns a key for another purpose (e.g. "turn" for TURN credentials) computed from the
// media token key, so every node that shares the token key shares it too without another setting
// to distribute. Different purposes give unrelated keys.
func (s *TokenSigner) DeriveKey(purpose string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(deriveContext))
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

func (s *TokenSigner) mac(payload string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(tokenContext))
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// Sign issues a token for g valid for ttl from now.
func (s *TokenSigner) Sign(g MediaGrant, ttl time.Duration) (string, error) {
	if g.Room == "" || g.Identity == "" {
		return "", errors.New("auth: a media grant needs a room and an identity")
	}
	now := s.Now()
	g.IssuedAt = now.Unix()
	g.ExpiresAt = now.Add(ttl).Unix()
	body, err := json.Marshal(g)
	if err != nil {
		return "", err
	}
	payload := base64.RawURLEncoding.EncodeToString(body)
	return payload + "." + base64.RawURLEncoding.EncodeToString(s.mac(payload)), nil
}

// Verify checks the token's signature and expiry and returns its grant.
func (s *TokenSigner) Verify(token string) (MediaGrant, error) {
	var g MediaGrant
	payload, sig, ok := strings.Cut(token, ".")
	if !ok || payload == "" || sig == "" || len(token) > 4096 {
		return g, ErrTokenMalformed
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return g, ErrTokenMalformed
	}
	if !hmac.Equal(got, s.mac(payload)) {
		return g, ErrTokenSignature
	}
	body, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return g, ErrTokenMalformed
	}
	if err := json.Unmarshal(body, &g); err != nil || g.Room == "" || g.Identity == "" {
		return MediaGrant{}, ErrTokenMalformed
	}
	if s.Now().Unix() >= g.ExpiresAt {
		return MediaGrant{}, ErrTokenExpired
	}
	return g, nil
}

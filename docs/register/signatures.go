package register

import (
	"context"
	"time"

	"github.com/phonghop/phonghop/internal/store"
)

// Signature records how one signature in a filed file was made.
type Signature struct {
	Revision    int       `json:"revision"` // 1: the first signature in the file
	Role        string    `json:"role"`     // "leader" or "seal"
	Method      string    `json:"method"`   // "token", "remote", "server"
	KeyLocation string    `json:"key_location"`
	Signer      string    `json:"signer"`
	CertSerial  string    `json:"cert_serial"`
	CertIssuer  string    `json:"cert_issuer"`
	SignedBy    *int64    `json:"signed_by,omitempty"`
	SignedAt    time.Time `json:"signed_at"`
}

// Signature roles.
const (
	RoleLeader = "leader"
	RoleSeal   = "seal"
)

// AddSignatures records the signatures of an entry's file inside its filing transaction.
func AddSignatures(ctx context.Context, tx *store.Tx, entryID int64, sigs []Signature) error {
	for _, s := range sigs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO register_signatures (entry_id, revision, role, method, key_location, signer,
			cert_serial, cert_issuer, signed_by, signed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			entryID, s.Revision, s.Role, s.Method, s.KeyLocation, s.Signer, s.CertSerial, s.CertIssuer, s.SignedBy, s.SignedAt); err != nil {
			return err
		}
	}
	return nil
}

// Signatures lists how an entry's file was signed.
func (r *Register) Signatures(ctx context.Context, entryID int64) ([]Signature, error) {
	rows, err := r.db.Reader().QueryContext(ctx, `SELECT revision, role, method, key_location, signer, cert_serial, cert_issuer, signed_by, signed_at
		FROM register_signatures WHERE entry_id = ? ORDER BY revision`, entryID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Signature{}
	for rows.Next() {
		var s Signature
		var at store.Time
		if err := rows.Scan(&s.Revision, &s.Role, &s.Method, &s.KeyLocation, &s.Signer, &s.CertSerial, &s.CertIssuer, &s.SignedBy, &at); err != nil {
			return nil, err
		}
		s.SignedAt = at.Time
		out = append(out, s)
	}
	return out, rows.Err()
}

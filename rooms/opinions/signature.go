package opinions

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/phonghop/phonghop/internal/errs"
	"github.com/phonghop/phonghop/internal/store"
)

// Signature is a member's signature of one answer revision. Verified and Trusted are filled by
// whoever checks it when it is read (the API, which holds the trust anchors).
type Signature struct {
	SHA256   string    `json:"sha256"`
	Method   string    `json:"method"` // remote or token
	Signer   string    `json:"signer"` // the certificate's common name
	Issuer   string    `json:"issuer"`
	Serial   string    `json:"serial"`
	SignedBy int64     `json:"signed_by"`
	SignedAt time.Time `json:"signed_at"`
	Verified bool      `json:"verified"` // the signature matches the answer as stored now
	Trusted  bool      `json:"trusted"`  // and its certificate chains to a trust anchor
	Problem  string    `json:"problem,omitempty"`
	CMS      []byte    `json:"-"`
}

// SignFunc signs the canonical bytes of an answer inside the transaction that stores the
// signature: its error leaves nothing stored (and, given with the answer, no answer either).
type SignFunc func(ctx context.Context, canonical []byte) (Signature, error)

// canonicalItem is one question's answer as signed; Question is its position, from 1.
type canonicalItem struct {
	Question int    `json:"question"`
	Choice   string `json:"choice"`
	Text     string `json:"text"`
}

// Canonical is the deterministic byte form of an answer that a member signs: JSON with fields in
// a fixed order, times in UTC to the microsecond (what both databases keep).
func Canonical(a Answer) []byte {
	items := make([]canonicalItem, len(a.Items))
	for i, it := range a.Items {
		items[i] = canonicalItem{i + 1, it.Choice, it.Text}
	}
	b, _ := json.Marshal(struct {
		Kind       string          `json:"kind"`
		FormID     int64           `json:"form_id"`
		Recipient  int64           `json:"recipient_id"`
		Revision   int             `json:"revision"`
		Items      []canonicalItem `json:"items"`
		Attachment string          `json:"attachment_sha256"`
		AnsweredBy int64           `json:"answered_by"`
		AnsweredAt string          `json:"answered_at"`
	}{"phonghop.opinion-answer.v1", a.FormID, a.RecipientID, a.Revision, items, a.attachmentSHA, a.AnsweredBy,
		a.AnsweredAt.UTC().Truncate(time.Microsecond).Format("2006-01-02T15:04:05.000000Z")})
	return b
}

// CanonicalSHA256 is the hash the member's key signs over (through the signed attributes).
func CanonicalSHA256(a Answer) string {
	sum := sha256.Sum256(Canonical(a))
	return hex.EncodeToString(sum[:])
}

// Sign adds the answerer's signature to their latest answer revision, once.
func (s *Service) Sign(ctx context.Context, f Form, v Viewer, answerID int64, sign SignFunc) (Answer, error) {
	var out Answer
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		cur, err := loadForm(ctx, tx, f.ID, store.ForUpdate(tx))
		if err != nil {
			return err
		}
		list, err := answers(ctx, tx, ` AND a.id = ?`, cur.ID, answerID)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return errs.E(errs.NotFound, "Không có ý kiến này.", "No such answer.")
		}
		if cur.Status != Open || tx.Now().After(cur.Deadline) {
			return errClosed
		}
		a := list[0]
		if a.AnsweredBy != v.UserID {
			return errs.E(errs.Forbidden, "Chỉ người đã gửi ý kiến mới ký được ý kiến đó.", "Only the person who sent an answer may sign it.")
		}
		if !a.Latest {
			return errs.E(errs.Conflict, "Ý kiến này đã có bản gửi sau; chỉ ký được bản mới nhất.", "A later answer replaces this one; only the latest can be signed.")
		}
		if out, err = signAnswer(ctx, tx, a, v.UserID, sign); err != nil {
			return err
		}
		return nil
	})
	return out, err
}

var errSignedOnce = errs.E(errs.Conflict, "Ý kiến này đã được ký số.", "This answer is already signed.")

// signAnswer signs a as read back in tx and stores the signature with it.
func signAnswer(ctx context.Context, tx *store.Tx, a Answer, by int64, sign SignFunc) (Answer, error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM opinion_answer_signatures WHERE answer_id = ?`, a.ID).Scan(&n); err != nil {
		return a, err
	}
	if n > 0 {
		return a, errSignedOnce
	}
	sig, err := sign(ctx, Canonical(a))
	if err != nil {
		return a, err
	}
	sig.SHA256, sig.SignedBy, sig.SignedAt = CanonicalSHA256(a), by, tx.Now()
	if _, err := tx.ExecContext(ctx, `INSERT INTO opinion_answer_signatures (answer_id, sha256, cms, method, signer, issuer, serial, signed_by, signed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, sig.SHA256, sig.CMS, sig.Method, sig.Signer, sig.Issuer, sig.Serial, by, sig.SignedAt); err != nil {
		if store.IsUniqueViolation(err) {
			return a, errSignedOnce
		}
		return a, fmt.Errorf("opinions: sign: %w", err)
	}
	a.Signature = &sig
	return a, nil
}

// withSignatures attaches the stored signatures to the answers.
func withSignatures(ctx context.Context, q store.Querier, list []Answer) error {
	if len(list) == 0 {
		return nil
	}
	index := map[int64]int{}
	for i := range list {
		index[list[i].ID] = i
	}
	rows, err := q.QueryContext(ctx, `SELECT s.answer_id, s.sha256, s.cms, s.method, s.signer, s.issuer, s.serial, s.signed_by, s.signed_at
		FROM opinion_answer_signatures s JOIN opinion_answers a ON a.id = s.answer_id WHERE a.form_id = ?`, list[0].FormID)
	if err != nil {
		return fmt.Errorf("opinions: signatures: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var sig Signature
		var at store.Time
		if err := rows.Scan(&id, &sig.SHA256, &sig.CMS, &sig.Method, &sig.Signer, &sig.Issuer, &sig.Serial, &sig.SignedBy, &at); err != nil {
			return err
		}
		sig.SignedAt = at.Time
		if i, ok := index[id]; ok {
			list[i].Signature = &sig
		}
	}
	return rows.Err()
}

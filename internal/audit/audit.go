// Package audit owns the audit log (nhật ký kiểm toán) an information-security dossier asks for:
// every security-relevant action — sign-ins and their failures, changes of rights, meeting and
// document changes, downloads of restricted documents, votes opened and closed, approvals,
// filings, media commands, exports — with who, when, from which address and under which request
// ID. A row is written inside the transaction of the action it records, so there is no action
// without its row and no row for an action that rolled back.
//
// The log is append-only (database triggers refuse UPDATE and DELETE, bar the retention job's
// deletes behind a checkpoint) and hash-chained like the register: each row's hash covers its
// columns and the previous row's hash, and Verify walks the chain.
//
// What the log never holds: how anyone voted. A vote's opening and closing are recorded with
// their counts; a ballot is not an audited action at all, so a secret vote leaves no link from a
// voter to a choice here.
//
// The tables ship with package auth's migrations (every component that records depends on
// accounts already), numbered 190 onwards.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/phonghop/phonghop/internal/store"
)

// Actions with a fixed name; meeting events are recorded under their own type (vote.opened, …).
const (
	SignIn         = "auth.sign_in"
	SignInFailed   = "auth.sign_in_failed"
	AccountCreated = "auth.account_created"
	PasswordSet    = "auth.password_set"
	Download       = "document.download"
	Filing         = "register.filed"
	Export         = "export"
	MediaCommand   = "media.command"
	Pruned         = "audit.pruned"
)

// Entry is what a caller records; who, from where and the request ID come from the context
// (WithRequest, WithActor) unless given.
type Entry struct {
	Action    string
	Object    string // "meeting:12", "document:5", "register_entry:7"
	MeetingID int64  // 0: none
	Detail    any    // marshalled to JSON; keep it small, and never put a secret ballot in it
	ActorID   int64  // 0: the signed-in person from the context, if any
	ActorName string
}

// Row is one stored line of the log.
type Row struct {
	ID        int64     `json:"id"`
	At        time.Time `json:"at"`
	ActorID   *int64    `json:"actor_id"`
	ActorName string    `json:"actor_name"`
	Action    string    `json:"action"`
	Object    string    `json:"object"`
	MeetingID *int64    `json:"meeting_id"`
	Detail    string    `json:"detail"`
	Address   string    `json:"address"`
	RequestID string    `json:"request_id"`
	PrevHash  string    `json:"prev_hash"`
	Hash      string    `json:"hash"`
}

type ctxKey int

const (
	keyRequest ctxKey = iota
	keyActor
)

// request is shared by the contexts of one request, so the person WithActor names deeper in the
// handler chain is also known to middleware that records on the way out (exports, downloads).
type request struct {
	address, id string
	actor       actor
}

type actor struct {
	id   int64
	name string
}

// WithRequest carries the client's address and the request ID to the rows written for it.
func WithRequest(ctx context.Context, address, requestID string) context.Context {
	return context.WithValue(ctx, keyRequest, &request{address: address, id: requestID})
}

// WithActor carries the signed-in person to the rows written for the request.
func WithActor(ctx context.Context, userID int64, username string) context.Context {
	if rq, ok := ctx.Value(keyRequest).(*request); ok {
		rq.actor = actor{userID, username}
	}
	return context.WithValue(ctx, keyActor, actor{userID, username})
}

// maxDetail bounds a row's detail; a larger one is replaced by its size and hash, which still
// ties the row to what happened without filling the log with document bodies.
const maxDetail = 4096

// Record appends e to the log inside tx. It takes the chain's head row, so audited transactions
// take turns from here to their commit: call it last in the transaction.
func Record(ctx context.Context, tx *store.Tx, e Entry) error {
	r := Row{At: tx.Now(), ActorName: e.ActorName, Action: e.Action, Object: e.Object}
	rq, _ := ctx.Value(keyRequest).(*request)
	a, ok := ctx.Value(keyActor).(actor)
	if !ok && rq != nil {
		a, ok = rq.actor, rq.actor.id != 0
	}
	if ok && e.ActorID == 0 {
		e.ActorID = a.id
		if r.ActorName == "" {
			r.ActorName = a.name
		}
	}
	if e.ActorID != 0 {
		id := e.ActorID
		r.ActorID = &id
		if r.ActorName == "" {
			if err := tx.QueryRowContext(ctx, `SELECT username FROM users WHERE id = ?`, id).Scan(&r.ActorName); err != nil {
				return fmt.Errorf("audit: actor %d: %w", id, err)
			}
		}
	}
	if e.MeetingID != 0 {
		m := e.MeetingID
		r.MeetingID = &m
	}
	if rq != nil {
		r.Address, r.RequestID = rq.address, rq.id
	}
	if e.Detail != nil {
		var b []byte
		if raw, ok := e.Detail.(json.RawMessage); ok {
			b = raw
		} else {
			var err error
			if b, err = json.Marshal(e.Detail); err != nil {
				return fmt.Errorf("audit: detail of %s: %w", e.Action, err)
			}
		}
		if len(b) > maxDetail {
			sum := sha256.Sum256(b)
			b, _ = json.Marshal(map[string]any{"size": len(b), "sha256": hex.EncodeToString(sum[:])})
		}
		r.Detail = string(b)
	}
	if err := tx.QueryRowContext(ctx, `UPDATE audit_head SET last_id = last_id + 1 WHERE id = 1 RETURNING last_id, last_hash`).Scan(&r.ID, &r.PrevHash); err != nil {
		return fmt.Errorf("audit: chain head: %w", err)
	}
	r.Hash = rowHash(r)
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (id, at, actor_id, actor_name, action, object, meeting_id, detail, address, request_id, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.At, r.ActorID, r.ActorName, r.Action, r.Object, r.MeetingID, r.Detail,
		r.Address, r.RequestID, r.PrevHash, r.Hash); err != nil {
		return fmt.Errorf("audit: append %s: %w", e.Action, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET last_hash = ? WHERE id = 1`, r.Hash); err != nil {
		return fmt.Errorf("audit: chain head: %w", err)
	}
	return nil
}

// Write records e in a transaction of its own, for actions that change nothing else (a download,
// an export, a media command): the row is committed before the action is carried out.
func Write(ctx context.Context, db *store.DB, e Entry) error {
	return db.InTx(ctx, func(tx *store.Tx) error { return Record(ctx, tx, e) })
}

// rowHash is the SHA-256 over a row's columns as stored, in a fixed order, length-prefixed so no
// two different rows give the same bytes, and the previous row's hash.
func rowHash(r Row) string {
	opt := func(p *int64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatInt(*p, 10)
	}
	h := sha256.New()
	for _, f := range []string{"phonghop-audit-v1", strconv.FormatInt(r.ID, 10), r.At.UTC().Format(time.RFC3339Nano), opt(r.ActorID),
		r.ActorName, r.Action, r.Object, opt(r.MeetingID), r.Detail, r.Address, r.RequestID, r.PrevHash} {
		fmt.Fprintf(h, "%d:%s\n", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

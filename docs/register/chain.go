package register

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/phonghop/phonghop/internal/store"
)

// entryHash is the SHA-256 over an entry's columns as stored, in a fixed order, and the previous
// entry's hash.
func entryHash(registerID int64, e Entry, prev string) string {
	opt := func(p *int64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatInt(*p, 10)
	}
	fields := []string{"phonghop-register-v1", strconv.FormatInt(registerID, 10), strconv.Itoa(e.Number), e.Symbol, e.DocType, e.DocDate,
		e.Summary, e.Signer, e.Recipients, e.ArchiveUnit, strconv.Itoa(e.Copies), e.Notes, e.SHA256, opt(e.MeetingID), e.Source,
		opt(e.CorrectsID), strconv.FormatInt(e.FiledBy, 10), e.FiledAt.UTC().Format(time.RFC3339Nano), prev}
	h := sha256.New()
	for _, f := range fields {
		// Length-prefixed, so no two different rows give the same bytes.
		fmt.Fprintf(h, "%d:%s\n", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// seal links a just-filed entry to the one before it in its register (inside the filing
// transaction, which holds the register's lock, so the chain follows the numbers).
func seal(ctx context.Context, tx *store.Tx, id int64) error {
	e, err := get(ctx, tx, id)
	if err != nil {
		return err
	}
	var regID int64
	if err := tx.QueryRowContext(ctx, `SELECT register_id FROM register_entries WHERE id = ?`, id).Scan(&regID); err != nil {
		return err
	}
	var prev string
	err = tx.QueryRowContext(ctx, `SELECT entry_hash FROM register_entries WHERE register_id = ? AND number = ?`, regID, e.Number-1).Scan(&prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE register_entries SET prev_hash = ?, entry_hash = ? WHERE id = ?`, prev, entryHash(regID, e, prev), id)
	return err
}

// Break is the first place a register's chain or files do not hold.
type Break struct {
	Register string `json:"register"` // "UBND 2026 regular"
	Number   int    `json:"number"`
	Symbol   string `json:"symbol"`
	Problem  string `json:"problem"`
}

// Report is the result of Verify.
type Report struct {
	Registers int     `json:"registers"`
	Entries   int     `json:"entries"`
	Files     int     `json:"files"`
	Breaks    []Break `json:"breaks"` // the first break of each register
}

// Verify walks every register in order: numbers 1..n without gaps, each entry's link to the one
// before, each entry's own hash, and the SHA-256 of every filed file (open returns a stored file;
// nil skips the files).
func Verify(ctx context.Context, db *store.DB, open func(sum string) (io.ReadCloser, error)) (Report, error) {
	q := db.Reader()
	var rep Report
	rows, err := q.QueryContext(ctx, `SELECT g.id, o.abbreviation, g.year, g.series FROM registers g JOIN organizations o ON o.id = g.organization_id ORDER BY g.id`)
	if err != nil {
		return rep, err
	}
	type reg struct {
		id   int64
		name string
	}
	var regs []reg
	for rows.Next() {
		var r reg
		var abbr, series string
		var year int
		if err := rows.Scan(&r.id, &abbr, &year, &series); err != nil {
			rows.Close()
			return rep, err
		}
		r.name = fmt.Sprintf("%s %d %s", abbr, year, series)
		regs = append(regs, r)
	}
	rows.Close()
	for _, r := range regs {
		rep.Registers++
		if b, err := verifyOne(ctx, q, r.id, r.name, open, &rep); err != nil {
			return rep, err
		} else if b != nil {
			rep.Breaks = append(rep.Breaks, *b)
		}
	}
	return rep, nil
}

func verifyOne(ctx context.Context, q store.Querier, regID int64, name string, open func(string) (io.ReadCloser, error), rep *Report) (*Break, error) {
	rows, err := q.QueryContext(ctx, `SELECT e.id, e.prev_hash, e.entry_hash FROM register_entries e WHERE e.register_id = ? ORDER BY e.number`, regID)
	if err != nil {
		return nil, err
	}
	type link struct {
		id         int64
		prev, hash string
	}
	var links []link
	for rows.Next() {
		var l link
		if err := rows.Scan(&l.id, &l.prev, &l.hash); err != nil {
			rows.Close()
			return nil, err
		}
		links = append(links, l)
	}
	rows.Close()
	prev := ""
	for i, l := range links {
		e, err := get(ctx, q, l.id)
		if err != nil {
			return nil, err
		}
		rep.Entries++
		brk := func(problem string) *Break {
			return &Break{Register: name, Number: e.Number, Symbol: e.Symbol, Problem: problem}
		}
		switch {
		case e.Number != i+1:
			return brk(fmt.Sprintf("number %d where %d was expected (an entry is missing)", e.Number, i+1)), nil
		case l.prev != prev:
			return brk("its link to the previous entry does not match (an entry before it was changed or removed)"), nil
		case entryHash(regID, e, prev) != l.hash:
			return brk("its columns were changed after filing"), nil
		}
		if e.SHA256 != "" && open != nil {
			rep.Files++
			f, err := open(e.SHA256)
			if err != nil {
				return brk("its file is missing: " + err.Error()), nil
			}
			h := sha256.New()
			_, err = io.Copy(h, f)
			f.Close()
			if err != nil {
				return brk("its file cannot be read: " + err.Error()), nil
			}
			if got := hex.EncodeToString(h.Sum(nil)); got != e.SHA256 {
				return brk("its file was changed (SHA-256 " + got[:12] + "… instead of " + e.SHA256[:12] + "…)"), nil
			}
		}
		prev = l.hash
	}
	return nil, nil
}

package register_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/phonghop/phonghop/docs/register"
	"github.com/phonghop/phonghop/internal/store"
	"github.com/phonghop/phonghop/internal/store/storetest"
)

// The register is tamper-evident: Verify finds a changed column, a removed entry and a changed
// file, each at the first entry where the chain breaks.
func TestChainVerify(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		reg, org, clerk := setup(t, db)
		files := map[string][]byte{}
		open := func(sum string) (io.ReadCloser, error) {
			b, ok := files[sum]
			if !ok {
				return nil, errors.New("no such file")
			}
			return io.NopCloser(bytes.NewReader(b)), nil
		}
		for i := 0; i < 4; i++ {
			content := []byte("biên bản số " + strings.Repeat("x", i))
			sum := sha256.Sum256(content)
			files[hex.EncodeToString(sum[:])] = content
			if _, err := reg.File(ctx, clerk, register.Filing{OrganizationID: org.ID, DocType: "BB", Summary: "Biên bản họp", Signer: "A",
				DocDate: "2026-11-22", SHA256: hex.EncodeToString(sum[:])}, nil); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := register.Verify(ctx, db, open)
		if err != nil || len(rep.Breaks) != 0 || rep.Entries != 4 || rep.Files != 4 {
			t.Fatalf("clean register: %+v %v", rep, err)
		}
		expectBreak := func(what string, number int, problem string) {
			t.Helper()
			rep, err := register.Verify(ctx, db, open)
			if err != nil || len(rep.Breaks) != 1 || rep.Breaks[0].Number != number || !strings.Contains(rep.Breaks[0].Problem, problem) {
				t.Fatalf("%s: %+v %v", what, rep, err)
			}
		}
		// A file changed on disk.
		for sum, b := range files {
			if strings.HasSuffix(string(b), "xx") && !strings.HasSuffix(string(b), "xxx") {
				files[sum] = append([]byte{}, append(b, '!')...)
				expectBreak("changed file", 3, "file was changed")
				files[sum] = b
			}
		}
		// A column edited in the database.
		db.ExecContext(ctx, `UPDATE register_entries SET summary = 'Biên bản đã sửa' WHERE number = 2`)
		expectBreak("edited column", 2, "changed after filing")
		db.ExecContext(ctx, `UPDATE register_entries SET summary = 'Biên bản họp' WHERE number = 2`)
		if rep, _ := register.Verify(ctx, db, open); len(rep.Breaks) != 0 {
			t.Fatalf("restored: %+v", rep)
		}
		// An entry removed (and the next renumbered to hide it).
		db.ExecContext(ctx, `DELETE FROM register_entries WHERE number = 3`)
		db.ExecContext(ctx, `UPDATE register_entries SET number = 3 WHERE number = 4`)
		expectBreak("removed entry", 3, "link to the previous entry")
	})
}

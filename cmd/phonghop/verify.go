package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/phonghop/phonghop/docs"
	"github.com/phonghop/phonghop/docs/register"
)

// errTampered makes `phonghop verify` exit with status 1 when a register does not hold.
var errTampered = errors.New("the register does not verify")

// runVerify checks every register's hash chain and every filed file's SHA-256.
func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, db, err := storageCommand(ctx, args, stderr, "verify [flags]", "Checks the document registers (numbering, the hash chain of entries, every filed file's SHA-256) and the audit log's hash chain.")
	if err != nil {
		return err
	}
	defer db.Close()
	blobs, err := docs.NewDirStore(filepath.Join(cfg.DataDir, "blobs"))
	if err != nil {
		return err
	}
	rep, err := register.Verify(ctx, db, func(sum string) (io.ReadCloser, error) { return blobs.Open(sum) })
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Sổ văn bản / registers: %d, văn bản / entries: %d, tệp / files: %d\n", rep.Registers, rep.Entries, rep.Files)
	auditOK, err := verifyAudit(ctx, db, stdout)
	if err != nil {
		return err
	}
	if len(rep.Breaks) == 0 && auditOK {
		fmt.Fprintln(stdout, "Toàn vẹn / intact: mọi chuỗi băm và tệp đều khớp / every hash chain and file matches.")
		return nil
	}
	for _, b := range rep.Breaks {
		fmt.Fprintf(stdout, "HỎNG / BROKEN: sổ %s, số %d (%s): %s\n", b.Register, b.Number, b.Symbol, b.Problem)
	}
	return errTampered
}

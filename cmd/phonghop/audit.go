package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/phonghop/phonghop/internal/audit"
	"github.com/phonghop/phonghop/internal/store"
)

// verifyAudit checks the audit log's chain for `phonghop verify` and says what it found.
func verifyAudit(ctx context.Context, db *store.DB, stdout io.Writer) (bool, error) {
	rep, err := audit.Verify(ctx, db.Reader())
	if err != nil {
		return false, err
	}
	from := ""
	if rep.FromCheckpoint > 0 {
		from = fmt.Sprintf(" (từ sau điểm mốc / from the checkpoint after row %d)", rep.FromCheckpoint)
	}
	fmt.Fprintf(stdout, "Nhật ký kiểm toán / audit log: %d dòng / rows%s\n", rep.Rows, from)
	if rep.Break != nil {
		fmt.Fprintf(stdout, "HỎNG / BROKEN: nhật ký kiểm toán, dòng %d: %s\n", rep.Break.ID, rep.Break.Problem)
		return false, nil
	}
	return true, nil
}

// pruneAudit deletes audit rows older than the retention (when one is set), behind a checkpoint.
func (s *Server) pruneAudit(ctx context.Context) {
	days := s.Config.Ops.AuditRetentionDays
	if days <= 0 {
		return
	}
	n, err := audit.Prune(ctx, s.DB, s.DB.Now().Add(-time.Duration(days)*24*time.Hour))
	if err != nil && ctx.Err() == nil {
		s.Log.Warn("pruning the audit log", "err", err)
	} else if n > 0 {
		s.Log.Info("pruned the audit log", "rows", n, "retention_days", days)
	}
}

package directory

import (
	"context"

	"github.com/phonghop/phonghop/internal/store"
)

// UpdateProfile sets a person's name, title and organization inside tx: an account kept by a
// province's identity provider follows what the provider says at each sign-in.
// Errors: Invalid.
func UpdateProfile(ctx context.Context, tx *store.Tx, u User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE users SET full_name = ?, title = ?, organization_id = ? WHERE id = ?`,
		u.FullName, u.Title, u.OrganizationID, u.ID)
	return err
}

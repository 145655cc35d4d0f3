package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/phonghop/phonghop/internal/auth"
	"github.com/phonghop/phonghop/internal/directory"
	"github.com/phonghop/phonghop/internal/errs"
)

// stdin is where user commands read passwords; tests replace it.
var stdin io.Reader = os.Stdin

func readPassword(stdout io.Writer, prompt string) (string, error) {
	fmt.Fprint(stdout, prompt)
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("no password given on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func describe(err error) error {
	if e := errs.As(err); e != nil && e.Code != errs.Internal {
		if e.Field != "" {
			return fmt.Errorf("%s: %s / %s", e.Field, e.Message, e.MessageEN)
		}
		return fmt.Errorf("%s / %s", e.Message, e.MessageEN)
	}
	return err
}

func runUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "add" && args[0] != "passwd") {
		fmt.Fprintln(stderr, "Usage: phonghop user add [flags] | phonghop user passwd [flags]\n"+
			"The password is read from standard input.")
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return errors.New("user needs a subcommand: add or passwd")
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	var (
		fs                    = newFlagSet("user "+args[0]+" [flags]", "Reads the password from standard input.", stderr)
		username, name, title string
		orgCode, secretaryOf  string
		admin                 bool
	)
	cfg.storageFlags(fs)
	fs.StringVar(&username, "username", "", "login name (required)")
	if args[0] == "add" {
		fs.StringVar(&name, "full-name", "", "full name (required)")
		fs.StringVar(&title, "title", "", "title (chức vụ)")
		fs.StringVar(&orgCode, "org", "", "organization code (required)")
		fs.BoolVar(&admin, "admin", false, "make the user an administrator")
		fs.StringVar(&secretaryOf, "secretary-of", "", "comma-separated organization codes the user is secretary of")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if username == "" {
		return errors.New("-username is required")
	}
	db, err := openStorage(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	a, d := auth.NewService(db), directory.New(db)

	if args[0] == "passwd" {
		var id int64
		if err := db.QueryRowContext(ctx, `SELECT id FROM users WHERE username = ?`, strings.ToLower(username)).Scan(&id); err != nil {
			return fmt.Errorf("no user %q", username)
		}
		pw, err := readPassword(stdout, "New password: ")
		if err != nil {
			return err
		}
		if err := a.SetPassword(ctx, id, pw, ""); err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "\nphonghop: password of %s changed; their sessions were signed out\n", username)
		return nil
	}

	if orgCode == "" {
		return errors.New("-org is required")
	}
	org, err := d.OrganizationByCode(ctx, orgCode)
	if err != nil {
		return fmt.Errorf("organization %q: %w", orgCode, describe(err))
	}
	acc := auth.NewAccount{User: directory.User{Username: username, FullName: name, Title: title, OrganizationID: org.ID}}
	if admin {
		acc.Roles = append(acc.Roles, auth.RoleGrant{Role: auth.RoleAdmin})
	}
	for _, code := range strings.Split(secretaryOf, ",") {
		if code = strings.TrimSpace(code); code == "" {
			continue
		}
		o, err := d.OrganizationByCode(ctx, code)
		if err != nil {
			return fmt.Errorf("organization %q: %w", code, describe(err))
		}
		acc.Roles = append(acc.Roles, auth.RoleGrant{Role: auth.RoleSecretary, OrganizationID: &o.ID})
	}
	if acc.Password, err = readPassword(stdout, "Password: "); err != nil {
		return err
	}
	u, err := a.CreateAccount(ctx, acc)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "\nphonghop: created user %s (id %d) in %s\n", u.Username, u.ID, u.OrganizationName)
	return nil
}

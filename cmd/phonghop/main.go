// Command phonghop runs the paperless meeting and video conference server and its tools.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"

	"github.com/phonghop/phonghop/loadtest"
)

type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// hidden commands are not listed in the usage: another command starts them.
var hidden = map[string]bool{"loadtest-server": true}

var commands = map[string]command{
	"serve":    {"run the server (web app, API, meeting events, media)", runServe},
	"migrate":  {"apply database migrations and exit", runMigrate},
	"demo":     {"seed a demo province with meeting points and users", runDemo},
	"user":     {"manage accounts: user add | user passwd", runUser},
	"backup":   {"write a consistent online backup of the database and documents (directory or .tar)", runBackup},
	"restore":  {"restore a backup into an empty data directory (and empty database)", runRestore},
	"verify":   {"check the document registers' and the audit log's hash chains and filed files", runVerify},
	"loadtest": {"simulate meeting points against a media server in its own process and report (run it inside a loopback-only network namespace)", loadtest.Main},
	"loadtest-server": {"the media server alone, on loopback, for phonghop loadtest", func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		return loadtest.Serve(ctx, args, os.Stdin, stdout, stderr)
	}},
}

func usage(w io.Writer) {
	fmt.Fprint(w, `phonghop — phòng họp không giấy tờ và hội nghị truyền hình
(paperless meetings and video conferences)

Usage: phonghop <command> [flags]

Commands:
`)
	names := make([]string, 0, len(commands))
	for n := range commands {
		if !hidden[n] {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, commands[n].summary)
	}
	fmt.Fprint(w, "\nRun 'phonghop <command> --help' for a command's flags.\n\nEnvironment:\n")
	for _, v := range envVars {
		fmt.Fprintf(w, "  %-26s %s\n", v.name, v.help)
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "phonghop:", err)
			os.Exit(1)
		}
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return errors.New("a command is required")
		}
		return nil
	}
	c, ok := commands[args[0]]
	if !ok {
		usage(stderr)
		return fmt.Errorf("unknown command %q", args[0])
	}
	return c.run(ctx, args[1:], stdout, stderr)
}

func newFlagSet(name, help string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("phonghop "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: phonghop %s\n\n%s\n\nFlags:\n", name, help)
		fs.PrintDefaults()
	}
	return fs
}

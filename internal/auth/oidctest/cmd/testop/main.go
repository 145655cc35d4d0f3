// Command testop runs the test OpenID provider for phonghop's browser tests: on a loopback
// address, with one client and the people given as flags.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/phonghop/phonghop/internal/auth/oidctest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback)")
	clientID := flag.String("client-id", "phonghop", "the relying party's client id")
	secret := flag.String("client-secret", "phonghop-secret", "its client secret")
	redirect := flag.String("redirect", "http://127.0.0.1:*/api/auth/sso/*/callback", "its redirect URIs (a glob)")
	postLogout := flag.String("post-logout", "http://127.0.0.1:*/login", "its post-logout redirect URIs (a glob)")
	var users []string
	flag.Func("user", "subject:username:password:full name:org code:title (repeatable)", func(s string) error {
		if strings.Count(s, ":") != 5 {
			return fmt.Errorf("want subject:username:password:full name:org code:title")
		}
		users = append(users, s)
		return nil
	})
	flag.Parse()
	srv, err := oidctest.Start(*addr)
	if err != nil {
		log.Fatal(err)
	}
	srv.AddClient(oidctest.Client{ID: *clientID, Secret: *secret, RedirectURIGlobs: []string{*redirect}, PostLogoutRedirectURIGlobs: []string{*postLogout}})
	for _, u := range users {
		f := strings.Split(u, ":")
		srv.AddUser(oidctest.User{Subject: f[0], Username: f[1], Password: f[2], Name: f[3], OrgCode: f[4], Title: f[5]})
	}
	// The test reads the issuer from the first line.
	fmt.Println(srv.URL)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	_ = srv.Close()
}

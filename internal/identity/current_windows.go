//go:build windows

package identity

import (
	"fmt"
	"os"

	"golang.org/x/sys/windows"
)

// Current returns the identity of the process: the user SID of its token
// and the DOMAIN\user account it names. %USERNAME%, %USERDOMAIN% and
// %BATON_USER% play no part.
func Current() (Identity, error) {
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return Identity{}, fmt.Errorf("identity: read the user of the process token: %w", err)
	}
	sid := tu.User.Sid
	account, domain, _, err := sid.LookupAccount("")
	if err != nil {
		return Identity{}, fmt.Errorf("identity: look up the account of SID %s: %w", sid.String(), err)
	}
	host, err := os.Hostname()
	if err != nil {
		return Identity{}, fmt.Errorf("identity: host name: %w", err)
	}
	name := account
	if domain != "" {
		name = domain + `\` + account
	}
	return Identity{Name: name, ID: sid.String(), Host: host}, nil
}

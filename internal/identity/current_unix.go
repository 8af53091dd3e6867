//go:build !windows

package identity

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
)

// Current returns the identity of the process: the account of its real uid
// as the user database names it. $USER, $LOGNAME and $BATON_USER play no
// part.
func Current() (Identity, error) {
	uid := strconv.Itoa(os.Getuid())
	u, err := user.LookupId(uid)
	if err != nil {
		return Identity{}, fmt.Errorf("identity: look up the user of uid %s: %w (the account must exist in the user database)", uid, err)
	}
	if u.Username == "" {
		return Identity{}, fmt.Errorf("identity: uid %s has no user name in the user database", uid)
	}
	host, err := os.Hostname()
	if err != nil {
		return Identity{}, fmt.Errorf("identity: host name: %w", err)
	}
	return Identity{Name: u.Username, ID: uid, Host: host}, nil
}

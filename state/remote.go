package state

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/batonhq/baton/internal/slashpath"
)

// ErrRemote: the state file is on a network share or drive.
var ErrRemote = errors.New("state file is on a network file system")

// onNetwork says whether path is on a network file system, and where;
// tests replace it.
var onNetwork = hostOnNetwork

// CheckLocal returns an error wrapping ErrRemote when path is on a network
// share or a network drive (on Linux, an NFS or SMB mount): bbolt's file
// lock, memory map and fsync are not trustworthy there, and a roaming
// profile copies the file between machines. Open calls it first.
func CheckLocal(path string) error {
	where, remote := onNetwork(path)
	if !remote {
		return nil
	}
	return fmt.Errorf("%w: %s is %s; bbolt's file locking and fsync are not reliable over the network: "+
		"keep the state file on a local disk (--state or BATON_STATE naming a local path; on Windows the default is %%LOCALAPPDATA%%\\baton\\state.db), "+
		"and share runs between operators with the team backend (--state azblob://...), never a shared file", ErrRemote, path, where)
}

// driveRemote is GetDriveTypeW's DRIVE_REMOTE.
const driveRemote = 4

// windowsRemote says whether an absolute Windows path is on a share or a
// network drive; driveType is GetDriveTypeW of a root like `C:\`.
func windowsRemote(abs string, driveType func(root string) uint32) (string, bool) {
	w := slashpath.Windows
	if w.IsShare(abs) {
		return "on the network share " + strings.ReplaceAll(w.VolumeName(abs), "/", `\`), true
	}
	if d := w.Drive(abs); d != "" && driveType(d+`\`) == driveRemote {
		return "on " + strings.ToUpper(d) + ", a network drive", true
	}
	return "", false
}

// networkFS names the statfs magic numbers of network file systems.
var networkFS = map[uint32]string{
	0x6969:     "NFS",
	0x517b:     "SMB",
	0xff534d42: "CIFS",
	0xfe534d42: "SMB2",
}

// linuxRemote says whether a statfs file system type is a network one.
func linuxRemote(fsType uint32) (string, bool) {
	name, ok := networkFS[fsType]
	if !ok {
		return "", false
	}
	return "on a network mount (" + name + ")", true
}

// resolved returns abs with the symbolic links of its longest existing
// prefix resolved (a link may lead to a share); abs when none exists.
func resolved(abs string) string {
	dir, rest := abs, ""
	for {
		if r, err := filepath.EvalSymlinks(dir); err == nil {
			return filepath.Join(r, rest)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return abs
		}
		rest = filepath.Join(filepath.Base(dir), rest)
		dir = parent
	}
}

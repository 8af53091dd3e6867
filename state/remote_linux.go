package state

import (
	"errors"
	"io/fs"
	"path/filepath"
	"syscall"
)

// hostOnNetwork: the file system of the nearest existing directory (or the
// file) is NFS, SMB or CIFS, by its statfs magic number.
func hostOnNetwork(path string) (string, bool) {
	var st syscall.Statfs_t
	for p := path; ; p = filepath.Dir(p) {
		err := syscall.Statfs(p, &st)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrNotExist) || filepath.Dir(p) == p {
			return "", false
		}
	}
	return linuxRemote(uint32(st.Type))
}

package state

import (
	"path/filepath"

	"golang.org/x/sys/windows"
)

// hostOnNetwork: a UNC path, or a drive GetDriveTypeW calls remote.
func hostOnNetwork(path string) (string, bool) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", false
	}
	return windowsRemote(resolved(abs), func(root string) uint32 {
		p, err := windows.UTF16PtrFromString(root)
		if err != nil {
			return 0
		}
		return windows.GetDriveType(p)
	})
}

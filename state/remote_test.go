package state

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWindowsRemote: Windows rules, whatever the GOOS, with a fake
// GetDriveTypeW where Z: is a mapped network drive.
func TestWindowsRemote(t *testing.T) {
	driveType := func(root string) uint32 {
		if strings.EqualFold(root, `Z:\`) {
			return driveRemote
		}
		return 3 // DRIVE_FIXED
	}
	tests := []struct {
		path   string
		remote bool
		where  string
	}{
		{`C:\Users\alice\AppData\Local\baton\state.db`, false, ""},
		{`\\?\C:\baton\state.db`, false, ""},
		{`D:\baton\state.db`, false, ""},
		{`Z:\baton\state.db`, true, `on Z:, a network drive`},
		{`z:/baton/state.db`, true, `on Z:, a network drive`},
		{`\\?\Z:\baton\state.db`, true, `on Z:, a network drive`},
		{`\\fs01\profiles$\alice\AppData\Roaming\baton\state.db`, true, `on the network share \\fs01\profiles$`},
		{`//fs01/share/state.db`, true, `on the network share \\fs01\share`},
		{`\\?\UNC\fs01\share\state.db`, true, `on the network share \\?\UNC\fs01\share`},
		{`\\?\Volume{5d1c0b4e}\baton\state.db`, false, ""},
	}
	for _, tt := range tests {
		where, remote := windowsRemote(tt.path, driveType)
		if remote != tt.remote || where != tt.where {
			t.Errorf("windowsRemote(%q) = %q, %v; want %q, %v", tt.path, where, remote, tt.where, tt.remote)
		}
	}
}

func TestLinuxRemote(t *testing.T) {
	tests := []struct {
		magic  uint32
		remote bool
	}{
		{0x6969, true},      // NFS
		{0x517b, true},      // SMB
		{0xff534d42, true},  // CIFS
		{0xfe534d42, true},  // SMB2
		{0xef53, false},     // ext4
		{0x58465342, false}, // XFS
		{0x01021994, false}, // tmpfs
	}
	for _, tt := range tests {
		if _, remote := linuxRemote(tt.magic); remote != tt.remote {
			t.Errorf("linuxRemote(%#x) = %v, want %v", tt.magic, remote, tt.remote)
		}
	}
}

// TestOpenRefusesRemote: a state file on a network file system is refused
// before anything is created, with a message that says what to do.
func TestOpenRefusesRemote(t *testing.T) {
	onNetwork = func(string) (string, bool) { return `on the network share \\fs01\profiles$`, true }
	t.Cleanup(func() { onNetwork = hostOnNetwork })
	dir := filepath.Join(t.TempDir(), "baton")
	for _, opts := range []Options{{}, {ReadOnly: true}} {
		_, err := Open(filepath.Join(dir, "state.db"), opts)
		if !errors.Is(err, ErrRemote) {
			t.Fatalf("Open: %v, want ErrRemote", err)
		}
		for _, want := range []string{`\\fs01\profiles$`, "local disk", "team backend"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("message lacks %q: %v", want, err)
			}
		}
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open touched %s: %v", dir, err)
	}
}

// TestHostOnNetworkLocal: the test's temporary directory is local, as are
// files not created yet.
func TestHostOnNetworkLocal(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{filepath.Join(dir, "state.db"), filepath.Join(dir, "a", "b", "state.db"), "state.db"} {
		if where, remote := hostOnNetwork(p); remote {
			t.Errorf("%s: %s (is the test's temporary directory on a network mount?)", p, where)
		}
	}
	if err := CheckLocal(filepath.Join(dir, "state.db")); err != nil {
		t.Error(err)
	}
}

// TestResolved: a link in the path is followed (it may lead to a share);
// the part that does not exist yet is kept.
func TestResolved(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(dir, "target")
	if err := os.Mkdir(target, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	tests := []struct{ in, want string }{
		{filepath.Join(link, "baton", "state.db"), filepath.Join(target, "baton", "state.db")},
		{filepath.Join(dir, "state.db"), filepath.Join(dir, "state.db")},
	}
	for _, tt := range tests {
		if got := resolved(tt.in); got != tt.want {
			t.Errorf("resolved(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

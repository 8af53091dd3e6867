package served

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// advert is the advertisement of a running state server, stored in
// statePath + ".server" (mode 0600): where to reach it and the secret a
// client proves itself with.
type advert struct {
	Endpoint string    `json:"endpoint"` // the Unix-domain socket
	PID      int       `json:"pid"`
	Host     string    `json:"host"`
	Started  time.Time `json:"started"`
	Secret   string    `json:"secret"` // 32 random bytes, hex
	Version  int       `json:"version"`
	State    string    `json:"state"` // the absolute path of the state file
}

// maxSocketPath keeps socket paths within every platform's limit (104 bytes
// on macOS, 108 on Linux and Windows).
const maxSocketPath = 100

func advertPath(statePath string) string { return statePath + ".server" }

// socketPath is where the server of the state file at abs listens:
// next to the file when that path is short enough, else in the temporary
// directory under a name derived from abs.
func socketPath(abs string) string {
	if p := abs + ".sock"; len(p) < maxSocketPath {
		return p
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(os.TempDir(), "baton-"+hex.EncodeToString(sum[:10])+".sock")
}

func newSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make the state server's secret: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// readAdvert reads the advertisement for the state file at abs.
func readAdvert(abs string) (advert, error) {
	var a advert
	b, err := os.ReadFile(advertPath(abs))
	if err != nil {
		return a, err
	}
	if err := json.Unmarshal(b, &a); err != nil {
		return a, fmt.Errorf("advertisement %s is not valid (%v); a new state server replaces it", advertPath(abs), err)
	}
	if a.Endpoint == "" || a.Secret == "" {
		return a, fmt.Errorf("advertisement %s names no endpoint or secret; a new state server replaces it", advertPath(abs))
	}
	return a, nil
}

// writeAdvert replaces the advertisement atomically: a temporary file of
// mode 0600 in the same directory, renamed over it.
func writeAdvert(abs string, a advert) error {
	b, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		return fmt.Errorf("encode the state server's advertisement: %w", err)
	}
	dst := advertPath(abs)
	f, err := os.CreateTemp(filepath.Dir(dst), filepath.Base(dst)+".tmp*")
	if err != nil {
		return fmt.Errorf("write the state server's advertisement next to %s: %w; check the directory's permissions", abs, err)
	}
	tmp := f.Name()
	err = f.Chmod(0o600)
	if _, werr := f.Write(append(b, '\n')); err == nil {
		err = werr
	}
	if serr := f.Sync(); err == nil {
		err = serr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = retryShared(func() error { return os.Rename(tmp, dst) })
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write the state server's advertisement %s: %w; check the directory's permissions and free space", dst, err)
	}
	return nil
}

// removeAdvert removes the advertisement if it is still the one with
// secret: a newer server's is left alone.
func removeAdvert(abs, secret string) error {
	a, err := readAdvert(abs)
	if errors.Is(err, os.ErrNotExist) || err == nil && a.Secret != secret {
		return nil
	}
	if err := retryShared(func() error { return os.Remove(advertPath(abs)) }); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove the state server's advertisement: %w; delete %s by hand", err, advertPath(abs))
	}
	return nil
}

// retryShared retries fn a few times on Windows, where a file another
// process is reading for a moment cannot be replaced or removed.
func retryShared(fn func() error) error {
	err := fn()
	for i := 0; err != nil && !errors.Is(err, os.ErrNotExist) && runtime.GOOS == "windows" && i < 20; i++ {
		time.Sleep(5 * time.Millisecond)
		err = fn()
	}
	return err
}

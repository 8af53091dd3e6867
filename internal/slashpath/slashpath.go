// Package slashpath implements one operating system's path rules on
// slash-separated paths, whatever the GOOS baton was built for, so that
// tests on Linux check the Windows rules. Results always use "/".
//
// Under Windows rules both "\" and "/" separate, and a path may start with
// a volume: a drive ("C:"), a share ("\\server\share"), or a device path
// ("\\?\C:", "\\?\UNC\server\share", "\\.\C:"). ".." never climbs above a
// volume's root; path.Clean knows none of this and turns
// "\\server\share\x" into "/server/share/x".
package slashpath

import (
	"path"
	"runtime"
	"strings"
)

// Rules are one operating system's path rules.
type Rules struct{ windows bool }

var (
	// Unix: "/" is the only separator; no volumes.
	Unix = Rules{}
	// Windows: drives, shares, device paths, "\" and "/" as separators,
	// case-insensitive names.
	Windows = Rules{windows: true}
)

// Host returns the rules of the operating system baton runs on.
func Host() Rules { return For(runtime.GOOS) }

// For returns the rules of the named GOOS.
func For(goos string) Rules { return Rules{windows: goos == "windows"} }

// split returns p's volume and the rest, both slash-separated.
func (r Rules) split(p string) (vol, rest string) {
	if !r.windows {
		return "", p
	}
	p = strings.ReplaceAll(p, `\`, "/")
	n := volumeLen(p)
	return p[:n], p[n:]
}

// VolumeName returns p's volume, slash-separated: "C:", "//server/share",
// "//?/C:", "//?/UNC/server/share"; "" when p has none (always under Unix).
func (r Rules) VolumeName(p string) string {
	vol, _ := r.split(p)
	return vol
}

// IsAbs reports whether p is absolute. Under Windows rules "\x" (rooted on
// the current drive) and "C:x" (relative to drive C's directory) are not.
func (r Rules) IsAbs(p string) bool {
	vol, rest := r.split(p)
	switch {
	case !r.windows:
		return strings.HasPrefix(p, "/")
	case vol == "":
		return false
	case isDrive(vol):
		return strings.HasPrefix(rest, "/")
	}
	return true // a share or a device path is always rooted
}

// IsShare reports whether p is on a network share: "\\server\share\..."
// or "\\?\UNC\server\share\..." (never under Unix rules).
func (r Rules) IsShare(p string) bool {
	vol, _ := r.split(p)
	if vol == "" || isDrive(vol) {
		return false
	}
	return !isDevice(vol) || hasPrefixFold(vol, "//?/UNC/") || hasPrefixFold(vol, "//./UNC/")
}

// Drive returns the drive letter and colon of p ("C:" for "C:\x",
// "\\?\C:\x" or "C:x"), "" when p is not on a lettered drive.
func (r Rules) Drive(p string) string {
	vol, _ := r.split(p)
	if isDevice(vol) {
		vol = vol[len("//?/"):]
	}
	if isDrive(vol) {
		return vol
	}
	return ""
}

// Clean returns the shortest equivalent of p, like path.Clean, keeping its
// volume: ".." at a volume's root stays there.
func (r Rules) Clean(p string) string {
	vol, rest := r.split(p)
	switch {
	case vol == "":
		return path.Clean(rest)
	case isDrive(vol):
		return vol + path.Clean(rest) // "C:" + "." or "C:" + "/x"
	case rest == "":
		return vol
	}
	return vol + path.Clean("/"+rest)
}

// Dir returns all but the last element of p, cleaned: "//server/share/"
// for "//server/share/x.hcl", "C:." for "C:x.hcl".
func (r Rules) Dir(p string) string {
	c := r.Clean(p)
	vol, rest := r.split(c)
	if rest == "" {
		return c
	}
	return vol + path.Dir(rest)
}

// Resolve returns the path that p, written in a file in directory dir,
// names: p itself when it is absolute or names a volume, p on dir's volume
// when it is rooted, else p joined to dir. The result is cleaned.
func (r Rules) Resolve(dir, p string) string {
	vol, rest := r.split(p)
	switch {
	case vol != "" || r.IsAbs(p) || dir == "":
		return r.Clean(p)
	case strings.HasPrefix(rest, "/"):
		return r.Clean(r.VolumeName(dir) + rest)
	}
	return r.Clean(dir + "/" + rest)
}

// Rel returns target relative to base, slash-separated, and true; false
// when there is no such path (another volume, one rooted and one not, or
// a base that climbs above where target is). Under Windows rules names
// compare case-insensitively.
func (r Rules) Rel(base, target string) (string, bool) {
	bvol, b := r.split(r.Clean(base))
	tvol, t := r.split(r.Clean(target))
	if !r.same(bvol, tvol) || rooted(bvol, b) != rooted(tvol, t) {
		return "", false
	}
	bs, ts := elems(b), elems(t)
	i := 0
	for i < len(bs) && i < len(ts) && r.same(bs[i], ts[i]) {
		i++
	}
	out := make([]string, 0, len(bs)-i+len(ts)-i)
	for _, e := range bs[i:] {
		if e == ".." {
			return "", false
		}
		out = append(out, "..")
	}
	out = append(out, ts[i:]...)
	if len(out) == 0 {
		return ".", true
	}
	return strings.Join(out, "/"), true
}

func (r Rules) same(a, b string) bool {
	if r.windows {
		return strings.EqualFold(a, b)
	}
	return a == b
}

// rooted reports whether a path with this volume and rest starts at a
// root: a share or a device path always does.
func rooted(vol, rest string) bool {
	return strings.HasPrefix(rest, "/") || vol != "" && !isDrive(vol)
}

// elems splits a cleaned, volume-less path into its elements.
func elems(p string) []string {
	p = strings.TrimPrefix(p, "/")
	if p == "" || p == "." {
		return nil
	}
	return strings.Split(p, "/")
}

// volumeLen returns the length of the volume of a slash-separated Windows
// path.
func volumeLen(p string) int {
	switch {
	case len(p) >= 2 && p[1] == ':' && isLetter(p[0]):
		return 2
	case !strings.HasPrefix(p, "//"):
		return 0
	case hasPrefixFold(p, "//?/UNC/"), hasPrefixFold(p, "//./UNC/"):
		return uncLen(p, len("//?/UNC/"))
	case strings.HasPrefix(p, "//?/"), strings.HasPrefix(p, "//./"):
		if i := strings.IndexByte(p[4:], '/'); i >= 0 {
			return 4 + i // the device: "//?/C:", "//?/Volume{...}"
		}
		return len(p)
	}
	return uncLen(p, 2)
}

// uncLen returns the length of "server/share" and what precedes it (the
// first from bytes).
func uncLen(p string, from int) int {
	seps := 0
	for i := from; i < len(p); i++ {
		if p[i] == '/' {
			if seps++; seps == 2 {
				return i
			}
		}
	}
	return len(p)
}

func isDrive(vol string) bool { return len(vol) == 2 && vol[1] == ':' }

func isDevice(vol string) bool {
	return strings.HasPrefix(vol, "//?/") || strings.HasPrefix(vol, "//./")
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

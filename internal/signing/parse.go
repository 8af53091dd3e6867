package signing

import (
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// parseLine parses one non-blank, non-comment line; msg says what is wrong.
func parseLine(line string) (e entry, msg string) {
	principals, rest, msg := principalsField(line)
	if msg != "" {
		return e, msg
	}
	for _, p := range strings.Split(principals, ",") {
		if p == "" {
			return e, "empty principal in " + quote(principals) + " (principals are separated by commas, no spaces)"
		}
		e.principals = append(e.principals, p)
	}
	key, _, opts, _, err := ssh.ParseAuthorizedKey([]byte(rest))
	if err != nil {
		return e, "no valid public key after the principals (want: principal[,principal...] [options] keytype base64key [comment]): " + err.Error()
	}
	e.key = key
	for _, o := range opts {
		if msg := e.option(o); msg != "" {
			return e, msg
		}
	}
	return e, ""
}

// principalsField splits the principals (quoted or not) from the rest.
func principalsField(line string) (principals, rest, msg string) {
	if strings.HasPrefix(line, `"`) {
		end := strings.IndexByte(line[1:], '"')
		if end < 0 {
			return "", "", "unterminated quote in the principals"
		}
		principals, rest = line[1:end+1], line[end+2:]
		if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
			return "", "", "no space after the quoted principals"
		}
	} else {
		i := strings.IndexAny(line, " \t")
		if i < 0 {
			return "", "", "no public key after the principals"
		}
		principals, rest = line[:i], line[i:]
	}
	return principals, strings.TrimSpace(rest), ""
}

// option applies one option to e.
func (e *entry) option(o string) string {
	name, value, hasValue := strings.Cut(o, "=")
	switch n := strings.ToLower(name); {
	case n == "cert-authority" && !hasValue:
		e.ca = true
		return ""
	case !hasValue || (n != "namespaces" && n != "valid-after" && n != "valid-before"):
		return "unsupported option " + quote(o) + " (want cert-authority, namespaces=\"...\", valid-after=\"...\" or valid-before=\"...\")"
	}
	v, ok := dequote(value)
	if !ok {
		return "option " + name + " needs a value in double quotes, as in " + name + `="..."`
	}
	return e.valued(strings.ToLower(name), v)
}

// valued applies an option with a value.
func (e *entry) valued(name, v string) string {
	if name == "namespaces" {
		if e.namespaces != nil {
			return "namespaces given twice"
		}
		e.namespaces = &v
		return ""
	}
	t, err := parseTime(v)
	if err != nil {
		return name + ": " + err.Error()
	}
	at := &e.after
	if name == "valid-before" {
		at = &e.before
	}
	if !at.IsZero() {
		return name + " given twice"
	}
	*at = t
	return ""
}

// dequote strips the double quotes around an option value, unescaping \".
func dequote(v string) (string, bool) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", false
	}
	v = v[1 : len(v)-1]
	if strings.Contains(strings.ReplaceAll(v, `\"`, ""), `"`) {
		return "", false
	}
	return strings.ReplaceAll(v, `\"`, `"`), true
}

// parseTime reads an ssh-keygen time: YYYYMMDD, YYYYMMDDHHMM or
// YYYYMMDDHHMMSS, in UTC with a "Z" or "UTC" suffix, else in local time.
func parseTime(v string) (time.Time, error) {
	loc, s := time.Local, v
	if u := strings.ToUpper(v); strings.HasSuffix(u, "Z") {
		loc, s = time.UTC, v[:len(v)-1]
	} else if strings.HasSuffix(u, "UTC") {
		loc, s = time.UTC, v[:len(v)-3]
	}
	layout := map[int]string{8: "20060102", 12: "200601021504", 14: "20060102150405"}[len(s)]
	if layout == "" || strings.Trim(s, "0123456789") != "" {
		return time.Time{}, &timeError{v}
	}
	t, err := time.ParseInLocation(layout, s, loc)
	if err != nil {
		return time.Time{}, &timeError{v}
	}
	return t, nil
}

type timeError struct{ v string }

func (e *timeError) Error() string {
	return "time " + quote(e.v) + " is not YYYYMMDD[HHMM[SS]], optionally followed by Z for UTC"
}

func quote(s string) string { return `"` + s + `"` }

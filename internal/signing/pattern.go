package signing

import "strings"

// matchPatternList matches s against an OpenSSH pattern list
// (comma-separated, "*" and "?" wildcards, "!" negation): 1 if a pattern
// matches and no negated one does, -1 if a negated one matches, 0 if none.
func matchPatternList(s, list string) int {
	got := 0
	for _, p := range strings.Split(list, ",") {
		neg := strings.HasPrefix(p, "!")
		if !match(s, strings.TrimPrefix(p, "!")) {
			continue
		}
		if neg {
			return -1
		}
		got = 1
	}
	return got
}

// match reports whether s matches the wildcard pattern p ("*" any run of
// bytes, "?" one byte), iteratively so that no input is slow.
func match(s, p string) bool {
	si, pi, star, mark := 0, 0, -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == s[si]):
			si, pi = si+1, pi+1
		case pi < len(p) && p[pi] == '*':
			star, mark, pi = pi, si, pi+1
		case star >= 0:
			mark++
			si, pi = mark, star+1
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

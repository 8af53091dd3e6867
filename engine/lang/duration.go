package lang

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseDuration parses a duration as time.ParseDuration does, and also
// accepts days ("7d", "1d12h", "1.5d"). Negative durations are rejected:
// every duration in a runbook is a length of time.
func ParseDuration(s string) (time.Duration, error) {
	orig := s
	if s == "" {
		return 0, errors.New(`empty duration; write e.g. "30s", "15m", "2h" or "7d"`)
	}
	if strings.HasPrefix(s, "-") {
		return 0, errors.New("duration " + strconv.Quote(orig) + " is negative")
	}
	s = strings.TrimPrefix(s, "+")
	var total time.Duration
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		days, err := strconv.ParseFloat(s[:i], 64)
		if err != nil || i == 0 || days < 0 || days > 100000 || strings.ContainsAny(s[:i], "eEnNiIxX_") {
			return 0, errors.New("invalid duration " + strconv.Quote(orig) + `; write e.g. "30s", "15m", "2h" or "7d"`)
		}
		total = time.Duration(days * float64(24*time.Hour))
		s = s[i+1:]
		if s == "" {
			return total, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || strings.HasPrefix(s, "-") {
		return 0, errors.New("invalid duration " + strconv.Quote(orig) + `; write e.g. "30s", "15m", "2h" or "7d"`)
	}
	if d > math.MaxInt64-total {
		return 0, errors.New("duration " + strconv.Quote(orig) + " is longer than baton counts (about 290 years)")
	}
	return total + d, nil
}

//go:build batontest

package all

import "github.com/batonhq/baton/steps/steptest"

// A batontest build (the baton binary the CLI tests spawn) also knows the
// test-only step types.
func init() { testKinds = steptest.Kinds }

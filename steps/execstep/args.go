package execstep

import "github.com/batonhq/baton/steps"

// Argument helpers shared by every step type (steps/args.go).
var (
	attr      = steps.Attr
	runArgs   = steps.RunArgs
	str       = steps.ArgString
	integer   = steps.ArgInt
	duration  = steps.ArgDuration
	stringMap = steps.ArgStringMap
	boolean   = steps.ArgBool
	showMap   = steps.ShowMap
)

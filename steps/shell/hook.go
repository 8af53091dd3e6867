package shell

import "context"

type onStartKey struct{}

// WithOnStart returns a copy of ctx carrying f, for runners that get a
// context but no steps.Request (the live ConfigMgr site's PowerShell):
// they set Command.OnStart from OnStartFrom(ctx). A nil f carries nothing.
func WithOnStart(ctx context.Context, f func(pid int, start string)) context.Context {
	if f == nil {
		return ctx
	}
	return context.WithValue(ctx, onStartKey{}, f)
}

// OnStartFrom returns the function WithOnStart put in ctx, or nil.
func OnStartFrom(ctx context.Context) func(pid int, start string) {
	f, _ := ctx.Value(onStartKey{}).(func(pid int, start string))
	return f
}

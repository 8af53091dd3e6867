package runbook

// abser is implemented by file systems whose names depend on a working
// directory (DirFS): Abs returns a name's absolute, slash-separated form.
type abser interface {
	Abs(name string) (string, error)
}

// sourceKey is the key of a file in Runbook.Sources: its path relative to
// the runbook's root, slash-separated, however the root and the file were
// spelled (relative or absolute, \ or /). A file that has no such path (on
// another volume) is keyed by its absolute path when the file system knows
// it, else by its name.
func (l *loader) sourceKey(name string) string {
	root, file := l.rb.Root, name
	if a, ok := l.fsys.(abser); ok {
		ra, rerr := a.Abs(root)
		fa, ferr := a.Abs(file)
		if rerr == nil && ferr == nil {
			root, file = ra, fa
		}
	}
	if rel, ok := l.rules.Rel(root, file); ok {
		return rel
	}
	return l.rules.Clean(file)
}

// Source returns the bytes of a file named as in Files and in diagnostic
// ranges (Sources is keyed by path relative to Root).
func (r *Runbook) Source(file string) ([]byte, bool) {
	if k, ok := r.keys[file]; ok {
		file = k
	}
	src, ok := r.Sources[file]
	return src, ok
}

package slashpath

import "testing"

func TestClean(t *testing.T) {
	tests := []struct {
		rules Rules
		in    string
		want  string
	}{
		{Windows, `C:\runbooks\promo.hcl`, `C:/runbooks/promo.hcl`},
		{Windows, `c:\runbooks\..\..\promo.hcl`, `c:/promo.hcl`},
		{Windows, `C:runbooks\..\promo.hcl`, `C:promo.hcl`},
		{Windows, `C:..\promo.hcl`, `C:../promo.hcl`},
		{Windows, `C:`, `C:.`},
		{Windows, `\\fs01\runbooks\promo.hcl`, `//fs01/runbooks/promo.hcl`},
		{Windows, `//fs01/runbooks/promo.hcl`, `//fs01/runbooks/promo.hcl`},
		{Windows, `\\fs01\runbooks\..\..\promo.hcl`, `//fs01/runbooks/promo.hcl`},
		{Windows, `\\fs01\runbooks`, `//fs01/runbooks`},
		{Windows, `\\fs01\runbooks\`, `//fs01/runbooks/`},
		{Windows, `\\fs01/runbooks\lib//./a.hcl`, `//fs01/runbooks/lib/a.hcl`},
		{Windows, `\\?\C:\runbooks\promo.hcl`, `//?/C:/runbooks/promo.hcl`},
		{Windows, `\\?\C:\..\promo.hcl`, `//?/C:/promo.hcl`},
		{Windows, `\\?\UNC\fs01\runbooks\..\promo.hcl`, `//?/UNC/fs01/runbooks/promo.hcl`},
		{Windows, `\\.\C:\promo.hcl`, `//./C:/promo.hcl`},
		{Windows, `\runbooks\..\promo.hcl`, `/promo.hcl`},
		{Windows, `runbooks\lib/..\promo.hcl`, `runbooks/promo.hcl`},
		{Windows, ``, `.`},
		{Unix, `//fs01/runbooks/promo.hcl`, `/fs01/runbooks/promo.hcl`},
		{Unix, `runbooks\promo.hcl`, `runbooks\promo.hcl`},
		{Unix, `C:/x/../promo.hcl`, `C:/promo.hcl`},
		{Unix, ``, `.`},
	}
	for _, tt := range tests {
		if got := tt.rules.Clean(tt.in); got != tt.want {
			t.Errorf("%v.Clean(%q) = %q, want %q", tt.rules, tt.in, got, tt.want)
		}
	}
}

func TestVolume(t *testing.T) {
	tests := []struct {
		rules        Rules
		in           string
		vol, drive   string
		abs, onShare bool
	}{
		{Windows, `C:\x`, `C:`, `C:`, true, false},
		{Windows, `c:x`, `c:`, `c:`, false, false},
		{Windows, `\x`, ``, ``, false, false},
		{Windows, `x\y`, ``, ``, false, false},
		{Windows, `\\fs01\runbooks\x`, `//fs01/runbooks`, ``, true, true},
		{Windows, `//fs01/runbooks`, `//fs01/runbooks`, ``, true, true},
		{Windows, `\\fs01`, `//fs01`, ``, true, true},
		{Windows, `\\?\C:\x`, `//?/C:`, `C:`, true, false},
		{Windows, `\\.\D:\`, `//./D:`, `D:`, true, false},
		{Windows, `\\?\UNC\fs01\runbooks\x`, `//?/UNC/fs01/runbooks`, ``, true, true},
		{Windows, `\\?\unc\fs01\runbooks`, `//?/unc/fs01/runbooks`, ``, true, true},
		{Windows, `\\?\Volume{1234}\x`, `//?/Volume{1234}`, ``, true, false},
		{Unix, `/x`, ``, ``, true, false},
		{Unix, `//fs01/runbooks`, ``, ``, true, false},
		{Unix, `\\fs01\runbooks`, ``, ``, false, false},
		{Unix, `C:/x`, ``, ``, false, false},
	}
	for _, tt := range tests {
		r := tt.rules
		if got := r.VolumeName(tt.in); got != tt.vol {
			t.Errorf("%v.VolumeName(%q) = %q, want %q", r, tt.in, got, tt.vol)
		}
		if got := r.Drive(tt.in); got != tt.drive {
			t.Errorf("%v.Drive(%q) = %q, want %q", r, tt.in, got, tt.drive)
		}
		if got := r.IsAbs(tt.in); got != tt.abs {
			t.Errorf("%v.IsAbs(%q) = %v, want %v", r, tt.in, got, tt.abs)
		}
		if got := r.IsShare(tt.in); got != tt.onShare {
			t.Errorf("%v.IsShare(%q) = %v, want %v", r, tt.in, got, tt.onShare)
		}
	}
}

func TestDir(t *testing.T) {
	tests := []struct {
		rules    Rules
		in, want string
	}{
		{Windows, `\\fs01\runbooks\promo.hcl`, `//fs01/runbooks/`},
		{Windows, `\\fs01\runbooks\lib\a.hcl`, `//fs01/runbooks/lib`},
		{Windows, `\\fs01\runbooks`, `//fs01/runbooks`},
		{Windows, `C:promo.hcl`, `C:.`},
		{Windows, `C:\promo.hcl`, `C:/`},
		{Windows, `\\?\C:\runbooks\promo.hcl`, `//?/C:/runbooks`},
		{Windows, `promo.hcl`, `.`},
		{Unix, `runbooks/promo.hcl`, `runbooks`},
		{Unix, `/promo.hcl`, `/`},
	}
	for _, tt := range tests {
		if got := tt.rules.Dir(tt.in); got != tt.want {
			t.Errorf("%v.Dir(%q) = %q, want %q", tt.rules, tt.in, got, tt.want)
		}
	}
}

func TestResolve(t *testing.T) {
	tests := []struct {
		rules        Rules
		dir, p, want string
	}{
		{Windows, `//fs01/runbooks/`, `lib/a.hcl`, `//fs01/runbooks/lib/a.hcl`},
		{Windows, `//fs01/runbooks/`, `..\..\a.hcl`, `//fs01/runbooks/a.hcl`},
		{Windows, `//fs01/runbooks/promo`, `\lib\a.hcl`, `//fs01/runbooks/lib/a.hcl`},
		{Windows, `C:/runbooks`, `D:\lib\a.hcl`, `D:/lib/a.hcl`},
		{Windows, `C:/runbooks`, `D:a.hcl`, `D:a.hcl`},
		{Windows, `C:/runbooks`, `\lib\a.hcl`, `C:/lib/a.hcl`},
		{Windows, `C:.`, `lib\a.hcl`, `C:lib/a.hcl`},
		{Windows, `C:/runbooks`, `\\fs01\lib\a.hcl`, `//fs01/lib/a.hcl`},
		{Windows, `//?/C:/runbooks`, `..\..\lib\a.hcl`, `//?/C:/lib/a.hcl`},
		{Windows, `runbooks`, `lib/a.hcl`, `runbooks/lib/a.hcl`},
		{Windows, `runbooks`, `/lib/a.hcl`, `/lib/a.hcl`},
		{Unix, `runbooks`, `/abs/a.hcl`, `/abs/a.hcl`},
		{Unix, `runbooks`, `../a.hcl`, `a.hcl`},
		{Unix, `//fs01/runbooks`, `a.hcl`, `/fs01/runbooks/a.hcl`},
		{Unix, `runbooks`, `C:a.hcl`, `runbooks/C:a.hcl`},
	}
	for _, tt := range tests {
		if got := tt.rules.Resolve(tt.dir, tt.p); got != tt.want {
			t.Errorf("%v.Resolve(%q, %q) = %q, want %q", tt.rules, tt.dir, tt.p, got, tt.want)
		}
	}
}

func TestRel(t *testing.T) {
	tests := []struct {
		rules        Rules
		base, target string
		want         string // "" when there is none
	}{
		{Windows, `\\fs01\runbooks`, `//fs01/runbooks/lib/a.hcl`, `lib/a.hcl`},
		{Windows, `\\FS01\Runbooks\`, `//fs01/runbooks/Lib/a.hcl`, `Lib/a.hcl`},
		{Windows, `\\fs01\runbooks`, `//fs01/runbooks`, `.`},
		{Windows, `\\fs01\runbooks`, `//fs01/runbooks/`, `.`},
		{Windows, `C:\runbooks\promo`, `c:/runbooks/shared/a.hcl`, `../shared/a.hcl`},
		{Windows, `C:\runbooks`, `D:/runbooks/a.hcl`, ``},
		{Windows, `C:\runbooks`, `//fs01/runbooks/a.hcl`, ``},
		{Windows, `\\fs01\runbooks`, `//fs01/other/a.hcl`, ``},
		{Windows, `runbooks`, `C:/runbooks/a.hcl`, ``},
		{Windows, `C:.`, `C:lib/a.hcl`, `lib/a.hcl`},
		{Windows, `..`, `a.hcl`, ``},
		{Windows, `.`, `lib\a.hcl`, `lib/a.hcl`},
		{Unix, `Runbooks`, `runbooks/a.hcl`, `../runbooks/a.hcl`},
		{Unix, `/runbooks`, `runbooks/a.hcl`, ``},
		{Unix, `/runbooks`, `/runbooks/lib/a.hcl`, `lib/a.hcl`},
	}
	for _, tt := range tests {
		got, ok := tt.rules.Rel(tt.base, tt.target)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("%v.Rel(%q, %q) = %q, %v; want %q", tt.rules, tt.base, tt.target, got, ok, tt.want)
		}
	}
}

func (r Rules) String() string {
	if r.windows {
		return "Windows"
	}
	return "Unix"
}

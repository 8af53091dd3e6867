package httpstep

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/batonhq/baton/steps"
	"github.com/zclconf/go-cty/cty"
)

// TestNotifyStandIn: in a rehearsal notify posts nothing and shows the
// message and sorted fields; its arguments and output type are notify's.
func TestNotifyStandIn(t *testing.T) {
	var posted atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { posted.Add(1) }))
	defer srv.Close()
	var k steps.Kind = Notify{}
	si, ok := k.(steps.StandIn)
	if !ok {
		t.Fatal("notify offers no rehearsal stand-in")
	}
	if _, pure := k.(steps.Pure); pure {
		t.Fatal("notify says it is pure: a rehearsal would post")
	}
	stand := si.RehearsalStandIn()
	if stand.Name() != "notify" || !stand.OutputType().Equals(NotifyOutput) {
		t.Fatalf("stand-in %s %s, want notify's name and output type", stand.Name(), stand.OutputType().FriendlyName())
	}
	tests := []struct {
		name, src, want string
	}{
		{"message", `webhook_url = "` + srv.URL + `"` + "\nmessage = \"cutover done\"", "cutover done\n"},
		{"fields", `webhook_url = "` + srv.URL + `"` + "\nmessage = \"m\"\nfields = {b = \"2\", a = \"1\"}", "m\na: 1\nb: 2\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := decode(t, stand.Spec(), tt.src, vars)
			var out strings.Builder
			v, err := stand.Run(t.Context(), steps.Request{Args: args, Output: &out})
			if err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Errorf("output %q, want %q", out.String(), tt.want)
			}
			if !v.GetAttr("status").RawEquals(cty.NumberIntVal(0)) {
				t.Errorf("status %#v, want 0 (nothing sent)", v)
			}
		})
	}
	if n := posted.Load(); n != 0 {
		t.Errorf("the stand-in posted %d times", n)
	}
}

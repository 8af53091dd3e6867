package sim_test

import (
	"context"
	"testing"
	"testing/fstest"
	"time"

	"github.com/batonhq/baton/engine/clock"
	"github.com/batonhq/baton/fixtures"
	"github.com/batonhq/baton/steps/configmgr"
	"github.com/batonhq/baton/steps/configmgr/sim"
)

// FuzzLoadFixture: no input makes Load, New or a short rehearsal panic.
func FuzzLoadFixture(f *testing.F) {
	for _, name := range fixtures.Names() {
		src, err := fixtures.FS.ReadFile(fixtures.Path(name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Add([]byte(baseFixture + "scenario \"s\" {\n description = \"d\"\n}\n"))
	f.Add([]byte(haFixture + "durations {\n prp_01 = \"1d\"\n}\nscenario \"s\" {\n description = \"d\"\n fail_promotion_at = \"PRU-04\"\n}\n"))
	f.Add([]byte("site {\n code = \"\"\n}\n"))
	f.Add([]byte("scenario \"\" { description = \"\" }"))
	f.Add([]byte("content_library { size_gb = -1e309 }"))
	f.Add([]byte("update \"u\" { at = \"-99999999999d\" }"))
	f.Add([]byte{0xff, 0xfe, '{'})
	f.Fuzz(func(t *testing.T, src []byte) {
		fx, err := sim.Load(fstest.MapFS{"f.hcl": {Data: src}}, "f.hcl")
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		ctx := context.Background()
		scenarios := fx.Scenarios()
		if len(scenarios) > 3 {
			// Loading already merged and checked every scenario; running
			// a few keeps each execution cheap enough to fuzz.
			scenarios = scenarios[:3]
		}
		for _, sc := range scenarios {
			v := clock.NewVirtual(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
			s, err := sim.New(fx, sc, v)
			if err != nil {
				t.Fatalf("a loaded scenario does not instantiate: %v", err)
			}
			st := s.Snapshot()
			var passive string
			for _, x := range st.SiteServers {
				if x.Mode == configmgr.ModePassive {
					passive = x.Name
				}
			}
			_ = s.Promote(ctx, passive)
			_ = s.AddPassiveSiteServer(ctx, configmgr.AddPassive{Server: "x.example.com", SourceOption: "copy"})
			_ = s.MoveContentLibrary(ctx, `\\fs\share\dir`)
			v.Advance(3 * time.Hour)
			_ = readFacts(ctx, s)
			_ = s.Snapshot()
			_ = s.Events()
			_ = s.Close()
		}
	})
}

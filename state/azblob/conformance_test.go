package azblob

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/batonhq/baton/state"
	"github.com/batonhq/baton/state/statetest"
)

// TestConformance proves the Azure Blob backend keeps the state contract,
// against Azurite, a new container per subtest.
func TestConformance(t *testing.T) {
	t.Parallel()
	a := shared(t)
	statetest.Run(t, statetest.Harness{
		Open:           func(t *testing.T) state.Backend { return openFresh(t, a, Options{}) },
		EditStepRecord: editStepRecord,
		Raw:            rawBytes,
	})
}

// editStepRecord rewrites a run's journal blob with the last stored record
// of step edited, as someone with the account key could: no lease, no
// journal entry.
func editStepRecord(t *testing.T, b state.Backend, runID, step string, edit func(*state.StepRecord)) {
	t.Helper()
	s := b.(*store)
	ctx := context.Background()
	name := s.journalName(runID)
	blob, err := s.get(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(blob.data, []byte("\n"))
	for i := len(lines) - 1; i >= 0; i-- {
		if len(lines[i]) == 0 {
			continue
		}
		var items []item
		if err := json.Unmarshal(lines[i], &items); err != nil {
			t.Fatal(err)
		}
		if !editItems(t, items, step, edit) {
			continue
		}
		if lines[i], err = encodeBlock(items); err != nil {
			t.Fatal(err)
		}
		rewrite(t, s, name, lines)
		return
	}
	t.Fatalf("no record of step %s in the journal of run %s", step, runID)
}

// editItems edits the last record of step in items, reporting whether
// there was one.
func editItems(t *testing.T, items []item, step string, edit func(*state.StepRecord)) bool {
	t.Helper()
	change := func(raw *json.RawMessage) bool {
		var rec state.StepRecord
		if json.Unmarshal(*raw, &rec) != nil || rec.Name != step {
			return false
		}
		edit(&rec)
		out, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		*raw = out
		return true
	}
	for j := len(items) - 1; j >= 0; j-- {
		if items[j].Step != nil && change(&items[j].Step) {
			return true
		}
		for k := range items[j].Steps {
			if change(&items[j].Steps[k]) {
				return true
			}
		}
	}
	return false
}

// rewrite replaces an append blob with lines, one block each.
func rewrite(t *testing.T, s *store, name string, lines [][]byte) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.cc.NewBlobClient(name).Delete(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.createAppend(ctx, name); err != nil {
		t.Fatal(err)
	}
	var pos int64
	for _, l := range lines {
		if len(l) == 0 {
			continue
		}
		if _, err := s.appendAt(ctx, name, l, pos); err != nil {
			t.Fatal(err)
		}
		pos += int64(len(l))
	}
}

// rawBytes downloads every blob of the container.
func rawBytes(t *testing.T, b state.Backend) []byte {
	t.Helper()
	s := b.(*store)
	ctx := context.Background()
	names, err := s.list(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	for _, n := range names {
		blob, err := s.get(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		out.Write(blob.data)
	}
	return out.Bytes()
}

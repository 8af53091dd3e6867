package state

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// EditStepRecordRaw rewrites a stored step record through s's open file,
// behind the Store's back: no lease, no journal entry, as an attacker
// editing the file would. For the tamper tests of the conformance suite.
func EditStepRecordRaw(s *Store, runID, step string, edit func(*StepRecord)) error {
	return s.do(func(db *bolt.DB) error {
		return db.Update(func(tx *bolt.Tx) error {
			rb, err := runBucket(tx, runID)
			if err != nil {
				return err
			}
			sb := rb.Bucket(bucketSteps)
			if sb == nil || sb.Get([]byte(step)) == nil {
				return fmt.Errorf("step %q of run %s: %w", step, runID, ErrNotFound)
			}
			rec, err := decodeStep(sb.Get([]byte(step)))
			if err != nil {
				return err
			}
			edit(&rec)
			raw, err := json.Marshal(rec)
			if err != nil {
				return err
			}
			return sb.Put([]byte(step), raw)
		})
	})
}

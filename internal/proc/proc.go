// Package proc identifies, watches and stops the processes baton starts.
// A process is named by its pid and its start time (Start): a pid alone
// may be reused by an unrelated process once the first one is gone.
//
// Start's values are those state.ProcStart has always recorded, so that
// records written before this package existed still match.
package proc

package rehearse

// Notification is what a step run by a rehearsal stand-in (steps.StandIn)
// would have done, as it showed it: a notify's message, not posted.
type Notification struct {
	Step    string `json:"step"`
	Message string `json:"message"` // as captured, secrets scrubbed
}

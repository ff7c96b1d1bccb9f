package resilience

// A Budget caps retries and hedges across all the executions that share
// it, so that a failing dependency is not hit by a storm of extra attempts.
// Package budget provides an Envoy-style implementation (a percentage of
// recent requests with a minimum floor); retry and hedge consult one through
// their Config.Budget field.
//
// Implementations must be safe for concurrent use.
type Budget interface {
	// RecordRequest records one execution: its first attempt, which the
	// budget never refuses.
	RecordRequest()
	// AllowRetry spends one extra attempt (a retry or a hedge) if the budget
	// has room and returns nil, or returns an error saying why not.
	AllowRetry() error
}

// Package budget caps retries and hedges across executions with an
// Envoy-style retry budget: extra attempts may be at most a share of
// recent requests (Percent, 20% by default), with a floor (MinPerSecond,
// 10 a second by default) so that quiet callers can still retry. When a
// dependency fails, the extra load on it stays within the larger of
// Percent × traffic and the floor, instead of growing to
// (MaxAttempts - 1) × traffic.
//
// One *Budget is shared by every policy that should draw from the same
// pool, through their Config.Budget field:
//
//	b := budget.New(budget.Config{Name: "users-api"})
//	rt := retry.New(retry.Config[*http.Response]{Budget: b})
//
// Each execution of such a policy calls RecordRequest once, and each retry
// or hedge calls AllowRetry; a refusal (ErrExceeded) ends the retries or
// hedges of that execution only. Give a retry policy and a hedge policy of
// the same stack separate budgets, or each execution counts twice.
//
// The window (Window, 10s by default) is kept in ten buckets, so memory is
// fixed whatever the call rate. Metrics reports the window's counts.
//
// A Budget is safe for concurrent use by multiple goroutines; its methods
// take one short mutex and allocate nothing.
package budget

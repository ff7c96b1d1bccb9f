// Package reliability holds no code: its tests prove, under faults, that
// the resilience library keeps working, loses nothing and leaks nothing.
//
//   - The fault-injection load test (httpx_load_test.go) sends thousands of
//     requests, from many goroutines, through httpx.Standard to a loopback
//     server (internal/faultserver) that resets connections mid-request,
//     stalls before the headers and in the middle of the body, answers
//     5xx and 429 with and without Retry-After, closes keep-alive
//     connections and cuts bodies short. It asserts a success rate at
//     least what the retry math predicts, every request body received
//     intact or not at all, no non-idempotent request taken twice, no
//     leaked goroutine, no response body left open, and a bounded number
//     of connections.
//   - The outage tests (outage_test.go) take a fault server that 16
//     callers use down (internal/faultserver.Listener.Down: every
//     connection reset) for 1s, 2s and 10s of a mock clock that the test
//     moves once every caller waits on it: httpx.Standard loses nothing to
//     the blips, and in the outage its breaker opens, requests fail at
//     once and the upstream gets fewer attempts than from the preset
//     before its re-tune (outage_compare_test.go, soak build tag, runs
//     both).
//   - The bad-input tour (badinput_test.go) feeds every package nil
//     contexts, nil funcs, nil and typed-nil policies, zero, negative and
//     absurd configs, absurd Retry-After values, functions that panic or
//     ignore their context, and RoundTrippers that break their contract;
//     each gets a clear error or its documented behaviour.
//   - The soak test (soak_test.go) runs a breaker, a bulkhead and a retry
//     under parallel load with invariant checks and a heap check: a couple
//     of seconds in the normal run, minutes with the soak build tag
//     (make soak).
//
// docs/reliability.md lists the guarantees and the test behind each.
package reliability

//go:build !soak

package reliability_test

import "time"

// soakDefault is the length of the soak in the normal test run: long
// enough for the breaker to cycle many times, short enough for make test.
// The soak build tag (make soak) runs it for minutes.
const soakDefault = 2 * time.Second

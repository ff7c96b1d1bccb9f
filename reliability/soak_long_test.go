//go:build soak

package reliability_test

import "time"

// soakDefault is the length of the soak under the soak build tag
// (make soak); SOAK_DURATION overrides it.
const soakDefault = 3 * time.Minute

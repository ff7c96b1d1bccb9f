//go:build race

package circuitbreaker_test

// raceEnabled lets long randomized tests do less under the race detector.
const raceEnabled = true

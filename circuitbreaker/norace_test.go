//go:build !race

package circuitbreaker_test

const raceEnabled = false

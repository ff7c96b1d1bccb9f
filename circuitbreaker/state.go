package circuitbreaker

import "strconv"

// State is a breaker's state. Closed, Open and HalfOpen are the automatic
// states; ForcedOpen, Disabled and MetricsOnly are entered only by the
// manual-control methods of [Breaker] and left only by another of them.
type State uint8

const (
	// Closed admits every call and records its outcome in the window; the
	// breaker opens when the window's failure or slow-call rate, or the run
	// of consecutive failures, reaches its threshold.
	Closed State = iota
	// Open rejects every call with an [*OpenError] until its delay has
	// passed; then the breaker is HalfOpen.
	Open
	// HalfOpen admits up to Config.HalfOpenCalls trial calls and rejects the
	// rest. Any failed trial opens the breaker again; when all trials have
	// succeeded it closes.
	HalfOpen
	// ForcedOpen rejects every call until a manual-control method moves the
	// breaker out of it.
	ForcedOpen
	// Disabled admits every call and records nothing.
	Disabled
	// MetricsOnly admits every call and records its outcome, so that Metrics
	// stays live, but never opens.
	MetricsOnly
)

var stateNames = [...]string{
	Closed:      "closed",
	Open:        "open",
	HalfOpen:    "half-open",
	ForcedOpen:  "forced-open",
	Disabled:    "disabled",
	MetricsOnly: "metrics-only",
}

// String returns the state's name, e.g. "half-open".
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// A state word packs a State and a generation into one uint64, so that
// admission is one atomic load and a permit remembers, in one word, the
// period it was admitted in. Every transition increments the generation, so
// two words are equal only within one period of one state.
const stateBits = 3

func stateOf(word uint64) State { return State(word & (1<<stateBits - 1)) }

// nextWord returns the word of the period that follows word, in state s.
func nextWord(word uint64, s State) uint64 {
	return (word>>stateBits+1)<<stateBits | uint64(s)
}

package faultserver

import (
	"encoding/binary"
	"hash/fnv"
	"strconv"
)

// A Fault is what the server does to one arrival of a request.
type Fault uint8

// The faults. A fault "takes" the request when the server acts on it (the
// whole body arrived intact, and then the answer went wrong); a client
// that repeats a taken request that is not idempotent duplicates it. Reset,
// Shed503 and Shed429 never take the request.
const (
	None         Fault = iota // takes the request and answers 200 with Body(id)
	Reset                     // reads half the request body, then resets the connection (TCP RST)
	StallHeaders              // takes the request, then waits Stall before answering 200
	StallBody                 // takes the request, writes half the body, waits Stall, writes the rest
	Status503                 // takes the request and answers 503 without Retry-After
	Shed503                   // sheds the request: 503 with Retry-After, not taken
	Shed429                   // sheds the request: 429 with Retry-After, not taken
	Status500                 // takes the request and answers 500
	CloseConn                 // takes the request, answers 200 and closes the keep-alive connection
	PartialBody               // takes the request, declares the whole body, writes half and closes

	// NumFaults is the number of faults, None included: Fault values are
	// below it.
	NumFaults = int(PartialBody) + 1
)

var faultNames = [NumFaults]string{
	None:         "none",
	Reset:        "reset",
	StallHeaders: "stall-headers",
	StallBody:    "stall-body",
	Status503:    "503",
	Shed503:      "503-retry-after",
	Shed429:      "429-retry-after",
	Status500:    "500",
	CloseConn:    "close-conn",
	PartialBody:  "partial-body",
}

// String returns the fault's name, e.g. "stall-headers".
func (f Fault) String() string {
	if int(f) < NumFaults {
		return faultNames[f]
	}
	return "Fault(" + strconv.Itoa(int(f)) + ")"
}

// Taken reports whether the server acts on a request before the fault
// strikes, so that the request may have had its effect although the client
// saw a failure.
func (f Fault) Taken() bool {
	switch f {
	case Reset, Shed503, Shed429:
		return false
	}
	return true
}

// A Schedule chooses the fault of one arrival of a request: arrival counts
// the arrivals of the request id, from 1. It must be safe for concurrent use
// and should be deterministic, so that a run can be replayed.
type Schedule func(id string, arrival int) Fault

// Script returns a Schedule that meets the n-th arrival of every request id
// with faults[n-1], and later arrivals with None.
func Script(faults ...Fault) Schedule {
	faults = append([]Fault(nil), faults...)
	return func(_ string, arrival int) Fault {
		if arrival >= 1 && arrival <= len(faults) {
			return faults[arrival-1]
		}
		return None
	}
}

// Chance returns a Schedule that meets each arrival with fault f with
// probability weights[f] (None takes what is left), drawn from a hash of
// seed, the request id and the arrival: the same seed gives the same fault
// to the same arrival in every run. Weights must be >= 0 and sum to at most
// 1; Chance panics otherwise.
func Chance(seed uint64, weights map[Fault]float64) Schedule {
	var cum [NumFaults]float64 // cum[f]: the draw is below it for f or an earlier fault
	sum := 0.0
	for f := Fault(1); int(f) < NumFaults; f++ {
		w := weights[f]
		if !(w >= 0) {
			panic("faultserver: Chance: negative weight for " + f.String())
		}
		sum += w
		cum[f] = sum
	}
	if sum > 1+1e-9 {
		panic("faultserver: Chance: weights sum above 1")
	}
	return func(id string, arrival int) Fault {
		u := draw(seed, id, arrival)
		for f := Fault(1); int(f) < NumFaults; f++ {
			if u < cum[f] {
				return f
			}
		}
		return None
	}
}

// draw returns a uniform float in [0, 1) from a hash of its arguments.
func draw(seed uint64, id string, arrival int) float64 {
	h := fnv.New64a()
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], seed)
	binary.LittleEndian.PutUint64(b[8:], uint64(arrival))
	h.Write(b[:])
	h.Write([]byte(id))
	// FNV mixes its last bytes poorly into the high bits: finish with a
	// splitmix64 round.
	x := h.Sum64()
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return float64(x>>11) / (1 << 53)
}

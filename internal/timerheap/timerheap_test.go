package timerheap

import (
	"context"
	"math/rand/v2"
	"sort"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Each test runs in a synctest bubble on a Heap made there, so that the
// heap's timer runs on the bubble's fake clock: deadlines come exactly
// when they should, and waiting for one takes no real time.

// recorder is an Expirer that records when it expired.
type recorder struct {
	name string
	mu   *sync.Mutex
	log  *[]expiry
}

type expiry struct {
	name string
	at   time.Time
}

func (r *recorder) Expire() {
	r.mu.Lock()
	*r.log = append(*r.log, expiry{r.name, time.Now()})
	r.mu.Unlock()
}

// script queues named entries and reads back what expired.
type script struct {
	h       *Heap
	start   time.Time
	mu      sync.Mutex
	log     []expiry
	entries map[string]*Entry
}

func newScript() *script {
	return &script{h: New(), start: time.Now(), entries: map[string]*Entry{}}
}

func (s *script) add(name string, after time.Duration) *Entry {
	e := &Entry{}
	s.entries[name] = e
	s.h.Add(e, s.start.Add(after), &recorder{name: name, mu: &s.mu, log: &s.log})
	return e
}

// until waits, on the bubble's clock, until d after the script's start,
// and lets the heap's timer run.
func (s *script) until(d time.Duration) { waitUntil(s.start.Add(d)) }

// waitUntil waits on a context's deadline (in a bubble, fake time moves
// on at once) and then for every goroutine of the bubble to block.
func waitUntil(at time.Time) {
	ctx, cancel := context.WithDeadline(context.Background(), at)
	defer cancel()
	<-ctx.Done()
	synctest.Wait()
}

func (s *script) expired() []expiry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]expiry(nil), s.log...)
}

func (s *script) want(t *testing.T, names ...string) {
	t.Helper()
	var got []string
	for _, e := range s.expired() {
		got = append(got, e.name)
	}
	assert.Equal(t, names, got)
}

func TestEntriesExpireAtTheirDeadlinesInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript()
		s.add("c", 3*time.Second)
		s.add("a", time.Second)
		s.add("b", 2*time.Second)
		s.until(3 * time.Second)
		got := s.expired()
		require.Len(t, got, 3)
		for i, name := range []string{"a", "b", "c"} {
			assert.Equal(t, name, got[i].name)
			assert.Equal(t, s.start.Add(time.Duration(i+1)*time.Second), got[i].at, "%s expired at", name)
		}
	})
}

func TestStoppedEntryNeverExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript()
		a := s.add("a", time.Second)
		s.add("b", 2*time.Second)
		assert.True(t, a.Stop(), "Stop of a queued entry")
		assert.False(t, a.Stop(), "Stop a second time")
		s.until(time.Hour)
		s.want(t, "b")
		assert.False(t, s.entries["b"].Stop(), "Stop after the deadline came")
		assert.False(t, (&Entry{}).Stop(), "Stop of an entry never added")
	})
}

// Taking out the entry the timer is armed for leaves the timer be: it
// fires early, finds nothing due, and re-arms for the earliest left.
func TestTimerArmedForAStoppedEntryRearms(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript()
		s.add("a", time.Second).Stop()
		s.add("b", 5*time.Second)
		s.until(4 * time.Second)
		s.want(t)
		s.until(5 * time.Second)
		s.want(t, "b")
		assert.Equal(t, s.start.Add(5*time.Second), s.expired()[0].at)
	})
}

// An entry earlier than the one the timer is armed for re-arms it.
func TestEarlierEntryRearmsTheTimer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript()
		s.add("late", time.Minute)
		s.add("early", time.Second)
		s.until(time.Second)
		s.want(t, "early")
		assert.Equal(t, s.start.Add(time.Second), s.expired()[0].at)
	})
}

// A heap emptied by Stop and then refilled, the way one attempt at a time
// uses it, still expires each entry at its deadline.
func TestOneEntryAtATime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript()
		for i := range 5 {
			require.True(t, s.add("kept", time.Duration(i+1)*time.Second).Stop())
		}
		s.add("last", 10*time.Second)
		s.until(9 * time.Second)
		s.want(t)
		s.until(10 * time.Second)
		s.want(t, "last")
	})
}

func TestDeadlineAlreadyPassedExpiresAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript()
		s.add("past", -time.Second)
		synctest.Wait()
		s.want(t, "past")
		assert.Equal(t, s.start, s.expired()[0].at)
	})
}

// More entries come due at once than fire takes in one batch.
func TestManyDueAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScript()
		var want []string
		for i := range 100 {
			name := string(rune('A' + i%26))
			s.add(name+string(rune('0'+i/26)), time.Second)
			want = append(want, name+string(rune('0'+i/26)))
		}
		s.until(time.Second)
		got := s.expired()
		require.Len(t, got, 100)
		var names []string
		for _, e := range got {
			names = append(names, e.name)
			assert.Equal(t, s.start.Add(time.Second), e.at)
		}
		sort.Strings(names)
		sort.Strings(want)
		assert.Equal(t, want, names)
		assert.Empty(t, s.h.items)
	})
}

// Expire runs outside the heap's lock: it may add and stop entries of the
// same heap.
func TestExpireMayUseTheHeap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := New()
		start := time.Now()
		var again, other Entry
		var at []time.Time
		h.Add(&other, start.Add(time.Hour), expireFunc(func() {}))
		h.Add(&Entry{}, start.Add(time.Second), expireFunc(func() {
			other.Stop()
			h.Add(&again, start.Add(2*time.Second), expireFunc(func() { at = append(at, time.Now()) }))
		}))
		waitUntil(start.Add(time.Hour))
		assert.Equal(t, []time.Time{start.Add(2 * time.Second)}, at)
		assert.Empty(t, h.items)
	})
}

type expireFunc func()

func (f expireFunc) Expire() { f() }

// A random mix of adds and stops, checked against the obvious model: an
// entry expires at its deadline exactly when it was not stopped first,
// and the heap's order and positions hold after every step.
func TestRandomAgainstModel(t *testing.T) {
	for seed := range uint64(20) {
		synctest.Test(t, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 1))
			s := newScript()
			deadline := map[string]time.Duration{}
			stopped := map[string]bool{}
			now := time.Duration(0)
			for i := range 300 {
				name := string(rune(0x100 + i))
				switch {
				case rng.IntN(3) == 0 && len(deadline) > 0:
					for n, e := range s.entries { // any one, stopped or not
						wasQueued := !stopped[n] && deadline[n] > now
						assert.Equal(t, wasQueued, e.Stop(), "Stop(%q) at %v, deadline %v", n, now, deadline[n])
						if wasQueued {
							stopped[n] = true
						}
						break
					}
				case rng.IntN(4) == 0:
					now += time.Duration(rng.IntN(1000)) * time.Millisecond
					s.until(now)
				default:
					d := now + time.Duration(rng.IntN(5000)-500)*time.Millisecond
					deadline[name] = d
					s.add(name, d)
					synctest.Wait() // one already due expires now
				}
				checkHeap(t, s.h)
			}
			s.until(now + time.Hour)
			var want []string
			for n := range deadline {
				if !stopped[n] {
					want = append(want, n)
				}
			}
			got := map[string]time.Time{}
			for _, e := range s.expired() {
				_, dup := got[e.name]
				require.False(t, dup, "%q expired twice", e.name)
				got[e.name] = e.at
			}
			require.Len(t, got, len(want))
			for _, n := range want {
				at, ok := got[n]
				require.True(t, ok, "%q never expired", n)
				// An entry added with its deadline already passed expires
				// at once, when it was added; any other at its deadline.
				d := deadline[n]
				if at.Sub(s.start) != d {
					assert.Less(t, d, at.Sub(s.start), "%q expired at %v before its deadline %v", n, at.Sub(s.start), d)
				}
			}
		})
	}
}

// checkHeap checks the heap property and every entry's recorded position.
func checkHeap(t *testing.T, h *Heap) {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, e := range h.items {
		require.Equal(t, i+1, e.pos, "position of item %d", i)
		if i > 0 {
			require.LessOrEqual(t, h.items[(i-1)/2].at, e.at, "item %d is earlier than its parent", i)
		}
	}
}

// A burst of entries grows the heap's slice; stopping them gives most of
// it back.
func TestHeapShrinksAfterABurst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := New()
		start := time.Now()
		es := make([]Entry, 5000)
		for i := range es {
			h.Add(&es[i], start.Add(time.Hour), expireFunc(func() {}))
		}
		grown := cap(h.items)
		for i := range es {
			require.True(t, es[i].Stop())
		}
		assert.Less(t, cap(h.items), grown/4, "capacity after the burst (was %d)", grown)
		assert.Empty(t, h.items)
	})
}

func TestMonotonic(t *testing.T) {
	now := time.Now()
	assert.True(t, Monotonic(now), "time.Now outside a bubble")
	assert.True(t, Monotonic(now.Add(time.Second)), "a time derived from it")
	assert.False(t, Monotonic(now.Round(0)), "stripped of its monotonic reading")
	assert.False(t, Monotonic(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)))
	synctest.Test(t, func(t *testing.T) {
		assert.False(t, Monotonic(time.Now()), "time.Now inside a bubble")
	})
}

// The shared heaps take deadlines from the real clock, from many
// goroutines at once; each due one expires, no stopped one does.
func TestSharedRealClock(t *testing.T) {
	const n = 64
	var (
		wg      sync.WaitGroup
		expired sync.WaitGroup
		es      [n]Entry
	)
	expired.Add(n / 2)
	start := time.Now()
	for i := range n {
		wg.Go(func() {
			if i%2 == 0 {
				Shared().Add(&es[i], start.Add(time.Millisecond), expireFunc(expired.Done))
				return
			}
			Shared().Add(&es[i], start.Add(time.Hour), expireFunc(func() { t.Errorf("entry %d expired", i) }))
			assert.True(t, es[i].Stop())
		})
	}
	wg.Wait()
	expired.Wait()
	assert.Less(t, time.Millisecond, time.Since(start), "expired before the deadline")
}

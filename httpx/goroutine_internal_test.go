package httpx

import "testing"

// Failover.Close tells whether it runs on the health checker by goroutine
// id, read from the runtime's stack trace header. This guards that
// fragile dependency: if the header changed, Close called from OnCheck
// would deadlock again.
func TestGoroutineIDTellsGoroutinesApart(t *testing.T) {
	here := goroutineID()
	if here == 0 {
		t.Fatal("goroutineID() = 0: the stack trace no longer starts with \"goroutine <id> \"")
	}
	if again := goroutineID(); again != here {
		t.Fatalf("goroutineID() = %d, then %d on the same goroutine", here, again)
	}
	there := make(chan uint64)
	go func() { there <- goroutineID() }()
	if id := <-there; id == here || id == 0 {
		t.Fatalf("goroutineID() on another goroutine = %d, here %d", id, here)
	}
}

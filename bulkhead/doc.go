// Package bulkhead limits how many calls run at the same time, so that one
// slow dependency cannot take every goroutine, connection or thread of a
// service with it.
//
// A [Bulkhead] holds MaxConcurrent permits. A call takes one before it runs
// and gives it back when it returns, however it returns: with a result, an
// error, a panic (next's, or a hook's or observer's) or a cancelled ctx. When every permit is taken, a call
// queues for one, first come first served, for at most MaxWait, and then
// gets an error that matches [ErrFull]. MaxWait 0 (the default) rejects at
// once when the bulkhead is full. A wait also ends as soon as the caller's
// ctx is done, with ctx's error; a permit freed at that same instant goes
// to the next waiter, never lost.
//
// Most callers want [Bulkhead.Execute], directly or through
// resilience.Compose:
//
//	db := bulkhead.New[User](bulkhead.Config{MaxConcurrent: 10, MaxWait: 100 * time.Millisecond})
//	user, err := db.Execute(ctx, loadUser)
//
// [Bulkhead.Acquire] is the two-step form for code that is not a
// func(ctx) (R, error). Permits do not depend on the result type: [As]
// gives a view of the same bulkhead for another R, so that one pool of
// permits guards, say, every query to one database whatever it returns.
//
// A Bulkhead is safe for concurrent use by multiple goroutines. Taking a
// free permit and giving it back are one atomic compare-and-swap each: no
// lock, no allocation. Only a call that must queue takes the bulkhead's
// lock, and a permit given back while calls are queued goes straight to
// the first of them.
package bulkhead

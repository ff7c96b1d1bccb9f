package hedge

import "errors"

// ErrLost is the cause with which a Policy cancels the attempts it no
// longer needs: losers, once another attempt has won, failed permanently or
// panicked. context.Cause(ctx) of such an attempt returns it. It is not a
// deadline, so inner policies see the attempt as caller-ended
// (resilience.CallerEnded): a breaker does not count it as a failure.
var ErrLost = errors.New("hedge: another attempt decided the outcome")

package fallback_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/fallback"
	"github.com/go-resilience/resilience/timeout"
)

// A fallback goes outermost: it answers for everything inside it.
func Example() {
	exec := resilience.Compose[string](
		fallback.Value("the usual"),
		timeout.New[string](timeout.Config{Timeout: 10 * time.Millisecond}),
	)
	order, err := exec.Execute(context.Background(), func(ctx context.Context) (string, error) {
		<-ctx.Done() // the recommendation service is too slow today
		return "", ctx.Err()
	})
	fmt.Println(order, err)
	// Output: the usual <nil>
}

func ExampleNew() {
	cache := map[string]string{"ann": "Ann (cached)"}
	p := fallback.New(fallback.Config[string]{
		Name: "profile",
		Fallback: func(_ context.Context, _ string, err error) (string, error) {
			if name, ok := cache["ann"]; ok {
				return name, nil
			}
			return "", err
		},
		OnFallback: func(e fallback.Event[string]) { fmt.Println("falling back after:", e.Err) },
	})
	name, err := p.Execute(context.Background(), func(context.Context) (string, error) {
		return "", errors.New("profile service: connection refused")
	})
	fmt.Println(name, err)
	// Output:
	// falling back after: profile service: connection refused
	// Ann (cached) <nil>
}

// FailureIf makes failed results fall back too, not only errors.
func ExampleConfig_failureIf() {
	type reply struct{ status int }
	p := fallback.New(fallback.Config[reply]{
		FailureIf: func(r reply, err error) bool { return err != nil || r.status >= 500 },
		Fallback:  func(context.Context, reply, error) (reply, error) { return reply{status: 200}, nil },
	})
	r, err := p.Execute(context.Background(), func(context.Context) (reply, error) { return reply{status: 503}, nil })
	fmt.Println(r.status, err)
	// Output: 200 <nil>
}

func ExampleValue() {
	p := fallback.Value(0.0)
	rate, err := p.Execute(context.Background(), func(context.Context) (float64, error) {
		return 0, errors.New("discount service down")
	})
	fmt.Println(rate, err)
	// Output: 0 <nil>
}

func ExampleError() {
	errUnavailable := errors.New("search unavailable, try again later")
	p := fallback.Error[[]string](errUnavailable)
	_, err := p.Execute(context.Background(), func(context.Context) ([]string, error) {
		return nil, errors.New("elastic: no shards")
	})
	fmt.Println(err)
	fmt.Println(errors.Is(err, errUnavailable))
	// Output:
	// search unavailable, try again later: elastic: no shards
	// true
}

func ExampleChain() {
	replica := func(context.Context) (string, error) { return "", errors.New("replica: timeout") }
	cache := func(context.Context) (string, error) { return "row from cache", nil }
	p := fallback.Chain(replica, cache)

	row, err := p.Execute(context.Background(), func(context.Context) (string, error) {
		return "", errors.New("primary: connection refused")
	})
	fmt.Println(row, err)
	// Output: row from cache <nil>
}

// When every alternative fails, all the errors come back, in order.
func ExampleChain_allFail() {
	errPrimary := errors.New("primary: connection refused")
	p := fallback.Chain(
		func(context.Context) (int, error) { return 0, errors.New("replica: timeout") },
		func(context.Context) (int, error) { return 0, errors.New("cache: miss") },
	)
	_, err := p.Execute(context.Background(), func(context.Context) (int, error) { return 0, errPrimary })
	fmt.Println(err)
	fmt.Println(errors.Is(err, errPrimary))
	// Output:
	// primary: connection refused
	// replica: timeout
	// cache: miss
	// true
}

func ExampleNewChain() {
	regions := []resilience.Func[string]{
		func(context.Context) (string, error) { return "", nil }, // empty answer: a failure here
		func(context.Context) (string, error) { return "eu-west", nil },
	}
	p := fallback.NewChain(fallback.ChainConfig[string]{
		Name:         "regions",
		Alternatives: regions,
		FailureIf:    func(r string, err error) bool { return err != nil || r == "" },
		OnFallback:   func(e fallback.Event[string]) { fmt.Println("trying alternative", e.Attempt) },
	})
	region, err := p.Execute(context.Background(), func(context.Context) (string, error) {
		return "", errors.New("us-east: down")
	})
	fmt.Println(region, err)
	// Output:
	// trying alternative 1
	// trying alternative 2
	// eu-west <nil>
}

// A call its caller cancelled is returned as it is: nobody wants the
// fallback's answer.
func ExamplePolicy_Execute() {
	p := fallback.Value("default")
	ctx, cancel := context.WithCancel(context.Background())
	v, err := p.Execute(ctx, func(ctx context.Context) (string, error) {
		cancel() // the user closed the page
		return "", ctx.Err()
	})
	fmt.Printf("%q %v\n", v, err)
	// Output: "" context canceled
}

func ExampleConfig_Validate() {
	err := fallback.Config[int]{}.Validate()
	fmt.Println(err)
	fmt.Println(errors.Is(err, resilience.ErrInvalidConfig))
	// Output:
	// fallback: Fallback = <nil>: must not be nil
	// true
}

func ExampleChainConfig_Validate() {
	err := fallback.ChainConfig[int]{Alternatives: make([]resilience.Func[int], 2)}.Validate()
	fmt.Println(err)
	// Output: fallback: Alternatives[0] = <nil>: must not be nil
}

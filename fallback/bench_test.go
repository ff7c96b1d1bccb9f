package fallback_test

import (
	"context"
	"errors"
	"testing"

	"github.com/go-resilience/resilience/fallback"
)

func BenchmarkExecuteSuccess(b *testing.B) {
	p := fallback.Value(-1)
	fn := func(context.Context) (int, error) { return 1, nil }
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = p.Execute(ctx, fn)
	}
}

func BenchmarkExecuteFallback(b *testing.B) {
	p := fallback.Value(-1)
	errDown := errors.New("down")
	fn := func(context.Context) (int, error) { return 0, errDown }
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = p.Execute(ctx, fn)
	}
}

func BenchmarkChainAllFail(b *testing.B) {
	errDown := errors.New("down")
	fail := func(context.Context) (int, error) { return 0, errDown }
	p := fallback.Chain(fail, fail)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = p.Execute(ctx, fail)
	}
}

// BenchmarkExecuteFallbackPointer falls back with a pointer result, the
// shape of *http.Response.
func BenchmarkExecuteFallbackPointer(b *testing.B) {
	type resp struct{ code int }
	p := fallback.Value(&resp{200})
	errDown := errors.New("down")
	failed := &resp{503}
	fn := func(context.Context) (*resp, error) { return failed, errDown }
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = p.Execute(ctx, fn)
	}
}

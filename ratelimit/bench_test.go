package ratelimit_test

import (
	"context"
	"testing"

	"github.com/go-resilience/resilience/ratelimit"
)

// admitAll never runs out: a token per nanosecond, a deep bucket.
func admitAll() *ratelimit.Limiter[int] {
	return ratelimit.New[int](ratelimit.Config{Rate: 1e9, Burst: 1e9})
}

func BenchmarkAllow(b *testing.B) {
	l := admitAll()
	b.ReportAllocs()
	for b.Loop() {
		_ = l.Allow()
	}
}

func BenchmarkAllowParallel(b *testing.B) {
	l := admitAll()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = l.Allow()
		}
	})
}

func BenchmarkExecute(b *testing.B) {
	l := admitAll()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = l.Execute(ctx, ok)
	}
}

func BenchmarkExecuteRejected(b *testing.B) {
	l := ratelimit.New[int](ratelimit.Config{Rate: 1})
	ctx := context.Background()
	_ = l.Allow()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = l.Execute(ctx, ok)
	}
}

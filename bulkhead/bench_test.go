package bulkhead_test

import (
	"context"
	"testing"

	"github.com/go-resilience/resilience/bulkhead"
)

func BenchmarkExecute(b *testing.B) {
	bh := bulkhead.New[int](bulkhead.Config{MaxConcurrent: 1 << 20})
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, _ = bh.Execute(ctx, ok)
		}
	})
}

func BenchmarkExecuteSerial(b *testing.B) {
	bh := bulkhead.New[int](bulkhead.Config{MaxConcurrent: 1 << 20})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = bh.Execute(ctx, ok)
	}
}

func BenchmarkExecuteFull(b *testing.B) {
	bh := bulkhead.New[int](bulkhead.Config{MaxConcurrent: 1})
	ctx := context.Background()
	release, _ := bh.Acquire(ctx)
	defer release()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = bh.Execute(ctx, ok)
	}
}

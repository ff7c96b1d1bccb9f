// Package benchmarks measures this library side by side with its peers
// (failsafe-go, sony/gobreaker, hystrix-go, eapache/go-resiliency,
// hashicorp/go-retryablehttp) on equivalent configurations.
//
// Every benchmark is named Benchmark<Case>/<library> so that
// cmd/benchtable can put the libraries of one case next to each other and
// divide each by this library's time. It is a module of its own so that
// the peers never enter the core module's go.mod. Run it with `make bench`.
package benchmarks

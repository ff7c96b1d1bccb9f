package fallback_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/go-resilience/resilience/internal/testkit"
	"testing"

	"github.com/go-resilience/resilience/fallback"
)

// FuzzValidate checks that Config.Validate and ChainConfig.Validate accept
// exactly the configs with the required funcs, name the missing one, never
// panic, and that New and NewChain agree with them.
func FuzzValidate(f *testing.F) {
	f.Add(true, uint8(1), uint16(0))
	f.Add(false, uint8(0), uint16(0))
	f.Add(true, uint8(3), uint16(0b010))
	f.Add(false, uint8(7), uint16(0xffff))
	f.Fuzz(func(t *testing.T, hasFallback bool, n uint8, nilMask uint16) {
		alt := func(context.Context) (int, error) { return 2, nil }
		cfg := fallback.Config[int]{}
		var bad []string
		if hasFallback {
			cfg.Fallback = func(context.Context, int, error) (int, error) { return 2, nil }
		} else {
			bad = append(bad, "Fallback")
		}
		testkit.CheckConfig(t, "fallback", cfg.Validate(), bad, func() { run(t, fallback.New(cfg)) })

		chain := fallback.ChainConfig[int]{}
		bad = nil
		for i := range int(n % 9) {
			if nilMask&(1<<i) != 0 {
				chain.Alternatives = append(chain.Alternatives, nil)
				bad = append(bad, fmt.Sprintf("Alternatives[%d]", i))
			} else {
				chain.Alternatives = append(chain.Alternatives, alt)
			}
		}
		if len(chain.Alternatives) == 0 {
			bad = append(bad, "Alternatives")
		}
		testkit.CheckConfig(t, "fallback", chain.Validate(), bad, func() { run(t, fallback.NewChain(chain)) })
	})
}

// run checks that p answers a failure with the fallback's 2.
func run(t *testing.T, p *fallback.Policy[int]) {
	r, err := p.Execute(context.Background(), func(context.Context) (int, error) { return 0, errors.New("down") })
	if r != 2 || err != nil {
		t.Fatalf("Execute = %d, %v; want the fallback's 2, nil", r, err)
	}
}

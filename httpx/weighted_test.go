package httpx_test

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-resilience/resilience"
	"github.com/go-resilience/resilience/httpx"
)

func TestFailoverValidateRejectsWeightsSummingPastTheLimit(t *testing.T) {
	k := math.MaxInt/3 + 1 // 2k and k: a 2:1 split whose sum overflows an int
	tests := []struct {
		name    string
		weights []int
		want    string
	}{
		{"2:1 overflowing int", []int{2 * k, k}, "httpx: Endpoints[0].Weight = " + strconv.Itoa(2*k) + ": must keep the sum of weights at most 2147483647 (the endpoints before it weigh 0)"},
		{"one weight too large", []int{1, math.MaxInt32}, "httpx: Endpoints[1].Weight = 2147483647: must keep the sum of weights at most 2147483647 (the endpoints before it weigh 1)"},
		{"zero counts as 1", []int{math.MaxInt32 - 1, 0, 0}, "httpx: Endpoints[2].Weight = 0: must keep the sum of weights at most 2147483647 (the endpoints before it weigh 2147483647)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eps := foEndpoints("http://a", "http://b", "http://c")[:len(tt.weights)]
			for i, w := range tt.weights {
				eps[i].Weight = w
			}
			err := httpx.FailoverConfig{Endpoints: eps, Strategy: httpx.Weighted}.Validate()
			require.ErrorIs(t, err, resilience.ErrInvalidConfig)
			assert.EqualError(t, err, tt.want)
		})
	}
}

func TestFailoverWeightedKeepsTheProportionOfTheLargestWeightsAllowed(t *testing.T) {
	eps := foEndpoints("http://a", "http://b")
	eps[0].Weight, eps[1].Weight = 1431655764, 715827882 // 2:1, summing to 2147483646
	f := newFailover(t, httpx.FailoverConfig{Endpoints: eps, Strategy: httpx.Weighted, Next: &foStub{answer: foOK}})
	var got strings.Builder
	for range 6 {
		_, body := foGet(t, f, "/")
		got.WriteString(body)
	}
	assert.Equal(t, "abaaba", got.String(), "weights 2:1 pick a twice as often as b")
}

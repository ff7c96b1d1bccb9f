package typednil_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/go-resilience/resilience/internal/typednil"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestIs(t *testing.T) {
	var (
		ptr   *int
		fn    func()
		m     map[int]int
		s     []int
		ch    chan int
		x         = 1
		iface any = ptr
	)
	tests := []struct {
		name string
		v    any
		want bool
	}{
		{"untyped nil", nil, true},
		{"nil pointer", ptr, true},
		{"nil func", fn, true},
		{"nil map", m, true},
		{"nil slice", s, true},
		{"nil chan", ch, true},
		{"interface holding a nil pointer", iface, true},
		{"pointer", &x, false},
		{"func", func() {}, false},
		{"empty slice", []int{}, false},
		{"struct value", struct{}{}, false},
		{"int", 0, false},
	}
	for _, tt := range tests {
		if got := typednil.Is(tt.v); got != tt.want {
			t.Errorf("Is(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

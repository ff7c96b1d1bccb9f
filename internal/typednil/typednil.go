// Package typednil tells a nil interface, or one holding a nil pointer,
// func, map, slice or chan, from a usable value. The root package's
// Compose and httpx's Config.Validate both use it to reject policies such
// as (*retry.Policy[R])(nil), whose Execute would fail on every call.
package typednil

import "reflect"

// Is reports whether v is nil or holds a nil pointer, func, map, slice,
// chan or interface. It uses reflect, so callers check once, when a stack
// is built, never per call.
func Is(v any) bool {
	if v == nil {
		return true
	}
	switch r := reflect.ValueOf(v); r.Kind() {
	case reflect.Pointer, reflect.Func, reflect.Map, reflect.Slice, reflect.Chan, reflect.Interface:
		return r.IsNil()
	}
	return false
}

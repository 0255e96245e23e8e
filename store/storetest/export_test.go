package storetest

import "testing"

// RunModel runs the model check's operations encoded in data, as FuzzModel does, on a new
// store from h, and returns how the store disagreed with the model, or "".
func RunModel(tb testing.TB, h Harness, data []byte) string {
	tb.Helper()
	if f := runModel(tb, h, decodeOps(data), nil); f != nil {
		return f.String()
	}
	return ""
}

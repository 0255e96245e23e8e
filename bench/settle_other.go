//go:build !unix

package main

// settleDisk does nothing where sync(2) is not available.
func settleDisk() {}

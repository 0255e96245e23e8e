//go:build !unix

package main

// openFileLimit reports that the open-file limit cannot be read here.
func openFileLimit() (int, bool) { return 0, false }

//go:build !linux

package main

// fileSystem is unknown on this system.
func fileSystem(string) (name string, inMemory bool) { return "", false }

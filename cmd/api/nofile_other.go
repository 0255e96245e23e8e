//go:build !unix

package main

// defaultMaxConnections is 0 (no limit) where the open-file limit cannot be read.
func defaultMaxConnections() int { return 0 }

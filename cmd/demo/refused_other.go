//go:build !windows

package main

import (
	"errors"
	"syscall"
)

// refused reports whether err is a connection the server's host refused: nothing listens
// at the URL.
func refused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

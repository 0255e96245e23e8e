package main

import (
	"errors"
	"syscall"

	"golang.org/x/sys/windows"
)

// refused reports whether err is a connection the server's host refused: nothing listens
// at the URL. Windows reports it as WSAECONNREFUSED, which syscall.ECONNREFUSED (an errno
// of Go's own there) does not match.
func refused(err error) bool {
	return errors.Is(err, windows.WSAECONNREFUSED) || errors.Is(err, syscall.ECONNREFUSED)
}

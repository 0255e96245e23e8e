//go:build !windows

package jsonl

// closeGuard does nothing outside Windows: there, a ReadAt takes one reference to the file
// and Close lets it finish (see closeguard_windows.go for why Windows needs one).
type closeGuard struct{}

func (*closeGuard) readAt(_ string, read func() (int, error)) (int, error) { return read() }

func (*closeGuard) close(closeFile func() error) error { return closeFile() }

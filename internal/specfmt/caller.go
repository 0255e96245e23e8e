package specfmt

import (
	"fmt"
	"path/filepath"
	"runtime"
)

// Caller returns the file and line that called the function calling it, as a test
// failure names them.
func Caller() string {
	_, file, line, ok := runtime.Caller(2)
	if !ok {
		return "a spec"
	}
	return fmt.Sprintf("%s:%d", filepath.Base(file), line)
}

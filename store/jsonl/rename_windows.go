package jsonl

import (
	"errors"

	"golang.org/x/sys/windows"
)

// sharingConflict reports whether err is what a rename gets from Windows when another
// handle holds the file it replaces: ERROR_ACCESS_DENIED (MoveFileEx's and NtSetInformationFile's
// answer) or ERROR_SHARING_VIOLATION. Both go away once that handle is closed.
func sharingConflict(err error) bool {
	return errors.Is(err, windows.ERROR_ACCESS_DENIED) || errors.Is(err, windows.ERROR_SHARING_VIOLATION)
}

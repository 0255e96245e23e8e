package jsonl

// syncDir does nothing on Windows, which has no call that flushes a directory: a directory
// handle opened for reading cannot be flushed (FlushFileBuffers fails with "access denied"),
// and NTFS journals its own metadata, so a created or renamed file's entry is recovered
// with the volume. The file's contents are still flushed (File.Sync, FlushFileBuffers).
func syncDir(string) error { return nil }

package jsonl

// File is the log file interface, exported for fault-injection tests.
type File = file

// WithFile wraps the store's log file, so tests can inject faults.
func WithFile(wrap func(File) File) Option { return withFile(wrap) }

// AppendLine exposes the line encoder so benchmarks can build large logs quickly.
var AppendLine = appendLine

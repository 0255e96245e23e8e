package jsonl

// AppendLine exposes the line encoder so benchmarks can build large logs quickly.
var AppendLine = appendLine

// Datasync is the log's own sync (fdatasync on Linux, File.Sync elsewhere), so that the raw
// baseline benchmarks pay what the log pays on every platform.
var Datasync = datasync

package jsonl

// AppendLine exposes the line encoder so benchmarks can build large logs quickly.
var AppendLine = appendLine

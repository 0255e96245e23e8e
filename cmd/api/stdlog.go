package main

import (
	"log/slog"
	"strings"
	"unicode/utf8"
)

// maxLibraryLog is the most of one standard-library log line that libraryLog keeps.
const maxLibraryLog = 1024

// libraryLog is the standard library logger's output, for the libraries that log through
// it (gqlgen logs failed WebSocket upgrades and undecodable SSE bodies with log.Printf):
// each line becomes one warning of the server's own logger, so a JSON log stays JSON, and
// is cut to maxLibraryLog bytes, since such lines quote what a client sent.
type libraryLog struct{ logger *slog.Logger }

func (l libraryLog) Write(p []byte) (int, error) {
	text := strings.TrimRight(string(p), "\n")
	if len(text) > maxLibraryLog {
		cut := maxLibraryLog
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut] + "…"
	}
	l.logger.Warn("library log", "text", text)
	return len(p), nil
}

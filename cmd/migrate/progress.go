package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress shows how far the copy is. On a terminal it draws a one-line bar, redrawn in
// place with a carriage return at most ten times a second:
//
//	[##########··········]  50.0%  5000/10000 events  2400 events/s
//
// Elsewhere (a log file, a pipe, a service manager's journal) a carriage return would leave
// every frame in the output, so it writes a whole line at most every linesEvery instead, and
// one at the end.
type progress struct {
	w            io.Writer
	on           bool
	inPlace      bool
	from, to     int64
	at           int64
	start, drawn time.Time
}

// linesEvery is how often progress writes a line when it does not draw in place.
const linesEvery = 5 * time.Second

func newProgress(w io.Writer, on, inPlace bool, from, to int64) *progress {
	p := &progress{w: w, on: on, inPlace: inPlace, from: from, to: to, at: from, start: time.Now()}
	p.draw()
	return p
}

// isTerminal reports whether w is a terminal, where progress can draw in place.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// set records that every event up to position at is copied, redrawing when it is time to.
func (p *progress) set(at int64) {
	p.at = at
	every := 100 * time.Millisecond
	if !p.inPlace {
		every = linesEvery
	}
	if time.Since(p.drawn) >= every || (at == p.to && p.inPlace) {
		p.draw()
	}
}

// done draws the final state and ends the line.
func (p *progress) done() {
	if !p.on {
		return
	}
	p.draw()
	if p.inPlace {
		fmt.Fprintln(p.w)
	}
}

func (p *progress) draw() {
	if !p.on {
		return
	}
	p.drawn = time.Now()
	frac := 1.0
	if p.to > 0 {
		frac = float64(p.at) / float64(p.to)
	}
	rate := 0.0
	if s := time.Since(p.start).Seconds(); s > 0 {
		rate = float64(p.at-p.from) / s
	}
	if !p.inPlace {
		fmt.Fprintf(p.w, "migrate: %5.1f%%  %d/%d events  %.0f events/s\n", 100*frac, p.at, p.to, rate)
		return
	}
	const width = 30
	filled := int(frac * width)
	fmt.Fprintf(p.w, "\r[%s%s] %5.1f%%  %d/%d events  %.0f events/s ",
		strings.Repeat("#", filled), strings.Repeat("·", width-filled), 100*frac, p.at, p.to, rate)
}

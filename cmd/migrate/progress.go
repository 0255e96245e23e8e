package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progress draws a one-line progress bar, redrawn in place with a carriage return:
//
//	[##########··········]  50.0%  5000/10000 events  2400 events/s
type progress struct {
	w            io.Writer
	on           bool
	from, to     int64
	at           int64
	start, drawn time.Time
}

func newProgress(w io.Writer, on bool, from, to int64) *progress {
	p := &progress{w: w, on: on, from: from, to: to, at: from, start: time.Now()}
	p.draw()
	return p
}

// set records that every event up to position at is copied, redrawing at most ten times a second.
func (p *progress) set(at int64) {
	p.at = at
	if time.Since(p.drawn) >= 100*time.Millisecond || at == p.to {
		p.draw()
	}
}

// done draws the final state and ends the line.
func (p *progress) done() {
	if !p.on {
		return
	}
	p.draw()
	fmt.Fprintln(p.w)
}

func (p *progress) draw() {
	if !p.on {
		return
	}
	p.drawn = time.Now()
	const width = 30
	frac := 1.0
	if p.to > 0 {
		frac = float64(p.at) / float64(p.to)
	}
	filled := int(frac * width)
	rate := 0.0
	if s := time.Since(p.start).Seconds(); s > 0 {
		rate = float64(p.at-p.from) / s
	}
	fmt.Fprintf(p.w, "\r[%s%s] %5.1f%%  %d/%d events  %.0f events/s ",
		strings.Repeat("#", filled), strings.Repeat("·", width-filled), 100*frac, p.at, p.to, rate)
}

package jsonl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"

	"github.com/eventgraph/eventgraph/store"
)

// LogFile is the name of the log inside a store's directory.
const LogFile = "events.jsonl"

// lockName is the name of the lock file inside a store's directory.
const lockName = "LOCK"

// Report describes a log as recovery found it.
type Report struct {
	Path    string // the log file
	Size    int64  // bytes in the file
	Valid   int64  // bytes of whole commits: the size Open keeps
	Events  int64  // committed events (before the damage, when there is any)
	Commits int64  // committed appends (batches), counted the same way
	Streams int    // streams with at least one committed event, counted the same way
	// TornBytes is the size of the torn tail after the last whole commit (a partial line
	// or the lines of a partially written batch), which Open cuts off and OpenReadOnly
	// leaves in place.
	TornBytes int64
	// TornLines counts the complete lines in the torn tail (events of a partial batch).
	TornLines int
}

// Verify checks the log in dir without changing it: every line's layout, checksum and
// JSON, the batch structure, contiguous positions and per-stream versions. It returns the
// report and, for damage before the tail, a *CorruptError naming the byte offset, with a
// report of the whole commits before the damage (Valid is where they end). A torn
// tail is not an error: the report's TornBytes says how much Open would cut. Verify takes no
// lock; run it on a log no Store is writing, or expect a torn tail from writes in flight.
func Verify(dir string) (Report, error) {
	path := filepath.Join(dir, LogFile)
	f, err := os.Open(path)
	if err != nil {
		return Report{Path: path}, fmt.Errorf("jsonl: verify: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Report{Path: path}, fmt.Errorf("jsonl: verify: %w", err)
	}
	_, rep, err := scan(f, fi.Size(), path)
	return rep, err
}

// scan reads a whole log, checks it and builds its index. It fails with a *CorruptError for
// damage before the tail and with other errors for I/O failures.
//
// Reading, checking lines (the costly part: checksums, layout, JSON) and building the index
// run as a pipeline: one goroutine reads chunks of whole lines, workers check the chunks'
// lines in parallel, and the caller's goroutine applies them in order.
func scan(r io.ReaderAt, size int64, path string) (index, Report, error) {
	return scanContext(context.Background(), r, size, path)
}

// scanContext is scan, stopped with ctx's error when ctx ends (checked at each chunk).
func scanContext(ctx context.Context, r io.ReaderAt, size int64, path string) (index, Report, error) {
	sc := scanner{idx: newIndex(), rep: Report{Path: path, Size: size}}
	workers := min(max(runtime.GOMAXPROCS(0), 1), 4)
	ordered := make(chan *chunk, 2*workers)
	work := make(chan *chunk, 2*workers)
	free := make(chan []byte, 4*workers)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for c := range work {
				c.check()
				close(c.ready)
			}
		})
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(ordered)
		defer close(work)
		readErr <- readChunks(r, size, free, func(c *chunk) bool {
			select {
			case ordered <- c:
			case <-stop:
				return false
			}
			work <- c // workers always drain work
			return true
		})
	}()
	var err error
	for c := range ordered {
		<-c.ready
		if err == nil {
			if err = ctx.Err(); err == nil {
				err = sc.apply(c)
			}
			if err != nil {
				close(stop)
			}
		}
		select {
		case free <- c.buf[:0]:
		default:
		}
	}
	wg.Wait()
	if rerr := <-readErr; err == nil {
		err = rerr
		// The reader's damage (a zeroed line, one too long) is on the line after every line
		// applied: the reader stopped there, and all it read before was applied.
		if ce, ok := errors.AsType[*CorruptError](rerr); ok && ce.Line == 0 {
			ce.Line = sc.lineNo + 1
		}
	}
	if ce, ok := errors.AsType[*CorruptError](err); ok && ce.Path == "" {
		ce.Path = path
	}
	// The whole commits before any damage, which an error report counts too.
	sc.rep.Events = int64(sc.idx.entries.len())
	sc.rep.Streams = len(sc.idx.streams)
	if err != nil {
		return sc.idx, sc.rep, err
	}
	sc.rep.TornBytes = size - sc.rep.Valid
	sc.rep.TornLines = len(sc.pending)
	return sc.idx, sc.rep, nil
}

// chunk is a run of lines read together and checked by one worker.
type chunk struct {
	base    int64  // file offset of buf[0]
	buf     []byte // whole lines, and at the end of the file possibly a partial one
	partial bool   // the last line has no '\n'
	ends    []int  // end of each line in buf, '\n' included
	infos   []lineInfo
	errAt   int   // index of the first line that failed its check, or len(ends)
	err     error // why it failed
	ready   chan struct{}
}

// check checks the chunk's whole lines up to the first bad one.
func (c *chunk) check() {
	c.infos = make([]lineInfo, len(c.ends))
	c.errAt = len(c.ends)
	if c.partial {
		c.errAt-- // not checked: torn
		if err := damagedNewline(c.buf, c.ends); err != nil {
			c.errAt, c.err = len(c.ends)-1, err
		}
	}
	start := 0
	for i, end := range c.ends[:c.errAt] {
		info, err := parseLine(c.buf[start:end-1], nil)
		if err != nil {
			c.errAt, c.err = i, err
			return
		}
		c.infos[i] = info
		start = end
	}
}

// damagedNewline tells a last line that lacks its newline because the newline was damaged
// from one a crash tore: a whole record followed by a byte that is neither a newline nor the
// zero a file extended before its data landed reads as. No write that stops midway leaves
// that (the byte after a record is its newline), so cutting it off as a torn tail would
// silently drop an acknowledged event, and so would the torn write that may follow the
// damaged byte. The record ends where its fixed `"crc":"xxxxxxxx"}` ending does: each place
// that ending's bytes occur in the line (the data may hold them too) is tried. ends are the
// chunk's line ends; the last line is the partial one.
func damagedNewline(buf []byte, ends []int) error {
	start := 0
	if n := len(ends); n > 1 {
		start = ends[n-2]
	}
	line := buf[start:ends[len(ends)-1]]
	for from := 0; ; {
		i := bytes.Index(line[from:], []byte(crcKey))
		if i < 0 {
			return nil
		}
		end := from + i + crcSuffixLen // the record's end, if the ending is here
		if end >= len(line) {
			return nil // no byte after it: a record torn before its newline
		}
		if line[end] != 0 && line[end-1] == '}' {
			if _, err := parseLine(line[:end], nil); err == nil {
				return fmt.Errorf("a whole line followed by %q where its newline should be", line[end])
			}
		}
		from += i + 1
	}
}

// crcKey starts a line's fixed ending (see crcSuffixLen).
const crcKey = `"crc":"`

// scanner applies checked lines in order and commits them to the index batch by batch.
type scanner struct {
	idx     index
	rep     Report
	lineNo  int64
	pending []entry    // lines of the batch being read
	types   []*[]int64 // the positions of each pending line's event type
	batch   int64      // size of that batch
	name    string     // its stream
}

// apply applies a checked chunk.
func (sc *scanner) apply(c *chunk) error {
	start := 0
	for i, end := range c.ends {
		sc.lineNo++
		off := c.base + int64(start)
		if c.partial && i == len(c.ends)-1 && c.err == nil {
			// A partial last line: a torn tail, if a write of the log could have left it.
			next := int64(sc.idx.entries.len()+len(sc.pending)) + 1
			if !tornLine(c.buf[start:end], next) {
				return &CorruptError{Path: sc.rep.Path, Offset: off, Line: sc.lineNo,
					Reason: fmt.Sprintf("a last line without its newline that does not begin as the next line, %s, would: not a torn write", lineStart(next))}
			}
			return nil
		}
		if i == c.errAt {
			return &CorruptError{Path: sc.rep.Path, Offset: off, Line: sc.lineNo, Reason: c.err.Error()}
		}
		if err := sc.line(off, end-start, &c.infos[i]); err != nil {
			return err
		}
		start = end
	}
	return nil
}

// line applies one checked line of n bytes ('\n' included) at offset off.
func (sc *scanner) line(off int64, n int, info *lineInfo) error {
	corrupt := func(format string, args ...any) error {
		return &CorruptError{Path: sc.rep.Path, Offset: off, Line: sc.lineNo, Reason: fmt.Sprintf(format, args...)}
	}
	// The stream's name, without allocating for a stream already known.
	var name string
	id, known := uint32(0), false
	if info.escaped {
		var err error
		if name, err = info.streamName(); err != nil {
			return corrupt("stream id: %v", err)
		}
		id, known = sc.idx.byName[name]
	} else {
		id, known = sc.idx.byName[string(info.stream)]
		if known {
			name = sc.idx.streams[id].name
		} else {
			name = string(info.stream)
		}
	}
	if want := int64(sc.idx.entries.len()+len(sc.pending)) + 1; info.pos != want {
		return corrupt("position %d, want %d", info.pos, want)
	}
	if len(sc.pending) == 0 {
		sc.batch, sc.name = info.batch, name
	} else if info.batch != sc.batch || name != sc.name {
		return corrupt("line of a new batch (stream %q, batch %d) inside a batch of %d events of stream %q that has %d so far",
			name, info.batch, sc.batch, sc.name, len(sc.pending))
	}
	var committed int64
	if known {
		committed = int64(len(sc.idx.streams[id].positions))
	}
	if want := committed + int64(len(sc.pending)) + 1; info.version != want {
		return corrupt("stream %q version %d, want %d", name, info.version, want)
	}
	// The type's list, without allocating for a type already known.
	typ, typeKnown := sc.idx.types[string(info.typ)]
	if !typeKnown || info.typeEscaped {
		name, err := info.typeName()
		if err != nil {
			return corrupt("event type: %v", err)
		}
		typ = sc.idx.typeList(name)
	}
	sc.pending = append(sc.pending, entry{off: off, n: uint32(n)})
	sc.types = append(sc.types, typ)
	if int64(len(sc.pending)) < sc.batch {
		return nil
	}
	if !known {
		id = sc.idx.add(name)
	}
	st := sc.idx.streams[id]
	for i, e := range sc.pending {
		e.stream = id
		sc.idx.entries.append(e)
		p := int64(sc.idx.entries.len())
		st.positions = append(st.positions, p)
		*sc.types[i] = append(*sc.types[i], p)
	}
	clear(sc.types)
	sc.types = sc.types[:0]
	st.pending = store.Version(len(st.positions))
	sc.rep.Commits++
	sc.rep.Valid = off + int64(n)
	sc.pending = sc.pending[:0]
	return nil
}

// tornLine reports whether line, the log's last line, without its newline, is what a write
// of the line at position next could leave when torn: the bytes it wrote before it stopped,
// a prefix of the line, maybe followed by zeros (a file extended before its data landed
// reads as zeros). Anything else at the end of a log (a stale or foreign tail, say) is
// damage, which Open refuses rather than cut, since a write of this log did not leave it.
func tornLine(line []byte, next int64) bool {
	if k := bytes.IndexByte(line, 0); k >= 0 {
		line = line[:k]
	}
	want := lineStart(next)
	n := min(len(line), len(want))
	return string(line[:n]) == want[:n]
}

// lineStart returns how the line at position pos begins, up to the stream field.
func lineStart(pos int64) string {
	return `{"position":` + strconv.FormatInt(pos, 10) + `,"stream":`
}

// linePrefix is how every line begins.
const linePrefix = `{"position":`

// zeroedLine finishes readChunks at a line longer than a chunk that holds a zero byte, as a
// file extended before its data landed reads (a crash on a file system that updates the size
// first): gigabytes of zeros at the end of a log made recovery hold them all, several times
// over. No record holds a zero byte (JSON escapes control characters), so what follows the
// first one cannot make the line, or a record at its start, whole: only the newline that may
// end the line matters, which zeroedLine looks for without keeping what it reads. A newline
// makes the line damage; the end of the file makes it the partial last line, passed to fn as
// head, its bytes up to and including the first zero, which damagedNewline judges as it would
// the whole line.
func zeroedLine(r io.ReaderAt, size, base int64, head []byte, fn func(*chunk) bool) error {
	scratch := make([]byte, 64<<10)
	for at := base + int64(len(head)); at < size; {
		n, err := r.ReadAt(scratch[:min(int64(len(scratch)), size-at)], at)
		if bytes.IndexByte(scratch[:n], '\n') >= 0 {
			return &CorruptError{Offset: base, Reason: "a line holding a zero byte"}
		}
		at += int64(n)
		if err != nil && !(errors.Is(err, io.EOF) && at == size) {
			if errors.Is(err, io.EOF) {
				return fmt.Errorf("jsonl: read log: file shrank to %d bytes while reading", at)
			}
			return fmt.Errorf("jsonl: read log: %w", err)
		}
	}
	fn(&chunk{base: base, buf: head, ends: []int{len(head)}, partial: true, ready: make(chan struct{})})
	return nil
}

const (
	// maxLine bounds one line so a damaged file cannot make recovery allocate without limit.
	maxLine = 1 << 30
	// chunkSize is how much recovery reads at a time.
	chunkSize = 1 << 20
)

// readChunks reads the first size bytes of r as chunks of whole lines (the last chunk may
// end with a partial line) and passes them to fn in order, until fn returns false. Buffers
// come from free when it has one.
func readChunks(r io.ReaderAt, size int64, free chan []byte, fn func(*chunk) bool) error {
	var carry []byte // a line begun in the previous chunk
	var base int64   // file offset of carry[0]
	for base+int64(len(carry)) < size || len(carry) > 0 {
		var buf []byte
		select {
		case buf = <-free:
		default:
			buf = make([]byte, 0, min(chunkSize, size+1))
		}
		buf = append(buf, carry...)
		for {
			at := base + int64(len(buf))
			want := min(int64(cap(buf)-len(buf)), size-at)
			if want == 0 && at < size {
				// One line fills the buffer (a line in progress: carry and what was read
				// since hold no newline).
				if k := bytes.IndexByte(buf, 0); k >= 0 {
					return zeroedLine(r, size, base, buf[:k+1], fn)
				}
				// A line that does not begin as every line does is damage, whole or torn:
				// refuse it before holding more of it (a gigabyte of garbage without a
				// newline at the end of a log made recovery hold it all, several times over).
				if n := min(len(buf), len(linePrefix)); string(buf[:n]) != linePrefix[:n] {
					return &CorruptError{Offset: base, Reason: "a line longer than " + strconv.Itoa(len(buf)) + " bytes that does not begin " + linePrefix}
				}
				// Grow it.
				if len(buf) >= maxLine {
					return &CorruptError{Offset: base, Reason: fmt.Sprintf("line longer than %d bytes", maxLine)}
				}
				buf = append(buf[:cap(buf)], 0)[:len(buf)]
				continue
			}
			n, err := r.ReadAt(buf[len(buf):len(buf)+int(want)], at)
			buf = buf[:len(buf)+n]
			if err != nil && !(errors.Is(err, io.EOF) && int64(n) == want) {
				if errors.Is(err, io.EOF) {
					return fmt.Errorf("jsonl: read log: file shrank to %d bytes while reading", at+int64(n))
				}
				return fmt.Errorf("jsonl: read log: %w", err)
			}
			if bytes.IndexByte(buf[len(buf)-n:], '\n') >= 0 || base+int64(len(buf)) == size {
				break
			}
		}
		c := &chunk{base: base, buf: buf, ready: make(chan struct{})}
		for i := 0; i < len(buf); {
			j := bytes.IndexByte(buf[i:], '\n')
			if j < 0 {
				break
			}
			i += j + 1
			c.ends = append(c.ends, i)
		}
		last := 0
		if len(c.ends) > 0 {
			last = c.ends[len(c.ends)-1]
		}
		if base+int64(len(buf)) == size && last < len(buf) {
			// The end of the file: the rest is a partial line.
			c.buf = buf
			c.ends = append(c.ends, len(buf))
			c.partial = true
			carry = carry[:0]
		} else {
			carry = append(carry[:0], buf[last:]...)
			c.buf = buf[:last]
		}
		base += int64(len(c.buf))
		if !fn(c) {
			return nil
		}
	}
	return nil
}

package jsonl

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

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
	Events  int64  // committed events
	Commits int64  // committed appends (batches)
	Streams int    // streams with at least one committed event
	// TornBytes is the size of the torn tail after the last whole commit (a partial line
	// or the lines of a partially written batch), which Open cuts off.
	TornBytes int64
	// TornLines counts the complete lines in the torn tail (events of a partial batch).
	TornLines int
}

// Verify checks the log in dir without changing it: every line's layout, checksum and
// JSON, the batch structure, contiguous positions and per-stream versions. It returns the
// report and, for damage before the tail, a *CorruptError naming the byte offset. A torn
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
func scan(r io.ReaderAt, size int64, path string) (index, Report, error) {
	sc := scanner{idx: newIndex(), rep: Report{Path: path, Size: size}}
	err := readLines(r, size, sc.line)
	if ce, ok := errors.AsType[*CorruptError](err); ok && ce.Path == "" {
		ce.Path, ce.Line = path, sc.lineNo+1
	}
	if err != nil {
		return sc.idx, sc.rep, err
	}
	sc.rep.TornBytes = size - sc.rep.Valid
	sc.rep.TornLines = len(sc.pending)
	sc.rep.Events = int64(len(sc.idx.entries))
	sc.rep.Streams = len(sc.idx.streams)
	return sc.idx, sc.rep, nil
}

// scanner checks lines one by one and commits them to the index batch by batch.
type scanner struct {
	idx     index
	rep     Report
	lineNo  int64
	pending []entry // lines of the batch being read
	batch   int64   // size of that batch
	name    string  // its stream
}

// line handles one line starting at off; complete says whether it ended with '\n'.
func (sc *scanner) line(off int64, b []byte, complete bool) error {
	sc.lineNo++
	if !complete {
		return nil // a partial last line: torn tail
	}
	corrupt := func(format string, args ...any) error {
		return &CorruptError{Path: sc.rep.Path, Offset: off, Line: sc.lineNo, Reason: fmt.Sprintf(format, args...)}
	}
	info, err := parseLine(b, nil)
	if err != nil {
		return corrupt("%v", err)
	}
	name, err := info.streamName()
	if err != nil {
		return corrupt("stream id: %v", err)
	}
	if want := int64(len(sc.idx.entries)+len(sc.pending)) + 1; info.pos != want {
		return corrupt("position %d, want %d", info.pos, want)
	}
	if len(sc.pending) == 0 {
		sc.batch, sc.name = info.batch, name
	} else if info.batch != sc.batch || name != sc.name {
		return corrupt("line of a new batch (stream %q, batch %d) inside a batch of %d events of stream %q that has %d so far",
			name, info.batch, sc.batch, sc.name, len(sc.pending))
	}
	var committed int64
	if id, ok := sc.idx.lookup(name); ok {
		committed = int64(len(sc.idx.streams[id].positions))
	}
	if want := committed + int64(len(sc.pending)) + 1; info.version != want {
		return corrupt("stream %q version %d, want %d", name, info.version, want)
	}
	if len(b)+1 > maxLine {
		return corrupt("line of %d bytes is over the limit of %d", len(b)+1, maxLine)
	}
	sc.pending = append(sc.pending, entry{off: off, n: uint32(len(b) + 1)})
	if int64(len(sc.pending)) < sc.batch {
		return nil
	}
	id := sc.idx.add(name)
	st := sc.idx.streams[id]
	for _, e := range sc.pending {
		e.stream = id
		sc.idx.entries = append(sc.idx.entries, e)
		st.positions = append(st.positions, int64(len(sc.idx.entries)))
	}
	st.pending = store.Version(len(st.positions))
	sc.rep.Commits++
	sc.rep.Valid = off + int64(len(b)) + 1
	sc.pending = sc.pending[:0]
	return nil
}

// maxLine bounds one line so a damaged file cannot make recovery allocate without limit.
const maxLine = 1 << 30

// readLines calls fn for every line of the first size bytes of r, without the '\n'; the last
// line may be incomplete. The slice passed to fn is valid only during the call.
func readLines(r io.ReaderAt, size int64, fn func(off int64, line []byte, complete bool) error) error {
	buf := make([]byte, min(size+1, 4<<20))
	var base int64 // file offset of buf[0]
	lo, hi := 0, 0 // unread data is buf[lo:hi]
	for {
		if i := bytes.IndexByte(buf[lo:hi], '\n'); i >= 0 {
			if err := fn(base+int64(lo), buf[lo:lo+i], true); err != nil {
				return err
			}
			lo += i + 1
			continue
		}
		if base+int64(hi) >= size {
			if lo < hi {
				return fn(base+int64(lo), buf[lo:hi], false)
			}
			return nil
		}
		// Move the partial line to the front, growing the buffer for long lines.
		n := copy(buf, buf[lo:hi])
		base += int64(lo)
		lo, hi = 0, n
		if hi == len(buf) {
			if len(buf) >= maxLine {
				return &CorruptError{Offset: base, Reason: "line too long"}
			}
			buf = append(buf, make([]byte, len(buf))...)
		}
		want := min(int64(len(buf)-hi), size-base-int64(hi))
		m, err := r.ReadAt(buf[hi:hi+int(want)], base+int64(hi))
		hi += m
		if err != nil && !(errors.Is(err, io.EOF) && m == int(want)) {
			if errors.Is(err, io.EOF) {
				return fmt.Errorf("jsonl: read log: file shrank to %d bytes while reading", base+int64(hi))
			}
			return fmt.Errorf("jsonl: read log: %w", err)
		}
	}
}

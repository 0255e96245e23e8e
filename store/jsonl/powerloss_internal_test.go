package jsonl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// The crash tests (crash_test.go) kill a process: the kernel keeps what it wrote, so they
// cannot tell a missing or misplaced sync. TestPowerLoss does what ALICE (Pillai et al.,
// "All File Systems Are Not Created Equal", OSDI 2014) does for the log file: it records
// every operation a Store makes on it through the File seam (WriteAt, Truncate, Sync; a
// recorded Sync does not reach the disk, the record stands for the disk) and, at every
// point of a workload, builds the files a power failure could leave there, opens each and
// checks it.
//
// The model is a conservative one of what a file system keeps: everything up to the last
// Sync; of the operations since, any prefix; and of the last operation of that prefix, if it
// is a write, the bytes up to any 512-byte sector boundary, with the file either ending
// there or extended to the write's end, the sectors not written reading as zeros (a size
// that reached the disk before the data). In that model Open must always succeed.
// Unordered writes (any one sector lost, or only one kept) may leave zeros inside the
// unsynced bytes, which the package's documentation says Open refuses: refusing is allowed
// there, but only at or past the end of what the last Sync made durable.

// plOp is one operation on the log file, as the recorder saw it.
type plOp struct {
	kind byte   // 'w' WriteAt, 't' Truncate, 's' Sync
	off  int64  // WriteAt's offset; Truncate's size
	data []byte // WriteAt's bytes (a copy: the store reuses its buffers)
}

// plNote is an append's outcome, learned by the workload after at operations.
type plNote struct {
	at     int
	events []store.Event // an acknowledged append's events, as AppendEvents returned them
	noSync bool          // acknowledged WithNoSync: kept by a process kill, not a power loss
	failed string        // a failed append's batch tag
}

// plDisk records the operations of the Stores that use it (see option), and the outcomes of
// the workload's appends between them.
type plDisk struct {
	mu    sync.Mutex
	ops   []plOp
	notes []plNote
	// When held is set, the next Sync closes it and waits for release: the appends that
	// arrive meanwhile form the group behind it.
	held, release chan struct{}
	failWrite     bool // the next WriteAt writes its first line and half the rest, then fails
}

func (d *plDisk) option() Option {
	return withFile(func(f file) file { return &plFile{file: f, d: d} })
}

// hold makes the next Sync wait; it returns a channel closed when that Sync starts and a
// function that lets it go on.
func (d *plDisk) hold() (entered <-chan struct{}, release func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.held, d.release = make(chan struct{}), make(chan struct{})
	return d.held, func() { close(d.release) }
}

func (d *plDisk) note(n plNote) {
	d.mu.Lock()
	defer d.mu.Unlock()
	n.at = len(d.ops)
	d.notes = append(d.notes, n)
}

// plFile is the log file of a Store that records its operations in d.
type plFile struct {
	file
	d *plDisk
}

func (f *plFile) WriteAt(p []byte, off int64) (int, error) {
	f.d.mu.Lock()
	defer f.d.mu.Unlock()
	if f.d.failWrite {
		// A full disk: the write stops after the first line and half the rest, so that
		// one whole batch (of one line) of the failed group reaches the file.
		f.d.failWrite = false
		cut := bytes.IndexByte(p, '\n') + 1
		cut += (len(p) - cut) / 2
		n, err := f.file.WriteAt(p[:cut], off)
		f.d.ops = append(f.d.ops, plOp{kind: 'w', off: off, data: bytes.Clone(p[:n])})
		if err == nil {
			err = syscall.ENOSPC
		}
		return n, err
	}
	n, err := f.file.WriteAt(p, off)
	f.d.ops = append(f.d.ops, plOp{kind: 'w', off: off, data: bytes.Clone(p[:n])})
	return n, err
}

func (f *plFile) Truncate(size int64) error {
	f.d.mu.Lock()
	defer f.d.mu.Unlock()
	err := f.file.Truncate(size)
	if err == nil {
		f.d.ops = append(f.d.ops, plOp{kind: 't', off: size})
	}
	return err
}

func (f *plFile) Sync() error {
	f.d.mu.Lock()
	held, release := f.d.held, f.d.release
	f.d.held = nil
	f.d.mu.Unlock()
	if held != nil {
		close(held)
		<-release
	}
	f.d.mu.Lock()
	defer f.d.mu.Unlock()
	f.d.ops = append(f.d.ops, plOp{kind: 's'})
	return nil
}

// plApply returns img with op applied.
func plApply(img []byte, op plOp) []byte {
	switch op.kind {
	case 'w':
		if end := op.off + int64(len(op.data)); int64(len(img)) < end {
			img = append(img, make([]byte, end-int64(len(img)))...)
		}
		copy(img[op.off:], op.data)
	case 't':
		if int64(len(img)) > op.off {
			img = img[:op.off]
		} else {
			img = append(img, make([]byte, op.off-int64(len(img)))...)
		}
	}
	return img
}

// plReplay returns base with ops applied.
func plReplay(base []byte, ops []plOp) []byte {
	img := bytes.Clone(base)
	for _, op := range ops {
		img = plApply(img, op)
	}
	return img
}

// plSector is the unit a disk writes atomically.
const plSector = 512

// plTorn returns the files a power failure during write w on img may leave, in the ordered
// model (ordered) or with its sectors landing in any order (not ordered), besides img
// itself and img with w whole.
func plTorn(img []byte, w plOp, ordered bool) [][]byte {
	end := w.off + int64(len(w.data))
	// The offsets inside the write where a sector begins.
	var cuts []int64
	for b := (w.off/plSector + 1) * plSector; b < end; b += plSector {
		cuts = append(cuts, b)
	}
	// landed returns img with the bytes of w in [from, to) written and, if extend is set,
	// its size at least the write's end, as zeros.
	landed := func(base []byte, from, to int64, extend bool) []byte {
		out := bytes.Clone(base)
		size := max(int64(len(out)), to)
		if extend {
			size = max(size, end)
		}
		out = append(out, make([]byte, size-int64(len(out)))...)
		copy(out[from:to], w.data[from-w.off:to-w.off])
		return out
	}
	var out [][]byte
	if ordered {
		out = append(out, landed(img, w.off, w.off, true)) // the size, no data
		for _, b := range cuts {
			out = append(out, landed(img, w.off, b, false), landed(img, w.off, b, true))
		}
		return out
	}
	// Each sector alone lost, or alone kept.
	bounds := append(append([]int64{w.off}, cuts...), end)
	for i := range len(bounds) - 1 {
		from, to := bounds[i], bounds[i+1]
		lost := landed(img, w.off, end, true)
		clear(lost[from:to])
		out = append(out, lost, landed(img, from, to, true))
	}
	return out
}

// plEvents returns a batch of n events tagged tag, each naming its place in the batch, with
// pad bytes of padding so that lines cross sector boundaries.
func plEvents(tag string, n, pad int) []store.EventData {
	evs := make([]store.EventData, n)
	for i := range evs {
		evs[i] = store.EventData{Type: "PowerLost",
			Data:     fmt.Appendf(nil, `{"batch":%q,"i":%d,"n":%d,"pad":%q}`, tag, i, n, strings.Repeat("p", pad+37*i)),
			Metadata: map[string]string{"tag": tag}}
	}
	return evs
}

// plAppend is an append of the workload.
type plAppend struct {
	stream, tag string
	n, pad      int
}

// run appends a, noting its outcome in d; it returns the append's error.
func (a plAppend) run(s *Store, d *plDisk, noSync bool) error {
	_, evs, err := s.AppendEvents(context.Background(), a.stream, store.Any, plEvents(a.tag, a.n, a.pad)...)
	if err != nil {
		d.note(plNote{failed: a.tag})
		return err
	}
	d.note(plNote{events: evs, noSync: noSync})
	return nil
}

// plGroups appends first, holds its sync until the appends of rest wait, in order, in the
// group behind it, and then lets both groups commit; failRest makes that group's write fail
// (see plDisk.failWrite). It returns the appends' errors, first's first.
func plGroups(t *testing.T, s *Store, d *plDisk, w *queueWatch, first plAppend, rest []plAppend, failRest bool) []error {
	t.Helper()
	entered, release := d.hold()
	errs := make([]chan error, 1+len(rest))
	for i := range errs {
		errs[i] = make(chan error, 1)
	}
	go func() { errs[0] <- first.run(s, d, false) }()
	select { // bounded, so that a store that never syncs fails the test rather than hang it
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatalf("append %s: no sync after 10 s", first.tag)
	}
	if failRest {
		d.mu.Lock()
		d.failWrite = true
		d.mu.Unlock()
	}
	for i, a := range rest {
		go func() { errs[i+1] <- a.run(s, d, false) }()
		w.wait(t, i+1)
	}
	release()
	out := make([]error, len(errs))
	for i, c := range errs {
		out[i] = <-c
	}
	return out
}

// plWorkload runs the workload on a store in dir and returns the recorded operations and
// outcomes: appends alone and in groups, a failed group write that is cut back, a writer
// WithNoSync killed in the middle of a write (a torn batch), and the Open that cuts it.
func plWorkload(t *testing.T, dir string) *plDisk {
	t.Helper()
	d := &plDisk{}
	w := newQueueWatch()
	s, err := Open(dir, d.option(), w.option())
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(plAppend{"a", "a1", 2, 300}.run(s, d, false))
	// Three appends in the group behind a lone one: one write, one sync.
	for _, err := range plGroups(t, s, d, w, plAppend{"b", "b1", 1, 100},
		[]plAppend{{"a", "a2", 3, 250}, {"c", "c1", 1, 40}, {"b", "b2", 2, 600}}, false) {
		must(err)
	}
	// A group whose write fails after its first batch: both appends fail, the file is cut
	// back and synced, and later appends work.
	errs := plGroups(t, s, d, w, plAppend{"c", "c2", 1, 10}, []plAppend{{"d", "d1", 1, 200}, {"a", "a3", 3, 400}}, true)
	must(errs[0])
	for _, err := range errs[1:] {
		if !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("append of the failed group: %v, want ENOSPC", err)
		}
	}
	must(plAppend{"d", "d2", 2, 150}.run(s, d, false))
	must(s.Close())

	// A writer WithNoSync, killed while it wrote a batch of three: two whole lines and half
	// of the third reach the file.
	s, err = Open(dir, d.option(), WithNoSync())
	if err != nil {
		t.Fatal(err)
	}
	must(plAppend{"e", "e1", 1, 500}.run(s, d, true))
	must(plAppend{"a", "a4", 2, 90}.run(s, d, true))
	head, err := s.Head(context.Background())
	must(err)
	must(s.Close())
	var torn []byte
	when := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	for i, e := range plEvents("torn", 3, 350) {
		e.ID = fmt.Sprintf("torn-%d", i)
		torn = appendLine(torn, head+store.Position(i)+1, "torn", store.Version(i)+1, &e, when, 3)
	}
	torn = torn[:len(torn)-200]
	osf, err := os.OpenFile(filepath.Join(dir, LogFile), os.O_RDWR, 0)
	must(err)
	fi, err := osf.Stat()
	must(err)
	_, err = (&plFile{file: newOSFile(osf), d: d}).WriteAt(torn, fi.Size())
	must(err)
	must(osf.Close())

	// The next Open cuts the torn batch off and syncs; appends go on.
	s, err = Open(dir, d.option(), w.option())
	if err != nil {
		t.Fatal(err)
	}
	if rep := s.Recovery(); rep.TornLines != 2 {
		t.Fatalf("the reopened store cut %+v, want the torn batch's 2 whole lines and its half line", rep)
	}
	must(plAppend{"torn", "t1", 1, 20}.run(s, d, false))
	for _, err := range plGroups(t, s, d, w, plAppend{"f", "f1", 2, 700}, []plAppend{{"a", "a5", 1, 60}}, false) {
		must(err)
	}
	must(s.Close())
	return d
}

// plOutcome is what opening one file left by a crash found.
type plOutcome struct {
	events  []store.Event // what the reopened store reads
	ops     []plOp        // what Open did to the file
	refused *CorruptError
}

// plCheck writes img as the log of dir, verifies and opens it, and checks what it finds:
// nothing acknowledged is lost or changed, no append that failed is there, every batch is
// whole, and the bytes durable (the first len(durable)) are kept as they are. Open may
// refuse the file only when refuseOK is set, and then only past durable: no acknowledged
// byte is ever the reason. what names the file in failures.
func plCheck(t *testing.T, dir string, img, durable []byte, notes []plNote, powerLoss, refuseOK bool, what string) plOutcome {
	t.Helper()
	path := filepath.Join(dir, LogFile)
	if err := os.WriteFile(path, img, 0o644); err != nil {
		t.Fatal(err)
	}
	_, verr := Verify(dir)
	d := &plDisk{}
	s, err := Open(dir, d.option())
	if (err == nil) != (verr == nil) {
		t.Fatalf("%s: Verify says %v, Open %v", what, verr, err)
	}
	if err != nil {
		ce, ok := errors.AsType[*CorruptError](err)
		switch {
		case !ok:
			t.Fatalf("%s: Open: %v, want nil or a *CorruptError", what, err)
		case !refuseOK:
			t.Fatalf("%s: Open refused a file this crash can leave: %v", what, err)
		case ce.Offset < int64(len(durable)):
			t.Fatalf("%s: Open refused at byte %d, inside the %d bytes the last sync made durable: %v", what, ce.Offset, len(durable), err)
		}
		return plOutcome{refused: ce}
	}
	defer s.Close()
	var got []store.Event
	for e, err := range s.ReadAll(context.Background(), 0) {
		if err != nil {
			t.Fatalf("%s: ReadAll: %v", what, err)
		}
		got = append(got, e)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(after, durable) {
		t.Fatalf("%s: after Open the log no longer begins with the %d bytes the last sync made durable", what, len(durable))
	}
	if rep, err := Verify(dir); err != nil || rep.TornBytes != 0 {
		t.Fatalf("%s: Verify after Open: %+v, %v; want no torn tail left", what, rep, err)
	}
	// Every batch whole: each event names its batch, its place in it and its size.
	for i := 0; i < len(got); {
		var b struct {
			Batch string
			I, N  int
		}
		if err := json.Unmarshal(got[i].Data, &b); err != nil || b.I != 0 || i+b.N > len(got) {
			t.Fatalf("%s: event at position %d starts no whole batch (%s)", what, got[i].Position, got[i].Data)
		}
		for k := range b.N {
			if want := fmt.Sprintf(`{"batch":%q,"i":%d,"n":%d,`, b.Batch, k, b.N); !bytes.HasPrefix(got[i+k].Data, []byte(want)) {
				t.Fatalf("%s: batch %s is not whole at position %d: %s", what, b.Batch, got[i+k].Position, got[i+k].Data)
			}
		}
		i += b.N
	}
	for _, n := range notes {
		switch {
		case n.failed != "":
			for _, e := range got {
				if bytes.Contains(e.Data, []byte(`"batch":"`+n.failed+`"`)) {
					t.Fatalf("%s: append %s failed, but its event is at position %d", what, n.failed, e.Position)
				}
			}
		case n.noSync && powerLoss:
			// WithNoSync promises nothing against a power failure.
		default:
			for _, want := range n.events {
				if p := int(want.Position); p > len(got) || !reflect.DeepEqual(got[p-1], want) {
					t.Fatalf("%s: acknowledged event at position %d (batch %s) lost or changed", what, p, want.Data[:20])
				}
			}
		}
	}
	return plOutcome{events: got, ops: d.ops}
}

// plNotesUntil returns the notes learned after at most k operations.
func plNotesUntil(notes []plNote, k int) []plNote {
	var out []plNote
	for _, n := range notes {
		if n.at <= k {
			out = append(out, n)
		}
	}
	return out
}

// plLastSync returns how many of ops come before the last Sync's end: the operations a
// power failure after them keeps for sure.
func plLastSync(ops []plOp) int {
	for i := len(ops) - 1; i >= 0; i-- {
		if ops[i].kind == 's' {
			return i + 1
		}
	}
	return 0
}

func TestPowerLoss(t *testing.T) {
	d := plWorkload(t, t.TempDir())
	ops := d.ops
	states := [][]byte{nil} // states[k]: the file after ops[:k]
	for _, op := range ops {
		states = append(states, plApply(bytes.Clone(states[len(states)-1]), op))
	}
	dir := t.TempDir()

	t.Run("power loss", func(t *testing.T) {
		// The files a power failure may leave between two syncs are checked against what
		// the workload had learned by the second one: that is most it could have learned,
		// and later knowledge only adds demands.
		images, refused := 0, 0
		for s := 0; s <= len(ops); s++ {
			if s > 0 && ops[s-1].kind != 's' {
				continue
			}
			next := s // the crash points up to the next sync (or the end)
			for next < len(ops) && ops[next].kind != 's' {
				next++
			}
			notes := plNotesUntil(d.notes, next)
			for k := s; k <= next; k++ {
				what := fmt.Sprintf("ops[%d:%d] after the sync at %d", s, k, s)
				plCheck(t, dir, states[k], states[s], notes, true, false, what)
				images++
				if k == next || ops[k].kind != 'w' {
					continue
				}
				for i, img := range plTorn(states[k], ops[k], true) {
					plCheck(t, dir, img, states[s], notes, true, false, fmt.Sprintf("%s, then write %d torn (%d)", what, k, i))
					images++
				}
				for i, img := range plTorn(states[k], ops[k], false) {
					if plCheck(t, dir, img, states[s], notes, true, true, fmt.Sprintf("%s, then write %d unordered (%d)", what, k, i)).refused != nil {
						refused++
					}
					images++
				}
			}
		}
		t.Logf("%d operations, %d files a power failure may leave; %d with zeros inside unsynced bytes refused", len(ops), images, refused)
	})

	t.Run("kill, open, power loss", func(t *testing.T) {
		// A process killed after ops[:k] leaves the file whole; the next Open reads lines
		// written but never synced, and readers must not see them until they are durable
		// (a power failure right after the Open keeps only what was synced).
		for k := range len(ops) + 1 {
			s := plLastSync(ops[:k])
			what := fmt.Sprintf("killed after ops[:%d]", k)
			seen := plCheck(t, dir, states[k], nil, plNotesUntil(d.notes, k), false, false, what)
			after := append(append([]plOp(nil), ops[s:k]...), seen.ops...)
			kept := plReplay(states[s], after[:plLastSync(after)])
			got := plCheck(t, dir, kept, nil, nil, true, false, what+", reopened, then a power failure")
			if len(got.events) < len(seen.events) || !reflect.DeepEqual(got.events[:len(seen.events)], seen.events) {
				t.Fatalf("%s: readers saw %d events after the Open, a power failure then keeps %d of them", what, len(seen.events), len(got.events))
			}
		}
	})
}

// TestOpen_syncsTheLogsDirectory: the File seam does not see directories, so TestPowerLoss
// cannot tell whether the log's directory entry is durable. Open syncs the directory when
// it creates the log; but an Open killed between the two (or a log put there by hand) left
// an entry that a power failure could still take, and the next Open, finding the log,
// synced nothing: every append its Store acknowledged could vanish with the entry. A
// durable Open syncs the directory whenever it opens the log, and fails when it cannot;
// WithNoSync and OpenReadOnly do not.
func TestOpen_syncsTheLogsDirectory(t *testing.T) {
	boom := errors.New("boom")
	denied := &fs.PathError{Op: "open", Err: fs.ErrPermission}
	tests := []struct {
		name       string
		open       func(string, ...Option) (*Store, error)
		opts       []Option
		fail       func(d, dir, parent string) error // the sync's error for d
		wantErr    error
		wantSync   bool // of the log's directory
		wantParent bool // of the directory holding it
	}{
		{name: "Open", open: Open, wantSync: true, wantParent: true},
		{name: "Open whose directory sync fails", open: Open, fail: func(d, dir, _ string) error {
			if d == dir {
				return boom
			}
			return nil
		}, wantErr: boom, wantSync: true, wantParent: true},
		{name: "Open whose parent sync fails", open: Open, fail: func(d, _, parent string) error {
			if d == parent {
				return boom
			}
			return nil
		}, wantErr: boom, wantParent: true},
		// A parent the process may not read (a 0711 home directory) cannot be synced by it:
		// the log opens, as it did before the parent was synced at all.
		{name: "Open whose parent cannot be opened", open: Open, fail: func(d, _, parent string) error {
			if d == parent {
				return denied
			}
			return nil
		}, wantSync: true, wantParent: true},
		{name: "Open WithNoSync", open: Open, opts: []Option{WithNoSync()}},
		{name: "OpenReadOnly", open: OpenReadOnly},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// What an Open killed before its directory syncs leaves: a directory holding
			// LOCK and an empty log, its own entry in its parent not yet synced either.
			parent := t.TempDir()
			dir := filepath.Join(parent, "data")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{lockName, LogFile} {
				if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var synced []string
			s, err := tt.open(dir, append(tt.opts, withDirSync(func(d string) error {
				synced = append(synced, d)
				if tt.fail == nil {
					return nil
				}
				return tt.fail(d, dir, parent)
			}))...)
			if err == nil {
				err = s.Close()
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Open: %v, want the directory sync's error", err)
			}
			if tt.wantErr == nil && err != nil {
				t.Errorf("Open: %v", err)
			}
			if got := slices.Contains(synced, dir); got != tt.wantSync {
				t.Errorf("directories synced: %q; want %s synced: %v", synced, dir, tt.wantSync)
			}
			if got := slices.Contains(synced, parent); got != tt.wantParent {
				t.Errorf("directories synced: %q; want its parent %s synced: %v", synced, parent, tt.wantParent)
			}
		})
	}
}

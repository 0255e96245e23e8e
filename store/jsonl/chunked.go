package jsonl

// listChunkBits sets the size of an entries chunk: 1<<14 entries of 16 bytes, 256 KiB.
const listChunkBits = 14

const listChunk = 1 << listChunkBits

// entryList is the index's list of entries in position order, append-only, kept in chunks of
// listChunk: appending never moves what is there. A log of millions of events then grows
// its index without copying it, under the writer's lock, each time the list would double (at
// 2 M events, a 32 MiB copy that stalled every reader and writer, and the peak memory of
// two copies); what it costs instead is one pointer per chunk. The first chunk grows by
// append, so a small log takes little memory.
//
// A copy of the value taken under Store.mu is a consistent snapshot: appends only write
// past its length, into the same chunks or into new ones, and never change a pointer or an
// entry it covers.
type entryList struct {
	first []entry             // entries 0 to listChunk-1
	rest  []*[listChunk]entry // the entries from listChunk on
	n     int
}

// len returns the number of entries.
func (l *entryList) len() int { return l.n }

// at returns entry i, for 0 <= i < len.
func (l *entryList) at(i int) entry {
	if i < listChunk {
		return l.first[i]
	}
	i -= listChunk
	return l.rest[i>>listChunkBits][i&(listChunk-1)]
}

// append adds e at the end.
func (l *entryList) append(e entry) {
	switch i := l.n - listChunk; {
	case i < 0:
		l.first = append(l.first, e)
	case i&(listChunk-1) == 0:
		c := new([listChunk]entry)
		c[0] = e
		l.rest = append(l.rest, c)
	default:
		l.rest[i>>listChunkBits][i&(listChunk-1)] = e
	}
	l.n++
}

// appendRange appends entries from to to-1 to dst.
func (l *entryList) appendRange(dst []entry, from, to int) []entry {
	for from < to {
		if from < listChunk {
			end := min(to, listChunk)
			dst = append(dst, l.first[from:end]...)
			from = end
			continue
		}
		i := from - listChunk
		c := l.rest[i>>listChunkBits]
		start := i & (listChunk - 1)
		end := min(start+(to-from), listChunk)
		dst = append(dst, c[start:end]...)
		from += end - start
	}
	return dst
}

package jsonl

import (
	"hash/crc32"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/eventgraph/eventgraph/store"
)

// castagnoli is the CRC-32C table (hardware accelerated on amd64 and arm64).
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// timeLayout writes times in UTC with a fixed nine-digit fraction, which is valid RFC 3339
// and can be parsed without time.Parse.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

// crcSuffixLen is the length of the fixed line ending `"crc":"xxxxxxxx"}` (without '\n').
const crcSuffixLen = len(`"crc":"`) + 8 + len(`"}`)

// appendLine appends one event line, '\n' included, to b. The event's strings must be valid
// UTF-8 (store.Prepare checks them) and its Data compact JSON.
func appendLine(b []byte, pos store.Position, stream string, v store.Version, e *store.EventData, t time.Time, batch int) []byte {
	return appendSealed(b, pos, appendString(nil, stream), v, appendBody(nil, e, t, batch))
}

// appendBody appends the part of a line that does not depend on the event's position and
// version: from `,"id":` to the comma after batch. Append encodes it before taking the
// writer lock.
func appendBody(b []byte, e *store.EventData, t time.Time, batch int) []byte {
	var arr [8]metaPair
	var tt [len(timeLayout)]byte
	return appendBodyPairs(b, e, appendTime(tt[:0], t), batch, sortedPairs(e.Metadata, arr[:0]))
}

// appendBodyPairs is appendBody with the time given as text (see appendTime) and the
// event's metadata as sortedPairs.
func appendBodyPairs(b []byte, e *store.EventData, t []byte, batch int, meta []metaPair) []byte {
	b = append(b, `,"id":`...)
	b = appendString(b, e.ID)
	b = append(b, `,"type":`...)
	b = appendString(b, e.Type)
	b = append(b, `,"time":"`...)
	b = append(b, t...)
	b = append(b, `","data":`...)
	b = append(b, e.Data...)
	b = append(b, `,"metadata":`...)
	b = append(b, '{')
	for i, p := range meta {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, p.k)
		b = append(b, ':')
		b = appendString(b, p.v)
	}
	b = append(b, '}')
	b = append(b, `,"batch":`...)
	b = strconv.AppendInt(b, int64(batch), 10)
	return append(b, ',')
}

// sealedOverhead bounds what appendSealed adds to the stream and the body.
const sealedOverhead = 128

// appendSealed appends a whole line: its head (position, the stream as a JSON string,
// version), the body, and the checksum.
func appendSealed(b []byte, pos store.Position, stream []byte, v store.Version, body []byte) []byte {
	start := len(b)
	b = append(b, `{"position":`...)
	b = strconv.AppendInt(b, int64(pos), 10)
	b = append(b, `,"stream":`...)
	b = append(b, stream...)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, int64(v), 10)
	b = append(b, body...)
	sum := crc32.Checksum(b[start:], castagnoli)
	b = append(b, `"crc":"`...)
	b = appendHex32(b, sum)
	return append(b, "\"}\n"...)
}

const hexDigits = "0123456789abcdef"

// appendTime writes t in timeLayout. The year must be within 0 and 9999 (see validTime).
func appendTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	b = appendDigits(b, year, 4)
	b = append(b, '-')
	b = appendDigits(b, int(month), 2)
	b = append(b, '-')
	b = appendDigits(b, day, 2)
	b = append(b, 'T')
	b = appendDigits(b, hour, 2)
	b = append(b, ':')
	b = appendDigits(b, minute, 2)
	b = append(b, ':')
	b = appendDigits(b, sec, 2)
	b = append(b, '.')
	b = appendDigits(b, t.Nanosecond(), 9)
	return append(b, 'Z')
}

// validTime reports whether appendTime can write t.
func validTime(t time.Time) bool {
	y := t.UTC().Year()
	return y >= 0 && y <= 9999
}

// appendDigits writes v, which must not be negative, in exactly n digits.
func appendDigits(b []byte, v, n int) []byte {
	var d [9]byte
	for i := n - 1; i >= 0; i-- {
		d[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, d[:n]...)
}

func appendHex32(b []byte, v uint32) []byte {
	for shift := 28; shift >= 0; shift -= 4 {
		b = append(b, hexDigits[(v>>uint(shift))&0xf])
	}
	return b
}

// metaPair is one metadata entry.
type metaPair struct{ k, v string }

// sortedPairs appends the map's entries to dst sorted by key, so equal maps give equal
// lines.
func sortedPairs(m map[string]string, dst []metaPair) []metaPair {
	for k, v := range m {
		dst = append(dst, metaPair{k, v})
	}
	if len(dst) > 1 {
		slices.SortFunc(dst, func(a, b metaPair) int { return strings.Compare(a.k, b.k) })
	}
	return dst
}

// appendString writes s as a JSON string. s must be valid UTF-8.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	last := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[last:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		last = i + 1
	}
	b = append(b, s[last:]...)
	return append(b, '"')
}

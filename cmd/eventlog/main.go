// Command eventlog inspects a jsonl event store's log offline, and backs it up.
//
// Usage:
//
//	eventlog verify DIR      check every line, batch, position and version; exit 1 on damage
//	eventlog stats DIR       counts of events, streams and event types, and the time range
//	eventlog tail [-n N] DIR print the last N events (default 10) as they are stored
//	eventlog backup DIR DEST copy the log's whole commits into DEST, checked and synced
//	eventlog restore BACKUP DIR
//	                         put BACKUP's log in place of DIR's, the server stopped
//
// backup runs jsonl.Backup, also while a server writes the log: the copy holds the commits
// finished before it began, none in flight, and never replaces a log DEST holds already.
// restore runs jsonl.Restore: refused while a server holds DIR, it checks the backup, puts
// its whole commits in place and moves DIR's log, checkpoints, snapshots and read models'
// states aside. A restore that fails lists on stderr what it moved aside and could not put
// back.
//
// verify runs jsonl.Verify: it names the byte offset and line of any damage, with the
// number of events in the whole commits before it (and says so when the damaged line ends
// in CR LF: the file's line endings were converted), and reports a torn tail (which the
// store cuts off when it next opens). It changes nothing. Run it on a log no store is
// writing, or expect a torn tail from writes in flight.
//
// stats and tail check the log the same way first and show only its whole commits: when the
// log is damaged, they show those before the damage, then say on stderr at which byte
// offset they stopped and exit with status 1; a torn tail is left out with a note on stderr.
// tail holds a block of the log or two in memory however many lines it prints. Output that
// cannot be written (a full disk) is a failure, said on stderr.
// Flags may come before or after DIR; "eventlog COMMAND -h" prints a command's usage.
//
// The exit status is the same for every command, so that a script can act on it:
//
//	0  done (verify: the log is sound; a torn tail is not damage)
//	1  the log is damaged (restore: the backup's); backup and restore changed nothing
//	2  usage error
//	3  any other failure: a missing or unreadable log, output that cannot be written, an interrupt
//	4  backup: DEST holds a log already; nothing was done
//	5  the log changed while it was copied (backup, restore) or read (stats, tail): run it again
//	6  restore: a server or tool holds DIR; nothing was changed
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

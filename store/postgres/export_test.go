package postgres

import "time"

// WithTimeouts sets how long a group's commit may take (a minute otherwise), and the
// look-ups of its appends after its connection was lost, all together (settleTimeout
// otherwise), so that a test can wait them out.
func WithTimeouts(commit, settle time.Duration) Option {
	return func(o *options) { o.groupTimeout, o.settleTimeout = commit, settle }
}

// WithMaxAppendBytes lowers MaxAppendBytes, so that a test need not append 256 MiB.
func WithMaxAppendBytes(n int) Option {
	return func(o *options) { o.maxAppend = n }
}

// WithMigrationLocks sets how long a migration waits for a lock, how often it tries and
// how long it pauses between tries, so that a test can wait its tries out.
func WithMigrationLocks(timeout string, tries int, pause time.Duration) Option {
	return func(o *options) { o.migrateLocks = lockPolicy{timeout: timeout, tries: tries, pause: pause} }
}

// WithMaxGroupBytes lowers maxGroupBytes, so that a test can fill a group with small
// appends.
func WithMaxGroupBytes(n int) Option {
	return func(o *options) { o.groupBytes = n }
}

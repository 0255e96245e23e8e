package eventsourcing

// FormerSagaCommandID is formerSagaCommandID, for tests that write a log as an earlier
// release did.
var FormerSagaCommandID = formerSagaCommandID

// MaxSkippedTypes is maxSkippedTypes, the number of unknown types a handler warns of.
const MaxSkippedTypes = maxSkippedTypes

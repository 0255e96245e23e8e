package eventsourcing

// FormerSagaCommandID is formerSagaCommandID, for tests that write a log as an earlier
// release did.
var FormerSagaCommandID = formerSagaCommandID

package order

import "errors"

// ErrAlreadyPrepared means MarkOrderAsPrepared addressed an order that is already prepared.
var ErrAlreadyPrepared = errors.New("order already prepared")

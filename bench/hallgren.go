package main

import (
	"context"
	"time"

	"github.com/hallgren/eventsourcing/core"
	"github.com/hallgren/eventsourcing/eventstore/memory"
)

// hallgrenMemory is the memory event store of github.com/hallgren/eventsourcing.
type hallgrenMemory struct {
	es *memory.Memory
}

func newHallgrenMemory() *hallgrenMemory { return &hallgrenMemory{es: memory.Create()} }

func (h *hallgrenMemory) writer(id int) appendFunc {
	stream := streamName(id)
	var version core.Version
	return func(context.Context) error {
		ev := []core.Event{{
			AggregateID:   stream,
			AggregateType: "order",
			Version:       version + 1,
			Timestamp:     time.Now().UTC(),
			Reason:        eventType,
			Data:          eventData,
		}}
		if err := h.es.Save(ev); err != nil {
			return err
		}
		version++
		return nil
	}
}

func (h *hallgrenMemory) close() error {
	h.es.Close()
	return nil
}

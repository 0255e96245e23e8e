package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// jetStreamName is the JetStream stream holding every benchmark subject.
const jetStreamName = "EVENTS"

// natsJetStream is an embedded NATS server with JetStream on file storage, syncing every
// write (sync always). Each eventgraph stream is one subject; optimistic concurrency is the
// expected-last-subject-sequence header.
type natsJetStream struct {
	ns *server.Server
	nc *nats.Conn
	js jetstream.JetStream
}

func openJetStream(ctx context.Context, dir string) (*natsJetStream, error) {
	ns, err := server.NewServer(&server.Options{
		ServerName: "bench",
		DontListen: true,
		JetStream:  true,
		StoreDir:   dir,
		SyncAlways: true,
		NoLog:      true,
		NoSigs:     true,
	})
	if err != nil {
		return nil, fmt.Errorf("jetstream: new server: %w", err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, errors.New("jetstream: server not ready")
	}
	nc, err := nats.Connect("", nats.InProcessServer(ns))
	if err != nil {
		ns.Shutdown()
		return nil, fmt.Errorf("jetstream: connect: %w", err)
	}
	j := &natsJetStream{ns: ns, nc: nc}
	if j.js, err = jetstream.New(nc); err != nil {
		_ = j.close()
		return nil, err
	}
	if _, err = j.js.CreateStream(ctx, jetstream.StreamConfig{
		Name:     jetStreamName,
		Subjects: []string{"events.>"},
		Storage:  jetstream.FileStorage,
	}); err != nil {
		_ = j.close()
		return nil, fmt.Errorf("jetstream: create stream: %w", err)
	}
	return j, nil
}

func subject(stream string) string { return "events." + stream }

func (j *natsJetStream) writer(id int) appendFunc {
	subj := subject(streamName(id))
	var last uint64
	return func(ctx context.Context) error {
		msg := &nats.Msg{Subject: subj, Data: eventData, Header: nats.Header{"Event-Type": []string{eventType}}}
		ack, err := j.js.PublishMsg(ctx, msg, jetstream.WithExpectLastSequencePerSubject(last))
		if err != nil {
			return fmt.Errorf("jetstream: publish %s after %d: %w", subj, last, err)
		}
		last = ack.Sequence
		return nil
	}
}

func (j *natsJetStream) fill(ctx context.Context, stream string, n int) error {
	const window = 1000 // below the client's limit of outstanding async publishes
	subj := subject(stream)
	for n > 0 {
		k := min(window, n)
		acks := make([]jetstream.PubAckFuture, k)
		for i := range acks {
			f, err := j.js.PublishAsync(subj, eventData)
			if err != nil {
				return err
			}
			acks[i] = f
		}
		for _, f := range acks {
			select {
			case <-f.Ok():
			case err := <-f.Err():
				return err
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		n -= k
	}
	return nil
}

func (j *natsJetStream) read(ctx context.Context, stream string) (int, error) {
	cons, err := j.js.OrderedConsumer(ctx, jetStreamName, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{subject(stream)},
		DeliverPolicy:  jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return 0, err
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return 0, err
	}
	want := int(info.NumPending)
	it, err := cons.Messages(jetstream.PullMaxMessages(1000))
	if err != nil {
		return 0, err
	}
	defer it.Stop()
	n := 0
	for n < want {
		msg, err := it.Next()
		if err != nil {
			return n, err
		}
		md, err := msg.Metadata()
		if err != nil {
			return n, err
		}
		if md.Sequence.Stream == 0 || len(msg.Data()) == 0 {
			return n, errors.New("jetstream: empty message")
		}
		n++
	}
	return n, nil
}

func (j *natsJetStream) close() error {
	j.nc.Close()
	j.ns.Shutdown()
	j.ns.WaitForShutdown()
	return nil
}

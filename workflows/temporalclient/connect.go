package temporalclient

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/grpc"
)

// Connection is where a process reaches Temporal and how its payloads are
// encoded there.
type Connection struct {
	HostPort  string
	Namespace string
	// Codec encrypts every payload; nil leaves them plain.
	Codec *Codec
	// NoCompression sends requests uncompressed (the SDK gzips them):
	// beside its Temporal, compressing costs CPU and saves nothing.
	NoCompression bool
}

// Options are the client options for conn: its data converter on every
// payload, and on failures too, since failure messages can quote personal
// data.
func Options(conn Connection, log *slog.Logger) client.Options {
	dc := DataConverter(conn.Codec)
	co := client.ConnectionOptions{
		DialOptions: []grpc.DialOption{grpc.WithChainUnaryInterceptor(observeEagerStart)},
	}
	if conn.NoCompression {
		co.GrpcCompression = &client.GrpcCompressionNone{}
	}
	return client.Options{
		ConnectionOptions: co,
		HostPort:          conn.HostPort,
		Namespace:         conn.Namespace,
		Logger:            tlog.NewStructuredLogger(log.With("component", "temporal")),
		DataConverter:     dc,
		FailureConverter: temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
			DataConverter: dc, EncodeCommonAttributes: conn.Codec != nil,
		}),
	}
}

// Dial connects, retrying for a minute: a Temporal server that has just
// started (by `caseflow dev` or compose) opens its port before its
// frontend is healthy.
func Dial(ctx context.Context, log *slog.Logger, opts client.Options) (client.Client, error) {
	deadline := time.Now().Add(time.Minute)
	for wait := 250 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		tc, err := client.DialContext(ctx, opts)
		if err == nil || time.Now().After(deadline) {
			return tc, err
		}
		log.Warn("temporal not ready; retrying", "address", opts.HostPort, "err", err, "in", wait)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// RegisterSearchAttributes adds the case search attributes the namespace
// lacks. One already registered with another type is an error an operator
// must settle: caseflow will not guess.
func RegisterSearchAttributes(ctx context.Context, tc client.Client, namespace string) error {
	have, err := tc.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("list search attributes: %w", err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	for _, k := range SearchAttributeKeys() {
		t, ok := have.GetCustomAttributes()[k.GetName()]
		switch {
		case !ok:
			missing[k.GetName()] = k.GetValueType()
		case t != k.GetValueType():
			return fmt.Errorf("search attribute %s is registered as %s; caseflow needs %s", k.GetName(), t, k.GetValueType())
		}
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = tc.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: namespace, SearchAttributes: missing,
	})
	if err != nil {
		return fmt.Errorf("add search attributes: %w", err)
	}
	return nil
}

// ServerVersion is the Temporal server caseflow is tested against: the
// one the pinned dev server embeds, the one `make cluster` builds and
// docker-compose.yml deploys (the compose test holds them together).
const ServerVersion = "1.29.1"

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"golang.org/x/sync/errgroup"

	"github.com/caseflow/caseflow/activities"
	"github.com/caseflow/caseflow/api"
	"github.com/caseflow/caseflow/config"
	"github.com/caseflow/caseflow/store"
	"github.com/caseflow/caseflow/store/documents"
	"github.com/caseflow/caseflow/workflows"
	"github.com/caseflow/caseflow/workflows/temporalclient"
)

func migrate(ctx context.Context, log *slog.Logger, cfg config.Config) error {
	s, err := store.Open(ctx, cfg.Database.URL, 2)
	if err != nil {
		return err
	}
	defer s.Close()
	return store.Migrate(ctx, s, log)
}

// serve runs the API, the worker, or both, until ctx ends; then it drains
// HTTP requests and lets the worker finish its tasks before returning.
func serve(ctx context.Context, log *slog.Logger, cfg config.Config, withAPI, withWorker bool) error {
	s, err := store.Open(ctx, cfg.Database.URL, cfg.Database.MaxOpenConns)
	if err != nil {
		return err
	}
	defer s.Close()

	opts, err := temporalOptions(cfg, log)
	if err != nil {
		return err
	}
	metrics := api.NewMetrics()
	if opts.MetricsHandler, err = temporalclient.MetricsHandler(metrics.Registry, log); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	// The API alone starts without Temporal and answers 503 until it is
	// back; a worker has nothing to do without it, so it dials eagerly.
	var tc client.Client
	if withWorker {
		tc, err = temporalclient.Dial(ctx, log, opts)
	} else {
		tc, err = client.NewLazyClient(opts)
	}
	if err != nil {
		return fmt.Errorf("temporal at %s: %w", cfg.Temporal.Address, err)
	}
	defer tc.Close()

	g, ctx := errgroup.WithContext(ctx)
	// A new case's first write, handed from this process's worker to the
	// API call that started the case (temporalclient.FirstWrites): only
	// where an API shares the worker.
	var written *temporalclient.FirstWrites
	if withWorker && withAPI {
		written = temporalclient.NewFirstWrites()
	}
	if withWorker {
		mailer, err := activities.NewMailer(cfg.Mail, log.With("component", "mail"))
		if err != nil {
			return err
		}
		acts, err := activities.New(s, mailer, cfg.Portal.BaseURL)
		if err != nil {
			return err
		}
		if written != nil {
			acts.Projected = written.Projected
		}
		if err := temporalclient.RegisterSearchAttributes(ctx, tc, cfg.Temporal.Namespace); err != nil {
			return err
		}
		if err := ensureDigestSchedule(ctx, tc, cfg); err != nil {
			return err
		}
		w := newWorker(tc, cfg, acts)
		if err := w.Start(); err != nil {
			return fmt.Errorf("start worker: %w", err)
		}
		log.Info("worker started", "taskQueue", cfg.Temporal.TaskQueue, "temporal", cfg.Temporal.Address)
		g.Go(func() error {
			<-ctx.Done()
			w.Stop()
			return nil
		})
	}
	app := api.NewOps(cfg, s, tc, log, metrics)
	if withAPI {
		docs, err := openDocuments(ctx, log, cfg)
		if err != nil {
			return err
		}
		if docs != nil {
			defer docs.Close()
			g.Go(func() error {
				sweepDocuments(ctx, log, docs, s, temporalclient.NewCases(tc, cfg.Temporal.TaskQueue, cfg.Temporal.CaseflowURL))
				return nil
			})
		}
		opts := []api.Option{api.WithMetrics(metrics), api.WithDocuments(docs)}
		if withWorker {
			opts = append(opts, api.WithLocalWorker(written))
		}
		app = api.New(cfg, s, tc, log, opts...)
	}
	g.Go(func() error {
		log.Info("http listening", "addr", cfg.HTTP.Addr, "api", withAPI)
		if err := app.Listen(cfg.HTTP.Addr); err != nil {
			return fmt.Errorf("http: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-ctx.Done()
		// Drain requests in flight; the worker finishes its tasks in Stop.
		return app.ShutdownWithTimeout(20 * time.Second)
	})
	if withAPI {
		g.Go(func() error {
			purgeIdempotencyKeys(ctx, log, s)
			return nil
		})
	}
	err = g.Wait()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// temporalOptions connect to the configured namespace, encrypting every
// payload with the configured codec.
func temporalOptions(cfg config.Config, log *slog.Logger) (client.Options, error) {
	codec, err := temporalclient.CodecFromConfig(cfg.Codec.Keys, cfg.Codec.ActiveKey)
	if err != nil {
		return client.Options{}, err
	}
	if codec == nil {
		log.Warn("codec.keys is empty: workflow payloads, with clients' personal data, are stored in clear in Temporal")
	}
	return temporalclient.Options(temporalclient.Connection{
		HostPort:      cfg.Temporal.Address,
		Namespace:     cfg.Temporal.Namespace,
		Codec:         codec,
		NoCompression: cfg.Temporal.GRPCCompression == "none",
	}, log), nil
}

// openDocuments opens the document store, under the codec's keys; without
// keys documents would be kept in clear, so uploads stay off (503).
func openDocuments(ctx context.Context, log *slog.Logger, cfg config.Config) (*documents.Store, error) {
	codec, err := temporalclient.CodecFromConfig(cfg.Codec.Keys, cfg.Codec.ActiveKey)
	if err != nil {
		return nil, err
	}
	if codec == nil {
		log.Warn("codec.keys is empty: document uploads are off, as documents would be stored in clear")
		return nil, nil
	}
	bucket := cfg.Documents.Bucket
	if bucket == "" {
		dir, err := filepath.Abs(filepath.Join(devDataDir, "documents"))
		if err != nil {
			return nil, err
		}
		bucket = (&url.URL{Scheme: "file", Path: dir, RawQuery: "create_dir=true&no_tmp_dir=true"}).String()
		log.Info("documents.bucket is empty: documents are kept in a local directory", "dir", dir)
	}
	docs, err := documents.Open(ctx, bucket, codec, documents.Limits{MaxFileBytes: cfg.Documents.MaxFileBytes, Types: cfg.Documents.Types})
	if err != nil {
		return nil, fmt.Errorf("document store: %w", err)
	}
	return docs, nil
}

// sweepDocuments removes, every hour, stored files no case recorded an
// hour after they were written (api.SweepDocuments).
func sweepDocuments(ctx context.Context, log *slog.Logger, docs *documents.Store, s *store.Store, cases *temporalclient.Cases) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		if n, err := api.SweepDocuments(ctx, docs, s, cases, time.Hour); err != nil {
			log.Warn("sweep documents", "err", err)
		} else if n > 0 {
			log.Info("swept documents no case recorded", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// purgeIdempotencyKeys deletes expired Idempotency-Keys every hour.
func purgeIdempotencyKeys(ctx context.Context, log *slog.Logger, s *store.Store) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		if n, err := s.PurgeIdempotencyKeys(ctx); err != nil {
			log.Warn("purge idempotency keys", "err", err)
		} else if n > 0 {
			log.Info("purged expired idempotency keys", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// newWorker registers the case workflow and its activities on the task queue.
func newWorker(tc client.Client, cfg config.Config, acts *activities.Activities) worker.Worker {
	// The SDK's cache is process-wide; this process runs one worker.
	worker.SetStickyWorkflowCacheSize(cfg.Temporal.WorkflowCacheSize)
	w := worker.New(tc, cfg.Temporal.TaskQueue, worker.Options{})
	workflows.Register(w)
	acts.Register(w)
	return w
}

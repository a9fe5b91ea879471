package temporalclient

import (
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/opentelemetry"
)

// MetricsHandler reports the Temporal SDK's metrics (workflow task
// latency, activity failures, poller counts…) into reg, through
// OpenTelemetry. It only registers collectors: serving them is the job of
// whoever owns reg (the API's /metrics, or the ops app of a worker).
func MetricsHandler(reg prometheus.Registerer, log *slog.Logger) (client.MetricsHandler, error) {
	exporter, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithoutScopeInfo())
	if err != nil {
		return nil, err
	}
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	return opentelemetry.NewMetricsHandler(opentelemetry.MetricsHandlerOptions{
		Meter:   provider.Meter("temporal-sdk-go"),
		OnError: func(err error) { log.Warn("temporal metric", "err", err) },
	}), nil
}

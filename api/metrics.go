package api

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is what /metrics shows Prometheus: HTTP latency by route and
// status, the Temporal SDK's own metrics (which temporalclient.MetricsHandler
// reports into Registry), and the Go runtime's, in one registry.
type Metrics struct {
	Registry *prometheus.Registry
	http     *prometheus.HistogramVec
}

// NewMetrics makes an empty registry with the HTTP histogram.
func NewMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "caseflow_http_request_duration_seconds",
		Help:    "HTTP requests by method, route template and status.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"method", "route", "status"})
	reg.MustRegister(h)
	return &Metrics{Registry: reg, http: h}
}

// observe times every request under its route template, never its raw
// path, so IDs do not multiply the series.
func (m *Metrics) observe(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		status = classify(err).Status
	}
	// fasthttp's strings live in buffers it reuses; a label outlives the
	// request, so it gets its own copy.
	route := strings.Clone(c.Route().Path)
	if status == fiber.StatusNotFound && route == "/" {
		route = "unmatched"
	}
	m.http.WithLabelValues(strings.Clone(c.Method()), route, strconv.Itoa(status)).Observe(time.Since(start).Seconds())
	return err
}

func (m *Metrics) handler() fiber.Handler {
	return adaptor.HTTPHandler(promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))
}

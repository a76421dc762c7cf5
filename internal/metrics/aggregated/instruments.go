package aggregated

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/mhpa-dev/mhpa/internal/metrics/breaker"
	"github.com/mhpa-dev/mhpa/internal/monitoring"
)

// Names of the Prometheus metrics a Client exports, each labelled by group.
const (
	MetricRequests        = "mhpa_metrics_client_requests_total"
	MetricErrors          = "mhpa_metrics_client_errors_total"
	MetricRequestDuration = "mhpa_metrics_client_request_duration_seconds"
	MetricCircuitState    = "mhpa_metrics_client_circuit_state"
	MetricInFlight        = "mhpa_metrics_client_requests_in_flight"
	MetricDiscoveries     = "mhpa_metrics_client_discoveries_total"
)

// Values of the reason label of MetricErrors.
const (
	ReasonNotServed   = "not_served"
	ReasonUnsupported = "unsupported_version"
	ReasonCircuitOpen = "circuit_open"
	ReasonNoSlot      = "no_slot"
	ReasonRateLimited = "rate_limited"
	ReasonTimeout     = "timeout"
	ReasonCanceled    = "canceled"
	ReasonTransport   = "transport"
	ReasonServerError = "server_error"
	ReasonNotFound    = "not_found"
	ReasonClientError = "client_error"
	ReasonDecode      = "decode"
	ReasonNoMetrics   = "no_metrics"
	ReasonDiscovery   = "discovery"
)

// instruments are the Prometheus metrics of a Client.
type instruments struct {
	requests    *prometheus.CounterVec
	errors      *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	circuit     *prometheus.GaugeVec
	inFlight    *prometheus.GaugeVec
	discoveries *prometheus.CounterVec
}

func newInstruments(reg prometheus.Registerer) *instruments {
	in := &instruments{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricRequests,
			Help: "Requests sent to a metrics API group, by HTTP status code (or timeout, canceled, transport).",
		}, []string{"group", "code"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricErrors,
			Help: "Metric queries to a metrics API group that failed, by reason, including those failed fast without a request.",
		}, []string{"group", "reason"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    MetricRequestDuration,
			Help:    "Duration of requests sent to a metrics API group.",
			Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
		}, []string{"group"}),
		circuit: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: MetricCircuitState,
			Help: "State of the circuit breaker of a metrics API group: 0 closed, 1 half-open, 2 open.",
		}, []string{"group"}),
		inFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: MetricInFlight,
			Help: "Requests to a metrics API group in flight.",
		}, []string{"group"}),
		discoveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricDiscoveries,
			Help: "Discoveries of a metrics API group's versions, by result (served, not_served, unsupported_version, error).",
		}, []string{"group", "result"}),
	}
	if reg == nil {
		return in
	}
	in.requests = register(reg, in.requests)
	in.errors = register(reg, in.errors)
	in.duration = register(reg, in.duration)
	in.circuit = register(reg, in.circuit)
	in.inFlight = register(reg, in.inFlight)
	in.discoveries = register(reg, in.discoveries)
	return in
}

// register registers c on reg, or returns the collector already registered
// under the same name (a second Client on one registry shares the metrics). On
// a clash with a different collector it keeps counting on the unregistered one
// rather than failing the client.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	out, _ := monitoring.Register(reg, c)
	return out
}

func circuitValue(s breaker.State) float64 {
	switch s {
	case breaker.HalfOpen:
		return 1
	case breaker.Open:
		return 2
	}
	return 0
}

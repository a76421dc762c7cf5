package controller

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mhpa-dev/mhpa/internal/monitoring"
)

// Label values of the reconcile and metric computation metrics, as upstream's.
const (
	actionNone      = "none"
	actionScaleUp   = "scale_up"
	actionScaleDown = "scale_down"
	errorNone       = "none"
	errorSpec       = "spec"
	errorInternal   = "internal"
)

// monitor holds the controller's Prometheus metrics, with the names and labels of the
// upstream HPA controller's (subsystem horizontal_pod_autoscaler_controller), so dashboards
// and alerts written for kube-controller-manager work unchanged.
type monitor struct {
	reconciliations          *prometheus.CounterVec
	reconciliationDuration   *prometheus.HistogramVec
	metricComputations       *prometheus.CounterVec
	metricComputationSeconds *prometheus.HistogramVec
	autoscalers              prometheus.Gauge
	desiredReplicas          *prometheus.GaugeVec
}

const subsystem = "horizontal_pod_autoscaler_controller"

func newMonitor(reg prometheus.Registerer) (*monitor, error) {
	buckets := prometheus.ExponentialBuckets(0.001, 2, 15)
	m := &monitor{
		reconciliations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Subsystem: subsystem, Name: "reconciliations_total",
			Help: "Number of reconciliations of the HPA controller. The label 'action' is 'scale_down', 'scale_up' or 'none'; 'error' is 'spec', 'internal' or 'none'.",
		}, []string{"action", "error"}),
		reconciliationDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Subsystem: subsystem, Name: "reconciliation_duration_seconds",
			Help:    "The time (seconds) the HPA controller takes to reconcile once, by action and error.",
			Buckets: buckets,
		}, []string{"action", "error"}),
		metricComputations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Subsystem: subsystem, Name: "metric_computation_total",
			Help: "Number of metric computations, by action, error and metric_type (spec.metrics[*].type).",
		}, []string{"action", "error", "metric_type"}),
		metricComputationSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Subsystem: subsystem, Name: "metric_computation_duration_seconds",
			Help:    "The time (seconds) the HPA controller takes to fetch and compute one metric, by action, error and metric_type.",
			Buckets: buckets,
		}, []string{"action", "error", "metric_type"}),
		autoscalers: prometheus.NewGauge(prometheus.GaugeOpts{
			Subsystem: subsystem, Name: "num_horizontal_pod_autoscalers",
			Help: "Current number of controlled HPA objects.",
		}),
		desiredReplicas: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Subsystem: subsystem, Name: "desired_replicas",
			Help: "Current desired replica count for HPA objects.",
		}, []string{"namespace", "hpa_name"}),
	}
	if reg == nil {
		return m, nil
	}
	var errs []error
	reuse := func(err error) { errs = append(errs, err) }
	var err error
	m.reconciliations, err = monitoring.Register(reg, m.reconciliations)
	reuse(err)
	m.reconciliationDuration, err = monitoring.Register(reg, m.reconciliationDuration)
	reuse(err)
	m.metricComputations, err = monitoring.Register(reg, m.metricComputations)
	reuse(err)
	m.metricComputationSeconds, err = monitoring.Register(reg, m.metricComputationSeconds)
	reuse(err)
	m.autoscalers, err = monitoring.Register(reg, m.autoscalers)
	reuse(err)
	m.desiredReplicas, err = monitoring.Register(reg, m.desiredReplicas)
	reuse(err)
	return m, errors.Join(errs...)
}

func (m *monitor) observeReconcile(action, errLabel string, d time.Duration) {
	m.reconciliations.WithLabelValues(action, errLabel).Inc()
	m.reconciliationDuration.WithLabelValues(action, errLabel).Observe(d.Seconds())
}

func (m *monitor) observeMetric(action, errLabel, metricType string, d time.Duration) {
	m.metricComputations.WithLabelValues(action, errLabel, metricType).Inc()
	m.metricComputationSeconds.WithLabelValues(action, errLabel, metricType).Observe(d.Seconds())
}

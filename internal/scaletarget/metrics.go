package scaletarget

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/mhpa-dev/mhpa/internal/monitoring"
)

// Reasons for reading a scale through the API rather than a cache, the values of the reason
// label of mhpa_scale_fallback_reads_total.
const (
	// ReasonNotSynced: the informer of the resource (or of CustomResourceDefinitions) has not
	// synced yet, e.g. right after the first HPA targeted the resource.
	ReasonNotSynced = "not_synced"
	// ReasonNotCached: the resource has no cache support, e.g. it is served by an aggregated
	// API server, or is a built-in kind other than the four cached ones.
	ReasonNotCached = "not_cached"
	// ReasonInvalid: the cached object cannot be rendered as a Scale; the API server says why.
	ReasonInvalid = "invalid_object"
)

// metrics are the Prometheus collectors of a Client.
type metrics struct {
	reads     *prometheus.CounterVec
	fallbacks *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		reads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mhpa_scale_reads_total",
			Help: "Reads of a scale target's scale, by where they were served from: cache, written (the client's own latest write, not yet in the cache) or api.",
		}, []string{"source"}),
		fallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mhpa_scale_fallback_reads_total",
			Help: "GETs of a /scale subresource made because the read could not be served from a cache, by resource and reason.",
		}, []string{"resource", "reason"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	m.reads, err = register(reg, m.reads)
	if err != nil {
		return nil, err
	}
	m.fallbacks, err = register(reg, m.fallbacks)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c, or returns the collector already registered under its name.
func register(reg prometheus.Registerer, c *prometheus.CounterVec) (*prometheus.CounterVec, error) {
	return monitoring.Register(reg, c)
}

package aggregated

import (
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/utils/clock"
)

// Default values of Options and GroupOptions.
const (
	DefaultQPS                    = 100
	DefaultBurst                  = 200
	DefaultRequestTimeout         = 5 * time.Second
	DefaultMaxInFlight            = 32
	DefaultSlotWait               = time.Second
	DefaultFailureThreshold       = 5
	DefaultCoolDown               = 30 * time.Second
	DefaultDiscoveryTTL           = 30 * time.Second
	DefaultNotServedTTL           = 10 * time.Second
	DefaultMinRediscoveryInterval = time.Second
)

// GroupOptions are the limits that apply to the requests to one API group.
// Zero fields take the defaults.
type GroupOptions struct {
	// QPS is the sustained rate of requests to the group (client side).
	QPS float32
	// Burst is the number of requests to the group allowed at once above QPS.
	Burst int
	// RequestTimeout bounds each request to the group, and each discovery of it.
	RequestTimeout time.Duration
	// MaxInFlight is the number of concurrent requests allowed to the group.
	MaxInFlight int
	// SlotWait is the longest a caller waits for a free request slot (less if
	// its context ends sooner) before it fails with *metrics.ConcurrencyLimitError.
	SlotWait time.Duration
	// FailureThreshold is the number of consecutive failures (timeouts,
	// transport errors, 5xx and 429 answers) that opens the group's circuit.
	FailureThreshold int
	// CoolDown is how long an open circuit fails fast before a probe request.
	CoolDown time.Duration
}

// DefaultGroupOptions returns the defaults of every field.
func DefaultGroupOptions() GroupOptions {
	return GroupOptions{
		QPS:              DefaultQPS,
		Burst:            DefaultBurst,
		RequestTimeout:   DefaultRequestTimeout,
		MaxInFlight:      DefaultMaxInFlight,
		SlotWait:         DefaultSlotWait,
		FailureThreshold: DefaultFailureThreshold,
		CoolDown:         DefaultCoolDown,
	}
}

// withDefaults fills the zero fields of o from d.
func (o GroupOptions) withDefaults(d GroupOptions) GroupOptions {
	if o.QPS <= 0 {
		o.QPS = d.QPS
	}
	if o.Burst <= 0 {
		o.Burst = d.Burst
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = d.RequestTimeout
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = d.MaxInFlight
	}
	if o.SlotWait <= 0 {
		o.SlotWait = d.SlotWait
	}
	if o.FailureThreshold <= 0 {
		o.FailureThreshold = d.FailureThreshold
	}
	if o.CoolDown <= 0 {
		o.CoolDown = d.CoolDown
	}
	return o
}

// Options configures a Client. Zero fields take the defaults.
type Options struct {
	// RESTMapper maps the kind of an object metric's described object to its
	// resource. Object metrics fail without one.
	RESTMapper meta.RESTMapper
	// Clock drives discovery TTLs and circuit cool-downs; the real clock when nil.
	// Request timeouts and slot waits always run on real time (contexts).
	Clock clock.PassiveClock
	// Registerer receives the client's Prometheus metrics; none are
	// registered when nil.
	Registerer prometheus.Registerer
	// Logger logs circuit transitions and changes of group availability.
	// Discarded when unset.
	Logger logr.Logger
	// Defaults are the limits of every group (zero fields: DefaultGroupOptions).
	Defaults GroupOptions
	// Groups overrides Defaults for single API groups, keyed by group name
	// (e.g. tenant-a.external.metrics.k8s.io); zero fields take Defaults.
	Groups map[string]GroupOptions
	// DiscoveryTTL is how long a discovered version of a served group is used
	// before the group is discovered again.
	DiscoveryTTL time.Duration
	// NotServedTTL is how long a group found not served is reported so before
	// it is discovered again: the bound on picking up a new APIService.
	NotServedTTL time.Duration
	// MinRediscoveryInterval is the least time between two discoveries of a
	// group that a not-found answer or a failed discovery triggers.
	MinRediscoveryInterval time.Duration
}

func (o Options) withDefaults() Options {
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	if o.Logger.GetSink() == nil {
		o.Logger = logr.Discard()
	}
	o.Defaults = o.Defaults.withDefaults(DefaultGroupOptions())
	if o.DiscoveryTTL <= 0 {
		o.DiscoveryTTL = DefaultDiscoveryTTL
	}
	if o.NotServedTTL <= 0 {
		o.NotServedTTL = DefaultNotServedTTL
	}
	if o.MinRediscoveryInterval <= 0 {
		o.MinRediscoveryInterval = DefaultMinRediscoveryInterval
	}
	return o
}

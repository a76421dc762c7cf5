package dedupe

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/singleflight"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/clock"

	"github.com/mhpa-dev/mhpa/internal/metrics"
	"github.com/mhpa-dev/mhpa/internal/monitoring"
)

// Default values of Options.
const (
	// DefaultFreshness suits the default 15 s sync period: a few seconds
	// shorter, so every sync reads new values.
	DefaultFreshness      = 12 * time.Second
	DefaultErrorFreshness = 3 * time.Second
	DefaultFetchTimeout   = 30 * time.Second
)

// MetricQueries is the name of the Prometheus counter of queries, labelled by
// api (resource, custom, external) and result: "cached" (answered from a
// fetch within the freshness window), "shared" (joined a fetch in flight) or
// "fetched" (started a fetch).
const MetricQueries = "mhpa_metrics_dedupe_queries_total"

// Source is what Client wraps: a metrics.Client that can also list raw
// PodMetrics (aggregated.Client is one).
type Source interface {
	metrics.Client
	metrics.PodMetricsLister
}

// Options configures a Client. Zero fields take the defaults.
type Options struct {
	// Freshness is how long the answer of a fetch is reused for identical
	// queries. Set it a few seconds below the controller's sync period.
	Freshness time.Duration
	// ErrorFreshness is how long a failed fetch is reused; failures caused by
	// the fetch's own deadline are never reused.
	ErrorFreshness time.Duration
	// FetchTimeout bounds a shared fetch. A shared fetch does not end when the
	// caller that started it gives up, since others may be waiting for it.
	FetchTimeout time.Duration
	// Clock drives the freshness windows; the real clock when nil.
	Clock clock.PassiveClock
	// PodLabels, when set, gives the labels of a pod (e.g. from an informer),
	// to pick an HPA's pods out of a namespace's PodMetrics; a pod it does not
	// know is left out. When nil, the labels the PodMetrics carry are used.
	PodLabels func(namespace, name string) (labels.Set, bool)
	// Registerer receives the MetricQueries counter; none is registered when nil.
	Registerer prometheus.Registerer
}

// Client is a deduplicating metrics.Client, safe for concurrent use.
type Client struct {
	inner   Source
	opts    Options
	queries *prometheus.CounterVec

	// waiters counts the callers waiting for a fetch in flight.
	waiters atomic.Int64

	mu        sync.Mutex
	entries   map[string]*entry
	lastPurge time.Time
	flight    singleflight.Group
}

var _ metrics.Client = (*Client)(nil)

// entry is the answer of one fetch.
type entry struct {
	at  time.Time
	val any
	err error
}

// New returns a Client that answers queries from inner.
func New(inner Source, opts Options) *Client {
	if opts.Freshness <= 0 {
		opts.Freshness = DefaultFreshness
	}
	if opts.ErrorFreshness <= 0 {
		opts.ErrorFreshness = DefaultErrorFreshness
	}
	if opts.FetchTimeout <= 0 {
		opts.FetchTimeout = DefaultFetchTimeout
	}
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	queries := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: MetricQueries,
		Help: "Metric queries by api and whether they were answered from a recent fetch (cached), joined one in flight (shared) or fetched.",
	}, []string{"api", "result"})
	if opts.Registerer != nil {
		queries, _ = monitoring.Register(opts.Registerer, queries)
	}
	return &Client{
		inner:   inner,
		opts:    opts,
		queries: queries,
		entries: make(map[string]*entry),
	}
}

// key joins the parts of a query into a cache key.
func key(parts ...string) string {
	return strings.Join(parts, "\x00")
}

// selectorKey renders a selector for a key (nil selects everything).
func selectorKey(s labels.Selector) string {
	return metrics.OrEverything(s).String()
}

// fetch returns the answer for key: a fresh cached one, the one of a fetch
// in flight, or that of a new fetch by do.
func (c *Client) fetch(ctx context.Context, api metrics.API, k string, do func(context.Context) (any, error)) (any, error) {
	now := c.opts.Clock.Now()
	c.mu.Lock()
	e := c.entries[k]
	c.mu.Unlock()
	if e != nil && c.fresh(e, now) {
		c.queries.WithLabelValues(api.String(), "cached").Inc()
		return e.val, e.err
	}
	started := false
	ch := c.flight.DoChan(k, func() (any, error) {
		started = true
		at := c.opts.Clock.Now()
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.opts.FetchTimeout)
		defer cancel()
		val, err := do(fctx)
		if err == nil || fctx.Err() == nil {
			c.store(k, &entry{at: at, val: val, err: err})
		}
		return val, err
	})
	c.waiters.Add(1)
	defer c.waiters.Add(-1)
	select {
	case r := <-ch:
		if started {
			c.queries.WithLabelValues(api.String(), "fetched").Inc()
		} else {
			c.queries.WithLabelValues(api.String(), "shared").Inc()
		}
		return r.Val, r.Err
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for a shared metrics fetch: %w", ctx.Err())
	}
}

func (c *Client) fresh(e *entry, now time.Time) bool {
	maxAge := c.opts.Freshness
	if e.err != nil {
		maxAge = c.opts.ErrorFreshness
	}
	return now.Sub(e.at) < maxAge
}

// store keeps e under k and, once per freshness window, drops stale entries.
func (c *Client) store(k string, e *entry) {
	now := c.opts.Clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[k] = e
	if now.Sub(c.lastPurge) < c.opts.Freshness {
		return
	}
	c.lastPurge = now
	for key, old := range c.entries {
		if !c.fresh(old, now) {
			delete(c.entries, key)
		}
	}
}

// ResourceMetric answers from one PodMetrics list of the query's namespace
// (all its pods, no label selector), picking the pods the selector matches.
func (c *Client) ResourceMetric(ctx context.Context, q metrics.ResourceQuery) (metrics.PodValues, error) {
	if q.Resource == "" {
		return metrics.PodValues{}, field.Required(field.NewPath("resource"), "the resource to read, e.g. cpu or memory")
	}
	k := key("resource", q.Subdomain, q.Namespace)
	val, err := c.fetch(ctx, metrics.ResourceAPI, k, func(ctx context.Context) (any, error) {
		items, err := c.inner.ListPodMetrics(ctx, metrics.PodMetricsQuery{Subdomain: q.Subdomain, Namespace: q.Namespace})
		if err != nil {
			return nil, err
		}
		return newPodIndex(q.Namespace, items, c.opts.PodLabels), nil
	})
	if err != nil {
		return metrics.PodValues{}, err
	}
	selector := metrics.OrEverything(q.Selector)
	picked := val.(*podIndex).pick(selector)
	if len(picked) == 0 {
		group := metrics.GroupName(metrics.ResourceAPI, q.Subdomain)
		return metrics.PodValues{}, &metrics.GroupError{Subdomain: q.Subdomain, Group: group,
			Err: fmt.Errorf("%w from the resource metrics API for selector %q", metrics.ErrNoMetrics, selector.String())}
	}
	return metrics.ResourceValues(picked, q.Resource, q.Container), nil
}

// PodsMetric shares one fetch among identical pods metric queries.
func (c *Client) PodsMetric(ctx context.Context, q metrics.PodsQuery) (metrics.PodValues, error) {
	k := key("pods", q.Subdomain, q.Namespace, q.Metric, selectorKey(q.Selector), selectorKey(q.MetricSelector))
	val, err := c.fetch(ctx, metrics.CustomAPI, k, func(ctx context.Context) (any, error) {
		return c.inner.PodsMetric(ctx, q)
	})
	if err != nil {
		return metrics.PodValues{}, err
	}
	return val.(metrics.PodValues).Clone(), nil
}

// ObjectMetric shares one fetch among identical object metric queries.
func (c *Client) ObjectMetric(ctx context.Context, q metrics.ObjectQuery) (metrics.ObjectValue, error) {
	k := key("object", q.Subdomain, q.Namespace, q.Metric, q.Object.APIVersion, q.Object.Kind, q.Object.Name, selectorKey(q.MetricSelector))
	val, err := c.fetch(ctx, metrics.CustomAPI, k, func(ctx context.Context) (any, error) {
		return c.inner.ObjectMetric(ctx, q)
	})
	if err != nil {
		return metrics.ObjectValue{}, err
	}
	return val.(metrics.ObjectValue), nil
}

// ExternalMetric shares one fetch among identical external metric queries.
func (c *Client) ExternalMetric(ctx context.Context, q metrics.ExternalQuery) (metrics.ExternalValues, error) {
	k := key("external", q.Subdomain, q.Namespace, q.Metric, selectorKey(q.MetricSelector))
	val, err := c.fetch(ctx, metrics.ExternalAPI, k, func(ctx context.Context) (any, error) {
		return c.inner.ExternalMetric(ctx, q)
	})
	if err != nil {
		return metrics.ExternalValues{}, err
	}
	return val.(metrics.ExternalValues).Clone(), nil
}

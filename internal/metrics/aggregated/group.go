package aggregated

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/flowcontrol"

	"github.com/mhpa-dev/mhpa/internal/metrics"
	"github.com/mhpa-dev/mhpa/internal/metrics/breaker"
)

// group holds what is kept per API group: its discovered version, rate
// limiter, request slots and circuit breaker.
type group struct {
	c         *Client
	name      string
	subdomain string
	api       metrics.API
	opts      GroupOptions
	limiter   flowcontrol.RateLimiter
	slots     chan struct{}
	breaker   *breaker.Breaker

	// discovery state, guarded by c.mu
	found    *discovered
	failedAt time.Time // last discovery that failed without an answer
}

// discovered is the answer of one discovery of a group.
type discovered struct {
	// version is the version to use; empty when err is set.
	version string
	// err is a *metrics.GroupNotServedError or *metrics.NoSupportedVersionError.
	err error
	// at is when the answer came.
	at time.Time
}

// group returns the state of the group api and subdomain name, creating it on first use.
func (c *Client) group(api metrics.API, subdomain string) *group {
	name := metrics.GroupName(api, subdomain)
	c.mu.Lock()
	defer c.mu.Unlock()
	if g, ok := c.groups[name]; ok {
		return g
	}
	opts := c.opts.Defaults
	if o, ok := c.opts.Groups[name]; ok {
		opts = o.withDefaults(c.opts.Defaults)
	}
	g := &group{
		c:         c,
		name:      name,
		subdomain: subdomain,
		api:       api,
		opts:      opts,
		limiter:   flowcontrol.NewTokenBucketRateLimiter(opts.QPS, opts.Burst),
		slots:     make(chan struct{}, opts.MaxInFlight),
	}
	g.breaker = breaker.New(breaker.Options{
		FailureThreshold: opts.FailureThreshold,
		CoolDown:         opts.CoolDown,
		Clock:            c.opts.Clock,
		OnStateChange: func(to breaker.State) {
			c.inst.circuit.WithLabelValues(name).Set(circuitValue(to))
			c.opts.Logger.Info("Circuit breaker of metrics API group changed state", "group", name, "state", to.String())
		},
	})
	c.inst.circuit.WithLabelValues(name).Set(0)
	c.inst.inFlight.WithLabelValues(name).Set(0)
	c.groups[name] = g
	return g
}

// version returns the version of the group to send requests to, discovering
// it when the cached answer is too old. With rediscover set, the cached
// answer is only kept when it is younger than MinRediscoveryInterval (used
// after a not-found answer, which may mean the group went away).
func (g *group) version(ctx context.Context, rediscover bool) (string, error) {
	c := g.c
	now := c.opts.Clock.Now()
	c.mu.Lock()
	found, failedAt := g.found, g.failedAt
	c.mu.Unlock()
	if found != nil {
		age := now.Sub(found.at)
		maxAge := c.opts.DiscoveryTTL
		if found.err != nil {
			maxAge = c.opts.NotServedTTL
		}
		if rediscover {
			maxAge = min(maxAge, c.opts.MinRediscoveryInterval)
		}
		recentFailure := failedAt.After(found.at) && now.Sub(failedAt) < c.opts.MinRediscoveryInterval
		if age < maxAge || recentFailure {
			return found.version, found.err
		}
	}
	ch := c.discoveryFlight.DoChan(g.name, func() (any, error) {
		return g.discover(context.WithoutCancel(ctx))
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return "", r.Err
		}
		d := r.Val.(*discovered)
		return d.version, d.err
	case <-ctx.Done():
		return "", &metrics.GroupError{Subdomain: g.subdomain, Group: g.name,
			Err: fmt.Errorf("waiting for discovery of the group: %w", ctx.Err())}
	}
}

// discover reads /apis/<group> and stores the answer. When the API server
// gives none (a transport error, a timeout, a 5xx), the previous answer is
// kept and returned; without one the error is returned.
func (g *group) discover(ctx context.Context) (*discovered, error) {
	c := g.c
	ctx, cancel := context.WithTimeout(ctx, g.opts.RequestTimeout)
	defer cancel()
	body, err := c.rest.Get().AbsPath("/apis", g.name).MaxRetries(0).Do(ctx).Raw()
	now := c.opts.Clock.Now()

	var d *discovered
	switch {
	case apierrors.IsNotFound(err):
		d = &discovered{err: &metrics.GroupNotServedError{Subdomain: g.subdomain, Group: g.name}, at: now}
		c.inst.discoveries.WithLabelValues(g.name, ReasonNotServed).Inc()
	case err != nil:
		c.inst.discoveries.WithLabelValues(g.name, "error").Inc()
		c.mu.Lock()
		g.failedAt = now
		prev := g.found
		c.mu.Unlock()
		if prev != nil {
			return prev, nil
		}
		return nil, &metrics.GroupError{Subdomain: g.subdomain, Group: g.name,
			Err: fmt.Errorf("discovery of the group failed: %w", err)}
	default:
		var apiGroup metav1.APIGroup
		if err := json.Unmarshal(body, &apiGroup); err != nil {
			c.inst.discoveries.WithLabelValues(g.name, "error").Inc()
			return nil, &metrics.GroupError{Subdomain: g.subdomain, Group: g.name,
				Err: fmt.Errorf("decoding the discovery document of the group: %w", err)}
		}
		d = g.chooseVersion(&apiGroup, now)
		if d.err != nil {
			c.inst.discoveries.WithLabelValues(g.name, ReasonUnsupported).Inc()
		} else {
			c.inst.discoveries.WithLabelValues(g.name, "served").Inc()
		}
	}

	c.mu.Lock()
	prev := g.found
	g.found = d
	c.mu.Unlock()
	if prev == nil || prev.version != d.version {
		c.opts.Logger.V(2).Info("Discovered metrics API group", "group", g.name, "version", d.version, "error", d.err)
	}
	return d, nil
}

// chooseVersion picks the most preferred supported version the group serves.
func (g *group) chooseVersion(apiGroup *metav1.APIGroup, now time.Time) *discovered {
	served := make([]string, 0, len(apiGroup.Versions))
	for _, v := range apiGroup.Versions {
		served = append(served, v.Version)
	}
	supported := g.api.Versions()
	for _, v := range supported {
		if slices.Contains(served, v) {
			return &discovered{version: v, at: now}
		}
	}
	if len(served) == 0 {
		return &discovered{err: &metrics.GroupNotServedError{Subdomain: g.subdomain, Group: g.name}, at: now}
	}
	return &discovered{err: &metrics.NoSupportedVersionError{
		Subdomain: g.subdomain, Group: g.name, Served: served, Supported: supported,
	}, at: now}
}

// send sends one GET request to /apis/<group>/<version>/<path built by build>,
// within the group's limits, and returns the body of the answer.
func (g *group) send(ctx context.Context, version string, build func(*rest.Request) *rest.Request) ([]byte, error) {
	c := g.c
	ticket, err := g.breaker.Allow()
	if err != nil {
		var open *breaker.OpenError
		errors.As(err, &open)
		c.inst.errors.WithLabelValues(g.name, ReasonCircuitOpen).Inc()
		return nil, &metrics.CircuitOpenError{Subdomain: g.subdomain, Group: g.name, Failures: open.Failures, RetryAt: open.RetryAt}
	}
	if err := g.acquireSlot(ctx); err != nil {
		ticket.Done(breaker.Ignored)
		return nil, err
	}
	defer func() { <-g.slots }()
	if err := g.limiter.Wait(ctx); err != nil {
		ticket.Done(breaker.Ignored)
		c.inst.errors.WithLabelValues(g.name, ReasonRateLimited).Inc()
		return nil, &metrics.GroupError{Subdomain: g.subdomain, Group: g.name,
			Err: fmt.Errorf("waiting for the client rate limit (%g QPS, burst %d): %w", g.opts.QPS, g.opts.Burst, err)}
	}

	reqCtx, cancel := context.WithTimeout(ctx, g.opts.RequestTimeout)
	defer cancel()
	inFlight := c.inst.inFlight.WithLabelValues(g.name)
	inFlight.Inc()
	start := time.Now()
	result := build(c.rest.Get().AbsPath("/apis", g.name, version)).MaxRetries(0).Do(reqCtx)
	elapsed := time.Since(start)
	inFlight.Dec()
	var code int
	result.StatusCode(&code)
	body, err := result.Raw()
	if err != nil {
		// Raw keeps only a generic error; Error decodes the Status the server sent (e.g. the
		// 403 that says which permission the controller lacks).
		err = result.Error()
	}

	outcome, codeLabel, reason := classify(ctx, reqCtx, code, err)
	ticket.Done(outcome)
	c.inst.requests.WithLabelValues(g.name, codeLabel).Inc()
	c.inst.duration.WithLabelValues(g.name).Observe(elapsed.Seconds())
	if err == nil {
		return body, nil
	}
	c.inst.errors.WithLabelValues(g.name, reason).Inc()
	if reason == ReasonTimeout {
		return nil, &metrics.RequestTimeoutError{Subdomain: g.subdomain, Group: g.name, Timeout: g.opts.RequestTimeout}
	}
	return nil, &metrics.GroupError{Subdomain: g.subdomain, Group: g.name, Err: err}
}

// acquireSlot takes one of the group's request slots, waiting at most
// SlotWait (or until ctx ends).
func (g *group) acquireSlot(ctx context.Context) error {
	select {
	case g.slots <- struct{}{}:
		return nil
	default:
	}
	start := time.Now()
	waitCtx, cancel := context.WithTimeout(ctx, g.opts.SlotWait)
	defer cancel()
	select {
	case g.slots <- struct{}{}:
		return nil
	case <-waitCtx.Done():
		g.c.inst.errors.WithLabelValues(g.name, ReasonNoSlot).Inc()
		return &metrics.ConcurrencyLimitError{Subdomain: g.subdomain, Group: g.name,
			Limit: g.opts.MaxInFlight, Waited: time.Since(start)}
	}
}

// classify tells what a request's result says about the server: the
// breaker outcome, the code label and, for an error, the reason label.
func classify(parent, reqCtx context.Context, code int, err error) (breaker.Outcome, string, string) {
	if err == nil {
		if code == 0 {
			code = http.StatusOK
		}
		return breaker.Success, strconv.Itoa(code), ""
	}
	var status apierrors.APIStatus
	if errors.As(err, &status) && status.Status().Code != 0 {
		c := int(status.Status().Code)
		label := strconv.Itoa(c)
		switch {
		case c >= 500 || c == http.StatusTooManyRequests:
			return breaker.Failure, label, ReasonServerError
		case c == http.StatusNotFound:
			return breaker.Success, label, ReasonNotFound
		default:
			return breaker.Success, label, ReasonClientError
		}
	}
	if parent.Err() != nil {
		return breaker.Ignored, "canceled", ReasonCanceled
	}
	if reqCtx.Err() != nil {
		return breaker.Failure, "timeout", ReasonTimeout
	}
	return breaker.Failure, "transport", ReasonTransport
}

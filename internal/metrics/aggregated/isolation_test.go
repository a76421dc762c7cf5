package aggregated

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/mhpa-dev/mhpa/internal/metrics"
)

// gate is a handler that holds requests until it is opened, then answers
// obj. Held requests end when their client gives up. entered receives one
// value per request that arrives.
type gate struct {
	entered chan struct{}
	open    chan struct{}
	once    sync.Once
	obj     any
}

func newGate(t *testing.T, obj any) *gate {
	g := &gate{entered: make(chan struct{}, 100), open: make(chan struct{}), obj: obj}
	t.Cleanup(g.release) // runs before the server closes
	return g
}

func (g *gate) release() { g.once.Do(func() { close(g.open) }) }

func (g *gate) handle(w http.ResponseWriter, r *http.Request) {
	g.entered <- struct{}{}
	select {
	case <-g.open:
		writeJSON(w, http.StatusOK, g.obj)
	case <-r.Context().Done():
	}
}

// waitEntered waits until n requests have arrived at the gate.
func (g *gate) waitEntered(t *testing.T, n int) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for range n {
		select {
		case <-g.entered:
		case <-deadline:
			t.Fatalf("timed out waiting for %d requests to arrive", n)
		}
	}
}

func externalQuery(subdomain string) metrics.ExternalQuery {
	return metrics.ExternalQuery{Subdomain: subdomain, Namespace: "ns", Metric: "m"}
}

// TestRequestTimeout checks that a hanging server is given up on after the
// group's request timeout, and that timeouts open the circuit.
func TestRequestTimeout(t *testing.T) {
	f := newFakeAggregator(t)
	reg := prometheus.NewRegistry()
	group := "slow.external.metrics.k8s.io"
	g := newGate(t, externalList(group, "1"))
	f.register(group, []string{"v1beta1"}, g.handle)
	c := newTestClient(t, f, Options{Registerer: reg,
		Defaults: GroupOptions{RequestTimeout: 200 * time.Millisecond, FailureThreshold: 2}})
	ctx := t.Context()

	for i := range 2 {
		start := time.Now()
		_, err := c.ExternalMetric(ctx, externalQuery("slow"))
		elapsed := time.Since(start)
		t.Logf("call %d: %v after %v", i, err, elapsed)
		var timeout *metrics.RequestTimeoutError
		if !errors.As(err, &timeout) {
			t.Fatalf("call %d: want *RequestTimeoutError, got %T %v", i, err, err)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("call %d: want the error to be context.DeadlineExceeded", i)
		}
		if want := `subdomain "slow": API group slow.external.metrics.k8s.io: request timed out after 200ms`; err.Error() != want {
			t.Errorf("call %d: error text\nwant %s\ngot  %s", i, want, err)
		}
		if elapsed > 10*time.Second {
			t.Errorf("call %d: took %v, the timeout is 200ms", i, elapsed)
		}
	}
	// Two consecutive timeouts opened the circuit: the next call fails fast
	// without a request.
	before := f.count("/apis/" + group + "/")
	_, err := c.ExternalMetric(ctx, externalQuery("slow"))
	var open *metrics.CircuitOpenError
	if !errors.As(err, &open) {
		t.Fatalf("after 2 timeouts: want *CircuitOpenError, got %v", err)
	}
	if after := f.count("/apis/" + group + "/"); after != before {
		t.Errorf("an open circuit sent a request (%d before, %d after)", before, after)
	}
	if v := metricValue(t, reg, MetricRequests, map[string]string{"group": group, "code": "timeout"}); v != 2 {
		t.Errorf("want 2 requests counted with code timeout, got %v", v)
	}
	if v := metricValue(t, reg, MetricErrors, map[string]string{"group": group, "reason": ReasonCircuitOpen}); v != 1 {
		t.Errorf("want 1 circuit_open error counted, got %v", v)
	}
	if v := metricValue(t, reg, MetricCircuitState, map[string]string{"group": group}); v != 2 {
		t.Errorf("want circuit state 2 (open), got %v", v)
	}
}

// TestConcurrencyLimit checks the bound on requests in flight per group:
// callers beyond it wait at most SlotWait (or their context) and fail with a
// clear error, other groups are not affected, and freed slots are reused.
func TestConcurrencyLimit(t *testing.T) {
	f := newFakeAggregator(t)
	reg := prometheus.NewRegistry()
	busy := "busy.external.metrics.k8s.io"
	g := newGate(t, externalList(busy, "1"))
	f.register(busy, []string{"v1beta1"}, g.handle)
	f.register(metrics.ExternalGroup, []string{"v1beta1"}, answer(externalList(metrics.ExternalGroup, "2")))
	c := newTestClient(t, f, Options{Registerer: reg,
		Defaults: GroupOptions{MaxInFlight: 2, SlotWait: 100 * time.Millisecond, RequestTimeout: time.Minute}})
	ctx := t.Context()

	var wg sync.WaitGroup
	held := make(chan error, 2)
	for range 2 {
		wg.Go(func() {
			_, err := c.ExternalMetric(ctx, externalQuery("busy"))
			held <- err
		})
	}
	g.waitEntered(t, 2)
	if v := metricValue(t, reg, MetricInFlight, map[string]string{"group": busy}); v != 2 {
		t.Errorf("want 2 requests in flight, got %v", v)
	}

	start := time.Now()
	_, err := c.ExternalMetric(ctx, externalQuery("busy"))
	t.Logf("third call: %v after %v", err, time.Since(start))
	var limit *metrics.ConcurrencyLimitError
	if !errors.As(err, &limit) {
		t.Fatalf("third call: want *ConcurrencyLimitError, got %T %v", err, err)
	}
	if !strings.HasPrefix(err.Error(), `subdomain "busy": API group busy.external.metrics.k8s.io: all 2 request slots are busy, none freed within `) {
		t.Errorf("third call: unexpected error text %q", err)
	}
	if limit.Waited < 100*time.Millisecond {
		t.Errorf("third call waited %v, want at least SlotWait (100ms)", limit.Waited)
	}

	shortCtx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	start = time.Now()
	_, err = c.ExternalMetric(shortCtx, externalQuery("busy"))
	if !errors.As(err, &limit) {
		t.Fatalf("caller with a 20ms context: want *ConcurrencyLimitError, got %v", err)
	}
	if limit.Waited >= 100*time.Millisecond {
		t.Errorf("caller with a 20ms context waited %v, want less than SlotWait", limit.Waited)
	}
	t.Logf("caller with a 20ms context failed after %v", time.Since(start))

	if _, err := c.ExternalMetric(ctx, externalQuery("")); err != nil {
		t.Errorf("the default group while busy's slots are full: %v", err)
	}
	if n := f.count("/apis/" + busy + "/v1beta1/"); n != 2 {
		t.Errorf("want only the 2 held requests sent to %s, got %d", busy, n)
	}

	g.release()
	wg.Wait()
	close(held)
	for err := range held {
		if err != nil {
			t.Errorf("held call: %v", err)
		}
	}
	if _, err := c.ExternalMetric(ctx, externalQuery("busy")); err != nil {
		t.Errorf("after the slots were freed: %v", err)
	}
	if v := metricValue(t, reg, MetricInFlight, map[string]string{"group": busy}); v != 0 {
		t.Errorf("want 0 requests in flight at the end, got %v", v)
	}
	if v := metricValue(t, reg, MetricErrors, map[string]string{"group": busy, "reason": ReasonNoSlot}); v != 2 {
		t.Errorf("want 2 no_slot errors counted, got %v", v)
	}
}

// switchHandler answers according to a mode that the test changes.
type switchHandler struct {
	mode atomic.Int32 // 0 ok, 1 fail with 500, 2 not found, 3 hold at gate
	ok   any
	gate *gate
}

func (s *switchHandler) handle(w http.ResponseWriter, r *http.Request) {
	switch s.mode.Load() {
	case 1:
		failWith(http.StatusInternalServerError)(w, r)
	case 2:
		failWith(http.StatusNotFound)(w, r)
	case 3:
		s.gate.handle(w, r)
	default:
		writeJSON(w, http.StatusOK, s.ok)
	}
}

// TestCircuitBreaker walks a group's circuit through open, half-open and
// closed on a fake clock.
func TestCircuitBreaker(t *testing.T) {
	f := newFakeAggregator(t)
	reg := prometheus.NewRegistry()
	clk := clocktesting.NewFakePassiveClock(t0)
	group := "flaky.external.metrics.k8s.io"
	h := &switchHandler{ok: externalList(group, "1"), gate: newGate(t, externalList(group, "1"))}
	f.register(group, []string{"v1beta1"}, h.handle)
	f.register(metrics.ExternalGroup, []string{"v1beta1"}, answer(externalList(metrics.ExternalGroup, "2")))
	c := newTestClient(t, f, Options{Registerer: reg, Clock: clk, DiscoveryTTL: time.Hour,
		Defaults: GroupOptions{FailureThreshold: 3, CoolDown: 30 * time.Second}})
	ctx := t.Context()
	sent := func() int { return f.count("/apis/" + group + "/v1beta1/") }
	state := func() float64 { return metricValue(t, reg, MetricCircuitState, map[string]string{"group": group}) }
	call := func() error {
		_, err := c.ExternalMetric(ctx, externalQuery("flaky"))
		return err
	}

	// Not-found answers are answers: they never open the circuit.
	h.mode.Store(2)
	for range 5 {
		if err := call(); !apierrors.IsNotFound(err) {
			t.Fatalf("want NotFound, got %v", err)
		}
	}
	if s := state(); s != 0 {
		t.Fatalf("after 5 not-found answers: want circuit state 0 (closed), got %v", s)
	}

	// Three server errors open it.
	h.mode.Store(1)
	for i := range 3 {
		if err := call(); !apierrors.IsInternalError(err) {
			t.Fatalf("failure %d: want an internal error, got %v", i, err)
		}
	}
	if s := state(); s != 2 {
		t.Fatalf("after 3 failures: want circuit state 2 (open), got %v", s)
	}
	n := sent()
	err := call()
	want := `subdomain "flaky": API group flaky.external.metrics.k8s.io: circuit breaker open after 3 consecutive failures, requests fail fast until 2026-03-01T12:00:30Z`
	if err == nil || err.Error() != want {
		t.Fatalf("open circuit: error text\nwant %s\ngot  %v", want, err)
	}
	if sent() != n {
		t.Errorf("an open circuit sent a request")
	}
	if _, err := c.ExternalMetric(ctx, externalQuery("")); err != nil {
		t.Errorf("default group while flaky's circuit is open: %v", err)
	}

	// Cool-down not over yet.
	clk.SetTime(t0.Add(29 * time.Second))
	var open *metrics.CircuitOpenError
	if err := call(); !errors.As(err, &open) {
		t.Fatalf("before the cool-down ends: want *CircuitOpenError, got %v", err)
	}

	// The probe fails: open again, with a new cool-down.
	clk.SetTime(t0.Add(30 * time.Second))
	if err := call(); !apierrors.IsInternalError(err) {
		t.Fatalf("failing probe: want the server's error, got %v", err)
	}
	if sent() != n+1 {
		t.Errorf("want exactly one probe request, got %d", sent()-n)
	}
	if err := call(); !errors.As(err, &open) || !open.RetryAt.Equal(t0.Add(60*time.Second)) {
		t.Fatalf("after the failed probe: want *CircuitOpenError until %v, got %v", t0.Add(60*time.Second), err)
	}

	// While a probe is in flight, other callers fail fast.
	clk.SetTime(t0.Add(60 * time.Second))
	h.mode.Store(3)
	probeDone := make(chan error, 1)
	go func() { probeDone <- call() }()
	h.gate.waitEntered(t, 1)
	if s := state(); s != 1 {
		t.Errorf("with the probe in flight: want circuit state 1 (half-open), got %v", s)
	}
	err = call()
	if want := `subdomain "flaky": API group flaky.external.metrics.k8s.io: circuit breaker half-open after 4 consecutive failures, a probe request is in flight`; err == nil || err.Error() != want {
		t.Errorf("with the probe in flight: error text\nwant %s\ngot  %v", want, err)
	}

	// The probe succeeds: closed again.
	h.gate.release()
	if err := <-probeDone; err != nil {
		t.Fatalf("succeeding probe: %v", err)
	}
	h.mode.Store(0)
	if s := state(); s != 0 {
		t.Errorf("after the probe succeeded: want circuit state 0 (closed), got %v", s)
	}
	for range 3 {
		if err := call(); err != nil {
			t.Errorf("closed circuit: %v", err)
		}
	}
}

// TestGroupsAreIsolated checks that a hanging server of one group does not
// delay a concurrent query of another group.
func TestGroupsAreIsolated(t *testing.T) {
	f := newFakeAggregator(t)
	tenant := "tenant-a.external.metrics.k8s.io"
	g := newGate(t, externalList(tenant, "1"))
	f.register(tenant, []string{"v1beta1"}, g.handle)
	f.register(metrics.ExternalGroup, []string{"v1beta1"}, answer(externalList(metrics.ExternalGroup, "2")))
	c := newTestClient(t, f, Options{Defaults: GroupOptions{RequestTimeout: time.Minute}})
	ctx := t.Context()

	hungDone := make(chan struct{})
	go func() {
		defer close(hungDone)
		_, _ = c.ExternalMetric(ctx, externalQuery("tenant-a"))
	}()
	g.waitEntered(t, 1)
	start := time.Now()
	got, err := c.ExternalMetric(ctx, externalQuery(""))
	elapsed := time.Since(start)
	if err != nil {
		t.Fatalf("default group: %v", err)
	}
	if got.MilliValues[0] != 2000 {
		t.Errorf("default group: want 2000, got %v", got.MilliValues)
	}
	select {
	case <-hungDone:
		t.Fatal("the tenant-a query ended before the default one was checked; the test proves nothing")
	default:
	}
	t.Logf("default-group query took %v while the tenant-a query hangs", elapsed)
}

// TestRateLimitPerGroup checks that each group has its own client rate
// limiter: one group's exhausted budget does not slow another.
func TestRateLimitPerGroup(t *testing.T) {
	f := newFakeAggregator(t)
	reg := prometheus.NewRegistry()
	tenant := "tenant-a.external.metrics.k8s.io"
	f.register(tenant, []string{"v1beta1"}, answer(externalList(tenant, "1")))
	f.register(metrics.ExternalGroup, []string{"v1beta1"}, answer(externalList(metrics.ExternalGroup, "2")))
	c := newTestClient(t, f, Options{Registerer: reg, Groups: map[string]GroupOptions{tenant: {QPS: 0.5, Burst: 1}}})
	ctx := t.Context()

	if _, err := c.ExternalMetric(ctx, externalQuery("tenant-a")); err != nil {
		t.Fatalf("first tenant-a call: %v", err)
	}
	shortCtx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	_, err := c.ExternalMetric(shortCtx, externalQuery("tenant-a"))
	if err == nil || !strings.Contains(err.Error(), "waiting for the client rate limit (0.5 QPS, burst 1)") {
		t.Fatalf("second tenant-a call: want a rate limit error, got %v", err)
	}
	start := time.Now()
	for i := range 50 {
		if _, err := c.ExternalMetric(ctx, externalQuery("")); err != nil {
			t.Fatalf("default group call %d: %v", i, err)
		}
	}
	t.Logf("50 default-group calls took %v while tenant-a is throttled", time.Since(start))
	if v := metricValue(t, reg, MetricErrors, map[string]string{"group": tenant, "reason": ReasonRateLimited}); v != 1 {
		t.Errorf("want 1 rate_limited error counted, got %v", v)
	}
	if v := metricValue(t, reg, MetricRequests, map[string]string{"group": metrics.ExternalGroup, "code": "200"}); v != 50 {
		t.Errorf("want 50 requests with code 200 counted for the default group, got %v", v)
	}
	if v := metricValue(t, reg, MetricRequestDuration, map[string]string{"group": metrics.ExternalGroup}); v != 50 {
		t.Errorf("want 50 durations observed for the default group, got %v", v)
	}
	if v := metricValue(t, reg, MetricDiscoveries, map[string]string{"group": tenant, "result": "served"}); v != 1 {
		t.Errorf("want 1 discovery of %s, got %v", tenant, v)
	}
}

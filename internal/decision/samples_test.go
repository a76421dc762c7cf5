package decision

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/behavior"
	"github.com/mhpa-dev/mhpa/internal/replicas"
)

// This file checks that decisions made from the compact, persisted history (runs of
// recommendations in the status) equal, step by step, the decisions of upstream's HPA
// controller, which keeps one timestamped sample per reconcile in memory. sampleModel is a
// reference written after upstream's horizontal.go (recordInitialRecommendation,
// stabilizeRecommendation, stabilizeRecommendationWithBehaviors, convertDesiredReplicasWith*,
// storeScaleEvent): it keeps every sample and event in upstream's slots, reusing the slot of an
// outdated one as upstream does. Two idealizations make it deterministic:
//
//   - Every clock reading of one reconcile is the reconcile's time, and the sample and event
//     times are rounded up to whole seconds, as the API keeps them (mhpa's history must survive
//     the status). The rounding is the one documented difference from upstream's clock.
//   - Every sample is made before any later reconcile reads the clock, so a zero window holds
//     none of them, even one whose rounded time is not before the reconcile.

// stamp is the time a sample or event made at t is kept with: t rounded up to a whole second.
func stamp(t time.Time) time.Time {
	s := t.Truncate(time.Second)
	if s.Before(t) {
		s = s.Add(time.Second)
	}
	return s
}

type sample struct {
	at time.Time
	n  int32
}

type scaleEvent struct {
	at       time.Time
	n        int32
	outdated bool
}

// modelRules are one direction's scaling rules with upstream's defaults filled in.
type modelRules struct {
	window   time.Duration
	selected v2.ScalingPolicySelect
	policies []v2.HPAScalingPolicy
}

func resolveRules(r *v2.HPAScalingRules, up bool, flagWindow time.Duration) modelRules {
	out := modelRules{selected: v2.MaxChangePolicySelect}
	if up {
		out.policies = []v2.HPAScalingPolicy{{Type: v2.PodsScalingPolicy, Value: 4, PeriodSeconds: 15}, {Type: v2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15}}
	} else {
		out.window = flagWindow
		out.policies = []v2.HPAScalingPolicy{{Type: v2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15}}
	}
	if r == nil {
		return out
	}
	if r.StabilizationWindowSeconds != nil {
		out.window = time.Duration(*r.StabilizationWindowSeconds) * time.Second
	}
	if r.SelectPolicy != nil {
		out.selected = *r.SelectPolicy
	}
	if r.Policies != nil {
		out.policies = r.Policies
	}
	return out
}

// sampleModel is upstream's controller state for one autoscaler.
type sampleModel struct {
	samples  []sample // nil until the autoscaler is first seen
	up, down []scaleEvent
}

// modelOutcome is what the reference decides in one reconcile.
type modelOutcome struct {
	Recommended   bool
	Stabilized    int32
	Desired       int32
	Scale         bool
	Stabilization string
	Limit         string
}

type modelInput struct {
	now                time.Time
	current, min, max  int32
	recommendation     int32
	metricFails        bool
	behavior           *v2.HorizontalPodAutoscalerBehavior
	flagWindow         time.Duration
	lastDesired        int32
	scaleUpdateFailure bool
}

// reconcile is one reconcile of upstream's reconcileAutoscaler, from the recorded initial
// recommendation to the stored scale event.
func (m *sampleModel) reconcile(in modelInput) modelOutcome {
	if m.samples == nil {
		m.samples = []sample{{stamp(in.now), in.current}}
	}
	var out modelOutcome
	switch {
	case in.current > in.max:
		out.Desired = in.max
	case in.current < in.min:
		out.Desired = in.min
	case in.metricFails:
		out.Desired = in.lastDesired
		return out
	default:
		out.Recommended = true
		rec := max(in.recommendation, 0)
		if in.behavior == nil {
			out.Stabilized = m.stabilizeLegacy(in.now, rec, in.flagWindow)
			out.Stabilization = "ReadyForNewScale"
			if out.Stabilized != rec {
				out.Stabilization = "ScaleDownStabilized"
			}
			out.Desired, out.Limit = legacyLimits(in.current, out.Stabilized, in.min, in.max)
		} else {
			up := resolveRules(in.behavior.ScaleUp, true, in.flagWindow)
			down := resolveRules(in.behavior.ScaleDown, false, in.flagWindow)
			var reason string
			out.Stabilized, reason = m.stabilize(in.now, in.current, rec, up.window, down.window)
			out.Stabilization = "ReadyForNewScale"
			if out.Stabilized != rec {
				out.Stabilization = reason
			}
			out.Desired, out.Limit = m.rateLimit(in.now, in.current, out.Stabilized, in.min, in.max, up, down)
		}
	}
	if out.Desired == in.current {
		return out
	}
	out.Scale = true
	if !in.scaleUpdateFailure && in.behavior != nil {
		if out.Desired > in.current {
			up := resolveRules(in.behavior.ScaleUp, true, in.flagWindow)
			m.up = storeModelEvent(m.up, in.now, out.Desired-in.current, up.policies)
		} else {
			down := resolveRules(in.behavior.ScaleDown, false, in.flagWindow)
			m.down = storeModelEvent(m.down, in.now, in.current-out.Desired, down.policies)
		}
	}
	return out
}

// record puts a new sample into the slot of the last old one, or appends it.
func (m *sampleModel) record(old int, at time.Time, n int32) {
	if old >= 0 {
		m.samples[old] = sample{stamp(at), n}
		return
	}
	m.samples = append(m.samples, sample{stamp(at), n})
}

// stabilizeLegacy is stabilizeRecommendation: the highest sample not older than the window.
func (m *sampleModel) stabilizeLegacy(now time.Time, rec int32, window time.Duration) int32 {
	cutoff := now.Add(-window)
	highest, old := rec, -1
	for i, s := range m.samples {
		if window <= 0 || s.at.Before(cutoff) {
			old = i
			continue
		}
		highest = max(highest, s.n)
	}
	m.record(old, now, rec)
	return highest
}

// stabilize is stabilizeRecommendationWithBehaviors: the current count brought within the
// lowest sample after the scale-up window's start and the highest after the scale-down
// window's.
func (m *sampleModel) stabilize(now time.Time, current, rec int32, upWindow, downWindow time.Duration) (int32, string) {
	upCutoff, downCutoff := now.Add(-upWindow), now.Add(-downWindow)
	lowest, highest, old := rec, rec, -1
	for i, s := range m.samples {
		if upWindow > 0 && s.at.After(upCutoff) {
			lowest = min(lowest, s.n)
		}
		if downWindow > 0 && s.at.After(downCutoff) {
			highest = max(highest, s.n)
		}
		if (upWindow <= 0 || s.at.Before(upCutoff)) && (downWindow <= 0 || s.at.Before(downCutoff)) {
			old = i
		}
	}
	m.record(old, now, rec)
	stabilized := min(max(current, lowest), highest)
	if rec >= current {
		return stabilized, "ScaleUpStabilized"
	}
	return stabilized, "ScaleDownStabilized"
}

func legacyLimits(current, desired, minReplicas, maxReplicas int32) (int32, string) {
	upLimit := int32(math.Max(2*float64(current), 4))
	allowed, reason := maxReplicas, "TooManyReplicas"
	if maxReplicas > upLimit {
		allowed, reason = upLimit, "ScaleUpLimit"
	}
	switch {
	case desired < minReplicas:
		return minReplicas, "TooFewReplicas"
	case desired > allowed:
		return allowed, reason
	}
	return desired, "DesiredWithinRange"
}

// changed sums the events after the start of a period ending now.
func changed(events []scaleEvent, now time.Time, periodSeconds int32) int32 {
	cutoff := now.Add(-time.Duration(periodSeconds) * time.Second)
	var sum int32
	for _, e := range events {
		if e.at.After(cutoff) {
			sum += e.n
		}
	}
	return sum
}

// policyLimit is calculateScaleUpLimitWithScalingRules and
// calculateScaleDownLimitWithBehaviors.
func (m *sampleModel) policyLimit(now time.Time, current int32, r modelRules, up bool) int32 {
	if r.selected == v2.DisabledPolicySelect {
		return current
	}
	// For a scale-up the most change is the highest count, for a scale-down the lowest.
	wantHighest := (r.selected != v2.MinChangePolicySelect) == up
	result := int32(math.MaxInt32)
	if wantHighest {
		result = math.MinInt32
	}
	for _, p := range r.policies {
		start := current - changed(m.up, now, p.PeriodSeconds) + changed(m.down, now, p.PeriodSeconds)
		var proposed int32
		switch {
		case up && p.Type == v2.PodsScalingPolicy:
			proposed = start + p.Value
		case up:
			proposed = int32(math.Ceil(float64(start) * (1 + float64(p.Value)/100)))
		case p.Type == v2.PodsScalingPolicy:
			proposed = start - p.Value
		default:
			proposed = int32(float64(start) * (1 - float64(p.Value)/100))
		}
		if wantHighest {
			result = max(result, proposed)
		} else {
			result = min(result, proposed)
		}
	}
	return result
}

// rateLimit is convertDesiredReplicasWithBehaviorRate.
func (m *sampleModel) rateLimit(now time.Time, current, desired, minReplicas, maxReplicas int32, up, down modelRules) (int32, string) {
	switch {
	case desired > current:
		limit := max(m.policyLimit(now, current, up, true), current)
		allowed, reason := maxReplicas, "TooManyReplicas"
		if maxReplicas > limit {
			allowed, reason = limit, "ScaleUpLimit"
		}
		if desired > allowed {
			return allowed, reason
		}
	case desired < current:
		limit := min(m.policyLimit(now, current, down, false), current)
		allowed, reason := minReplicas, "TooFewReplicas"
		if minReplicas < limit {
			allowed, reason = limit, "ScaleDownLimit"
		}
		if desired < allowed {
			return allowed, reason
		}
	}
	return desired, "DesiredWithinRange"
}

// storeModelEvent is storeScaleEvent: events older than the direction's longest policy
// period are marked outdated (for good), and the new event takes the slot of the last
// outdated one, or is appended.
func storeModelEvent(events []scaleEvent, now time.Time, n int32, policies []v2.HPAScalingPolicy) []scaleEvent {
	var longest int32
	for _, p := range policies {
		longest = max(longest, p.PeriodSeconds)
	}
	cutoff := now.Add(-time.Duration(longest) * time.Second)
	slot := -1
	for i := range events {
		if longest <= 0 || events[i].at.Before(cutoff) {
			events[i].outdated = true
		}
		if events[i].outdated {
			slot = i
		}
	}
	e := scaleEvent{at: stamp(now), n: n}
	if slot >= 0 {
		events[slot] = e
		return events
	}
	return append(events, e)
}

// scenario is a random autoscaler and a sequence of reconciles.
type scenario struct {
	min, max   int32
	current    int32
	behavior   *v2.HorizontalPodAutoscalerBehavior
	flagWindow time.Duration
	start      time.Time
	steps      []step
}

type step struct {
	gap            time.Duration
	recommendation int32
	metricFails    bool
	// manual is a replica count someone else sets on the target before the reconcile (0
	// for none).
	manual             int32
	scaleUpdateFailure bool
}

// byteSource hands out the bytes of a fuzz input, then zeros.
type byteSource struct {
	b []byte
}

func (r *byteSource) next() int {
	if len(r.b) == 0 {
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return int(v)
}

func (r *byteSource) empty() bool { return len(r.b) == 0 }

// windows are the stabilization windows a scenario picks from: zero, shorter than, equal to
// and longer than the usual 15-second sync period, and the defaults.
var windows = []int32{0, 1, 10, 15, 16, 30, 45, 60, 120, 300}

func pickWindow(r *byteSource) *int32 {
	v := r.next()
	switch {
	case v < 40:
		return nil
	case v < 200:
		return ptr.To(windows[v%len(windows)])
	}
	return ptr.To(int32(v % 200))
}

func pickRules(r *byteSource) *v2.HPAScalingRules {
	if r.next()%4 == 0 {
		return nil
	}
	rules := &v2.HPAScalingRules{StabilizationWindowSeconds: pickWindow(r)}
	switch r.next() % 8 {
	case 0, 1:
	case 2:
		rules.SelectPolicy = ptr.To(v2.MinChangePolicySelect)
	case 3:
		if r.next()%4 == 0 {
			rules.SelectPolicy = ptr.To(v2.DisabledPolicySelect)
		}
	default:
		rules.SelectPolicy = ptr.To(v2.MaxChangePolicySelect)
	}
	if n := r.next() % 5; n > 0 {
		rules.Policies = []v2.HPAScalingPolicy{}
		for range n - 1 {
			p := v2.HPAScalingPolicy{Type: v2.PodsScalingPolicy, Value: int32(1 + r.next()%6), PeriodSeconds: int32(1 + r.next()%120)}
			if r.next()%2 == 0 {
				p.Type, p.Value = v2.PercentScalingPolicy, int32(1+r.next()%200)
			}
			rules.Policies = append(rules.Policies, p)
		}
	}
	return rules
}

// decodeScenario turns a fuzz input into a scenario. Every input is a valid scenario.
func decodeScenario(data []byte) scenario {
	r := &byteSource{b: data}
	s := scenario{start: time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)}
	if r.next()%2 == 1 {
		s.start = s.start.Add(time.Duration(r.next()) * 3900 * time.Microsecond)
	}
	s.min = int32(1 + r.next()%3)
	s.max = s.min + int32(r.next()%20)
	s.flagWindow = time.Duration(windows[r.next()%len(windows)]) * time.Second
	if r.next()%3 != 0 {
		s.behavior = &v2.HorizontalPodAutoscalerBehavior{ScaleUp: pickRules(r), ScaleDown: pickRules(r)}
	}
	s.current = int32(1 + r.next()%int(s.max+2))
	for len(s.steps) < 300 && !r.empty() {
		var st step
		switch g := r.next(); {
		case g < 100:
			st.gap = 15 * time.Second
		case g < 160:
			st.gap = time.Duration(g-100) * time.Second
		case g < 200:
			st.gap = time.Duration(r.next()) * 4 * time.Second
		case g < 240:
			st.gap = time.Duration(r.next())*time.Second + time.Duration(r.next())*3900*time.Microsecond
		default:
			st.gap = time.Duration(r.next()) * 3900 * time.Microsecond
		}
		switch a := r.next(); {
		case a < 12:
			st.metricFails = true
		case a < 20:
			st.manual = int32(1 + r.next()%int(s.max+3))
		}
		st.recommendation = int32(r.next() % int(s.max+6))
		st.scaleUpdateFailure = r.next()%16 == 0
		s.steps = append(s.steps, st)
	}
	return s
}

func (s scenario) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "min %d, max %d, current %d, flag window %s, start %s\n", s.min, s.max, s.current, s.flagWindow, s.start.Format(time.StampMicro))
	if s.behavior == nil {
		b.WriteString("no behavior\n")
	} else {
		raw, _ := json.Marshal(s.behavior)
		fmt.Fprintf(&b, "behavior %s\n", raw)
	}
	var at time.Duration
	for i, st := range s.steps {
		at += st.gap
		fmt.Fprintf(&b, "  %3d +%-12s rec %-3d", i, at, st.recommendation)
		if st.metricFails {
			b.WriteString(" metric fails")
		}
		if st.manual > 0 {
			fmt.Fprintf(&b, " manual scale to %d", st.manual)
		}
		if st.scaleUpdateFailure {
			b.WriteString(" scale update fails")
		}
		b.WriteString("\n")
	}
	return b.String()
}

var errScaleUpdate = errors.New("scale update failed")

// externalSpec is an autoscaler whose one metric, an external metric with an average target of
// 1, recommends exactly its value (the tolerance is zero).
func externalSpec(s scenario) *v2.HorizontalPodAutoscalerSpec {
	return &v2.HorizontalPodAutoscalerSpec{
		ScaleTargetRef: v2.CrossVersionObjectReference{Kind: "Deployment", Name: "app", APIVersion: "apps/v1"},
		MinReplicas:    ptr.To(s.min),
		MaxReplicas:    s.max,
		Behavior:       s.behavior,
		Metrics: []v2.MetricSpec{{Type: v2.ExternalMetricSourceType, External: &v2.ExternalMetricSource{
			Metric: v2.MetricIdentifier{Name: "queue"},
			Target: v2.MetricTarget{Type: v2.AverageValueMetricType, AverageValue: ptr.To(resource.MustParse("1"))},
		}}},
	}
}

// persist passes a history through its API form and JSON, as the status keeps it.
func persist(t testing.TB, h behavior.History) behavior.History {
	raw, err := json.Marshal(h.API())
	if err != nil {
		t.Fatal(err)
	}
	var back *v2.ScalingHistory
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	return behavior.FromAPI(back)
}

// checkScenario replays a scenario through Decide, as the controller runs it (the history
// persisted in the status, the last recommendation time kept in memory), and through the
// reference, and fails at the first step where they decide differently.
func checkScenario(t testing.TB, s scenario) {
	spec := externalSpec(s)
	config := Config{Tolerance: 0, DownscaleStabilizationWindow: s.flagWindow, Readiness: replicas.DefaultReadiness()}
	var (
		model       sampleModel
		hist        behavior.History
		lastRec     time.Time
		current     = s.current
		lastDesired = s.current
		now         = s.start
	)
	for i, st := range s.steps {
		now = now.Add(st.gap)
		if st.manual > 0 {
			current = st.manual
		}
		data := MetricData{Values: []int64{int64(st.recommendation) * 1000}}
		if st.metricFails {
			data = MetricData{Err: errors.New("metric unavailable")}
		}
		d := Decide(Input{Now: now, Config: config, Spec: spec, SpecReplicas: current, StatusReplicas: current,
			LastDesiredReplicas: lastDesired, Metrics: []MetricData{data}, History: hist, LastRecommendationTime: lastRec})
		want := model.reconcile(modelInput{now: now, current: current, min: s.min, max: s.max, recommendation: st.recommendation,
			metricFails: st.metricFails, behavior: s.behavior, flagWindow: s.flagWindow, lastDesired: lastDesired,
			scaleUpdateFailure: st.scaleUpdateFailure})
		got := modelOutcome{Recommended: d.Recommended, Desired: d.DesiredReplicas, Scale: d.Scale}
		if d.Recommended {
			got.Stabilized, got.Stabilization, got.Limit = d.Stabilized, d.Stabilization.Reason, d.Limit.Reason
		}
		if got != want {
			t.Fatalf("step %d at +%s (current %d): Decide %+v, upstream's samples %+v\nhistory before: %+v\nlast recommendation before: %s\nsamples after: %+v\nscenario:\n%s",
				i, now.Sub(s.start), current, got, want, hist, lastRec, model.samples, s)
		}
		if d.Scale {
			if st.scaleUpdateFailure {
				d = d.ScaleFailed(errScaleUpdate)
			} else {
				current = d.DesiredReplicas
			}
		}
		lastDesired, lastRec, hist = d.DesiredReplicas, d.LastRecommendationTime, persist(t, d.History)
	}
}

// seedScenarios are hand-made fuzz inputs (see decodeScenario for the encoding): steady
// syncs, a spike and a fall, windows shorter and longer than the sync period, irregular and
// sub-second gaps, metric failures, manual scales, failed scale updates, policies of both
// directions, disabled and unlimited directions.
func seedScenarios() [][]byte {
	// every15s appends reconciles 15 seconds apart recommending recs.
	every15s := func(header []byte, recs ...byte) []byte {
		out := append([]byte(nil), header...)
		for _, rec := range recs {
			out = append(out, 0, 50, rec, 1)
		}
		return out
	}
	spikeAndFall := []byte{5, 9, 9, 9, 5, 1, 9, 5, 3, 4, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2}
	return [][]byte{
		// No behavior: min 2, max 12, a 5-minute downscale window, 5 replicas.
		every15s([]byte{0, 1, 10, 9, 0, 4}, spikeAndFall...),
		// Min 1, max 20, 9 replicas; a 10s scale-up window (shorter than the sync period), a
		// 120s scale-down window, default policies.
		every15s([]byte{0, 0, 19, 9, 1, 1, 42, 4, 0, 1, 48, 0, 0, 8}, spikeAndFall...),
		// Start 300ms after a whole second; min 2, max 17, 7 replicas; no scale-up window with
		// 2 pods per 30s or 50% per 60s (MaxChange), a 45s scale-down window with MinChange of
		// the default policy. Irregular and sub-second gaps, a failing metric, a manual scale, a
		// failed scale update, two reconciles at the same instant.
		{1, 77, 1, 15, 7, 1, 1, 150, 5, 3, 1, 29, 1, 3, 59, 0, 49, 1, 46, 2, 0, 6,
			120, 50, 6, 1,
			245, 100, 50, 9, 1,
			220, 3, 200, 5, 4, 0,
			180, 25, 50, 2, 1,
			15, 13, 3, 10, 1,
			100, 50, 10, 16,
			159, 50, 1, 1,
			0, 50, 1, 1, 0, 50, 1, 1, 0, 50, 1, 1,
			190, 2, 50, 3, 1,
			250, 0, 50, 3, 1,
			250, 0, 50, 12, 1,
			0, 50, 1, 1, 0, 50, 1, 1},
		// Min 1, max 11, 4 replicas, 60s flag window; a 16s scale-up window with MinChange of
		// 2 pods per 120s or 100% per 90s; a 60s scale-down window with 1 pod per 100s: each
		// direction's limit counts the other's events over its longer periods.
		every15s([]byte{0, 0, 10, 7, 1, 1, 44, 2, 3, 1, 119, 1, 2, 89, 0, 99, 1, 47, 6, 2, 0, 99, 1, 3},
			10, 11, 11, 5, 5, 5, 2, 2, 11, 1, 1, 1, 1, 1, 1, 1, 1, 11, 11, 3, 3, 3, 3, 3),
		// Min 1, max 11, 5 replicas, no flag window; scale-up disabled with no policies, a 50s
		// scale-down window with MinChange and no policies (no limit).
		every15s([]byte{0, 0, 10, 0, 1, 1, 0, 3, 0, 1, 1, 250, 2, 1, 4},
			9, 9, 3, 3, 3, 3, 3, 1, 1, 1, 1, 8, 8),
	}
}

// TestStabilizationMatchesSamples replays random scenarios through Decide and through the
// reference of upstream's sample lists, and requires the same decision at every step.
func TestStabilizationMatchesSamples(t *testing.T) {
	for i, seed := range seedScenarios() {
		t.Run(fmt.Sprintf("seed %d", i), func(t *testing.T) { checkScenario(t, decodeScenario(seed)) })
	}
	rng := rand.New(rand.NewPCG(1, 2))
	runs := 3000
	if testing.Short() {
		runs = 300
	}
	for i := range runs {
		data := make([]byte, 16+rng.IntN(600))
		for j := range data {
			data[j] = byte(rng.Uint32())
		}
		s := decodeScenario(data)
		if t.Failed() {
			return
		}
		t.Run(fmt.Sprintf("random %d", i), func(t *testing.T) { checkScenario(t, s) })
	}
}

// FuzzStabilizationMatchesSamples is TestStabilizationMatchesSamples driven by the fuzzer:
// go test ./internal/decision -run '^$' -fuzz FuzzStabilizationMatchesSamples -fuzztime 1m
func FuzzStabilizationMatchesSamples(f *testing.F) {
	for _, seed := range seedScenarios() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkScenario(t, decodeScenario(data))
	})
}

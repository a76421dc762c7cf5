package shadow

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
)

// Summary is a comparison summed up at a time: over a window, from its runs, and since it
// began, from its totals.
type Summary struct {
	// ShadowMetric and ActiveMetric are the indexes of the two metrics in spec.metrics.
	ShadowMetric, ActiveMetric int
	// ShadowName and ActiveName name the two metrics and their metrics APIs.
	ShadowName, ActiveName string
	// Current is the outcome of the latest decision, and CurrentSince when it began.
	Current      v2.ShadowOutcome
	CurrentSince time.Time

	// Window is the window asked for; Covered is the part of it the runs cover (shorter when
	// the comparison is younger than the window, or more than MaxRuns runs fell in it).
	Window, Covered time.Duration
	// Agreed, Disagreed and Failed are the time of each outcome within Covered.
	Agreed, Disagreed, Failed time.Duration
	// WindowDisagreements counts the runs of disagreement within Covered.
	WindowDisagreements int

	// Since is when the comparison began.
	Since time.Time
	// TotalAgreed, TotalDisagreed and TotalFailed are the time of each outcome since Since.
	TotalAgreed, TotalDisagreed, TotalFailed time.Duration
	// Disagreements counts the runs of disagreement since Since.
	Disagreements int
	// LastDisagreement is the latest disagreement; nil if there was none.
	LastDisagreement *v2.ShadowDisagreement
}

// Summarize sums c up at now over the window (DefaultWindow when zero).
func Summarize(c *v2.ShadowComparison, now time.Time, window time.Duration) Summary {
	if window <= 0 {
		window = DefaultWindow
	}
	s := Summary{
		ShadowMetric: int(c.ShadowMetric), ActiveMetric: int(c.ActiveMetric),
		ShadowName: c.ShadowName, ActiveName: c.ActiveName,
		Window: window, Since: c.Since.Time,
		TotalAgreed:      time.Duration(c.AgreedSeconds) * time.Second,
		TotalDisagreed:   time.Duration(c.DisagreedSeconds) * time.Second,
		TotalFailed:      time.Duration(c.FailedSeconds) * time.Second,
		Disagreements:    int(c.Disagreements),
		LastDisagreement: c.LastDisagreement,
	}
	if len(c.Runs) == 0 {
		return s
	}
	open := c.Runs[len(c.Runs)-1]
	s.Current, s.CurrentSince = open.Outcome, open.Time.Time
	if d := now.Sub(open.Time.Time); d > 0 {
		*s.total(open.Outcome) += d
	}
	windowStart := now.Add(-window)
	for i, r := range c.Runs {
		start, end := r.Time.Time, now
		if i+1 < len(c.Runs) {
			end = c.Runs[i+1].Time.Time
		}
		if start.Before(windowStart) {
			start = windowStart
		}
		if !end.After(start) {
			continue
		}
		s.Covered += end.Sub(start)
		switch r.Outcome {
		case v2.ShadowAgree:
			s.Agreed += end.Sub(start)
		case v2.ShadowDisagree:
			s.Disagreed += end.Sub(start)
			s.WindowDisagreements++
		default:
			s.Failed += end.Sub(start)
		}
	}
	return s
}

// total returns the total of an outcome since the comparison began.
func (s *Summary) total(o v2.ShadowOutcome) *time.Duration {
	switch o {
	case v2.ShadowAgree:
		return &s.TotalAgreed
	case v2.ShadowDisagree:
		return &s.TotalDisagreed
	}
	return &s.TotalFailed
}

// AgreedFraction is the share of the covered window in which the two metrics agreed, from 0
// to 1; 0 when nothing is covered.
func (s *Summary) AgreedFraction() float64 { return fraction(s.Agreed, s.Covered) }

// TotalAgreedFraction is the share of the time since the comparison began in which the two
// metrics agreed.
func (s *Summary) TotalAgreedFraction() float64 {
	return fraction(s.TotalAgreed, s.TotalAgreed+s.TotalDisagreed+s.TotalFailed)
}

func fraction(part, whole time.Duration) float64 {
	if whole <= 0 {
		return 0
	}
	return float64(part) / float64(whole)
}

// String describes the summary in one line, for example "agreed 99.2% of the last 24h
// (disagreed 1 time, failed 0s); 99.8% of 3d2h since 2024-05-01T10:00:00Z; agreeing now since
// 2024-05-04T08:01:12Z".
func (s *Summary) String() string {
	var b strings.Builder
	if s.Covered > 0 {
		fmt.Fprintf(&b, "agreed %s of the last %s (disagreed %s, %s; failed %s)",
			percent(s.AgreedFraction()), duration(s.Covered), times(s.WindowDisagreements), duration(s.Disagreed), duration(s.Failed))
		if s.Covered < s.Window {
			fmt.Fprintf(&b, ", window %s", duration(s.Window))
		}
	} else {
		b.WriteString("not compared yet")
	}
	if total := s.TotalAgreed + s.TotalDisagreed + s.TotalFailed; total > s.Covered {
		fmt.Fprintf(&b, "; %s of %s since %s (disagreed %s)", percent(s.TotalAgreedFraction()), duration(total),
			s.Since.UTC().Format(time.RFC3339), times(s.Disagreements))
	}
	if s.Current != "" {
		fmt.Fprintf(&b, "; %s since %s", strings.ToLower(string(s.Current)), s.CurrentSince.UTC().Format(time.RFC3339))
	}
	if d := s.LastDisagreement; d != nil {
		fmt.Fprintf(&b, "; last disagreement %s: active proposed %d, shadow %d", d.Time.UTC().Format(time.RFC3339), d.ActiveReplicas, d.ShadowReplicas)
	}
	return b.String()
}

func percent(f float64) string { return strconv.FormatFloat(f*100, 'f', 1, 64) + "%" }

func times(n int) string {
	if n == 1 {
		return "1 time"
	}
	return strconv.Itoa(n) + " times"
}

// duration formats d to the second, without trailing zero units ("1h0m0s" is "1h").
func duration(d time.Duration) string {
	s := d.Round(time.Second).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// View is what `kubectl mhpa describe` shows for one shadow/active pair: both metrics' latest
// values and proposals, and how they compared.
type View struct {
	// Summary sums up the comparison.
	Summary
	// ActiveValue and ShadowValue are the metrics' current values from
	// status.currentMetrics, for example "45 (avg)", "40%" or "<unknown>".
	ActiveValue, ShadowValue string
	// ActiveProposal and ShadowProposal are the metrics' proposals from status.lastDecision:
	// a replica count, "failed: <why>", or "<unknown>".
	ActiveProposal, ShadowProposal string
}

// Views returns one View per comparison in hpa's status, summed up at now over the window
// (DefaultWindow when zero), in the order of status.shadowComparisons.
func Views(hpa *v2.HorizontalPodAutoscaler, now time.Time, window time.Duration) []View {
	st := &hpa.Status
	out := make([]View, 0, len(st.ShadowComparisons))
	for i := range st.ShadowComparisons {
		c := &st.ShadowComparisons[i]
		v := View{Summary: Summarize(c, now, window)}
		v.ActiveValue = currentValue(st.CurrentMetrics, int(c.ActiveMetric))
		v.ShadowValue = currentValue(st.CurrentMetrics, int(c.ShadowMetric))
		v.ActiveProposal = proposal(st.LastDecision, int(c.ActiveMetric))
		v.ShadowProposal = proposal(st.LastDecision, int(c.ShadowMetric))
		out = append(out, v)
	}
	return out
}

// Lines describes the view over a few lines, for describe's output.
func (v *View) Lines() []string {
	return []string{
		fmt.Sprintf("shadow %s (spec.metrics[%d]) vs active %s (spec.metrics[%d])", v.ShadowName, v.ShadowMetric, v.ActiveName, v.ActiveMetric),
		fmt.Sprintf("  values: active %s, shadow %s", v.ActiveValue, v.ShadowValue),
		fmt.Sprintf("  proposals: active %s, shadow %s", v.ActiveProposal, v.ShadowProposal),
		"  " + v.Summary.String(),
	}
}

const unknown = "<unknown>"

// currentValue formats the current value of metric i of statuses.
func currentValue(statuses []v2.MetricStatus, i int) string {
	if i < 0 || i >= len(statuses) {
		return unknown
	}
	st := &statuses[i]
	var cur *v2.MetricValueStatus
	switch {
	case st.PodResource != nil:
		cur = &st.PodResource.Current
	case st.ContainerResource != nil:
		cur = &st.ContainerResource.Current
	case st.Pods != nil:
		cur = &st.Pods.Current
	case st.Object != nil:
		cur = &st.Object.Current
	case st.External != nil:
		cur = &st.External.Current
	default:
		return unknown
	}
	switch {
	case cur.AverageUtilization != nil:
		return strconv.Itoa(int(*cur.AverageUtilization)) + "%"
	case cur.Value != nil:
		return cur.Value.String()
	case cur.AverageValue != nil:
		return cur.AverageValue.String() + " (avg)"
	}
	return unknown
}

// proposal formats metric i's proposal in the last decision.
func proposal(d *v2.ScalingDecision, i int) string {
	if d == nil || i < 0 || i >= len(d.Metrics) {
		return unknown
	}
	p := &d.Metrics[i]
	switch {
	case p.Replicas != nil:
		return strconv.Itoa(int(*p.Replicas))
	case p.Error != "":
		return "failed: " + p.Error
	}
	return unknown
}

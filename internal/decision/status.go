package decision

import (
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/replicas"
)

// CurrentMetrics is the decision's status.currentMetrics: one entry per metric of
// spec.metrics, in order; nil when no metric was computed.
func (d *Decision) CurrentMetrics() []v2.MetricStatus {
	if len(d.Metrics) == 0 {
		return nil
	}
	out := make([]v2.MetricStatus, len(d.Metrics))
	for i := range d.Metrics {
		out[i] = d.Metrics[i].Status()
	}
	return out
}

// ScalingDecision is the decision in the form of status.lastDecision, made at now.
func (d *Decision) ScalingDecision(now metav1.Time) v2.ScalingDecision {
	out := v2.ScalingDecision{
		Time:            now,
		CurrentReplicas: d.CurrentReplicas,
		DesiredReplicas: d.DesiredReplicas,
		Recommendation:  d.Recommendation,
		Message:         d.Summary(),
	}
	if d.Selected >= 0 {
		i := int32(d.Selected)
		out.SelectedMetric = &i
	}
	out.Limit = d.limitReason()
	if len(d.Metrics) > 0 {
		out.Metrics = make([]v2.MetricProposal, len(d.Metrics))
		for i := range d.Metrics {
			m := &d.Metrics[i]
			p := v2.MetricProposal{Name: m.Name(), Shadow: m.Shadow}
			if m.Err != nil {
				p.Error = m.Err.Error()
			} else {
				r := m.Result.Replicas
				p.Replicas = &r
			}
			out.Metrics[i] = p
		}
	}
	return out
}

// limitReason names the rule that changed the recommendation, if any: a limit that changed
// the stabilized count, else a stabilization window, else the state of the target.
func (d *Decision) limitReason() string {
	switch {
	case d.Limit.Applied:
		return d.Limit.Reason
	case d.Stabilization.Applied:
		return d.Stabilization.Reason
	}
	return ""
}

// Summary explains the decision in one sentence.
func (d *Decision) Summary() string {
	var b strings.Builder
	switch {
	case d.stateDecision:
		b.WriteString(d.RescaleReason)
		if d.Limit.Reason == ReasonScalingDisabled {
			b.WriteString(d.Limit.Message)
		}
	case !d.Recommended:
		fmt.Fprintf(&b, "no replica count could be computed: %v", d.Err)
		if d.Limit.Message != "" && d.Limit.Message != d.Err.Error() {
			fmt.Fprintf(&b, " (%s)", d.Limit.Message)
		}
		return b.String()
	default:
		fmt.Fprintf(&b, "%s proposed %d", d.Metrics[d.Selected].Description(), d.Recommendation)
		if d.Stabilization.Applied {
			fmt.Fprintf(&b, "; stabilized to %d: %s", d.Stabilized, d.Stabilization.Detail())
		}
		if d.Limit.Applied {
			fmt.Fprintf(&b, "; %s", d.Limit.Detail())
		}
	}
	if d.Scale {
		fmt.Fprintf(&b, "; scaling from %d to %d", d.CurrentReplicas, d.DesiredReplicas)
	} else {
		fmt.Fprintf(&b, "; keeping %d replicas", d.CurrentReplicas)
	}
	return b.String()
}

// Explain describes the decision over several lines: each metric's proposal, the
// recommendation, the stabilization, the limit and the result.
func (d *Decision) Explain() string {
	var b strings.Builder
	for i := range d.Metrics {
		m := &d.Metrics[i]
		tag := ""
		switch {
		case m.Shadow:
			tag = " (shadow)"
		case i == d.Selected:
			tag = " (selected)"
		}
		if m.Err != nil {
			fmt.Fprintf(&b, "metric %d %s%s: failed (%s): %v\n", i, m.Name(), tag, m.Reason, m.Err)
			continue
		}
		r := &m.Result
		fmt.Fprintf(&b, "metric %d %s%s: proposes %d replicas; usage ratio %.3f; %s", i, m.Name(), tag, r.Replicas, r.UsageRatio, r.Outcome)
		if p := r.Pods; p != (replicas.PodCounts{}) {
			fmt.Fprintf(&b, "; pods: %d ready, %d unready, %d missing, %d ignored, %d extra values", p.Ready, p.Unready, p.Missing, p.Ignored, p.Extra)
		}
		b.WriteByte('\n')
	}
	if d.Recommended {
		fmt.Fprintf(&b, "recommendation: %d replicas\n", d.Recommendation)
		if d.Stabilization.Applied {
			fmt.Fprintf(&b, "stabilization (%s): %d replicas: %s\n", d.Stabilization.Reason, d.Stabilized, d.Stabilization.Detail())
		}
	}
	if d.Limit.Applied {
		fmt.Fprintf(&b, "limit (%s): %s\n", d.Limit.Reason, d.Limit.Detail())
	}
	if d.Err != nil {
		fmt.Fprintf(&b, "error: %v\n", d.Err)
	}
	if d.Scale {
		fmt.Fprintf(&b, "result: scale from %d to %d replicas (%s)\n", d.CurrentReplicas, d.DesiredReplicas, d.RescaleReason)
	} else {
		fmt.Fprintf(&b, "result: keep %d replicas\n", d.CurrentReplicas)
	}
	return b.String()
}

// ApplyConditions returns the conditions of an autoscaler with the decision's conditions set,
// as upstream sets them: an existing condition is updated in place, a new one appended, and
// the last transition time set to now when the status changes. When nothing changes the
// existing slice itself is returned, so an unchanged status needs no write; otherwise a new
// slice is returned and existing is not modified.
func ApplyConditions(existing []v2.HorizontalPodAutoscalerCondition, updates []Condition, now metav1.Time) []v2.HorizontalPodAutoscalerCondition {
	changed := false
	for _, u := range updates {
		if i := conditionIndex(existing, u.Type); i < 0 || !sameCondition(&existing[i], &u) {
			changed = true
			break
		}
	}
	if !changed {
		return existing
	}
	out := make([]v2.HorizontalPodAutoscalerCondition, len(existing), len(existing)+len(updates))
	copy(out, existing)
	for _, u := range updates {
		i := conditionIndex(out, u.Type)
		if i < 0 {
			out = append(out, v2.HorizontalPodAutoscalerCondition{Type: u.Type})
			i = len(out) - 1
		}
		c := &out[i]
		if c.Status != u.Status {
			c.LastTransitionTime = now
		}
		c.Status, c.Reason, c.Message = u.Status, u.Reason, u.Message
	}
	return out
}

func conditionIndex(list []v2.HorizontalPodAutoscalerCondition, t v2.HorizontalPodAutoscalerConditionType) int {
	for i := range list {
		if list[i].Type == t {
			return i
		}
	}
	return -1
}

func sameCondition(c *v2.HorizontalPodAutoscalerCondition, u *Condition) bool {
	return c.Status == u.Status && c.Reason == u.Reason && c.Message == u.Message
}

package explain

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/behavior"
	"github.com/mhpa-dev/mhpa/internal/decision"
	"github.com/mhpa-dev/mhpa/internal/metrics"
	"github.com/mhpa-dev/mhpa/internal/shadow"
)

// Input is what a description is made of.
type Input struct {
	// HPA is the autoscaler, in autoscaling.mhpa.dev/v2, as the API server returns it (with
	// the API defaults applied).
	HPA *v2.HorizontalPodAutoscaler
	// Events are the events of the autoscaler, in any order.
	Events []corev1.Event
	// Now is the time ages are counted to.
	Now time.Time
}

const (
	none    = "<none>"
	unknown = "<unknown>"
)

// Describe returns the description of in.HPA.
func Describe(in Input) string {
	var b strings.Builder
	d := describer{in: in, hpa: in.HPA, w: &b}
	d.header()
	d.metrics()
	d.lastDecision()
	d.behavior()
	d.history()
	d.shadows()
	d.conditions()
	d.events()
	return b.String()
}

type describer struct {
	in  Input
	hpa *v2.HorizontalPodAutoscaler
	w   io.Writer
}

// section writes rows of key/value pairs aligned in columns, each row indented by indent
// spaces; a row of one cell is written as it is.
func (d *describer) section(rows [][]string) {
	tw := tabwriter.NewWriter(d.w, 0, 8, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	_ = tw.Flush()
}

func (d *describer) line(format string, args ...any) {
	fmt.Fprintf(d.w, format+"\n", args...)
}

// age formats the time since t as kubectl does ("5m", "2d3h"); unknown for a zero time.
func (d *describer) age(t time.Time) string {
	if t.IsZero() {
		return unknown
	}
	return duration.HumanDuration(d.in.Now.Sub(t))
}

func mapString(m map[string]string) string {
	if len(m) == 0 {
		return none
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, ", ")
}

// annotationsShown leaves out the annotation kubectl apply keeps the last applied object in.
func annotationsShown(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if k != corev1.LastAppliedConfigAnnotation {
			out[k] = v
		}
	}
	return out
}

func (d *describer) header() {
	h, st := d.hpa, &d.hpa.Status
	ref := h.Spec.ScaleTargetRef
	reference := ref.Kind + "/" + ref.Name
	if ref.APIVersion != "" {
		reference += " (" + ref.APIVersion + ")"
	}
	minReplicas := "1"
	if h.Spec.MinReplicas != nil {
		minReplicas = strconv.Itoa(int(*h.Spec.MinReplicas))
	}
	replicas := fmt.Sprintf("%d current, %d desired", st.CurrentReplicas, st.DesiredReplicas)
	if st.LastScaleTime != nil {
		replicas += fmt.Sprintf("; last scaled %s ago (%s)", d.age(st.LastScaleTime.Time), st.LastScaleTime.UTC().Format(time.RFC3339))
	} else {
		replicas += "; not scaled yet"
	}
	rows := [][]string{
		{"Name:", h.Name},
		{"Namespace:", h.Namespace},
		{"Labels:", mapString(h.Labels)},
		{"Annotations:", mapString(annotationsShown(h.Annotations))},
		{"Created:", fmt.Sprintf("%s ago (%s)", d.age(h.CreationTimestamp.Time), h.CreationTimestamp.UTC().Format(time.RFC3339))},
		{"Reference:", reference},
		{"Min replicas:", minReplicas},
		{"Max replicas:", strconv.Itoa(int(h.Spec.MaxReplicas))},
		{"Replicas:", replicas},
	}
	if st.ObservedGeneration != nil && h.Generation != 0 && *st.ObservedGeneration != h.Generation {
		rows = append(rows, []string{"Note:", fmt.Sprintf("the status describes generation %d of the spec, which is now at generation %d: the controller has not reconciled the latest change yet",
			*st.ObservedGeneration, h.Generation)})
	}
	d.section(rows)
}

// metricAPI returns the metrics API a metric is read from.
func metricAPI(m *v2.MetricSpec) (metrics.API, bool) {
	switch {
	case m.PodResource != nil, m.ContainerResource != nil:
		return metrics.ResourceAPI, true
	case m.Pods != nil, m.Object != nil:
		return metrics.CustomAPI, true
	case m.External != nil:
		return metrics.ExternalAPI, true
	}
	return 0, false
}

// target returns the metric's target.
func target(m *v2.MetricSpec) *v2.MetricTarget {
	switch {
	case m.PodResource != nil:
		return &m.PodResource.Target
	case m.ContainerResource != nil:
		return &m.ContainerResource.Target
	case m.Pods != nil:
		return &m.Pods.Target
	case m.Object != nil:
		return &m.Object.Target
	case m.External != nil:
		return &m.External.Target
	}
	return nil
}

func quantity(q *resource.Quantity) string {
	if q == nil {
		return unknown
	}
	return q.String()
}

// formatTarget words a target, for example "70% of request (Utilization)".
func formatTarget(t *v2.MetricTarget) string {
	if t == nil {
		return unknown
	}
	switch t.Type {
	case v2.UtilizationMetricType:
		if t.AverageUtilization == nil {
			return "Utilization, no averageUtilization set"
		}
		return fmt.Sprintf("%d%% of request (Utilization)", *t.AverageUtilization)
	case v2.AverageValueMetricType:
		return fmt.Sprintf("%s per pod (AverageValue)", quantity(t.AverageValue))
	case v2.ValueMetricType:
		return fmt.Sprintf("%s (Value)", quantity(t.Value))
	}
	return string(t.Type)
}

// currentOf returns the current value a metric status reports.
func currentOf(st *v2.MetricStatus) *v2.MetricValueStatus {
	switch {
	case st.PodResource != nil:
		return &st.PodResource.Current
	case st.ContainerResource != nil:
		return &st.ContainerResource.Current
	case st.Pods != nil:
		return &st.Pods.Current
	case st.Object != nil:
		return &st.Object.Current
	case st.External != nil:
		return &st.External.Current
	}
	return nil
}

// formatCurrent words the current value of metric i from status.currentMetrics, which holds
// one entry per metric of spec.metrics; a metric that failed has no value there.
func (d *describer) formatCurrent(i int) string {
	statuses := d.hpa.Status.CurrentMetrics
	if i >= len(statuses) || statuses[i].Type != d.hpa.Spec.Metrics[i].Type {
		return unknown
	}
	cur := currentOf(&statuses[i])
	if cur == nil {
		return unknown
	}
	switch {
	case cur.AverageUtilization != nil && cur.AverageValue != nil:
		return fmt.Sprintf("%d%% of request (%s per pod)", *cur.AverageUtilization, cur.AverageValue)
	case cur.AverageUtilization != nil:
		return fmt.Sprintf("%d%% of request", *cur.AverageUtilization)
	case cur.Value != nil:
		return cur.Value.String()
	case cur.AverageValue != nil:
		return cur.AverageValue.String() + " per pod"
	}
	return unknown
}

// proposal words what metric i proposed in the last decision.
func (d *describer) proposal(i int) string {
	ld := d.hpa.Status.LastDecision
	if ld == nil || i >= len(ld.Metrics) {
		return unknown
	}
	p := &ld.Metrics[i]
	switch {
	case p.Replicas != nil:
		return replicasWord(*p.Replicas)
	case p.Error != "":
		return "failed: " + p.Error
	}
	return unknown
}

func replicasWord(n int32) string {
	if n == 1 {
		return "1 replica"
	}
	return strconv.Itoa(int(n)) + " replicas"
}

func selectedMetric(ld *v2.ScalingDecision) int {
	if ld == nil || ld.SelectedMetric == nil {
		return -1
	}
	return int(*ld.SelectedMetric)
}

func (d *describer) metrics() {
	specs := d.hpa.Spec.Metrics
	if len(specs) == 0 {
		d.line("Metrics:  <none>")
		return
	}
	d.line("Metrics:  (the largest proposal of a metric that is not a shadow metric wins)")
	selected := selectedMetric(d.hpa.Status.LastDecision)
	for i := range specs {
		m := &specs[i]
		title := fmt.Sprintf("  [%d] %s", i, (&decision.MetricResult{Spec: m}).Name())
		switch {
		case m.Shadow:
			title += "  (shadow: compared, never scales)"
		case i == selected:
			title += "  <- selected: its proposal won"
		}
		d.line("%s", title)
		var rows [][]string
		subdomain := shadow.Subdomain(m)
		if api, ok := metricAPI(m); ok {
			group := metrics.GroupName(api, subdomain)
			if subdomain == "" {
				rows = append(rows, []string{"      Subdomain:", "<none> (the default " + api.String() + " metrics API)"})
			} else {
				rows = append(rows, []string{"      Subdomain:", subdomain})
			}
			rows = append(rows, []string{"      API group:", group})
		}
		switch {
		case m.ContainerResource != nil:
			rows = append(rows, []string{"      Container:", m.ContainerResource.Container})
		case m.Object != nil:
			o := m.Object.DescribedObject
			obj := o.Kind + "/" + o.Name
			if o.APIVersion != "" {
				obj += " (" + o.APIVersion + ")"
			}
			rows = append(rows, []string{"      Object:", obj})
		}
		if sel := metricSelector(m); sel != nil {
			rows = append(rows, []string{"      Selector:", metav1.FormatLabelSelector(sel)})
		}
		rows = append(rows,
			[]string{"      Current:", d.formatCurrent(i)},
			[]string{"      Target:", formatTarget(target(m))},
			[]string{"      Proposal:", d.proposal(i)},
		)
		d.section(rows)
	}
}

// metricSelector returns the metric selector of a pods, object or external metric.
func metricSelector(m *v2.MetricSpec) *metav1.LabelSelector {
	switch {
	case m.Pods != nil:
		return m.Pods.Metric.Selector
	case m.Object != nil:
		return m.Object.Metric.Selector
	case m.External != nil:
		return m.External.Metric.Selector
	}
	return nil
}

func (d *describer) lastDecision() {
	ld := d.hpa.Status.LastDecision
	if ld == nil {
		d.line("Last decision:  <none> (the controller has not reconciled this autoscaler yet)")
		return
	}
	d.line("Last decision:  %s ago (%s)", d.age(ld.Time.Time), ld.Time.UTC().Format(time.RFC3339))
	result := fmt.Sprintf("%d -> %d", ld.CurrentReplicas, ld.DesiredReplicas)
	if ld.CurrentReplicas == ld.DesiredReplicas {
		result += " (no change)"
	}
	rows := [][]string{{"  Replicas:", result}}
	if i := selectedMetric(ld); i >= 0 {
		name := unknown
		if i < len(ld.Metrics) {
			name = ld.Metrics[i].Name
		}
		rows = append(rows, []string{"  Selected metric:", fmt.Sprintf("[%d] %s", i, name)},
			[]string{"  Recommendation:", replicasWord(ld.Recommendation) + " (before stabilization, rate limits and min/max)"})
	} else {
		rows = append(rows, []string{"  Selected metric:", "<none> (no metric gave a proposal)"})
	}
	limit := "<none> (the recommendation was used as it was)"
	if ld.Limit != "" {
		limit = ld.Limit
		if why := d.limitSource(ld.Limit); why != "" {
			limit += ": " + why
		}
	}
	rows = append(rows, []string{"  Limit:", limit}, []string{"  Reason:", ld.Message})
	d.section(rows)
}

// limitSource says which setting a limit of the last decision comes from.
func (d *describer) limitSource(reason string) string {
	b := d.hpa.Spec.Behavior
	switch reason {
	case behavior.ReasonTooManyReplicas:
		return fmt.Sprintf("spec.maxReplicas (%d)", d.hpa.Spec.MaxReplicas)
	case behavior.ReasonTooFewReplicas:
		if d.hpa.Spec.MinReplicas != nil {
			return fmt.Sprintf("spec.minReplicas (%d)", *d.hpa.Spec.MinReplicas)
		}
		return "spec.minReplicas"
	case behavior.ReasonScaleUpStabilized:
		if b != nil && b.ScaleUp != nil {
			return "the scale-up stabilization window, spec.behavior.scaleUp.stabilizationWindowSeconds" + seconds(b.ScaleUp.StabilizationWindowSeconds)
		}
		return "the scale-up stabilization window"
	case behavior.ReasonScaleDownStabilized:
		if b != nil && b.ScaleDown != nil && b.ScaleDown.StabilizationWindowSeconds != nil {
			return "the scale-down stabilization window, spec.behavior.scaleDown.stabilizationWindowSeconds" + seconds(b.ScaleDown.StabilizationWindowSeconds)
		}
		return "the scale-down stabilization window, the controller's --horizontal-pod-autoscaler-downscale-stabilization (spec.behavior.scaleDown sets none)"
	case behavior.ReasonScaleUpLimit:
		if b != nil && b.ScaleUp != nil {
			return "the scale-up policies of spec.behavior.scaleUp (" + rulesPolicies(b.ScaleUp) + ")"
		}
		return "the legacy scale-up limit (no spec.behavior): at most max(2 × current, 4) replicas at once"
	case behavior.ReasonScaleDownLimit:
		if b != nil && b.ScaleDown != nil {
			return "the scale-down policies of spec.behavior.scaleDown (" + rulesPolicies(b.ScaleDown) + ")"
		}
		return "the scale-down policies"
	}
	return ""
}

func seconds(s *int32) string {
	if s == nil {
		return ""
	}
	return fmt.Sprintf(" (%ds)", *s)
}

// rulesPolicies words the policies of a direction, for example "MaxChange of 4 pods per 15s,
// 100% per 15s".
func rulesPolicies(r *v2.HPAScalingRules) string {
	sel := v2.MaxChangePolicySelect
	if r.SelectPolicy != nil {
		sel = *r.SelectPolicy
	}
	if sel == v2.DisabledPolicySelect {
		return "ScalingDisabled"
	}
	if len(r.Policies) == 0 {
		return string(sel) + " of no policy"
	}
	parts := make([]string, len(r.Policies))
	for i, p := range r.Policies {
		switch p.Type {
		case v2.PercentScalingPolicy:
			parts[i] = fmt.Sprintf("%d%% per %ds", p.Value, p.PeriodSeconds)
		case v2.PodsScalingPolicy:
			unit := "pods"
			if p.Value == 1 {
				unit = "pod"
			}
			parts[i] = fmt.Sprintf("%d %s per %ds", p.Value, unit, p.PeriodSeconds)
		default:
			parts[i] = fmt.Sprintf("%s %d per %ds", p.Type, p.Value, p.PeriodSeconds)
		}
	}
	return string(sel) + " of " + strings.Join(parts, ", ")
}

// rules words the behavior of one direction. An unset window is 0 for scale-ups and the
// controller's --horizontal-pod-autoscaler-downscale-stabilization for scale-downs, as
// upstream defines them.
func rules(r *v2.HPAScalingRules, up bool) string {
	if r == nil {
		return "<unset>"
	}
	window := "the controller's --horizontal-pod-autoscaler-downscale-stabilization"
	switch {
	case r.StabilizationWindowSeconds != nil:
		window = fmt.Sprintf("%ds", *r.StabilizationWindowSeconds)
	case up:
		window = "0s"
	}
	tolerance := "the controller's --horizontal-pod-autoscaler-tolerance"
	if r.Tolerance != nil {
		tolerance = r.Tolerance.String()
	}
	return fmt.Sprintf("stabilization window: %s; policies: %s; tolerance: %s", window, rulesPolicies(r), tolerance)
}

func (d *describer) behavior() {
	b := d.hpa.Spec.Behavior
	if b == nil {
		d.line("Behavior:  <none>: the legacy limits apply")
		d.section([][]string{
			{"  Scale up:", "at most max(2 × current, 4) replicas at once; no stabilization window"},
			{"  Scale down:", "to the highest recommendation within the controller's --horizontal-pod-autoscaler-downscale-stabilization window"},
		})
		return
	}
	d.line("Behavior:")
	d.section([][]string{
		{"  Scale up:", rules(b.ScaleUp, true)},
		{"  Scale down:", rules(b.ScaleDown, false)},
	})
}

// timed words a list of timed replica counts; sign prefixes each count ("+" for scale-ups).
func (d *describer) timed(list []v2.TimedReplicas, sign string) string {
	if len(list) == 0 {
		return none
	}
	parts := make([]string, len(list))
	for i, e := range list {
		parts[i] = fmt.Sprintf("%s%d (%s ago)", sign, e.Replicas, d.age(e.Time.Time))
	}
	return strings.Join(parts, ", ")
}

func (d *describer) history() {
	h := d.hpa.Status.History
	if h == nil {
		return
	}
	d.line("History:  (what the stabilization windows and scaling policies look back at, oldest first)")
	d.section([][]string{
		{"  Recommendations:", d.timed(h.Recommendations, "")},
		{"  Scale-ups:", d.timed(h.ScaleUpEvents, "+")},
		{"  Scale-downs:", d.timed(h.ScaleDownEvents, "-")},
	})
}

func (d *describer) shadows() {
	views := shadow.Views(d.hpa, d.in.Now, 0)
	if len(views) == 0 {
		return
	}
	d.line("Shadow comparisons:")
	for i := range views {
		for _, l := range views[i].Lines() {
			d.line("  %s", l)
		}
	}
}

func (d *describer) conditions() {
	conds := d.hpa.Status.Conditions
	if len(conds) == 0 {
		d.line("Conditions:  <none>")
		return
	}
	d.line("Conditions:")
	rows := [][]string{{"  Type", "Status", "Reason", "Age", "Message"}, {"  ----", "------", "------", "---", "-------"}}
	for _, c := range conds {
		rows = append(rows, []string{"  " + string(c.Type), string(c.Status), c.Reason, d.age(c.LastTransitionTime.Time), c.Message})
	}
	d.section(rows)
}

// eventTime is when an event last happened.
func eventTime(e *corev1.Event) time.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	}
	return e.FirstTimestamp.Time
}

func (d *describer) events() {
	if len(d.in.Events) == 0 {
		d.line("Events:  <none>")
		return
	}
	events := append([]corev1.Event(nil), d.in.Events...)
	sort.SliceStable(events, func(i, j int) bool { return eventTime(&events[i]).Before(eventTime(&events[j])) })
	d.line("Events:")
	rows := [][]string{{"  Type", "Reason", "Age", "From", "Message"}, {"  ----", "------", "---", "----", "-------"}}
	for i := range events {
		e := &events[i]
		age := d.age(eventTime(e))
		if e.Count > 1 && !e.FirstTimestamp.IsZero() {
			age = fmt.Sprintf("%s (x%d over %s)", age, e.Count, d.age(e.FirstTimestamp.Time))
		} else if e.Series != nil && e.Series.Count > 1 {
			age = fmt.Sprintf("%s (x%d)", age, e.Series.Count)
		}
		from := e.Source.Component
		if from == "" {
			from = e.ReportingController
		}
		rows = append(rows, []string{"  " + e.Type, e.Reason, age, from, strings.TrimSpace(e.Message)})
	}
	d.section(rows)
}

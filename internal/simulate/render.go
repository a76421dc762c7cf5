package simulate

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/decision"
)

// Rows chooses which ticks a table shows.
type Rows string

const (
	// RowsAll shows every tick.
	RowsAll Rows = "all"
	// RowsChanges shows the first and last tick and those where anything but the time
	// changed.
	RowsChanges Rows = "changes"
)

// TableOptions are the options of [WriteTable].
type TableOptions struct {
	// Rows chooses the ticks shown.
	Rows Rows
	// Explain adds the decision code's explanation under every tick that scaled.
	Explain bool
}

// FormatClock formats a time from the start of a run as h:mm:ss.
func FormatClock(d time.Duration) string {
	s := int64(d / time.Second)
	return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
}

// WriteTable writes a run as a table: per tick the time, each metric's demand, value against
// its target and proposal, the recommendation, the stabilized recommendation, the limit that
// applied, the replica count and the pods ready, then the summary.
func WriteTable(w io.Writer, r *Result, opts TableOptions) error {
	if _, err := io.WriteString(w, Describe(r)+"\n"); err != nil {
		return err
	}
	header := []string{"TIME"}
	for i := range r.Metrics {
		s := ""
		if len(r.Metrics) > 1 {
			s = columnPrefix(r.Metrics, i)
		}
		header = append(header, s+"DEMAND", s+"VALUE/TARGET", s+"PROPOSAL")
	}
	header = append(header, "RECOMMEND", "STABILIZED", "LIMIT", "REPLICAS", "READY/PODS")
	t := newTable(header)
	var prev []string
	for i := range r.Ticks {
		tk := &r.Ticks[i]
		row := []string{FormatClock(tk.At)}
		for m := range r.Metrics {
			row = append(row, formatDemand(&r.Metrics[m], tk.Demand[m]), formatCurrent(r, tk, m), formatProposal(&tk.Decision, m))
		}
		d := &tk.Decision
		rec, stab := "-", "-"
		if d.Recommended {
			rec, stab = strconv.Itoa(int(d.Recommendation)), strconv.Itoa(int(d.Stabilized))
		}
		row = append(row, rec, stab, limitReason(d), formatReplicas(d, tk.Replicas), fmt.Sprintf("%d/%d", tk.Pods.Ready, tk.Pods.Total))
		last := i == len(r.Ticks)-1
		if opts.Rows == RowsChanges && i > 0 && !last && equalStrings(row[1:], prev) && !d.Scale {
			continue
		}
		prev = row[1:]
		t.add(row)
		if opts.Explain && d.Scale {
			t.note(indent(d.Explain(), "    "))
		}
	}
	if err := t.write(w); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%s", SummaryText([]*Result{r}))
	return err
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i := range lines {
		lines[i] = prefix + lines[i]
	}
	return strings.Join(lines, "\n")
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// columnPrefix names metric i in the headers of a table of several metrics: its short name
// in capitals when every short name is short, else M and its index (the description above the
// table says which metric that is).
func columnPrefix(metrics []MetricInfo, i int) string {
	for j := range metrics {
		if len(metrics[j].Short) > 12 {
			return "M" + strconv.Itoa(i) + " "
		}
	}
	return strings.ToUpper(metrics[i].Short) + " "
}

// Describe says what a run simulated: the autoscaler, its metrics and targets, the load, the
// controller's settings and the workload.
func Describe(r *Result) string {
	sc := r.Scenario
	spec := &sc.HPA.Spec
	var b strings.Builder
	fmt.Fprintf(&b, "autoscaler: %s", sc.HPA.Name)
	if sc.Source != "" {
		fmt.Fprintf(&b, " (%s)", sc.Source)
	}
	fmt.Fprintf(&b, ", %d to %d replicas, ", *spec.MinReplicas, spec.MaxReplicas)
	if spec.Behavior == nil {
		b.WriteString("no behavior (legacy limits)\n")
	} else {
		b.WriteString("with behavior\n")
	}
	for i := range r.Metrics {
		m := &r.Metrics[i]
		shadow := ""
		if m.Spec.Shadow {
			shadow = " (shadow: computed, never drives the count)"
		}
		fmt.Fprintf(&b, "metric %d: %s, target %s%s\n", i, m.Name, targetWords(m), shadow)
	}
	fmt.Fprintf(&b, "load: %s (load model: %s)\n", sc.Trace.Source, describeLoads(r.Loads, r.Metrics))
	fmt.Fprintf(&b, "start: %d replicas; a decision every %s; pods ready %s after creation\n",
		sc.InitialReplicas, sc.SyncPeriod, sc.Model.PendingTime+sc.Model.StartupDelay)
	return b.String()
}

// targetWords describes a metric's target, for example "utilization 60% of request".
func targetWords(m *MetricInfo) string {
	t := formatTarget(m)
	switch m.Target {
	case decision.TargetAverageValue:
		return "average value " + t + " per pod"
	case decision.TargetUtilization:
		return "utilization " + t + " of request"
	case decision.TargetValue:
		return "value " + t
	}
	return "none the simulator can compute"
}

// limitReason is the reason of the limit (or of the failure) that decided the count; empty
// when none did.
func limitReason(d *decision.Decision) string {
	if d.Limit.Applied {
		return d.Limit.Reason
	}
	return ""
}

func formatReplicas(d *decision.Decision, after int32) string {
	if d.Scale {
		return fmt.Sprintf("%d->%d", d.CurrentReplicas, after)
	}
	return strconv.Itoa(int(after))
}

// formatDemand formats a trace value in the metric's unit (see [FormatValue]); "-" when there
// is none.
func formatDemand(m *MetricInfo, v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return FormatValue(m, v)
}

// FormatValue formats a value of a metric in its unit: CPU as a quantity (750m, 2), memory and
// other resources in binary units with at most one decimal (85.6Mi), other metrics as numbers
// with at most three decimals (12.5).
func FormatValue(m *MetricInfo, v float64) string {
	switch {
	case m.Resource == corev1.ResourceCPU:
		return resource.NewMilliQuantity(milli(v), resource.DecimalSI).String()
	case m.Resource != "":
		return formatBytes(v)
	}
	return formatNumber(v)
}

// formatBytes formats an amount of bytes in the largest binary unit that keeps it at least 1,
// with at most one decimal: 512, 1.5Ki, 85.6Mi, 2Gi.
func formatBytes(v float64) string {
	units := []string{"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"}
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	s := strconv.FormatFloat(v, 'f', 1, 64)
	return strings.TrimSuffix(s, ".0") + units[i]
}

// formatNumber formats a number with at most three decimals, without trailing zeros.
func formatNumber(v float64) string {
	s := strconv.FormatFloat(v, 'f', 3, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// formatCurrent formats metric m's value against its target at a tick, as kubectl shows
// TARGETS: "83%/80%", "750m/500m", "<unknown>/10" when it failed, "-" when it was not computed.
func formatCurrent(r *Result, tk *Tick, m int) string {
	d := &tk.Decision
	if m >= len(d.Metrics) {
		return "-"
	}
	res := &d.Metrics[m]
	info := &r.Metrics[m]
	target := formatTarget(info)
	if res.Err != nil {
		return "<unknown>/" + target
	}
	switch res.Target {
	case decision.TargetUtilization:
		return fmt.Sprintf("%d%%/%s", res.Result.Utilization, target)
	case decision.TargetNone:
		return "-"
	}
	return FormatValue(info, float64(res.Result.Usage)/1000) + "/" + target
}

// formatTarget formats a metric's target: a percentage for utilization, the value in the
// metric's unit otherwise.
func formatTarget(m *MetricInfo) string {
	switch m.Target {
	case decision.TargetUtilization:
		return fmt.Sprintf("%g%%", m.TargetValue)
	case decision.TargetAverageValue, decision.TargetValue:
		return FormatValue(m, m.TargetValue)
	}
	return "?"
}

// formatProposal formats metric m's proposal: the replica count, with "*" for the metric whose
// proposal won and "(shadow)" for a shadow metric; "failed" or "-" when there is none.
func formatProposal(d *decision.Decision, m int) string {
	if m >= len(d.Metrics) {
		return "-"
	}
	res := &d.Metrics[m]
	if res.Err != nil {
		return "failed"
	}
	s := strconv.Itoa(int(res.Result.Replicas))
	switch {
	case res.Shadow:
		s += " (shadow)"
	case m == d.Selected:
		s += "*"
	}
	return s
}

// SummaryText describes the summaries of one or more runs over the same trace, one column per
// run.
func SummaryText(runs []*Result) string {
	header := []string{"SUMMARY"}
	if len(runs) > 1 {
		for _, r := range runs {
			header = append(header, r.Name)
		}
	} else {
		header = append(header, "")
	}
	t := newTable(header)
	row := func(name string, f func(s *Summary) string) {
		cells := []string{name}
		for _, r := range runs {
			cells = append(cells, f(&r.Summary))
		}
		t.add(cells)
	}
	s0 := &runs[0].Summary
	period := runs[0].Scenario.SyncPeriod
	row("simulated", func(s *Summary) string {
		return fmt.Sprintf("%s, %d decisions every %s", s.Duration, s.Decisions, period)
	})
	row("scale events", func(s *Summary) string {
		return fmt.Sprintf("%d (%d up, %d down)", s.ScaleEvents, s.ScaleUps, s.ScaleDowns)
	})
	row("replicas", func(s *Summary) string { return fmt.Sprintf("%d to %d", s.MinReplicas, s.MaxReplicas) })
	row("pod-minutes", func(s *Summary) string { return strconv.FormatFloat(s.PodMinutes, 'f', 1, 64) })
	if s0.NeededTicks > 0 {
		row("peak needed replicas", func(s *Summary) string { return strconv.Itoa(int(s.PeakNeeded)) })
		row("time to capacity", func(s *Summary) string {
			if !s.CapacityReached {
				return s.TimeToCapacity.String() + " (not reached by the end)"
			}
			return s.TimeToCapacity.String()
		})
		row("under-provisioned", func(s *Summary) string {
			return fmt.Sprintf("%s (%.0f%% of the time)", s.UnderProvisioned, 100*s.UnderProvisioned.Seconds()/s.Duration.Seconds())
		})
		row("excess pod-minutes", func(s *Summary) string { return strconv.FormatFloat(s.ExcessPodMinutes, 'f', 1, 64) })
	}
	if s0.NeededTicks < s0.Decisions {
		row("needed capacity", func(s *Summary) string {
			return fmt.Sprintf("unknown at %d of %d ticks (a driving metric without a value, or with the fixed load model)", s.Decisions-s.NeededTicks, s.Decisions)
		})
	}
	var b strings.Builder
	_ = t.write(&b)
	if s0.NeededTicks > 0 {
		b.WriteString("time to capacity: the longest wait, from the first tick with fewer ready pods than needed, until enough were ready.\n")
	}
	return b.String()
}

// WriteCompareTable writes two or more runs over the same trace side by side: per tick the
// demand, the needed capacity, and each run's recommendation, replicas and limit; then the
// summaries.
func WriteCompareTable(w io.Writer, runs []*Result, opts TableOptions) error {
	base := runs[0]
	var b strings.Builder
	for i, r := range runs {
		fmt.Fprintf(&b, "%s = %s\n%s\n", runLabel(i), r.Name, indent(strings.TrimRight(Describe(r), "\n"), "    "))
	}
	b.WriteString("\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	header := []string{"TIME"}
	for i := range base.Metrics {
		s := ""
		if len(base.Metrics) > 1 {
			s = columnPrefix(base.Metrics, i)
		}
		header = append(header, s+"DEMAND")
	}
	header = append(header, "NEEDED")
	for i := range runs {
		l := runLabel(i)
		header = append(header, l+" RECOMMEND", l+" REPLICAS", l+" LIMIT")
	}
	t := newTable(header)
	var prev []string
	for i := range base.Ticks {
		tk := &base.Ticks[i]
		row := []string{FormatClock(tk.At)}
		for m := range base.Metrics {
			row = append(row, formatDemand(&base.Metrics[m], tk.Demand[m]))
		}
		needed := "-"
		if tk.Needed >= 0 {
			needed = strconv.Itoa(int(tk.Needed))
		}
		row = append(row, needed)
		scaled := false
		for _, r := range runs {
			rt := &r.Ticks[i]
			d := &rt.Decision
			rec := "-"
			if d.Recommended {
				rec = strconv.Itoa(int(d.Recommendation))
			}
			row = append(row, rec, formatReplicas(d, rt.Replicas), limitReason(d))
			scaled = scaled || d.Scale
		}
		if opts.Rows == RowsChanges && i > 0 && i < len(base.Ticks)-1 && !scaled && equalStrings(row[1:], prev) {
			continue
		}
		prev = row[1:]
		t.add(row)
	}
	if err := t.write(w); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%s", SummaryText(runs))
	return err
}

// runLabel labels the i-th run of a comparison in table headers: A, B, ...
func runLabel(i int) string {
	if i < 26 {
		return string(rune('A' + i))
	}
	return "R" + strconv.Itoa(i+1)
}

// table is a plain text table whose columns are as wide as their widest cell, with notes
// (lines outside the columns) between rows.
type table struct {
	rows  [][]string
	notes map[int][]string
}

func newTable(header []string) *table {
	return &table{rows: [][]string{header}, notes: map[int][]string{}}
}

func (t *table) add(row []string) { t.rows = append(t.rows, row) }

// note adds a line after the last row.
func (t *table) note(s string) {
	i := len(t.rows) - 1
	t.notes[i] = append(t.notes[i], s)
}

func (t *table) write(w io.Writer) error {
	widths := make([]int, len(t.rows[0]))
	for _, row := range t.rows {
		for i, c := range row {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	for r, row := range t.rows {
		line := make([]byte, 0, 128)
		for i, c := range row {
			line = append(line, c...)
			if i < len(row)-1 {
				line = append(line, strings.Repeat(" ", widths[i]-len([]rune(c))+2)...)
			}
		}
		b.WriteString(strings.TrimRight(string(line), " "))
		b.WriteByte('\n')
		for _, n := range t.notes[r] {
			b.WriteString(n)
			b.WriteByte('\n')
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteCSV writes one row per tick of each run, for spreadsheets and scripts. With several
// runs, a column "run" names the run of each row.
func WriteCSV(w io.Writer, runs []*Result) error {
	cw := csv.NewWriter(w)
	base := runs[0]
	header := []string{"run", "seconds", "time"}
	for i := range base.Metrics {
		s := base.Metrics[i].Short
		header = append(header, s+"_demand", s+"_reported", s+"_current", s+"_target", s+"_proposal", s+"_error")
	}
	header = append(header, "pods", "pods_pending", "pods_starting", "pods_ready", "needed",
		"current_replicas", "recommendation", "stabilized", "stabilization", "limit", "desired_replicas", "scaled", "replicas", "summary")
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, r := range runs {
		for i := range r.Ticks {
			tk := &r.Ticks[i]
			d := &tk.Decision
			row := []string{r.Name, strconv.FormatFloat(tk.At.Seconds(), 'f', -1, 64), FormatClock(tk.At)}
			for m := range r.Metrics {
				prop, errText := "", ""
				if m < len(d.Metrics) {
					if d.Metrics[m].Err != nil {
						errText = d.Metrics[m].Err.Error()
					} else {
						prop = strconv.Itoa(int(d.Metrics[m].Result.Replicas))
					}
				}
				row = append(row, csvFloat(tk.Demand[m]), csvFloat(tk.Metrics[m].Reported), csvFloat(tk.Metrics[m].Current),
					csvFloat(r.Metrics[m].TargetValue), prop, errText)
			}
			needed, rec, stab, stabReason := "", "", "", ""
			if tk.Needed >= 0 {
				needed = strconv.Itoa(int(tk.Needed))
			}
			if d.Recommended {
				rec, stab = strconv.Itoa(int(d.Recommendation)), strconv.Itoa(int(d.Stabilized))
			}
			if d.Stabilization.Applied {
				stabReason = d.Stabilization.Reason
			}
			row = append(row, itoa(tk.Pods.Total), itoa(tk.Pods.Pending), itoa(tk.Pods.Starting), itoa(tk.Pods.Ready), needed,
				itoa(d.CurrentReplicas), rec, stab, stabReason, limitReason(d), itoa(d.DesiredReplicas), strconv.FormatBool(d.Scale),
				itoa(tk.Replicas), d.Summary())
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func itoa(i int32) string { return strconv.Itoa(int(i)) }

func csvFloat(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// number is a float that encodes NaN as JSON null.
type number float64

// MarshalJSON encodes the number, or null for NaN and infinities.
func (n number) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(n)) || math.IsInf(float64(n), 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, float64(n), 'f', -1, 64), nil
}

func numbers(vs []float64) []number {
	out := make([]number, len(vs))
	for i, v := range vs {
		out[i] = number(v)
	}
	return out
}

// JSON forms of a run, for tools.
type (
	jsonOutput struct {
		Runs []jsonRun `json:"runs"`
	}
	jsonRun struct {
		Name     string                          `json:"name"`
		HPA      string                          `json:"hpa"`
		Trace    string                          `json:"trace"`
		Spec     *v2.HorizontalPodAutoscalerSpec `json:"spec"`
		Settings jsonSettings                    `json:"settings"`
		Metrics  []jsonMetric                    `json:"metrics"`
		Ticks    []jsonTick                      `json:"ticks"`
		Summary  jsonSummary                     `json:"summary"`
	}
	jsonSettings struct {
		SyncPeriodSeconds       float64           `json:"syncPeriodSeconds"`
		InitialReplicas         int32             `json:"initialReplicas"`
		Tolerance               float64           `json:"tolerance"`
		DownscaleStabilization  float64           `json:"downscaleStabilizationSeconds"`
		CPUInitializationPeriod float64           `json:"cpuInitializationPeriodSeconds"`
		InitialReadinessDelay   float64           `json:"initialReadinessDelaySeconds"`
		LoadModel               string            `json:"loadModel"`
		PendingSeconds          float64           `json:"podPendingSeconds"`
		StartupDelaySeconds     float64           `json:"podStartupDelaySeconds"`
		StartupUsage            float64           `json:"podStartupUsage"`
		MetricWindowSeconds     float64           `json:"metricWindowSeconds"`
		Requests                map[string]string `json:"podRequests"`
	}
	jsonMetric struct {
		Index       int    `json:"index"`
		Name        string `json:"name"`
		Short       string `json:"short"`
		Shadow      bool   `json:"shadow,omitempty"`
		Target      string `json:"target"`
		TargetValue number `json:"targetValue"`
		Label       string `json:"label"`
		LoadModel   string `json:"loadModel"`
	}
	jsonTick struct {
		Seconds         float64          `json:"seconds"`
		Time            string           `json:"time"`
		Demand          []number         `json:"demand"`
		Needed          *int32           `json:"needed"`
		Pods            PodCounts        `json:"pods"`
		Metrics         []jsonTickMetric `json:"metrics"`
		CurrentReplicas int32            `json:"currentReplicas"`
		Recommendation  *int32           `json:"recommendation"`
		Stabilized      *int32           `json:"stabilized"`
		Stabilization   string           `json:"stabilization,omitempty"`
		Limit           string           `json:"limit,omitempty"`
		LimitDetail     string           `json:"limitDetail,omitempty"`
		DesiredReplicas int32            `json:"desiredReplicas"`
		Scaled          bool             `json:"scaled"`
		Replicas        int32            `json:"replicas"`
		Summary         string           `json:"summary"`
		Events          []jsonEvent      `json:"events,omitempty"`
	}
	jsonEvent struct {
		Type    string `json:"type"`
		Reason  string `json:"reason"`
		Message string `json:"message"`
	}
	jsonTickMetric struct {
		Reported number `json:"reported"`
		Current  number `json:"current"`
		Proposal *int32 `json:"proposal"`
		Selected bool   `json:"selected,omitempty"`
		Outcome  string `json:"outcome,omitempty"`
		Error    string `json:"error,omitempty"`
	}
	jsonSummary struct {
		Summary
		DurationSeconds         float64 `json:"durationSeconds"`
		UnderProvisionedSeconds float64 `json:"underProvisionedSeconds"`
		TimeToCapacitySeconds   float64 `json:"timeToCapacitySeconds"`
	}
)

// WriteJSON writes runs as JSON: {"runs": [...]}, each with its settings, metrics, one entry
// per tick and its summary. Times are in seconds; a value that does not exist is null.
func WriteJSON(w io.Writer, runs []*Result) error {
	out := jsonOutput{}
	for _, r := range runs {
		out.Runs = append(out.Runs, toJSON(r))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func toJSON(r *Result) jsonRun {
	sc := r.Scenario
	run := jsonRun{
		Name:  r.Name,
		HPA:   sc.HPA.Name,
		Trace: sc.Trace.Source,
		Spec:  &sc.HPA.Spec,
		Settings: jsonSettings{
			SyncPeriodSeconds:       sc.SyncPeriod.Seconds(),
			InitialReplicas:         sc.InitialReplicas,
			Tolerance:               sc.Config.Tolerance,
			DownscaleStabilization:  sc.Config.DownscaleStabilizationWindow.Seconds(),
			CPUInitializationPeriod: sc.Config.Readiness.CPUInitializationPeriod.Seconds(),
			InitialReadinessDelay:   sc.Config.Readiness.InitialReadinessDelay.Seconds(),
			LoadModel:               string(sc.Model.Load),
			PendingSeconds:          sc.Model.PendingTime.Seconds(),
			StartupDelaySeconds:     sc.Model.StartupDelay.Seconds(),
			StartupUsage:            sc.Model.StartupUsage,
			MetricWindowSeconds:     sc.Model.MetricWindow.Seconds(),
			Requests:                map[string]string{},
		},
	}
	for name, q := range sc.Model.Requests {
		run.Settings.Requests[string(name)] = q.String()
	}
	for i := range r.Metrics {
		m := &r.Metrics[i]
		run.Metrics = append(run.Metrics, jsonMetric{
			Index: m.Index, Name: m.Name, Short: m.Short, Shadow: m.Spec.Shadow,
			Target: targetName(m.Target), TargetValue: number(m.TargetValue), Label: m.Label(), LoadModel: string(r.Loads[i]),
		})
	}
	for i := range r.Ticks {
		tk := &r.Ticks[i]
		d := &tk.Decision
		jt := jsonTick{
			Seconds: tk.At.Seconds(), Time: FormatClock(tk.At), Demand: numbers(tk.Demand), Pods: tk.Pods,
			CurrentReplicas: d.CurrentReplicas, DesiredReplicas: d.DesiredReplicas, Scaled: d.Scale, Replicas: tk.Replicas,
			Limit: limitReason(d), Summary: d.Summary(),
		}
		for _, e := range d.Events {
			jt.Events = append(jt.Events, jsonEvent{Type: e.Type, Reason: e.Reason, Message: e.Message})
		}
		if tk.Needed >= 0 {
			n := tk.Needed
			jt.Needed = &n
		}
		if d.Recommended {
			rec, stab := d.Recommendation, d.Stabilized
			jt.Recommendation, jt.Stabilized = &rec, &stab
		}
		if d.Stabilization.Applied {
			jt.Stabilization = d.Stabilization.Reason
		}
		if d.Limit.Applied {
			jt.LimitDetail = d.Limit.Detail()
		}
		for m := range r.Metrics {
			tm := jsonTickMetric{Reported: number(tk.Metrics[m].Reported), Current: number(tk.Metrics[m].Current)}
			if m < len(d.Metrics) {
				res := &d.Metrics[m]
				if res.Err != nil {
					tm.Error = res.Err.Error()
				} else {
					p := res.Result.Replicas
					tm.Proposal, tm.Outcome, tm.Selected = &p, res.Result.Outcome.String(), m == d.Selected
				}
			}
			jt.Metrics = append(jt.Metrics, tm)
		}
		run.Ticks = append(run.Ticks, jt)
	}
	s := r.Summary
	run.Summary = jsonSummary{
		Summary:                 s,
		DurationSeconds:         s.Duration.Seconds(),
		UnderProvisionedSeconds: s.UnderProvisioned.Seconds(),
		TimeToCapacitySeconds:   s.TimeToCapacity.Seconds(),
	}
	return run
}

func targetName(k decision.TargetKind) string {
	switch k {
	case decision.TargetUtilization:
		return string(v2.UtilizationMetricType)
	case decision.TargetAverageValue:
		return string(v2.AverageValueMetricType)
	case decision.TargetValue:
		return string(v2.ValueMetricType)
	}
	return ""
}

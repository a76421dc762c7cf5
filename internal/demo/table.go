package demo

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// maxEventWidth is how many characters of the last event the table shows.
const maxEventWidth = 90

// TableRow is one line of the live table.
type TableRow struct {
	HPA, Subdomain, Metric, Value, Target, Replicas, Load, LastEvent string
}

// tableRows describes each workload at the sample, with its autoscaler's latest event.
func tableRows(workloads []Workload, s Sample, events map[string]Event, now time.Time) []TableRow {
	rows := make([]TableRow, 0, len(workloads))
	for i := range workloads {
		w := &workloads[i]
		row := TableRow{HPA: w.Key(), Subdomain: w.SubdomainLabel(), Metric: w.Metric, Value: "-", Replicas: "-", LastEvent: "-"}
		var ws WorkloadSample
		if i < len(s.Workloads) {
			ws = s.Workloads[i]
		}
		switch w.Kind {
		case CPUUtilization:
			row.Target = formatNumber(w.Target) + "%"
			if ws.HasValue {
				row.Value = formatNumber(ws.Value) + "%"
			}
			row.Load = formatNumber(ws.Demand) + " cores"
		default:
			row.Target = formatNumber(w.Target) + " avg"
			if ws.HasValue {
				row.Value = formatNumber(ws.Value) + " avg"
			}
			row.Load = formatNumber(ws.Demand)
		}
		if ws.Observed {
			row.Replicas = fmt.Sprintf("%d → %d", ws.CurrentReplicas, ws.DesiredReplicas)
		}
		if ev, ok := events[w.Key()]; ok {
			age := now.Sub(ev.At).Round(time.Second)
			row.LastEvent = truncate(fmt.Sprintf("%s (%s ago): %s", ev.Reason, max(age, 0), ev.Message), maxEventWidth)
		}
		rows = append(rows, row)
	}
	return rows
}

// tableHeader is the line above the table: time, load phase and the controller's timings.
func tableHeader(s Sample, t Timings) string {
	return fmt.Sprintf("mhpa demo · %s of %s · load: %s (%d%% of peak) · sync %s · scale-down stabilization %s",
		clockTime(s.At), clockTime(t.Duration), s.Phase, int(math.Round(s.Level*100)), t.SyncPeriod, t.DownscaleStabilization)
}

// writeTable writes the header and the rows as aligned columns, each line cut to width
// characters unless width is 0, and returns the number of lines written.
func writeTable(w io.Writer, header string, rows []TableRow, width int) (int, error) {
	var b strings.Builder
	b.WriteString(header + "\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "HPA\tSUBDOMAIN\tMETRIC\tVALUE\tTARGET\tCURRENT → DESIRED\tLOAD\tLAST EVENT")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.HPA, r.Subdomain, r.Metric, r.Value, r.Target, r.Replicas, r.Load, r.LastEvent)
	}
	if err := tw.Flush(); err != nil {
		return 0, err
	}
	text := b.String()
	if width > 0 {
		lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
		for i, l := range lines {
			lines[i] = cut(l, width)
		}
		text = strings.Join(lines, "\n") + "\n"
	}
	_, err := io.WriteString(w, text)
	return strings.Count(text, "\n"), err
}

// clockTime formats a duration as m:ss.
func clockTime(d time.Duration) string {
	d = d.Round(time.Second)
	if d < 0 {
		d = 0
	}
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

// formatNumber formats a value with at most two decimals and no trailing zeros.
func formatNumber(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// cut shortens s to at most n characters.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// truncate shortens s to at most n characters, marking the cut.
func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

package demo

// WorkloadSummary is how a workload's replicas followed the load.
type WorkloadSummary struct {
	// Key is namespace/name.
	Key string
	// Start is the Deployment's replicas when the load started, Peak the most it had from the
	// start of the rise to the end of the plateau, End its replicas at the end of the load.
	Start, Peak, End int32
	// NeededAtPeak is what the load needed at its peak.
	NeededAtPeak int32
}

// Followed says whether the replicas rose with the load and fell after it: more replicas during
// the rise and plateau than at the start, and fewer at the end than at the peak.
func (s WorkloadSummary) Followed() bool {
	return s.Peak > s.Start && s.End < s.Peak
}

// Summarize returns, for each workload, how its replicas followed the load.
func Summarize(workloads []Workload, shape Shape, samples []Sample) []WorkloadSummary {
	out := make([]WorkloadSummary, len(workloads))
	rise, plateau := shape.Span(PhaseRise), shape.Span(PhasePlateau)
	for i := range workloads {
		s := WorkloadSummary{Key: workloads[i].Key(), NeededAtPeak: workloads[i].Needed(workloads[i].Load.Peak)}
		for j, smp := range samples {
			ws := smp.Workloads[i]
			if j == 0 {
				s.Start = ws.Replicas
			}
			if smp.At >= rise.Start && smp.At <= plateau.End {
				s.Peak = max(s.Peak, ws.Replicas)
			}
			s.End = ws.Replicas
		}
		out[i] = s
	}
	return out
}

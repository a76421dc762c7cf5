package demo

import (
	"context"
	"fmt"
	"math"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/mhpa-dev/mhpa/internal/fakemetrics"
)

// podMemory is the memory every pod of the demo reports; nothing scales by it.
var podMemory = resource.MustParse("48Mi")

// setMetric sets a workload's metric in the metrics server that serves its group, if it changed:
// for CPU utilization every Running pod of the workload uses demand / ready pods of CPU (pods
// that are not ready yet take no traffic, but the autoscaler ignores their CPU while they
// start); for an external metric the value is the demand.
func (r *run) setMetric(ctx context.Context, w *Workload, demand float64, ready int32) error {
	srv := r.servers[w.Group]
	if srv == nil {
		return fmt.Errorf("no metrics server serves %s", w.Group)
	}
	var (
		value string
		send  func() error
	)
	switch w.Kind {
	case CPUUtilization:
		perPod := resource.NewMilliQuantity(int64(math.Round(demand/float64(max(ready, 1))*1000)), resource.DecimalSI)
		value = perPod.String()
		send = func() error {
			return srv.setPodRule(ctx, w.Group, w.Namespace+"-"+w.Name, fakemetrics.PodRule{
				Namespace: w.Namespace, Selector: w.PodSelector,
				Usage: map[string]corev1.ResourceList{"": {corev1.ResourceCPU: *perPod, corev1.ResourceMemory: podMemory}},
			})
		}
	case ExternalAverage:
		total := resource.NewMilliQuantity(int64(math.Round(demand*1000)), resource.DecimalSI)
		value = total.String()
		send = func() error {
			return srv.setExternal(ctx, w.Group, fakemetrics.ExternalMetric{Namespace: w.Namespace, Metric: w.Metric, Value: *total})
		}
	default:
		return fmt.Errorf("workload %s: unknown metric kind %q", w.Key(), w.Kind)
	}
	if r.sent[w.Key()] == value {
		return nil
	}
	if err := send(); err != nil {
		if srv.proc.exited() {
			return srv.proc.exitError()
		}
		return err
	}
	r.sent[w.Key()] = value
	return nil
}

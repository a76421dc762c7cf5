package bench_test

import (
	"testing"
	"time"

	"github.com/mhpa-dev/mhpa/internal/controlplane"
)

// BenchmarkControlPlaneStart measures a cold start of the control plane from cached binaries:
// fresh certificates, an empty etcd, and every process ready. It reports seconds to ready
// ("s-to-ready") and leaves the stop out of the timing. Run it with a small count, e.g.
//
//	go test ./test/bench -run '^$' -bench ControlPlaneStart -benchtime 3x
func BenchmarkControlPlaneStart(b *testing.B) {
	for _, bc := range []struct {
		name string
		opts controlplane.Options
	}{
		{"apiserver", controlplane.Options{}},
		{"full", controlplane.Options{ControllerManager: true, Kubelet: true}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var total time.Duration
			for b.Loop() {
				began := time.Now()
				cp, err := controlplane.Start(b.Context(), bc.opts)
				if err != nil {
					b.Fatalf("%v (binaries are in %s)", err, controlplane.DefaultBinDir())
				}
				total += time.Since(began)
				b.StopTimer()
				if err := cp.Stop(); err != nil {
					b.Errorf("Stop: %v", err)
				}
				b.StartTimer()
			}
			b.ReportMetric(total.Seconds()/float64(b.N), "s-to-ready")
		})
	}
}

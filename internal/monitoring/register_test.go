package monitoring

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestRegisterReusesTheRegisteredCollector(t *testing.T) {
	reg := prometheus.NewRegistry()
	opts := prometheus.CounterOpts{Name: "things_total", Help: "Things."}
	first, err := Register(reg, prometheus.NewCounter(opts))
	if err != nil {
		t.Fatal(err)
	}
	second, err := Register(reg, prometheus.NewCounter(opts))
	if err != nil {
		t.Fatalf("registering the same metric again: %v", err)
	}
	if first != second {
		t.Fatal("the second registration did not return the collector already registered")
	}
	second.Inc()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if got := families[0].GetMetric()[0].GetCounter().GetValue(); got != 1 {
		t.Errorf("served value = %v, want 1", got)
	}
}

func TestRegisterReportsAClash(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := Register(reg, prometheus.NewCounter(prometheus.CounterOpts{Name: "x", Help: "A counter."})); err != nil {
		t.Fatal(err)
	}
	if _, err := Register(reg, prometheus.NewGauge(prometheus.GaugeOpts{Name: "x", Help: "A gauge."})); err == nil {
		t.Error("registering a gauge under a counter's name succeeded")
	}
}

package demo

import (
	"errors"
	"os"
)

// Usage is the help text printed above the flags of mhpa-demo.
const Usage = `mhpa-demo runs mhpa on a local control plane and shows it following a load.

It builds what is missing (the control plane once, into a cache; mhpa-controller and
mhpa-fake-metrics into bin/), starts etcd, kube-apiserver, kube-controller-manager and a
kubelet stand-in on 127.0.0.1, two metrics servers (the default metrics APIs, and the
subdomain tenant-a), and mhpa-controller with its webhooks. It applies three Deployments with
autoscalers (internal/demo/samples):

  demo/web           CPU utilization, 50% of the request      metrics.k8s.io
  demo/worker        external queue_messages_ready, 30/pod    external.metrics.k8s.io
  tenant-a/checkout  external requests_per_second, 100/pod    tenant-a.external.metrics.k8s.io

then drives a load (baseline, rise, plateau, fall, calm) for --duration, printing a table
every few seconds: each autoscaler, its subdomain, the metric value and target, current and
desired replicas, and its last event. At the end it writes a plot of replicas and metrics over
time (--plot), prints where it is, and stops everything it started, also on Ctrl-C or failure.

Usage:
  make demo [DEMO_FLAGS="..."]
  mhpa-demo [flags]

Examples:
  make demo                          # about 5 minutes (4 of load); the first run also builds
                                     # the control plane (about 6 minutes on 2 cores)
  make demo DEMO_FLAGS=--short       # about a minute of load
  make demo DEMO_FLAGS=--keep        # keep the cluster up afterwards, for kubectl

Flags:
`

// IsInterrupted says whether err ended a run because its context ended (Ctrl-C).
func IsInterrupted(err error) bool { return errors.Is(err, errInterrupted) }

// IsTerminal says whether f is a terminal, where the table is redrawn in place.
func IsTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

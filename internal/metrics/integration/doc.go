// Package integration holds the integration tests of the metrics layer: the
// aggregated client and the deduplicating wrapper against real metrics
// servers (internal/fakemetrics, built on pkg/adapter) registered as
// APIServices with a real kube-apiserver and reached through its aggregator.
//
// The tests need the control plane binaries (make controlplane).
package integration

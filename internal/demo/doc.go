// Package demo is `make demo`: mhpa at work on a local control plane, in one command.
//
// Run builds what is missing (the control plane binaries with hack/controlplane/build.sh,
// mhpa-controller and mhpa-fake-metrics with go build), then starts, all on 127.0.0.1:
//
//   - the control plane of package controlplane: etcd, kube-apiserver,
//     kube-controller-manager (which scales Deployments into pods) and the kubelet stand-in
//     (which runs them);
//   - two metrics servers, each a real mhpa-fake-metrics process registered as APIServices:
//     one for the default groups (metrics.k8s.io, external.metrics.k8s.io), one for the
//     subdomain tenant-a (tenant-a.external.metrics.k8s.io);
//   - mhpa-controller, the real binary, with a short sync period and scale-down stabilization,
//     its webhooks called by the API server at https://localhost:<port>.
//
// It installs the CRD and the webhook configurations (package install), applies the samples of
// samples/ (a Deployment scaled by CPU utilization, one by an external metric, and one of
// tenant a by an external metric of its own metrics server), and drives a load shape (Shape:
// baseline, rise, plateau, fall, calm) through the metrics servers' control APIs. CPU demand is
// shared by the ready pods, so each pod's CPU falls as replicas rise; an external metric is the
// demand itself. About once a second it records every Deployment's replicas and every
// autoscaler's status; every few seconds it prints a table (autoscaler, subdomain, metric value,
// target, current → desired replicas, last event). At the end it writes a plot (WritePlot, drawn
// with package chart) and prints a summary and where the plot is.
//
// Whatever happens — the end of the load, a failed step, Ctrl-C — Run stops every process it
// started before it returns. With Options.Keep it first waits, leaving the cluster up for
// kubectl, until its context ends.
package demo

// Package fakemetrics is a programmable metrics server for tests and the
// demo, built on pkg/adapter: a real aggregated API server serving the
// metrics.k8s.io, custom.metrics.k8s.io and external.metrics.k8s.io shapes
// under any group names (subdomains included), whose values and faults a
// test sets while it runs.
//
// Start serves the requested groups on 127.0.0.1 on a free port and, given
// a rest.Config, registers them as APIServices (ExternalName Service
// "localhost") and waits until the aggregator reports them available:
//
//	srv, err := fakemetrics.Start(ctx, fakemetrics.Options{
//		Groups:     []string{"external.metrics.k8s.io", "tenant-a.external.metrics.k8s.io"},
//		KubeConfig: cp.AdminConfig(),
//	})
//	t.Cleanup(func() { _ = srv.Stop() })
//	srv.Group("tenant-a.external.metrics.k8s.io").SetExternalMetric(fakemetrics.ExternalMetric{
//		Namespace: "default", Metric: "queue_length", Value: resource.MustParse("30"),
//	})
//
// Each group keeps its own values (Group): pod and node usage, custom
// metrics of objects (with metric labels, so metric selectors work), pods
// metrics, external series, and PodRules that give every matching Running
// pod of the cluster the same usage or pods metric value, so workloads
// whose pod names are not known in advance can be scaled. A group can be
// made to fail, hang until the request's context ends, or answer after a
// delay (Fault); the whole server can go away (stop listening) and come
// back (Server.GoAway, Server.ComeBack). Each group counts the metrics
// requests it receives, so tests can assert where requests were routed.
//
// ControlHandler exposes the same controls over a small HTTP API, used by
// cmd/mhpa-fake-metrics.
package fakemetrics

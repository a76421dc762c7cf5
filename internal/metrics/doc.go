// Package metrics is the boundary between the mhpa controller and the metrics APIs.
//
// Client is the one interface the controller uses: a method per metric kind
// (resource, pods, object, external), each taking the metric's subdomain and
// returning the values together with the timestamp the metrics server reported.
// The package also holds what every implementation shares: how a subdomain maps
// to an API group (GroupName), the typed errors (GroupNotServedError and the
// isolation errors) and the reduction of PodMetrics to per-pod values
// (ResourceValues).
//
// Implementations live in sub-packages: aggregated talks to the metrics APIs
// through the kube-apiserver aggregator with per-group isolation, and dedupe
// wraps any Client to share identical queries within a sync period.
package metrics

// Package aggregated implements metrics.Client against the resource, custom
// and external metrics APIs served through the kube-apiserver aggregator, under
// their default groups and under any subdomain (S.metrics.k8s.io,
// S.custom.metrics.k8s.io, S.external.metrics.k8s.io).
//
// Routing: a query goes to the group its subdomain names and nowhere else.
// The version of each group is discovered from /apis/<group> (custom metrics:
// v1beta2, else v1beta1; resource and external metrics: v1beta1), cached,
// refreshed after a TTL and right after a not-found answer, so a newly
// registered APIService is picked up and a removed one stops being used
// without a restart. A group that is not served yields *metrics.GroupNotServedError.
//
// Isolation: every group has its own client rate limiter, a bound on
// concurrent requests, a request timeout and a circuit breaker, so a slow or
// failing metrics server of one group does not hold up queries to another.
// Each group is instrumented with Prometheus metrics labelled by group.
//
// Answers are decoded with the k8s.io/metrics types whatever group name their
// apiVersion carries, since a server registered under a subdomain answers
// with its own group.
package aggregated

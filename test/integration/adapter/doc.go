// Package adapter holds the integration tests of pkg/adapter and
// internal/fakemetrics: metrics servers under default and subdomain groups,
// registered as APIServices of a real kube-apiserver and read through its
// aggregator, with real authentication and RBAC.
package adapter

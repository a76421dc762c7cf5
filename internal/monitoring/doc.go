// Package monitoring holds what mhpa's components share to expose Prometheus metrics.
package monitoring

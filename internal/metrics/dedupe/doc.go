// Package dedupe wraps a metrics.Client so that identical queries made by many
// HPAs within one sync share a single request.
//
// Queries with the same group, namespace, metric and selectors are answered
// from one fetch for a freshness window (a little shorter than the sync
// period); concurrent identical queries wait for the same fetch. Resource
// metrics are fetched as one PodMetrics list per namespace and subdomain, with
// no label selector, and every HPA's pods are picked out of it locally.
//
// The wrapper has the same interface as what it wraps, so the controller can
// turn it off by not wrapping.
package dedupe

// Package samples holds example autoscalers, each with the Deployment it scales: one per
// metric type, metrics from subdomains, behavior, shadow metrics, scale to zero and an older
// API version. The package has no code; its tests read each sample as the API server would
// (conversion, defaulting, validation), check that together they cover every metric type and
// subdomains, and that the kustomization lists every file.
package samples

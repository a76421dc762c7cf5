// Package validation checks HorizontalPodAutoscalers of autoscaling.mhpa.dev/v2, the hub version
// that every request is validated in. It holds the complete rule set: the rules of upstream
// autoscaling/v2 validation, restated over the mhpa types, and mhpa's own rules (a subdomain is a
// DNS-1123 label, and for resource metrics not "custom" or "external", which would name the
// default group of another metrics API; the names that v2 renamed are rejected with a message
// naming the new one; minReplicas may be 0 only with an Object or External metric).
//
// The CRD schema and its CEL rules repeat the simpler of these rules so that the API server can
// answer them without the webhook, with the same field paths and, where the schema allows it,
// the same messages. This package stays the single source of truth: the validating webhook runs
// all of it for every version, because objects of older versions reach it converted to v2.
//
// Every error names the field path, the bad value and what is allowed.
package validation

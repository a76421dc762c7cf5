// Package webhook holds the webhooks mhpa-controller serves for HorizontalPodAutoscalers of
// autoscaling.mhpa.dev: conversion between the API versions (through the v2 hub), defaulting
// and validation. The admission webhooks are registered for v2 only, with matchPolicy
// Equivalent, so the API server converts requests of every version to v2 before calling them:
// one defaulting and one validation, written once, serve all versions.
//
// The validating webhook also decides who may point an autoscaler at a metrics subdomain: on
// create, and on update for each subdomain the update adds, it asks the API server a
// SubjectAccessReview for the requesting user (verb "use" on metricsubdomains named after the
// subdomain, in group autoscaling.mhpa.dev and the autoscaler's namespace) and refuses with 403
// Forbidden, naming the field, the subdomain and the missing permission, when the answer is no.
// Subdomains given through the annotation autoscaling.mhpa.dev/subdomains of an older version
// are covered, since that request reaches the webhook converted to v2 with the annotation
// turned into subdomain fields. The default (empty) subdomain needs no permission.
package webhook

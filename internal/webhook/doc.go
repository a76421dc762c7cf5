// Package webhook holds the webhooks mhpa-controller serves for HorizontalPodAutoscalers of
// autoscaling.mhpa.dev: conversion between the API versions (through the v2 hub), defaulting
// and validation. The admission webhooks are registered for v2 only, with matchPolicy
// Equivalent, so the API server converts requests of every version to v2 before calling them:
// one defaulting and one validation, written once, serve all versions.
package webhook

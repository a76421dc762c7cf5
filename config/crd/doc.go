// Package crd holds the CustomResourceDefinition of autoscaling.mhpa.dev
// HorizontalPodAutoscalers: bases/ is generated from the API types by hack/generate.sh,
// patches/ and kustomization.yaml add the conversion webhook. The package has no code; its
// tests check the generated manifest as the API server would (validation, structural schema,
// printer columns).
package crd

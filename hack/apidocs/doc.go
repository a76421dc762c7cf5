// Command apidocs writes docs/api-reference.md, the reference of the autoscaling.mhpa.dev/v2
// API, from the Go types in api/v2: every type reachable from HorizontalPodAutoscaler with
// its fields (JSON name, type, whether required, validation and defaults from the kubebuilder
// markers, and the field's comment), the values of each enumerated type, and the annotations
// that carry v2 fields through the older versions. It also writes the flag table of
// docs/operations.md (between its BEGIN FLAGS and END FLAGS markers) from mhpa-controller's
// own flag set.
//
// Usage, from the repository root:
//
//	go run ./hack/apidocs          rewrite docs/api-reference.md and the flags of docs/operations.md
//	go test ./hack/apidocs         fail if either is out of date
package main

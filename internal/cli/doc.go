// Package cli holds what the subcommands of the kubectl-mhpa plugin share: reading
// HorizontalPodAutoscaler manifests of any version (autoscaling.mhpa.dev/v1, v2beta1, v2beta2,
// v2 and the built-in autoscaling/v1 and autoscaling/v2) into the hub version
// autoscaling.mhpa.dev/v2, with defaulting and validation as the API server would apply them
// and errors that name the file, the line, the field and what is allowed (one autoscaler per
// manifest with [ReadHPA], several and Lists with [DecodeHPAs]); the form `kubectl mhpa import`
// writes and applies them in ([ForImport]); the clients of the commands that talk to a cluster,
// made from kubectl's standard kubeconfig flags ([Cluster]), and API errors worded with what to
// do ([APIError]); and the build information the version subcommand prints.
package cli

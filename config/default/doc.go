// Package defaultconfig holds the kustomization that installs mhpa on a cluster
// (`kubectl apply -k config/default`): the namespace, CRD, RBAC, webhooks and the
// mhpa-controller Deployment with its Services. The package has no code; its tests render the
// kustomization with `kubectl kustomize` and check that the pieces fit together as the cluster
// and mhpa-controller will use them: the Deployment's command line parses with the
// controller's own flags, every name the controller looks for exists, Services reach the
// container's ports, and the pod passes the "restricted" Pod Security Standard its namespace
// enforces.
package defaultconfig

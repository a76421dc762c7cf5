// Package manifest reads mhpa's install manifests as a cluster sees them, for the tests that
// check them: it renders a kustomization with the kubectl binary the control plane build
// provides (`kubectl kustomize`), decodes YAML streams into objects, and turns the
// mhpa-controller Deployment into the command line its container runs (the args with the
// kubelet's $(VAR) expansion of the container's environment) and the options the controller's
// own flag set parses from it.
package manifest

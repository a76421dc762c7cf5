// Package install puts mhpa's CustomResourceDefinition and webhook configurations into a
// cluster from the repository's manifests (config/crd/bases, config/webhook/manifests.yaml) and
// waits until they work: the CRD is established, and the API server converts, defaults and
// validates through mhpa-controller's webhooks.
//
// It is what the test framework (test/framework) and the demo (internal/demo) share to install
// mhpa on a local control plane, where mhpa-controller runs as a process next to the API server
// and injects its webhook URL and CA bundle itself. A real cluster is installed with kustomize
// from config/ instead.
package install

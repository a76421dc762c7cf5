// Package e2e holds the end-to-end suites of mhpa: mhpa-controller on a real control plane
// (kube-apiserver, etcd, kube-controller-manager and the kubelet stand-in) scaling Deployments
// by metrics that real aggregated metrics servers serve.
package e2e

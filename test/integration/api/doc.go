// Package api holds the integration tests of the autoscaling.mhpa.dev API on a real control
// plane (etcd and kube-apiserver): the CRD of config/crd/bases with the webhooks of
// config/webhook, served by mhpa-controller's webhook server running in the test process on
// 127.0.0.1 and called by the API server at https://localhost:<port>. They cover every version
// created and read in every other, round trips through the API server, the printer columns,
// deprecation warnings, defaulting, the table of invalid objects of package validationtest, and
// the rotation and injection of the webhook certificates.
//
// Run them with `go test ./test/integration/api/` after hack/controlplane/build.sh. Set
// MHPA_TEST_CRD_FILE to test a CRD file other than config/crd/bases.
package api

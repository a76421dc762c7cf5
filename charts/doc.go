// Package charts holds mhpa's Helm chart (charts/mhpa), which installs the same objects as
// `kubectl apply -k config/default`. The package has no code of its own; its tests keep the
// chart in step with config/: they render the chart with Helm's own template engine
// (helm.sh/helm/v3) and compare every object with what kustomize renders from config/default,
// in the default namespace and in another one, and check that the chart's CRD template is the
// one hack/gen-chart.sh generates from config/crd.
//
// The chart's templates are written by hand, except templates/crd.yaml, which is generated:
// run hack/gen-chart.sh after the API (and so config/crd) changes. Any other difference between
// the chart and config/ fails the tests with a diff that says which object and field to
// change.
package charts

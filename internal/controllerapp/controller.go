package controllerapp

import (
	"fmt"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/mhpa-dev/mhpa/internal/controller"
	"github.com/mhpa-dev/mhpa/internal/metrics"
	"github.com/mhpa-dev/mhpa/internal/metrics/aggregated"
	"github.com/mhpa-dev/mhpa/internal/metrics/dedupe"
	"github.com/mhpa-dev/mhpa/internal/podsource"
	"github.com/mhpa-dev/mhpa/internal/scaletarget"
)

// EventSource is the component name of the controller's events.
const EventSource = "mhpa-controller"

// addController wires the HPA controller and what it reads from into mgr: the scale of
// targets and the pods from informers, metrics through the subdomain router (deduplicated per
// sync when MetricsFreshness is set). With Controller.BuiltinHPAs it reconciles built-in
// autoscaling/v2 HorizontalPodAutoscalers too.
func addController(mgr ctrl.Manager, cfg *rest.Config, o Options) error {
	scales, err := scaletarget.NewForConfig(cfg, scaletarget.Options{Registerer: ctrlmetrics.Registry})
	if err != nil {
		return err
	}
	if err := mgr.Add(scales); err != nil {
		return err
	}
	pods, err := podsource.NewForConfig(cfg, podsource.Options{})
	if err != nil {
		return err
	}
	if err := mgr.Add(pods); err != nil {
		return err
	}
	router, err := aggregated.New(cfg, aggregated.Options{
		RESTMapper: mgr.GetRESTMapper(),
		Registerer: ctrlmetrics.Registry,
		Logger:     ctrl.Log.WithName("metrics"),
		Defaults:   o.groupLimits(),
	})
	if err != nil {
		return fmt.Errorf("creating the metrics client: %w", err)
	}
	var client metrics.Client = router
	if o.MetricsFreshness > 0 {
		client = dedupe.New(router, dedupe.Options{
			Freshness:  o.MetricsFreshness,
			Registerer: ctrlmetrics.Registry,
			PodLabels: func(namespace, name string) (labels.Set, bool) {
				return pods.Labels(namespace, name)
			},
		})
	}
	r, err := controller.New(controller.Config{
		Client:     mgr.GetClient(),
		Scales:     scales,
		Pods:       pods,
		Metrics:    client,
		Recorder:   mgr.GetEventRecorderFor(EventSource), //nolint:staticcheck // the events/v1 recorder writes a different Event kind than upstream's HPA controller
		Registerer: ctrlmetrics.Registry,
		Options:    o.Controller,
	})
	if err != nil {
		return err
	}
	if err := r.SetupWithManager(mgr); err != nil {
		return err
	}
	if o.Controller.BuiltinHPAs {
		return r.SetupBuiltinWithManager(mgr)
	}
	return nil
}

package controller

import (
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	crcontroller "sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
)

// SetupWithManager registers the reconciler with mgr. An autoscaler is reconciled when it is
// created, when its spec changes (a new generation; status writes do not count) and then every
// sync period, as upstream does.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("horizontalpodautoscaler").
		For(&v2.HorizontalPodAutoscaler{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		// A process may set the controller up again after its manager stopped (a restart in
		// tests, or after losing the leader election): the name is then taken by the first.
		WithOptions(crcontroller.Options{MaxConcurrentReconciles: r.opts.Workers, SkipNameValidation: ptr.To(true)}).
		Complete(r)
}

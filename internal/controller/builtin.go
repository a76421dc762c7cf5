package controller

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crcontroller "sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/builtin"
	"github.com/mhpa-dev/mhpa/internal/decision"
	"github.com/mhpa-dev/mhpa/internal/shadow"
)

// Built-in mode: the controller also reconciles built-in autoscaling/v2
// HorizontalPodAutoscalers, for clusters whose kube-controller-manager runs without its own
// HPA controller. Each one is converted to the hub version in memory (package builtin: the
// renames, and the subdomains of its autoscaling.mhpa.dev/subdomains annotation) and goes
// through the same reconcile as an autoscaling.mhpa.dev one. Only the writing differs:
//
//   - The status is written to the built-in object's status in upstream's shape (resource, not
//     podResource), with upstream's fields only; it is written when it changed.
//   - The history that the stabilization windows and scaling policies need has no field there:
//     it is kept in the annotation autoscaling.mhpa.dev/status (a JSON object with the key
//     history, as older versions of the mhpa API carry it), written with a merge patch only
//     when it changed, which is when a new count is recommended or the target is scaled.
//   - A subdomains annotation that cannot be used stops the autoscaler: a Warning event and
//     the condition ScalingActive=False, both with reason InvalidSubdomainsAnnotation and a
//     message that names the annotation, its value and what is allowed.

// ReasonInvalidSubdomainsAnnotation is the reason of the event and of the ScalingActive=False
// condition of a built-in autoscaler whose autoscaling.mhpa.dev/subdomains annotation cannot
// be used.
const ReasonInvalidSubdomainsAnnotation = "InvalidSubdomainsAnnotation"

// SetupBuiltinWithManager registers the reconciler of built-in autoscaling/v2
// HorizontalPodAutoscalers with mgr, next to the one SetupWithManager registers. They share
// the controller's memory, its pod selectors (so that a built-in and an mhpa autoscaler of the
// same pods are both reported AmbiguousSelector) and its metrics.
func (r *Reconciler) SetupBuiltinWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("builtin-horizontalpodautoscaler").
		For(&autoscalingv2.HorizontalPodAutoscaler{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		WithOptions(crcontroller.Options{MaxConcurrentReconciles: r.opts.Workers, SkipNameValidation: ptr.To(true)}).
		Complete(builtinReconciler{r: r})
}

// builtinReconciler reconciles built-in autoscaling/v2 HorizontalPodAutoscalers.
type builtinReconciler struct {
	r *Reconciler
}

// Reconcile reconciles one built-in autoscaler, as Reconciler.Reconcile does an mhpa one.
func (b builtinReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	r := b.r
	key := autoscalerKey{Builtin: true, NamespacedName: req.NamespacedName}
	var cached autoscalingv2.HorizontalPodAutoscaler
	if ok, res, err := r.load(ctx, key, &cached); !ok {
		return res, err
	}
	hpa, err := hubOf(&cached)
	if err != nil {
		start := r.clock.Now()
		r.reportInvalidAnnotation(ctx, &cached, err)
		r.monitor.observeReconcile(actionNone, errorSpec, r.clock.Since(start))
		return ctrl.Result{RequeueAfter: r.opts.SyncPeriod}, nil
	}
	return r.run(ctx, &autoscaler{
		key:    key,
		object: &cached,
		hpa:    hpa,
		writeStatus: func(ctx context.Context, status *v2.HorizontalPodAutoscalerStatus) error {
			return r.writeBuiltinStatus(ctx, &cached, status)
		},
	}), nil
}

// hubOf converts a built-in autoscaler to the hub version with API defaults and its status
// (the history from the status annotation), or says why its subdomains annotation cannot be
// used.
func hubOf(in *autoscalingv2.HorizontalPodAutoscaler) (*v2.HorizontalPodAutoscaler, error) {
	hpa, err := builtin.FromV2(in)
	if err != nil {
		return nil, err
	}
	if err := checkSubdomains(in.Annotations[v2.SubdomainsAnnotation], hpa.Spec.Metrics); err != nil {
		return nil, err
	}
	v2.SetDefaults_HorizontalPodAutoscaler(hpa)
	hpa.Status = hubStatus(in)
	return hpa, nil
}

// checkSubdomains checks that every subdomain the annotation (raw) set is a DNS-1123 label, as
// validation requires of an mhpa autoscaler's subdomain fields: nothing validates a built-in
// autoscaler's annotations before the controller reads them.
func checkSubdomains(raw string, metrics []v2.MetricSpec) error {
	path := field.NewPath("metadata", "annotations").Key(v2.SubdomainsAnnotation)
	for i := range metrics {
		s := shadow.Subdomain(&metrics[i])
		if s == "" {
			continue
		}
		if errs := validation.IsDNS1123Label(s); len(errs) > 0 {
			return field.Invalid(path, raw, fmt.Sprintf("entry %d (for spec.metrics[%d]) is %q: each entry must be \"\" (the default metrics API group) or a DNS-1123 label: %s",
				i, i, s, strings.Join(errs, "; ")))
		}
	}
	return nil
}

// reportInvalidAnnotation reports a subdomains annotation that cannot be used: a Warning event
// and ScalingActive=False. Nothing is scaled.
func (r *Reconciler) reportInvalidAnnotation(ctx context.Context, cached *autoscalingv2.HorizontalPodAutoscaler, err error) {
	r.recorder.Event(cached, corev1.EventTypeWarning, ReasonInvalidSubdomainsAnnotation, err.Error())
	status := hubStatus(cached)
	status.Conditions = decision.ApplyConditions(status.Conditions, []decision.Condition{{
		Type: v2.ScalingActive, Status: corev1.ConditionFalse, Reason: ReasonInvalidSubdomainsAnnotation,
		Message: "the HPA controller cannot choose the metrics APIs of this autoscaler: " + err.Error(),
	}}, metav1.NewTime(r.clock.Now()))
	_ = r.writeBuiltinStatus(ctx, cached, &status) // a failure is reported with an event
}

// writeBuiltinStatus writes status to the built-in autoscaler's status, in upstream's shape,
// when it changed, and the history to its status annotation when that changed.
func (r *Reconciler) writeBuiltinStatus(ctx context.Context, cached *autoscalingv2.HorizontalPodAutoscaler, status *v2.HorizontalPodAutoscalerStatus) error {
	out := cached.DeepCopy()
	out.Status = builtinStatus(status, &cached.Status)
	if !equality.Semantic.DeepEqual(&cached.Status, &out.Status) {
		if err := r.client.Status().Update(ctx, out); err != nil {
			r.recorder.Event(cached, corev1.EventTypeWarning, "FailedUpdateStatus", err.Error())
			return fmt.Errorf("failed to update status for %s: %w", cached.Name, err)
		}
	}
	want, err := historyAnnotation(status.History)
	if err != nil {
		return err
	}
	have, found := cached.Annotations[v2.StatusAnnotation]
	if have == want && found == (want != "") {
		return nil
	}
	var value any // null removes the annotation
	if want != "" {
		value = want
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]any{v2.StatusAnnotation: value}}})
	if err != nil {
		return err
	}
	target := &autoscalingv2.HorizontalPodAutoscaler{ObjectMeta: metav1.ObjectMeta{Namespace: cached.Namespace, Name: cached.Name}}
	if err := r.client.Patch(ctx, target, client.RawPatch(types.MergePatchType, patch)); err != nil {
		r.recorder.Event(cached, corev1.EventTypeWarning, "FailedUpdateStatus", "writing the "+v2.StatusAnnotation+" annotation: "+err.Error())
		return fmt.Errorf("failed to write the %s annotation of %s: %w", v2.StatusAnnotation, cached.Name, err)
	}
	return nil
}

// builtinHistory is the JSON form of the status annotation on a built-in autoscaler: the key
// of the status annotation that older versions of the mhpa API carry the history in.
type builtinHistory struct {
	History *v2.ScalingHistory `json:"history,omitempty"`
}

// historyAnnotation is the value of the status annotation for history; "" for none.
func historyAnnotation(h *v2.ScalingHistory) (string, error) {
	if h == nil {
		return "", nil
	}
	data, err := json.Marshal(builtinHistory{History: h})
	if err != nil {
		return "", fmt.Errorf("encoding the history: %w", err)
	}
	return string(data), nil
}

// historyOf reads the history from the status annotation. One that cannot be read is taken as
// no history (as upstream has none after a restart), and is replaced at the next write.
func historyOf(annotations map[string]string) *v2.ScalingHistory {
	raw, ok := annotations[v2.StatusAnnotation]
	if !ok {
		return nil
	}
	var h builtinHistory
	if err := json.Unmarshal([]byte(raw), &h); err != nil {
		return nil
	}
	return h.History
}

// hubStatus is a built-in autoscaler's status in hub form, with the history of its status
// annotation.
func hubStatus(in *autoscalingv2.HorizontalPodAutoscaler) v2.HorizontalPodAutoscalerStatus {
	s := in.Status.DeepCopy()
	out := v2.HorizontalPodAutoscalerStatus{
		ObservedGeneration: s.ObservedGeneration,
		LastScaleTime:      s.LastScaleTime,
		CurrentReplicas:    s.CurrentReplicas,
		DesiredReplicas:    s.DesiredReplicas,
		History:            historyOf(in.Annotations),
	}
	if s.CurrentMetrics != nil {
		out.CurrentMetrics = make([]v2.MetricStatus, len(s.CurrentMetrics))
		for i := range s.CurrentMetrics {
			out.CurrentMetrics[i] = metricStatusToHub(&s.CurrentMetrics[i])
		}
	}
	for _, c := range s.Conditions {
		out.Conditions = append(out.Conditions, v2.HorizontalPodAutoscalerCondition{
			Type: v2.HorizontalPodAutoscalerConditionType(c.Type), Status: c.Status,
			LastTransitionTime: c.LastTransitionTime, Reason: c.Reason, Message: c.Message,
		})
	}
	return out
}

// builtinStatus is status in upstream's shape, for the built-in autoscaler whose status was
// orig. The fields upstream has no place for (reference, targets, lastDecision, history,
// shadow comparisons) are left out; observedGeneration, which upstream's controller does not
// write, is kept as it was.
func builtinStatus(status *v2.HorizontalPodAutoscalerStatus, orig *autoscalingv2.HorizontalPodAutoscalerStatus) autoscalingv2.HorizontalPodAutoscalerStatus {
	s := status.DeepCopy()
	out := autoscalingv2.HorizontalPodAutoscalerStatus{
		ObservedGeneration: orig.ObservedGeneration,
		LastScaleTime:      s.LastScaleTime,
		CurrentReplicas:    s.CurrentReplicas,
		DesiredReplicas:    s.DesiredReplicas,
	}
	if s.CurrentMetrics != nil {
		out.CurrentMetrics = make([]autoscalingv2.MetricStatus, len(s.CurrentMetrics))
		for i := range s.CurrentMetrics {
			out.CurrentMetrics[i] = metricStatusToBuiltin(&s.CurrentMetrics[i])
		}
	}
	for _, c := range s.Conditions {
		out.Conditions = append(out.Conditions, autoscalingv2.HorizontalPodAutoscalerCondition{
			Type: autoscalingv2.HorizontalPodAutoscalerConditionType(c.Type), Status: c.Status,
			LastTransitionTime: c.LastTransitionTime, Reason: c.Reason, Message: c.Message,
		})
	}
	return out
}

// metricStatusToBuiltin renames what the hub renamed: PodResource is Resource upstream.
func metricStatusToBuiltin(in *v2.MetricStatus) autoscalingv2.MetricStatus {
	out := autoscalingv2.MetricStatus{Type: autoscalingv2.MetricSourceType(in.Type)}
	if in.Type == v2.PodResourceMetricSourceType {
		out.Type = autoscalingv2.ResourceMetricSourceType
	}
	if s := in.Object; s != nil {
		out.Object = &autoscalingv2.ObjectMetricStatus{
			Metric:          autoscalingv2.MetricIdentifier(s.Metric),
			Current:         autoscalingv2.MetricValueStatus(s.Current),
			DescribedObject: autoscalingv2.CrossVersionObjectReference(s.DescribedObject),
		}
	}
	if s := in.Pods; s != nil {
		out.Pods = &autoscalingv2.PodsMetricStatus{Metric: autoscalingv2.MetricIdentifier(s.Metric), Current: autoscalingv2.MetricValueStatus(s.Current)}
	}
	if s := in.PodResource; s != nil {
		out.Resource = &autoscalingv2.ResourceMetricStatus{Name: s.Name, Current: autoscalingv2.MetricValueStatus(s.Current)}
	}
	if s := in.ContainerResource; s != nil {
		out.ContainerResource = &autoscalingv2.ContainerResourceMetricStatus{Name: s.Name, Container: s.Container, Current: autoscalingv2.MetricValueStatus(s.Current)}
	}
	if s := in.External; s != nil {
		out.External = &autoscalingv2.ExternalMetricStatus{Metric: autoscalingv2.MetricIdentifier(s.Metric), Current: autoscalingv2.MetricValueStatus(s.Current)}
	}
	return out
}

// metricStatusToHub is the inverse of metricStatusToBuiltin.
func metricStatusToHub(in *autoscalingv2.MetricStatus) v2.MetricStatus {
	out := v2.MetricStatus{Type: builtin.MetricSourceTypeToHub(in.Type)}
	if s := in.Object; s != nil {
		out.Object = &v2.ObjectMetricStatus{
			Metric:          v2.MetricIdentifier(s.Metric),
			Current:         v2.MetricValueStatus(s.Current),
			DescribedObject: v2.CrossVersionObjectReference(s.DescribedObject),
		}
	}
	if s := in.Pods; s != nil {
		out.Pods = &v2.PodsMetricStatus{Metric: v2.MetricIdentifier(s.Metric), Current: v2.MetricValueStatus(s.Current)}
	}
	if s := in.Resource; s != nil {
		out.PodResource = &v2.ResourceMetricStatus{Name: s.Name, Current: v2.MetricValueStatus(s.Current)}
	}
	if s := in.ContainerResource; s != nil {
		out.ContainerResource = &v2.ContainerResourceMetricStatus{Name: s.Name, Container: s.Container, Current: v2.MetricValueStatus(s.Current)}
	}
	if s := in.External; s != nil {
		out.External = &v2.ExternalMetricStatus{Metric: v2.MetricIdentifier(s.Metric), Current: v2.MetricValueStatus(s.Current)}
	}
	return out
}

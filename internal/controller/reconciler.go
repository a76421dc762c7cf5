package controller

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v2 "github.com/mhpa-dev/mhpa/api/v2"
	"github.com/mhpa-dev/mhpa/internal/behavior"
	"github.com/mhpa-dev/mhpa/internal/decision"
	"github.com/mhpa-dev/mhpa/internal/metrics"
	"github.com/mhpa-dev/mhpa/internal/podsource"
	"github.com/mhpa-dev/mhpa/internal/scaletarget"
	"github.com/mhpa-dev/mhpa/internal/shadow"
)

// ScaleClient reads and writes the scale of targets (implemented by package scaletarget).
type ScaleClient interface {
	// Get returns the scale of the target ref names.
	Get(ctx context.Context, ref scaletarget.Ref) (scaletarget.Scale, error)
	// SetReplicas sets the target's spec replicas.
	SetReplicas(ctx context.Context, in scaletarget.SetReplicasInput) (scaletarget.Scale, error)
}

// PodLister lists the pods of a namespace that a selector matches (implemented by package
// podsource).
type PodLister interface {
	// List returns the pods of namespace that selector matches.
	List(namespace string, selector labels.Selector) []*podsource.Pod
	// HasSynced reports whether the pods have been listed once: before, no decision is made,
	// since a missing pod would count as a missing metric.
	HasSynced() bool
}

// notSyncedRetry is how soon a reconcile is retried while the pod cache has not synced.
const notSyncedRetry = time.Second

// Options are the controller-wide settings, kube-controller-manager's
// --horizontal-pod-autoscaler-* flags among them.
type Options struct {
	// SyncPeriod is how often each autoscaler is reconciled.
	SyncPeriod time.Duration
	// Workers is how many autoscalers are reconciled at once.
	Workers int
	// Decision holds the tolerance, downscale stabilization window and readiness rules.
	Decision decision.Config
	// BuiltinHPAs makes the controller reconcile built-in autoscaling/v2
	// HorizontalPodAutoscalers too (see SetupBuiltinWithManager).
	BuiltinHPAs bool
}

// DefaultOptions returns kube-controller-manager's defaults.
func DefaultOptions() Options {
	return Options{SyncPeriod: 15 * time.Second, Workers: 5, Decision: decision.DefaultConfig()}
}

// Config holds what a Reconciler needs.
type Config struct {
	// Client reads autoscalers (from the manager's cache) and writes their status.
	Client client.Client
	// Scales reads and writes the scale of targets.
	Scales ScaleClient
	// Pods lists the pods of targets.
	Pods PodLister
	// Metrics reads metric values.
	Metrics metrics.Client
	// Recorder emits events on autoscalers.
	Recorder record.EventRecorder
	// Clock tells the time; the real clock if nil.
	Clock clock.Clock
	// Registerer receives the controller's Prometheus metrics; none are registered if nil.
	Registerer prometheus.Registerer
	// Options are the controller-wide settings.
	Options Options
}

// Reconciler reconciles autoscaling.mhpa.dev HorizontalPodAutoscalers.
type Reconciler struct {
	client    client.Client
	scales    ScaleClient
	pods      PodLister
	metrics   metrics.Client
	recorder  record.EventRecorder
	clock     clock.Clock
	opts      Options
	monitor   *monitor
	selectors *podsource.SelectorIndex

	mu sync.Mutex
	// known holds what the controller remembers of each autoscaler between reconciles.
	known map[autoscalerKey]*memory
}

// autoscalerKey identifies an autoscaler of either API.
type autoscalerKey struct {
	// Builtin is true for a built-in autoscaling/v2 HorizontalPodAutoscaler.
	Builtin bool
	types.NamespacedName
}

// selectorName is the name the autoscaler's pod selector is indexed under: a built-in
// autoscaler is told apart from an autoscaling.mhpa.dev one of the same name, and both count
// when upstream's AmbiguousSelector check looks for autoscalers selecting the same pods.
func (k autoscalerKey) selectorName() string {
	if k.Builtin {
		return k.Name + " (autoscaling/v2)"
	}
	return k.Name
}

// autoscaler is one autoscaler as a reconcile sees it, whichever API it was read from: the
// gathering, the decision and the acting on it are the same for both.
type autoscaler struct {
	// key identifies it.
	key autoscalerKey
	// object is the API object that events are recorded on.
	object runtime.Object
	// hpa is the autoscaler in the hub version, with API defaults applied; its status is the
	// one read from the API, in hub form. It is not modified.
	hpa *v2.HorizontalPodAutoscaler
	// writeStatus persists status in the object's API when it differs from the one read.
	writeStatus func(ctx context.Context, status *v2.HorizontalPodAutoscalerStatus) error
}

// memory is what the controller keeps of one autoscaler between reconciles: little, since
// everything that must survive a restart is in its status.
type memory struct {
	// lastRecommendation is when the count of the history's open run was last recommended
	// (decision.Decision.LastRecommendationTime); zero until this process has decided once.
	lastRecommendation time.Time
}

// New returns a Reconciler.
func New(cfg Config) (*Reconciler, error) {
	if cfg.Client == nil || cfg.Scales == nil || cfg.Pods == nil || cfg.Metrics == nil || cfg.Recorder == nil {
		return nil, errors.New("controller: Client, Scales, Pods, Metrics and Recorder are required")
	}
	if cfg.Options.SyncPeriod <= 0 {
		return nil, fmt.Errorf("controller: sync period must be positive, got %v", cfg.Options.SyncPeriod)
	}
	clk := cfg.Clock
	if clk == nil {
		clk = clock.RealClock{}
	}
	mon, err := newMonitor(cfg.Registerer)
	if err != nil {
		return nil, fmt.Errorf("controller: registering metrics: %w", err)
	}
	return &Reconciler{
		client:    cfg.Client,
		scales:    cfg.Scales,
		pods:      cfg.Pods,
		metrics:   cfg.Metrics,
		recorder:  cfg.Recorder,
		clock:     clk,
		opts:      cfg.Options,
		monitor:   mon,
		selectors: podsource.NewSelectorIndex(),
		known:     map[autoscalerKey]*memory{},
	}, nil
}

// load reads the autoscaler key names into obj from the cache and says whether to reconcile
// it: not when it is gone (then it is forgotten) or being deleted, and not yet while the pod
// cache has not synced (then res asks for a retry soon).
func (r *Reconciler) load(ctx context.Context, key autoscalerKey, obj client.Object) (ok bool, res ctrl.Result, err error) {
	if err := r.client.Get(ctx, key.NamespacedName, obj); err != nil {
		if apierrors.IsNotFound(err) {
			r.forget(key)
			return false, ctrl.Result{}, nil
		}
		return false, ctrl.Result{}, err
	}
	if obj.GetDeletionTimestamp() != nil {
		return false, ctrl.Result{}, nil
	}
	if !r.pods.HasSynced() {
		return false, ctrl.Result{RequeueAfter: notSyncedRetry}, nil
	}
	return true, ctrl.Result{}, nil
}

// Reconcile reconciles one autoscaling.mhpa.dev autoscaler and asks to be called again after
// the sync period, whatever happened: like upstream, a failing autoscaler is retried at the
// normal pace, not with a growing backoff.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	key := autoscalerKey{NamespacedName: req.NamespacedName}
	var cached v2.HorizontalPodAutoscaler
	if ok, res, err := r.load(ctx, key, &cached); !ok {
		return res, err
	}
	hpa := cached.DeepCopy()
	v2.SetDefaults_HorizontalPodAutoscaler(hpa)
	return r.run(ctx, &autoscaler{
		key:    key,
		object: hpa,
		hpa:    hpa,
		writeStatus: func(ctx context.Context, status *v2.HorizontalPodAutoscalerStatus) error {
			return r.writeStatus(ctx, hpa, &cached, status)
		},
	}), nil
}

// run reconciles a, records the reconcile's metrics, and says when to reconcile a again.
func (r *Reconciler) run(ctx context.Context, a *autoscaler) ctrl.Result {
	start := r.clock.Now()
	action, err := r.reconcile(ctx, a)
	errLabel := errorNone
	if err != nil {
		errLabel = errorInternal
		if errors.Is(err, errSpecProblem) {
			errLabel = errorSpec
		}
		logr.FromContextOrDiscard(ctx).Error(err, "Reconcile failed", "hpa", a.key.NamespacedName, "builtin", a.key.Builtin)
	}
	r.monitor.observeReconcile(action, errLabel, r.clock.Since(start))
	return ctrl.Result{RequeueAfter: r.opts.SyncPeriod}
}

// errSpecProblem marks errors caused by the autoscaler's spec rather than by the cluster.
var errSpecProblem = errors.New("invalid spec")

// reconcile runs one decision for a and applies it: the target's scale, events, and the status
// with its conditions, history and shadow comparisons. It returns the action label for the
// reconcile metric.
func (r *Reconciler) reconcile(ctx context.Context, a *autoscaler) (string, error) {
	hpa := a.hpa
	now := r.clock.Now()
	lastRecommendation := r.remembered(a.key)

	status := hpa.Status.DeepCopy()
	status.Reference = hpa.Spec.ScaleTargetRef.Kind + "/" + hpa.Spec.ScaleTargetRef.Name
	status.ObservedGeneration = &hpa.Generation

	ref := hpa.Spec.ScaleTargetRef
	scale, err := r.scales.Get(ctx, scaletarget.Ref{Namespace: hpa.Namespace, APIVersion: ref.APIVersion, Kind: ref.Kind, Name: ref.Name})
	if err != nil {
		r.recorder.Event(a.object, corev1.EventTypeWarning, "FailedGetScale", err.Error())
		status.Conditions = decision.ApplyConditions(status.Conditions, []decision.Condition{{
			Type: v2.AbleToScale, Status: corev1.ConditionFalse, Reason: "FailedGetScale",
			Message: "the HPA controller was unable to get the target's current scale: " + err.Error(),
		}}, metav1.NewTime(now))
		_ = a.writeStatus(ctx, status) // reported with an event; the scale error is the one to return
		var invalid *scaletarget.InvalidAPIVersionError
		if errors.As(err, &invalid) {
			return actionNone, fmt.Errorf("invalid API version in scale target reference: %w: %w", err, errSpecProblem)
		}
		return actionNone, fmt.Errorf("failed to query scale subresource for %s: %w", status.Reference, err)
	}

	in := decision.Input{
		Now:                    now,
		LastRecommendationTime: lastRecommendation,
		Config:                 r.opts.Decision,
		Spec:                   &hpa.Spec,
		SpecReplicas:           scale.SpecReplicas,
		StatusReplicas:         scale.StatusReplicas,
		ScaledToZero:           conditionTrue(status.Conditions, v2.ScaledToZero),
		LastDesiredReplicas:    status.DesiredReplicas,
		History:                behavior.FromAPI(status.History),
	}
	var took []metricOutcome
	if decision.NeedsMetrics(&in) {
		selector, pods, selErr := r.podSelector(a.key, scale.Selector)
		if selErr != nil {
			in.SelectorError = selErr
		} else {
			in.Pods = toDecisionPods(pods, nil)
			in.Metrics, took = r.gatherMetrics(ctx, hpa.Namespace, &hpa.Spec, selector)
		}
	}
	d := decision.Decide(in)
	if d.Scale {
		if _, err := r.scales.SetReplicas(ctx, scaletarget.SetReplicasInput{Target: scale.Target, Replicas: d.DesiredReplicas}); err != nil {
			d = d.ScaleFailed(err)
		}
	}
	r.remember(a.key, d.LastRecommendationTime)
	for _, e := range d.Events {
		r.recorder.Event(a.object, e.Type, e.Reason, e.Message)
	}
	r.observeMetrics(hpa, &d, took)
	shadows := shadow.Observe(shadow.Input{Now: now, Metrics: hpa.Spec.Metrics, Results: d.Metrics, Previous: status.ShadowComparisons})

	nowTime := metav1.NewTime(now)
	status.CurrentReplicas = scale.SpecReplicas
	status.DesiredReplicas = d.DesiredReplicas
	status.CurrentMetrics = d.CurrentMetrics()
	if d.Scale {
		status.LastScaleTime = &nowTime
	}
	conditions := d.Conditions
	if shadows.Condition != nil {
		conditions = append(conditions[:len(conditions):len(conditions)], *shadows.Condition)
	}
	status.Conditions = decision.ApplyConditions(status.Conditions, conditions, nowTime)
	if !shadows.HasShadow {
		status.Conditions = withoutCondition(status.Conditions, v2.ShadowMetricsActive)
	}
	status.Targets = FormatTargets(hpa.Spec.Metrics, status.CurrentMetrics)
	status.History = d.History.API()
	status.ShadowComparisons = shadows.Comparisons
	last := d.ScalingDecision(nowTime)
	if status.LastDecision == nil || !sameDecision(status.LastDecision, &last) {
		status.LastDecision = &last
	}
	r.monitor.desiredReplicas.WithLabelValues(hpa.Namespace, hpa.Name).Set(float64(d.DesiredReplicas))
	if err := a.writeStatus(ctx, status); err != nil {
		return actionOf(&d), err
	}
	if d.Err != nil {
		return actionOf(&d), d.Err
	}
	return actionOf(&d), nil
}

// withoutCondition returns conds without the condition of type t: conds itself when it has
// none, else a new slice.
func withoutCondition(conds []v2.HorizontalPodAutoscalerCondition, t v2.HorizontalPodAutoscalerConditionType) []v2.HorizontalPodAutoscalerCondition {
	i := conditionIndex(conds, t)
	if i < 0 {
		return conds
	}
	out := make([]v2.HorizontalPodAutoscalerCondition, 0, len(conds)-1)
	out = append(out, conds[:i]...)
	return append(out, conds[i+1:]...)
}

func conditionIndex(conds []v2.HorizontalPodAutoscalerCondition, t v2.HorizontalPodAutoscalerConditionType) int {
	for i := range conds {
		if conds[i].Type == t {
			return i
		}
	}
	return -1
}

// podSelector parses the target's selector, lists the pods it matches and checks that no other autoscaler selects the
// same pods, as upstream does before computing metrics. On failure it says which condition
// and events upstream reports.
func (r *Reconciler) podSelector(key autoscalerKey, selector string) (labels.Selector, []*podsource.Pod, *decision.SelectorError) {
	if selector == "" {
		return nil, nil, &decision.SelectorError{
			Event: "SelectorRequired", Message: "selector is required",
			Reason: "InvalidSelector", ConditionMessage: "the HPA target's scale is missing a selector",
		}
	}
	parsed, err := labels.Parse(selector)
	if err != nil {
		msg := fmt.Sprintf("couldn't convert selector into a corresponding internal selector object: %v", err)
		return nil, nil, &decision.SelectorError{Event: "InvalidSelector", Message: msg, Reason: "InvalidSelector", ConditionMessage: msg}
	}
	r.selectors.Set(key.Namespace, key.selectorName(), parsed)
	pods := r.pods.List(key.Namespace, parsed)
	if err := r.selectors.Check(key.Namespace, selector, pods); err != nil {
		return nil, nil, &decision.SelectorError{Event: "AmbiguousSelector", Message: err.Error(), Reason: "AmbiguousSelector", ConditionMessage: err.Error()}
	}
	return parsed, pods, nil
}

// writeStatus writes status if it differs from the cached object's, and reports a failure
// with a FailedUpdateStatus event as upstream does.
func (r *Reconciler) writeStatus(ctx context.Context, hpa, cached *v2.HorizontalPodAutoscaler, status *v2.HorizontalPodAutoscalerStatus) error {
	if equality.Semantic.DeepEqual(&cached.Status, status) {
		return nil
	}
	out := cached.DeepCopy()
	out.Status = *status
	if err := r.client.Status().Update(ctx, out); err != nil {
		r.recorder.Event(hpa, corev1.EventTypeWarning, "FailedUpdateStatus", err.Error())
		return fmt.Errorf("failed to update status for %s: %w", hpa.Name, err)
	}
	return nil
}

// sameDecision reports whether two decisions differ only in their time, so that a steady
// autoscaler keeps its lastDecision and writes no status.
func sameDecision(a, b *v2.ScalingDecision) bool {
	x, y := *a, *b
	x.Time, y.Time = metav1.Time{}, metav1.Time{}
	return equality.Semantic.DeepEqual(&x, &y)
}

func conditionTrue(conds []v2.HorizontalPodAutoscalerCondition, t v2.HorizontalPodAutoscalerConditionType) bool {
	for i := range conds {
		if conds[i].Type == t {
			return conds[i].Status == corev1.ConditionTrue
		}
	}
	return false
}

func actionOf(d *decision.Decision) string {
	switch {
	case d.Scale && d.DesiredReplicas > d.CurrentReplicas:
		return actionScaleUp
	case d.Scale && d.DesiredReplicas < d.CurrentReplicas:
		return actionScaleDown
	}
	return actionNone
}

// observeMetrics records each metric's computation, with upstream's labels.
func (r *Reconciler) observeMetrics(hpa *v2.HorizontalPodAutoscaler, d *decision.Decision, took []metricOutcome) {
	for i := range d.Metrics {
		if i >= len(took) || i >= len(hpa.Spec.Metrics) {
			break
		}
		m := &d.Metrics[i]
		action, errLabel := actionNone, errorNone
		switch {
		case m.Err != nil:
			errLabel = errorInternal
		case m.Result.Replicas > hpa.Status.CurrentReplicas:
			action = actionScaleUp
		case m.Result.Replicas < hpa.Status.CurrentReplicas:
			action = actionScaleDown
		}
		r.monitor.observeMetric(action, errLabel, string(hpa.Spec.Metrics[i].Type), took[i].took)
	}
}

// remembered returns what this process remembers of key's last recommendation time, and
// starts remembering key.
func (r *Reconciler) remembered(key autoscalerKey) time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.known[key]
	if m == nil {
		m = &memory{}
		r.known[key] = m
		r.monitor.autoscalers.Set(float64(len(r.known)))
	}
	return m.lastRecommendation
}

// remember records key's last recommendation time after a decision.
func (r *Reconciler) remember(key autoscalerKey, t time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if m := r.known[key]; m != nil {
		m.lastRecommendation = t
	}
}

// forget drops everything remembered of a deleted autoscaler.
func (r *Reconciler) forget(key autoscalerKey) {
	r.selectors.Delete(key.Namespace, key.selectorName())
	r.monitor.desiredReplicas.DeleteLabelValues(key.Namespace, key.Name)
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.known[key]; !ok {
		return
	}
	delete(r.known, key)
	r.monitor.autoscalers.Set(float64(len(r.known)))
}

package kubelet

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/retry"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
)

// Options configure a StandIn. The zero value is usable.
type Options struct {
	// NodeName is the name of the Node the stand-in registers and binds pods to.
	// Default "mhpa-node".
	NodeName string
	// NodeIP is the node's InternalIP and the pods' hostIP. Default "127.0.0.1".
	NodeIP string
	// Allocatable is the node's capacity and allocatable resources.
	// Default cpu 32, memory 128Gi, pods 1000.
	Allocatable corev1.ResourceList
	// ReadyAfter is how long after its start a pod becomes Ready, unless its annotations or
	// TimingFunc say otherwise. Default 0: Ready as soon as it runs.
	ReadyAfter time.Duration
	// TimingFunc, if set, decides each pod's Timing when the pod is (re)considered. It gets the
	// Timing from ReadyAfter and the pod's annotations and returns the one to use.
	TimingFunc func(pod *corev1.Pod, fromAnnotations Timing) Timing
	// Clock gives the times written into pod status and drives readiness delays.
	// Default the real clock.
	Clock clock.WithDelayedExecution
	// Workers is the number of pods handled in parallel. Default 4.
	Workers int
	// Logger receives a line for each action. Default: discard.
	Logger logr.Logger
}

// DefaultNodeName is the Node name used when Options.NodeName is empty.
const DefaultNodeName = "mhpa-node"

func (o Options) withDefaults() Options {
	if o.NodeName == "" {
		o.NodeName = DefaultNodeName
	}
	if o.NodeIP == "" {
		o.NodeIP = "127.0.0.1"
	}
	if o.Allocatable == nil {
		o.Allocatable = corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("32"),
			corev1.ResourceMemory: resource.MustParse("128Gi"),
			corev1.ResourcePods:   resource.MustParse("1000"),
		}
	}
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.Logger.GetSink() == nil {
		o.Logger = logr.Discard()
	}
	return o
}

// StandIn plays scheduler and kubelet for one node. Create it with New, run it with Start,
// end it with Stop.
type StandIn struct {
	opts   Options
	client kubernetes.Interface
	log    logr.Logger

	factory informers.SharedInformerFactory
	pods    corelisters.PodLister
	queue   workqueue.TypedRateLimitingInterface[string]

	cancel  context.CancelFunc
	workers sync.WaitGroup

	mu       sync.Mutex
	started  map[types.UID]time.Time // precise start of each pod the stand-in started
	timers   map[string]clock.Timer  // pending readiness wake-ups by pod key
	nextIP   uint32
	stopped  bool
	stopOnce sync.Once
}

// New returns a stand-in that will act through client. Nothing happens until Start.
func New(client kubernetes.Interface, opts Options) (*StandIn, error) {
	if client == nil {
		return nil, errors.New("kubelet: client: must not be nil")
	}
	if opts.ReadyAfter < 0 {
		return nil, fmt.Errorf("kubelet: Options.ReadyAfter: invalid value %v: must not be negative", opts.ReadyAfter)
	}
	opts = opts.withDefaults()
	return &StandIn{
		opts:    opts,
		client:  client,
		log:     opts.Logger.WithValues("node", opts.NodeName),
		started: map[types.UID]time.Time{},
		timers:  map[string]clock.Timer{},
	}, nil
}

// NodeName returns the name of the stand-in's Node.
func (s *StandIn) NodeName() string { return s.opts.NodeName }

// Start registers the Node, starts watching pods and returns once the pod cache is synced
// and the workers run. ctx bounds the start only: the stand-in runs until Stop.
func (s *StandIn) Start(ctx context.Context) error {
	if err := s.registerNode(ctx); err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	s.queue = workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]())
	s.factory = informers.NewSharedInformerFactory(s.client, 0)
	informer := s.factory.Core().V1().Pods()
	s.pods = informer.Lister()
	if _, err := informer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    s.enqueue,
		UpdateFunc: func(_, obj any) { s.enqueue(obj) },
		DeleteFunc: s.forget,
	}); err != nil {
		s.Stop()
		return fmt.Errorf("kubelet: watching pods: %w", err)
	}
	s.factory.Start(runCtx.Done())
	syncCtx, syncCancel := context.WithCancel(runCtx)
	defer syncCancel()
	defer context.AfterFunc(ctx, syncCancel)()
	for typ, ok := range s.factory.WaitForCacheSync(syncCtx.Done()) {
		if !ok {
			s.Stop()
			return fmt.Errorf("kubelet: cache of %v did not sync: %w", typ, context.Cause(ctx))
		}
	}
	for range s.opts.Workers {
		s.workers.Go(func() {
			for s.processNext(runCtx) {
			}
		})
	}
	s.log.Info("stand-in started")
	return nil
}

// Stop stops watching and handling pods and waits for the stand-in's goroutines to end.
// The Node and the pods stay as they are. Stop may be called more than once.
func (s *StandIn) Stop() {
	s.stopOnce.Do(func() {
		s.mu.Lock()
		s.stopped = true
		for key, t := range s.timers {
			t.Stop()
			delete(s.timers, key)
		}
		s.mu.Unlock()
		if s.cancel != nil {
			s.cancel()
		}
		if s.queue != nil {
			s.queue.ShutDown()
		}
		s.workers.Wait()
		if s.factory != nil {
			s.factory.Shutdown()
		}
	})
}

func (s *StandIn) enqueue(obj any) {
	key, err := cache.MetaNamespaceKeyFunc(obj)
	if err != nil {
		utilruntime.HandleError(err)
		return
	}
	s.queue.Add(key)
}

func (s *StandIn) forget(obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	key, _ := cache.MetaNamespaceKeyFunc(pod)
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.started, pod.UID)
	if t, ok := s.timers[key]; ok {
		t.Stop()
		delete(s.timers, key)
	}
}

func (s *StandIn) processNext(ctx context.Context) bool {
	key, quit := s.queue.Get()
	if quit {
		return false
	}
	defer s.queue.Done(key)
	if err := s.sync(ctx, key); err != nil {
		if ctx.Err() == nil {
			s.log.Info("retrying pod", "pod", key, "error", err.Error())
		}
		s.queue.AddRateLimited(key)
		return true
	}
	s.queue.Forget(key)
	return true
}

// sync brings one pod one step closer to what a kubelet would report: deleted if it is
// being deleted, else bound to the node, else running with the status its timing calls for.
func (s *StandIn) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	pod, err := s.pods.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	switch {
	case pod.DeletionTimestamp != nil:
		if pod.Spec.NodeName != s.opts.NodeName {
			return nil
		}
		err := s.client.CoreV1().Pods(ns).Delete(ctx, name, metav1.DeleteOptions{
			GracePeriodSeconds: new(int64),
			Preconditions:      &metav1.Preconditions{UID: &pod.UID},
		})
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			return nil // gone, or another pod of the same name: its own event follows
		}
		if err == nil {
			s.log.Info("deleted pod", "pod", key)
		}
		return err
	case pod.Spec.NodeName == "":
		err := s.client.CoreV1().Pods(ns).Bind(ctx, &corev1.Binding{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: pod.UID},
			Target:     corev1.ObjectReference{Kind: "Node", Name: s.opts.NodeName},
		}, metav1.CreateOptions{})
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			return nil // deleted, or bound meanwhile: the pod's next event says which
		}
		if err == nil {
			s.log.Info("bound pod", "pod", key)
		}
		return err
	case pod.Spec.NodeName != s.opts.NodeName:
		return nil
	case pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed:
		return nil
	}
	return s.run(ctx, key, pod)
}

// run reports the pod running, and schedules a wake-up for when it becomes ready.
func (s *StandIn) run(ctx context.Context, key string, pod *corev1.Pod) error {
	now := s.opts.Clock.Now()
	timing, err := TimingFromAnnotations(pod, Timing{ReadyAfter: s.opts.ReadyAfter})
	if err != nil {
		s.log.Error(err, "ignoring invalid annotation", "pod", key)
	}
	if s.opts.TimingFunc != nil {
		timing = s.opts.TimingFunc(pod, timing)
	}

	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return nil
	}
	start, known := s.started[pod.UID]
	switch {
	case known:
	case pod.Status.StartTime != nil:
		start = pod.Status.StartTime.Time
	default:
		start = now.Add(-timing.StartedAgo)
		s.started[pod.UID] = start
	}
	podIP := ""
	if pod.Status.PodIP == "" {
		s.nextIP++
		podIP = fmt.Sprintf("10.244.%d.%d", (s.nextIP>>8)&0xff, s.nextIP&0xff)
	}
	s.mu.Unlock()

	var readyAt time.Time
	if !timing.NeverReady {
		readyAt = start.Add(timing.ReadyAfter)
	}
	status, wake := runningStatus(statusInput{
		pod: pod, hostIP: s.opts.NodeIP, podIP: podIP, start: start, readyAt: readyAt, now: now,
	})
	if !apiequality.Semantic.DeepEqual(status, pod.Status) {
		updated := pod.DeepCopy()
		updated.Status = status
		if _, err := s.client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{}); err != nil {
			if apierrors.IsNotFound(err) {
				return nil
			}
			return err
		}
		s.log.Info("updated pod status", "pod", key, "ready", isReady(status), "startTime", status.StartTime.Time)
	}
	if wake > 0 {
		s.wakeAfter(key, wake)
	}
	return nil
}

// wakeAfter enqueues the pod once d has passed on the stand-in's clock.
func (s *StandIn) wakeAfter(key string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	if old, ok := s.timers[key]; ok {
		old.Stop()
	}
	var t clock.Timer
	t = s.opts.Clock.AfterFunc(d, func() {
		s.mu.Lock()
		if s.timers[key] == t {
			delete(s.timers, key)
		}
		s.mu.Unlock()
		s.queue.Add(key)
	})
	s.timers[key] = t
}

func isReady(status corev1.PodStatus) bool {
	c := findCondition(status.Conditions, corev1.PodReady)
	return c != nil && c.Status == corev1.ConditionTrue
}

// registerNode creates (or refreshes) the Node: Ready, with the configured resources, and
// without the not-ready taint the API server adds to new nodes.
func (s *StandIn) registerNode(ctx context.Context) error {
	version := "v0.0.0"
	if info, err := s.client.Discovery().ServerVersion(); err == nil {
		version = info.GitVersion
	}
	now := metav1.NewTime(s.opts.Clock.Now()).Rfc3339Copy()
	name := s.opts.NodeName
	want := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: name,
			Labels: map[string]string{
				corev1.LabelHostname:   name,
				corev1.LabelOSStable:   "linux",
				corev1.LabelArchStable: runtime.GOARCH,
			},
		},
	}
	status := corev1.NodeStatus{
		Capacity:    s.opts.Allocatable.DeepCopy(),
		Allocatable: s.opts.Allocatable.DeepCopy(),
		Phase:       corev1.NodeRunning,
		Conditions: []corev1.NodeCondition{
			nodeCondition(corev1.NodeMemoryPressure, corev1.ConditionFalse, "KubeletHasSufficientMemory", now),
			nodeCondition(corev1.NodeDiskPressure, corev1.ConditionFalse, "KubeletHasNoDiskPressure", now),
			nodeCondition(corev1.NodePIDPressure, corev1.ConditionFalse, "KubeletHasSufficientPID", now),
			nodeCondition(corev1.NodeReady, corev1.ConditionTrue, "KubeletReady", now),
		},
		Addresses: []corev1.NodeAddress{
			{Type: corev1.NodeInternalIP, Address: s.opts.NodeIP},
			{Type: corev1.NodeHostName, Address: name},
		},
		NodeInfo: corev1.NodeSystemInfo{
			KubeletVersion:          version,
			OperatingSystem:         "linux",
			Architecture:            runtime.GOARCH,
			ContainerRuntimeVersion: "mhpa-stand-in://" + version,
			OSImage:                 "mhpa kubelet stand-in",
		},
	}
	nodes := s.client.CoreV1().Nodes()
	if _, err := nodes.Create(ctx, want, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("kubelet: creating node %q: %w", name, err)
	}
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		node, err := nodes.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		node.Status = status
		node, err = nodes.UpdateStatus(ctx, node, metav1.UpdateOptions{})
		if err != nil {
			return err
		}
		var taints []corev1.Taint
		for _, t := range node.Spec.Taints {
			if t.Key != corev1.TaintNodeNotReady && t.Key != corev1.TaintNodeUnreachable {
				taints = append(taints, t)
			}
		}
		if len(taints) == len(node.Spec.Taints) {
			return nil
		}
		node.Spec.Taints = taints
		_, err = nodes.Update(ctx, node, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("kubelet: registering node %q: %w", name, err)
	}
	s.log.Info("registered node")
	return nil
}

func nodeCondition(t corev1.NodeConditionType, status corev1.ConditionStatus, reason string, at metav1.Time) corev1.NodeCondition {
	return corev1.NodeCondition{
		Type: t, Status: status, Reason: reason, LastHeartbeatTime: at, LastTransitionTime: at,
	}
}

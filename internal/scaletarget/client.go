package scaletarget

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	apiextensionsclientset "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/scale"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/clock"
)

// Clients are the API clients a Client works with.
type Clients struct {
	// Kubernetes lists and watches the built-in kinds. Protobuf is the cheaper encoding for
	// watches (NewClients sets it).
	Kubernetes kubernetes.Interface
	// Dynamic lists and watches custom resources.
	Dynamic dynamic.Interface
	// APIExtensions lists and watches CustomResourceDefinitions.
	APIExtensions apiextensionsclientset.Interface
	// Scales reads (in the fallback) and patches /scale subresources.
	Scales scale.ScalesGetter
	// Mapper maps kinds to resources; a discovery-backed mapper that is reset when
	// CustomResourceDefinitions change.
	Mapper meta.ResettableRESTMapper
}

// NewClients builds the clients of a Client from one rest.Config: typed clients speaking
// protobuf, a dynamic and an apiextensions client, a scale client, and a RESTMapper and scale
// kind resolver backed by a memory-cached discovery client. All share one HTTP client.
func NewClients(cfg *rest.Config) (Clients, error) {
	if cfg == nil {
		return Clients{}, errors.New("scaletarget: rest config is nil; a config of the cluster is required")
	}
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return Clients{}, fmt.Errorf("scaletarget: HTTP client: %w", err)
	}
	protoCfg := rest.CopyConfig(cfg)
	protoCfg.ContentType = runtime.ContentTypeProtobuf
	protoCfg.AcceptContentTypes = runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON
	kube, err := kubernetes.NewForConfigAndClient(protoCfg, httpClient)
	if err != nil {
		return Clients{}, fmt.Errorf("scaletarget: kubernetes client: %w", err)
	}
	dyn, err := dynamic.NewForConfigAndClient(rest.CopyConfig(cfg), httpClient)
	if err != nil {
		return Clients{}, fmt.Errorf("scaletarget: dynamic client: %w", err)
	}
	ext, err := apiextensionsclientset.NewForConfigAndClient(rest.CopyConfig(cfg), httpClient)
	if err != nil {
		return Clients{}, fmt.Errorf("scaletarget: apiextensions client: %w", err)
	}
	disc, err := discovery.NewDiscoveryClientForConfigAndClient(rest.CopyConfig(cfg), httpClient)
	if err != nil {
		return Clients{}, fmt.Errorf("scaletarget: discovery client: %w", err)
	}
	cached := memory.NewMemCacheClient(disc)
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(cached)
	scales, err := scale.NewForConfig(rest.CopyConfig(cfg), mapper, dynamic.LegacyAPIPathResolverFunc,
		scale.NewDiscoveryScaleKindResolver(cached))
	if err != nil {
		return Clients{}, fmt.Errorf("scaletarget: scale client: %w", err)
	}
	return Clients{Kubernetes: kube, Dynamic: dyn, APIExtensions: ext, Scales: scales, Mapper: mapper}, nil
}

// Options configure a Client.
type Options struct {
	// Clients are the API clients; all are required.
	Clients Clients
	// Clock tells the time of writes for the overlay; the real clock if nil.
	Clock clock.PassiveClock
	// Registerer receives the Client's metrics (e.g. controller-runtime's metrics.Registry);
	// none are registered if nil.
	Registerer prometheus.Registerer
	// OverlayTTL is how long a write's answer is returned in place of an older cached value
	// at most; DefaultOverlayTTL if zero.
	OverlayTTL time.Duration
	// RediscoveryInterval is the least time between two rediscoveries of the API caused by a
	// kind the RESTMapper does not know; DefaultRediscoveryInterval if zero.
	RediscoveryInterval time.Duration
	// FieldManager is the field manager of scale writes; DefaultFieldManager if empty.
	FieldManager string
	// Uncached are resources always read with a GET of /scale, never watched, e.g. to spare
	// the memory and watch of a resource that few HPAs target.
	Uncached []schema.GroupResource
}

const (
	// DefaultOverlayTTL is the default of Options.OverlayTTL.
	DefaultOverlayTTL = time.Minute
	// DefaultRediscoveryInterval is the default of Options.RediscoveryInterval.
	DefaultRediscoveryInterval = 30 * time.Second
	// DefaultFieldManager is the default of Options.FieldManager.
	DefaultFieldManager = "mhpa-controller"
)

// Client reads and writes the scale of HPA targets. It is safe for concurrent use.
type Client struct {
	clients             Clients
	clock               clock.PassiveClock
	overlayTTL          time.Duration
	rediscoveryInterval time.Duration
	fieldManager        string
	uncached            map[schema.GroupResource]bool

	metrics      *metrics
	readsCache   prometheus.Counter
	readsWritten prometheus.Counter
	readsAPI     prometheus.Counter

	overlay  *overlay
	handlers atomic.Pointer[[]Handler]

	mu sync.RWMutex
	// ctx is the context given to Start; nil before. Informers run under it.
	ctx             context.Context
	resources       map[schema.GroupResource]*resourceCache
	crds            *resourceCache
	lastRediscovery time.Time
}

// resourceCache is the informer of one resource.
type resourceCache struct {
	informer cache.SharedIndexInformer
	// version and paths are those of a custom resource's informer.
	version string
	paths   *scalePaths
	cancel  context.CancelFunc
	started bool
}

// New returns a Client. Its informers run once Start is called; until then reads go to the API.
func New(opts Options) (*Client, error) {
	c := opts.Clients
	var missing []string
	if c.Kubernetes == nil {
		missing = append(missing, "Clients.Kubernetes")
	}
	if c.Dynamic == nil {
		missing = append(missing, "Clients.Dynamic")
	}
	if c.APIExtensions == nil {
		missing = append(missing, "Clients.APIExtensions")
	}
	if c.Scales == nil {
		missing = append(missing, "Clients.Scales")
	}
	if c.Mapper == nil {
		missing = append(missing, "Clients.Mapper")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("scaletarget: options %v are nil; every client is required (NewClients builds them)", missing)
	}
	for _, d := range []struct {
		field string
		value time.Duration
	}{{"OverlayTTL", opts.OverlayTTL}, {"RediscoveryInterval", opts.RediscoveryInterval}} {
		if d.value < 0 {
			return nil, fmt.Errorf("scaletarget: options.%s is %v; it must be 0 (the default) or positive", d.field, d.value)
		}
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, fmt.Errorf("scaletarget: registering metrics: %w", err)
	}
	cl := &Client{
		clients:             c,
		clock:               opts.Clock,
		overlayTTL:          opts.OverlayTTL,
		rediscoveryInterval: opts.RediscoveryInterval,
		fieldManager:        opts.FieldManager,
		metrics:             m,
		readsCache:          m.reads.WithLabelValues(string(SourceCache)),
		readsWritten:        m.reads.WithLabelValues(string(SourceWritten)),
		readsAPI:            m.reads.WithLabelValues(string(SourceAPI)),
		overlay:             newOverlay(),
		resources:           map[schema.GroupResource]*resourceCache{},
		uncached:            map[schema.GroupResource]bool{},
	}
	for _, gr := range opts.Uncached {
		cl.uncached[gr] = true
	}
	if cl.clock == nil {
		cl.clock = clock.RealClock{}
	}
	if cl.overlayTTL == 0 {
		cl.overlayTTL = DefaultOverlayTTL
	}
	if cl.rediscoveryInterval == 0 {
		cl.rediscoveryInterval = DefaultRediscoveryInterval
	}
	if cl.fieldManager == "" {
		cl.fieldManager = DefaultFieldManager
	}
	cl.lastRediscovery = cl.clock.Now()
	cl.handlers.Store(&[]Handler{})
	return cl, nil
}

// NewForConfig returns a Client with clients built by NewClients from cfg.
func NewForConfig(cfg *rest.Config, opts Options) (*Client, error) {
	c, err := NewClients(cfg)
	if err != nil {
		return nil, err
	}
	opts.Clients = c
	return New(opts)
}

// Start runs the informers (those started lazily later too) until ctx is done, then returns
// nil. It fits controller-runtime's manager.Runnable.
func (c *Client) Start(ctx context.Context) error {
	c.mu.Lock()
	if c.ctx != nil {
		c.mu.Unlock()
		return errors.New("scaletarget: Start called twice")
	}
	c.ctx = ctx
	if c.crds != nil {
		c.startLocked(c.crds)
	}
	for _, rc := range c.resources {
		c.startLocked(rc)
	}
	c.mu.Unlock()
	<-ctx.Done()
	return nil
}

// NeedLeaderElection returns false: the caches are worth keeping warm on standby replicas.
func (c *Client) NeedLeaderElection() bool { return false }

// AddHandler registers h to be called with each target whose cached scale changes (see the
// package documentation). Handlers cannot be removed.
func (c *Client) AddHandler(h Handler) {
	for {
		old := c.handlers.Load()
		hs := make([]Handler, 0, len(*old)+1)
		hs = append(hs, *old...)
		hs = append(hs, h)
		if c.handlers.CompareAndSwap(old, &hs) {
			return
		}
	}
}

// Get returns the current scale of the target ref names.
//
// Like upstream, it maps the kind in the group of ref.APIVersion (any version) to its
// resources and returns the scale of the first resource that has the object, or else the
// error of the first resource.
func (c *Client) Get(ctx context.Context, ref Ref) (Scale, error) {
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return Scale{}, &InvalidAPIVersionError{APIVersion: ref.APIVersion, Err: err}
	}
	mappings, err := c.restMappings(schema.GroupKind{Group: gv.Group, Kind: ref.Kind})
	if err != nil {
		return Scale{}, err
	}
	var firstErr error
	for i, m := range mappings {
		gr := m.Resource.GroupResource()
		// A kind served in several versions maps to one resource per version; read each
		// resource once, at the preferred version (the first).
		if slices.ContainsFunc(mappings[:i], func(o *meta.RESTMapping) bool { return o.Resource.GroupResource() == gr }) {
			continue
		}
		s, err := c.get(ctx, Target{Namespace: ref.Namespace, GroupResource: gr, Name: ref.Name}, m.Resource.Version)
		if err == nil {
			return s, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if firstErr == nil {
		firstErr = errors.New("unrecognized resource")
	}
	return Scale{}, firstErr
}

// InvalidAPIVersionError is returned by Get for a spec.scaleTargetRef.apiVersion that is not a
// group/version. Its message is the parser's, as upstream reports it.
type InvalidAPIVersionError struct {
	// APIVersion is the value that did not parse.
	APIVersion string
	// Err is the parse error.
	Err error
}

// Error returns the parse error's message.
func (e *InvalidAPIVersionError) Error() string { return e.Err.Error() }

// Unwrap returns the parse error.
func (e *InvalidAPIVersionError) Unwrap() error { return e.Err }

// get returns the scale of t, whose resource is served preferably at version.
func (c *Client) get(ctx context.Context, t Target, version string) (Scale, error) {
	rc, state := c.cacheFor(t.GroupResource, version)
	switch state {
	case cacheReady:
		obj, ok, err := rc.informer.GetIndexer().GetByKey(cache.ObjectName{Namespace: t.Namespace, Name: t.Name}.String())
		if err != nil {
			return Scale{}, err
		}
		if !ok {
			c.overlay.drop(t)
			c.readsCache.Inc()
			return Scale{}, apierrors.NewNotFound(t.GroupResource, t.Name)
		}
		e := obj.(*entry)
		if e.invalid {
			return c.getFromAPI(ctx, t, ReasonInvalid)
		}
		if w, ok := c.overlay.apply(t, e, c.clock.Now()); ok {
			c.readsWritten.Inc()
			return w, nil
		}
		c.readsCache.Inc()
		return e.scale(t), nil
	case cacheNoScale:
		c.readsCache.Inc()
		return Scale{}, apierrors.NewNotFound(t.GroupResource, t.Name)
	case cachePending:
		return c.getFromAPI(ctx, t, ReasonNotSynced)
	default:
		return c.getFromAPI(ctx, t, ReasonNotCached)
	}
}

// getFromAPI GETs the /scale subresource of t.
func (c *Client) getFromAPI(ctx context.Context, t Target, reason string) (Scale, error) {
	c.readsAPI.Inc()
	c.metrics.fallbacks.WithLabelValues(t.GroupResource.String(), reason).Inc()
	s, err := c.clients.Scales.Scales(t.Namespace).Get(ctx, t.GroupResource, t.Name, metav1.GetOptions{})
	if err != nil {
		return Scale{}, err
	}
	c.overlay.drop(t)
	return scaleFromAutoscaling(s, t, SourceAPI), nil
}

// SetReplicas sets the spec replicas of a target with one merge patch of its /scale
// subresource and returns the scale the API server answered. Until the cache shows the
// write, Get returns that answer.
func (c *Client) SetReplicas(ctx context.Context, in SetReplicasInput) (Scale, error) {
	t := in.Target
	gvr, err := c.clients.Mapper.ResourceFor(t.GroupResource.WithVersion(""))
	if err != nil {
		return Scale{}, fmt.Errorf("unable to get client for %s: unable to get full preferred group-version-resource for %s: %w",
			t.GroupResource, t.GroupResource, err)
	}
	before := c.cachedResourceVersion(t)
	patch := fmt.Appendf(nil, `{"spec":{"replicas":%d}}`, in.Replicas)
	var answer Scale
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		s, err := c.clients.Scales.Scales(t.Namespace).Patch(ctx, gvr, t.Name, types.MergePatchType, patch,
			metav1.PatchOptions{FieldManager: c.fieldManager})
		if err != nil {
			return err
		}
		answer = scaleFromAutoscaling(s, t, SourceWritten)
		return nil
	})
	if err != nil {
		return Scale{}, err
	}
	now := c.clock.Now()
	c.overlay.put(t, written{scale: answer, before: before, expires: now.Add(c.overlayTTL)}, now)
	return answer, nil
}

// cachedResourceVersion returns the resourceVersion of t in a synced cache, or "".
func (c *Client) cachedResourceVersion(t Target) string {
	c.mu.RLock()
	rc := c.resources[t.GroupResource]
	c.mu.RUnlock()
	if rc == nil || !rc.informer.HasSynced() {
		return ""
	}
	obj, ok, err := rc.informer.GetIndexer().GetByKey(cache.ObjectName{Namespace: t.Namespace, Name: t.Name}.String())
	if err != nil || !ok {
		return ""
	}
	return obj.(*entry).resourceVersion
}

// restMappings maps a kind to its resources, rediscovering the API once in a while when the
// kind is unknown.
func (c *Client) restMappings(gk schema.GroupKind) ([]*meta.RESTMapping, error) {
	ms, err := c.clients.Mapper.RESTMappings(gk)
	if err != nil && meta.IsNoMatchError(err) && c.mayRediscover() {
		c.clients.Mapper.Reset()
		ms, err = c.clients.Mapper.RESTMappings(gk)
	}
	return ms, err
}

// mayRediscover reports whether RediscoveryInterval passed since the last rediscovery, and
// if so counts this as one.
func (c *Client) mayRediscover() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.clock.Now()
	if now.Sub(c.lastRediscovery) < c.rediscoveryInterval {
		return false
	}
	c.lastRediscovery = now
	return true
}

// notify calls the handlers with t.
func (c *Client) notify(t Target) {
	for _, h := range *c.handlers.Load() {
		h(t)
	}
}

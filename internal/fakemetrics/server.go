package fakemetrics

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizerfactory"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"

	"github.com/mhpa-dev/mhpa/pkg/adapter"
)

// Options configures Start.
type Options struct {
	// Groups are the API groups to serve, e.g. "external.metrics.k8s.io"
	// and "tenant-a.external.metrics.k8s.io". Each name must end in
	// metrics.k8s.io, custom.metrics.k8s.io or external.metrics.k8s.io,
	// which decides its shape.
	Groups []string

	// KubeConfig, when set, is the cluster the server belongs to: requests
	// are authenticated and authorized by it (as any aggregated API server),
	// pods for PodRules are watched in it, and the groups are registered as
	// APIServices (unless SkipRegistration). When nil, the server lets
	// everyone in and registers nothing.
	KubeConfig *rest.Config
	// SkipRegistration leaves the APIServices alone.
	SkipRegistration bool
	// ServiceNamespace and ServiceName name the ExternalName Service the
	// APIServices point at; defaults kube-system and
	// "mhpa-fake-metrics-<port>".
	ServiceNamespace, ServiceName string
	// RegistrationTimeout bounds the wait for the APIServices to become
	// available; default 2 minutes.
	RegistrationTimeout time.Duration

	// Port to listen on at 127.0.0.1; 0 picks a free port.
	Port int
	// Clock stamps the metrics and times FaultDelay; default the real clock.
	Clock clock.Clock
	// Window is the reported measurement window; default 30s.
	Window time.Duration
	// RequestTimeout is the server's request timeout; default 60s.
	RequestTimeout time.Duration
	// AuthorizationCacheTTL is how long SubjectAccessReview answers are
	// cached, both allowed and denied; default 10s.
	AuthorizationCacheTTL time.Duration
	// PodSource lists the cluster's pods for PodRules; default a pod
	// informer on KubeConfig, or none without one.
	PodSource PodSource
}

// Server is a running fake metrics server.
type Server struct {
	opts     Options
	server   *adapter.Server
	listener *pausableListener
	groups   map[string]*Group
	order    []string
	gvs      []schema.GroupVersion

	regMu sync.Mutex
	reg   *adapter.Registration

	cancel   context.CancelFunc
	stopped  chan struct{}
	stopOnce sync.Once
	stopErr  error
	informer informers.SharedInformerFactory
}

// Start serves the groups on 127.0.0.1 and, given a KubeConfig, registers
// them as APIServices and waits until they are available. The server stops
// when ctx ends or Stop is called.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if err := validate(opts); err != nil {
		return nil, err
	}
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	if opts.Window == 0 {
		opts.Window = 30 * time.Second
	}
	if opts.ServiceNamespace == "" {
		opts.ServiceNamespace = metav1.NamespaceSystem
	}

	l, err := listen(net.JoinHostPort("127.0.0.1", strconv.Itoa(opts.Port)))
	if err != nil {
		return nil, fmt.Errorf("options.port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if opts.ServiceName == "" {
		opts.ServiceName = fmt.Sprintf("mhpa-fake-metrics-%d", port)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &Server{
		opts:     opts,
		listener: l,
		groups:   map[string]*Group{},
		cancel:   cancel,
		stopped:  make(chan struct{}),
	}
	fail := func(err error) (*Server, error) {
		close(s.stopped)
		cancel()
		_ = l.Close()
		if s.informer != nil {
			s.informer.Shutdown()
		}
		return nil, err
	}

	pods := opts.PodSource
	if pods == nil && opts.KubeConfig != nil {
		client, err := kubernetes.NewForConfig(opts.KubeConfig)
		if err != nil {
			return fail(fmt.Errorf("options.kubeConfig: %w", err))
		}
		s.informer = informers.NewSharedInformerFactory(client, 0)
		lister := s.informer.Core().V1().Pods().Lister()
		s.informer.Start(s.stopped)
		for typ, ok := range s.informer.WaitForCacheSync(ctx.Done()) {
			if !ok {
				return fail(fmt.Errorf("watching %v in the cluster did not sync", typ))
			}
		}
		pods = informerPods{lister: lister}
	}

	var groups []adapter.Group
	var gvs []schema.GroupVersion
	for _, name := range opts.Groups {
		kind, _ := adapter.KindForGroup(name)
		g := newGroup(name, kind, opts.Clock, opts.Window, pods, s.stopped)
		s.groups[name] = g
		s.order = append(s.order, name)
		ag := adapter.Group{Name: name}
		switch kind {
		case adapter.ResourceMetrics:
			ag.PodMetrics, ag.NodeMetrics = g, g
		case adapter.CustomMetrics:
			ag.CustomMetrics = g
		case adapter.ExternalMetrics:
			ag.ExternalMetrics = g
		}
		groups = append(groups, ag)
		gvs = append(gvs, ag.GroupVersions()...)
	}

	cfg := adapter.Config{
		Groups:                     groups,
		Listener:                   l,
		Hostnames:                  adapter.ServiceHostnames(opts.ServiceNamespace, opts.ServiceName),
		KubeConfig:                 opts.KubeConfig,
		RequestTimeout:             opts.RequestTimeout,
		AuthorizationAllowCacheTTL: opts.AuthorizationCacheTTL,
		AuthorizationDenyCacheTTL:  opts.AuthorizationCacheTTL,
		Name:                       "mhpa-fake-metrics",
	}
	if opts.KubeConfig == nil {
		cfg.Authenticator = allowAll{}
		cfg.Authorizer = authorizerfactory.NewAlwaysAllowAuthorizer()
	}
	srv, err := adapter.New(ctx, cfg)
	if err != nil {
		return fail(err)
	}
	s.server = srv
	if err := srv.Start(runCtx); err != nil {
		return fail(err)
	}
	go func() {
		select {
		case <-ctx.Done():
			_ = s.Stop()
		case <-s.stopped:
		}
	}()

	s.gvs = gvs
	if opts.KubeConfig != nil && !opts.SkipRegistration {
		if err := s.Register(ctx); err != nil {
			_ = s.Stop()
			return nil, err
		}
	}
	return s, nil
}

func validate(opts Options) error {
	var errs field.ErrorList
	p := field.NewPath("options", "groups")
	if len(opts.Groups) == 0 {
		errs = append(errs, field.Required(p, "at least one group, e.g. external.metrics.k8s.io"))
	}
	seen := map[string]bool{}
	for i, g := range opts.Groups {
		if _, ok := adapter.KindForGroup(g); !ok {
			errs = append(errs, field.Invalid(p.Index(i), g, "must be or end in .metrics.k8s.io, .custom.metrics.k8s.io or .external.metrics.k8s.io"))
		}
		if seen[g] {
			errs = append(errs, field.Duplicate(p.Index(i), g))
		}
		seen[g] = true
	}
	return errs.ToAggregate()
}

// Register creates or updates the Service and the APIServices of the
// served groups in the cluster of Options.KubeConfig and waits until they
// are available. Start does this unless Options.SkipRegistration; a test
// that wants values in place before the aggregator first looks calls it
// itself.
func (s *Server) Register(ctx context.Context) error {
	if s.opts.KubeConfig == nil {
		return fmt.Errorf("options.kubeConfig: required to register APIServices")
	}
	reg := adapter.Registration{
		GroupVersions:    s.gvs,
		ServiceNamespace: s.opts.ServiceNamespace,
		ServiceName:      s.opts.ServiceName,
		Port:             int32(s.Port()),
		ExternalName:     "localhost",
		CABundle:         s.server.CABundle(),
		Labels:           map[string]string{"app.kubernetes.io/managed-by": "mhpa-fake-metrics"},
		Timeout:          s.opts.RegistrationTimeout,
	}
	s.regMu.Lock()
	s.reg = &reg
	s.regMu.Unlock()
	return adapter.Register(ctx, s.opts.KubeConfig, reg)
}

// Stop unregisters the APIServices (those still pointing at this server),
// ends hanging requests and stops serving. It waits until the server has
// stopped and is safe to call more than once.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		s.regMu.Lock()
		reg := s.reg
		s.regMu.Unlock()
		if reg != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			s.stopErr = adapter.Unregister(ctx, s.opts.KubeConfig, *reg)
			cancel()
		}
		close(s.stopped)
		s.cancel()
		_ = s.listener.comeBack() // a server that went away must still shut down cleanly
		<-s.server.Done()
		if s.informer != nil {
			s.informer.Shutdown()
		}
	})
	return s.stopErr
}

// Group returns the state of a served group, or nil.
func (s *Server) Group(name string) *Group {
	return s.groups[name]
}

// Groups returns the state of every served group, in the order of
// Options.Groups.
func (s *Server) Groups() []*Group {
	out := make([]*Group, 0, len(s.order))
	for _, n := range s.order {
		out = append(out, s.groups[n])
	}
	return out
}

// Requests returns the number of metrics requests a group received (0 for
// a group not served).
func (s *Server) Requests(group string) int64 {
	if g := s.groups[group]; g != nil {
		return g.Requests()
	}
	return 0
}

// SetFault sets the fault of every group.
func (s *Server) SetFault(f Fault) {
	for _, g := range s.groups {
		g.SetFault(f)
	}
}

// GoAway makes the server unreachable: it stops listening (connections are
// refused) and drops open connections, as a crashed server would.
func (s *Server) GoAway() error { return s.listener.goAway() }

// ComeBack listens again on the same port after GoAway.
func (s *Server) ComeBack() error { return s.listener.comeBack() }

// Away says whether the server is away (GoAway without ComeBack).
func (s *Server) Away() bool { return s.listener.away() }

// Port returns the port the server listens on at 127.0.0.1.
func (s *Server) Port() int { return s.listener.Addr().(*net.TCPAddr).Port }

// URL returns the server's base URL, https://127.0.0.1:<port>.
func (s *Server) URL() string { return "https://" + s.listener.Addr().String() }

// CABundle returns the CA of the server's certificate (valid for
// localhost, 127.0.0.1 and the Service's DNS names).
func (s *Server) CABundle() []byte { return s.server.CABundle() }

// ServiceName returns the namespace and name of the Service the
// APIServices point at.
func (s *Server) ServiceName() (namespace, name string) {
	return s.opts.ServiceNamespace, s.opts.ServiceName
}

// Handler returns the full handler chain of the server (for in-process
// requests in tests).
func (s *Server) Handler() http.Handler { return s.server.Handler() }

// allowAll authenticates every request as an anonymous user.
type allowAll struct{}

func (allowAll) AuthenticateRequest(*http.Request) (*authenticator.Response, bool, error) {
	return &authenticator.Response{User: &user.DefaultInfo{Name: user.Anonymous, Groups: []string{user.AllUnauthenticated}}}, true, nil
}

// informerPods lists pods from an informer cache.
type informerPods struct {
	lister corelisters.PodLister
}

func (p informerPods) ListPods(namespace string, selector labels.Selector) ([]*corev1.Pod, error) {
	if namespace == "" {
		return p.lister.List(selector)
	}
	return p.lister.Pods(namespace).List(selector)
}

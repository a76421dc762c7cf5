package adapter

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/endpoints/discovery"
	"k8s.io/apiserver/pkg/endpoints/handlers/responsewriters"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/apiserver/pkg/server/dynamiccertificates"
	"k8s.io/apiserver/pkg/util/compatibility"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Config configures a Server.
type Config struct {
	// Groups are the API groups to serve; at least one, names unique.
	Groups []Group

	// BindAddress is the IP address to listen on; default 127.0.0.1. Use
	// 0.0.0.0 to be reachable from other hosts (inside a cluster).
	BindAddress string
	// Port is the port to listen on; 0 picks a free one (see Server.Port).
	Port int
	// Listener, when set, is used instead of BindAddress and Port.
	Listener net.Listener

	// CertPEM and KeyPEM are the serving certificate (with its chain) and
	// key. When these and CertFile/KeyFile are empty, a CA and a serving
	// certificate for Hostnames are generated in memory, and Server.CABundle
	// returns the CA.
	CertPEM, KeyPEM []byte
	// CertFile and KeyFile name PEM files holding the serving certificate
	// and key; they are reloaded when they change (rotation).
	CertFile, KeyFile string
	// Hostnames are the DNS names and IP addresses the generated certificate
	// is valid for, in addition to localhost, 127.0.0.1 and ::1. A server
	// registered as an APIService must include the Service's
	// "<name>.<namespace>.svc" (see ServiceHostnames).
	Hostnames []string

	// KubeConfig reaches the kube-apiserver that authentication and
	// authorization are delegated to (TokenReview, SubjectAccessReview and
	// the extension-apiserver-authentication ConfigMap). When nil, the
	// in-cluster config is used. Unused when both Authenticator and
	// Authorizer are set.
	KubeConfig *rest.Config
	// Authenticator, when set, replaces delegated authentication (tests).
	Authenticator authenticator.Request
	// Authorizer, when set, replaces delegated authorization (tests).
	Authorizer authorizer.Authorizer
	// AuthenticationCacheTTL is how long token reviews are cached; default 10s.
	AuthenticationCacheTTL time.Duration
	// AuthorizationAllowCacheTTL and AuthorizationDenyCacheTTL are how long
	// allowed and denied SubjectAccessReviews are cached; default 10s each.
	AuthorizationAllowCacheTTL, AuthorizationDenyCacheTTL time.Duration

	// RequestTimeout bounds every request; a request still running after it
	// (or after the client's ?timeout=) is answered with 504 Gateway
	// Timeout and its context is cancelled. Default 60s.
	RequestTimeout time.Duration

	// Name identifies the server in logs; default "metrics-adapter".
	Name string
}

func (c Config) withDefaults() Config {
	if c.BindAddress == "" {
		c.BindAddress = "127.0.0.1"
	}
	if c.AuthenticationCacheTTL == 0 {
		c.AuthenticationCacheTTL = 10 * time.Second
	}
	if c.AuthorizationAllowCacheTTL == 0 {
		c.AuthorizationAllowCacheTTL = 10 * time.Second
	}
	if c.AuthorizationDenyCacheTTL == 0 {
		c.AuthorizationDenyCacheTTL = 10 * time.Second
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = 60 * time.Second
	}
	if c.Name == "" {
		c.Name = "metrics-adapter"
	}
	return c
}

func (c Config) validate() error {
	var errs field.ErrorList
	root := field.NewPath("config")
	if len(c.Groups) == 0 {
		errs = append(errs, field.Required(root.Child("groups"), "at least one API group to serve"))
	}
	seen := map[string]bool{}
	for i, g := range c.Groups {
		p := root.Child("groups").Index(i)
		errs = append(errs, g.validate(p)...)
		if seen[g.Name] {
			errs = append(errs, field.Duplicate(p.Child("name"), g.Name))
		}
		seen[g.Name] = true
	}
	if (len(c.CertPEM) == 0) != (len(c.KeyPEM) == 0) {
		errs = append(errs, field.Required(root.Child("keyPEM"), "certPEM and keyPEM go together: set both or neither"))
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		errs = append(errs, field.Required(root.Child("keyFile"), "certFile and keyFile go together: set both or neither"))
	}
	if len(c.CertPEM) > 0 && c.CertFile != "" {
		errs = append(errs, field.Forbidden(root.Child("certFile"), "set either certPEM/keyPEM or certFile/keyFile, not both"))
	}
	if c.Listener == nil && net.ParseIP(c.BindAddress) == nil {
		errs = append(errs, field.Invalid(root.Child("bindAddress"), c.BindAddress, "must be an IP address"))
	}
	if c.Port < 0 || c.Port > 65535 {
		errs = append(errs, field.Invalid(root.Child("port"), c.Port, "must be between 0 and 65535"))
	}
	return errs.ToAggregate()
}

// Server serves metrics APIs under any group names as an aggregated API
// server: TLS, delegated authentication and authorization, discovery
// (legacy and aggregated) and the metrics resources of each group.
type Server struct {
	groups   []Group
	generic  *genericapiserver.GenericAPIServer
	listener net.Listener
	caBundle []byte
	codecs   serializer.CodecFactory

	mu      sync.Mutex
	started bool
	done    chan struct{}
	runErr  error
}

// New builds a Server: it checks the configuration, opens the listener,
// prepares the serving certificate and, unless both Authenticator and
// Authorizer are given, reads the delegated authentication configuration
// from the kube-apiserver (using ctx). Serving begins with Run or Start.
func New(ctx context.Context, cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}

	scheme := runtime.NewScheme()
	metav1.AddToGroupVersion(scheme, schema.GroupVersion{Version: "v1"})
	for _, g := range cfg.Groups {
		for _, gv := range g.GroupVersions() {
			if err := AddToScheme(scheme, g.Kind(), gv); err != nil {
				return nil, err
			}
		}
	}
	codecs := serializer.NewCodecFactory(scheme)

	var (
		certProvider dynamiccertificates.CertKeyContentProvider
		caBundle     []byte
		err          error
	)
	switch {
	case cfg.CertFile != "":
		certProvider, err = dynamiccertificates.NewDynamicServingContentFromFiles("serving-cert", cfg.CertFile, cfg.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("config.certFile, config.keyFile: %w", err)
		}
	case len(cfg.CertPEM) > 0:
		certProvider, err = dynamiccertificates.NewStaticCertKeyContent("serving-cert", cfg.CertPEM, cfg.KeyPEM)
		if err != nil {
			return nil, fmt.Errorf("config.certPEM, config.keyPEM: %w", err)
		}
	default:
		hosts := append([]string{"localhost", "127.0.0.1", "::1"}, cfg.Hostnames...)
		cert, err := generateSelfSignedCert(hosts, time.Now(), 365*24*time.Hour)
		if err != nil {
			return nil, err
		}
		caBundle = cert.CAPEM
		if certProvider, err = dynamiccertificates.NewStaticCertKeyContent("serving-cert", cert.CertPEM, cert.KeyPEM); err != nil {
			return nil, err
		}
	}

	listener := cfg.Listener
	if listener == nil {
		listener, err = net.Listen("tcp", net.JoinHostPort(cfg.BindAddress, strconv.Itoa(cfg.Port)))
		if err != nil {
			return nil, fmt.Errorf("listening on %s port %d: %w", cfg.BindAddress, cfg.Port, err)
		}
	}
	s, err := newServer(ctx, cfg, codecs, listener, certProvider, caBundle)
	if err != nil {
		if cfg.Listener == nil {
			_ = listener.Close()
		}
		return nil, err
	}
	return s, nil
}

func newServer(ctx context.Context, cfg Config, codecs serializer.CodecFactory, listener net.Listener, cert dynamiccertificates.CertKeyContentProvider, caBundle []byte) (*Server, error) {
	gc := genericapiserver.NewConfig(codecs)
	gc.SecureServing = &genericapiserver.SecureServingInfo{Listener: listener, Cert: cert}
	gc.ExternalAddress = listener.Addr().String()
	// Nothing in this server calls itself; the generic server only insists
	// that a loopback config exists.
	gc.LoopbackClientConfig = &rest.Config{Host: "https://" + listener.Addr().String(), TLSClientConfig: rest.TLSClientConfig{CAData: caBundle}}
	gc.EffectiveVersion = compatibility.DefaultBuildEffectiveVersion()
	// /apis is served by rootHandler, which keeps aggregated discovery in
	// step with the providers' metric lists.
	gc.EnableDiscovery = false
	gc.EnableProfiling = false
	gc.RequestTimeout = cfg.RequestTimeout

	var client kubernetes.Interface
	if cfg.Authenticator == nil || cfg.Authorizer == nil {
		kc := cfg.KubeConfig
		if kc == nil {
			var err error
			if kc, err = rest.InClusterConfig(); err != nil {
				return nil, fmt.Errorf("config.kubeConfig: required outside a cluster for delegated authentication and authorization (or set config.authenticator and config.authorizer): %w", err)
			}
		}
		kc = rest.CopyConfig(kc)
		// As upstream aggregated servers do: these calls gate every request.
		kc.QPS, kc.Burst = 200, 400
		var err error
		if client, err = kubernetes.NewForConfig(kc); err != nil {
			return nil, fmt.Errorf("config.kubeConfig: %w", err)
		}
	}
	if cfg.Authenticator != nil {
		gc.Authentication.Authenticator = cfg.Authenticator
	} else if err := delegatedAuthentication(ctx, client, cfg.AuthenticationCacheTTL, &gc.Authentication, gc.SecureServing); err != nil {
		return nil, err
	}
	if cfg.Authorizer != nil {
		gc.Authorization.Authorizer = cfg.Authorizer
	} else {
		authz, err := delegatedAuthorization(client, cfg.AuthorizationAllowCacheTTL, cfg.AuthorizationDenyCacheTTL)
		if err != nil {
			return nil, err
		}
		gc.Authorization.Authorizer = authz
	}

	generic, err := gc.Complete(nil).New(cfg.Name, genericapiserver.NewEmptyDelegate())
	if err != nil {
		return nil, err
	}
	s := &Server{
		groups:   cfg.Groups,
		generic:  generic,
		listener: listener,
		caBundle: caBundle,
		codecs:   codecs,
		done:     make(chan struct{}),
	}
	s.install()
	return s, nil
}

// install registers the discovery and resource handlers of every group.
func (s *Server) install() {
	mux := s.generic.Handler.NonGoRestfulMux
	plain := s.codecs.WithoutConversion()
	mux.NotFoundHandler(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		responsewriters.ErrorNegotiated(notFound(fmt.Sprintf("the server could not find the requested resource %s", req.URL.Path)), plain, schema.GroupVersion{}, w, req)
	}))
	root := newRootHandler(s.groups, s.generic.DiscoveryGroupManager, s.generic.AggregatedDiscoveryGroupManager)
	mux.Handle("/apis", root)
	mux.Handle("/apis/", root)
	for _, g := range s.groups {
		// Discovery documents go through the full codec factory, which
		// stamps unversioned types with apiVersion v1 as kube-apiserver does.
		groupHandler := discovery.NewAPIGroupHandler(s.codecs, apiGroup(g))
		mux.Handle("/apis/"+g.Name, groupHandler)
		mux.Handle("/apis/"+g.Name+"/", groupHandler)
		for _, gv := range g.GroupVersions() {
			prefix := "/apis/" + gv.Group + "/" + gv.Version
			list := &resourceListHandler{group: g, gv: gv, serializer: s.codecs}
			mux.Handle(prefix, list)
			// The prefix handler also answers prefix+"/" with the list.
			mux.HandlePrefix(prefix+"/", newVersionHandler(g, gv, plain, list))
		}
	}
}

// Handler returns the server's complete handler chain (authentication,
// authorization, timeouts, discovery and metrics), e.g. for httptest.
func (s *Server) Handler() http.Handler {
	return s.generic.Handler
}

// Addr returns the address the server listens on.
func (s *Server) Addr() net.Addr {
	return s.listener.Addr()
}

// Port returns the port the server listens on.
func (s *Server) Port() int {
	if a, ok := s.listener.Addr().(*net.TCPAddr); ok {
		return a.Port
	}
	return 0
}

// CABundle returns the PEM CA that signed the generated serving
// certificate, for an APIService's caBundle; nil when the certificate came
// from the Config.
func (s *Server) CABundle() []byte {
	return s.caBundle
}

// Groups returns the served groups.
func (s *Server) Groups() []Group {
	return s.groups
}

// Run serves until ctx ends, then shuts down gracefully: it stops accepting
// connections, waits for requests in flight (at most Config.RequestTimeout)
// and closes the listener. A Server runs once.
func (s *Server) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		return errors.New("the server has already been started")
	}
	s.started = true
	s.mu.Unlock()
	err := s.generic.PrepareRun().RunWithContext(ctx)
	s.mu.Lock()
	s.runErr = err
	s.mu.Unlock()
	close(s.done)
	return err
}

// Start runs the server in the background until ctx ends and returns once
// it accepts TLS connections (or failed to start). Done tells when it has
// stopped.
func (s *Server) Start(ctx context.Context) error {
	go func() { _ = s.Run(ctx) }()
	addr := s.listener.Addr().String()
	tlsConfig := &tls.Config{InsecureSkipVerify: true} //nolint:gosec // only checks that TLS is being served.
	if len(s.caBundle) > 0 {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(s.caBundle)
		tlsConfig = &tls.Config{RootCAs: pool, ServerName: "localhost"}
	}
	return wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		select {
		case <-s.done:
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.runErr != nil {
				return false, s.runErr
			}
			return false, errors.New("the server stopped while starting")
		default:
		}
		d := &tls.Dialer{Config: tlsConfig}
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return false, nil
		}
		_ = conn.Close()
		return true, nil
	})
}

// Done is closed when Run has returned.
func (s *Server) Done() <-chan struct{} {
	return s.done
}

// Close releases the listener of a server that was never run. A running
// server is stopped through the context given to Run or Start.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return nil
	}
	s.started = true
	close(s.done)
	return s.listener.Close()
}

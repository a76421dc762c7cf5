package controllerapp

import (
	"context"
	"crypto/tls"
	"fmt"

	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	mhpav1 "github.com/mhpa-dev/mhpa/api/v1"
	mhpav2 "github.com/mhpa-dev/mhpa/api/v2"
	mhpav2beta1 "github.com/mhpa-dev/mhpa/api/v2beta1"
	mhpav2beta2 "github.com/mhpa-dev/mhpa/api/v2beta2"
	"github.com/mhpa-dev/mhpa/internal/certs"
	mhpawebhook "github.com/mhpa-dev/mhpa/internal/webhook"
)

// NewScheme returns a scheme with the built-in types and every version of the mhpa API.
func NewScheme() *runtime.Scheme {
	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(mhpav1.AddToScheme(scheme))
	utilruntime.Must(mhpav2beta1.AddToScheme(scheme))
	utilruntime.Must(mhpav2beta2.AddToScheme(scheme))
	utilruntime.Must(mhpav2.AddToScheme(scheme))
	return scheme
}

// RESTConfig loads the client configuration: from o.Kubeconfig if set, else from $KUBECONFIG,
// ~/.kube/config or the pod's service account.
func RESTConfig(o Options) (*rest.Config, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = o.Kubeconfig
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("loading the client configuration: %w", err)
	}
	return cfg, nil
}

// App is mhpa-controller wired up but not started.
type App struct {
	// Manager runs everything; add controllers to it before Start.
	Manager ctrl.Manager
	// Rotator gives the webhook server its certificate; nil without SelfSignedCerts.
	Rotator *certs.Rotator
}

// New builds the manager, the webhook server with its webhooks and, with SelfSignedCerts, the
// certificate rotator, for the API server cfg points to.
func New(cfg *rest.Config, o Options) (*App, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	app := &App{}
	serverOpts := webhook.Options{Host: o.WebhookHost, Port: o.WebhookPort, CertDir: o.CertDir}
	if o.SelfSignedCerts {
		rotator, err := newRotator(cfg, o)
		if err != nil {
			return nil, err
		}
		app.Rotator = rotator
		serverOpts.TLSOpts = []func(*tls.Config){rotator.ConfigureTLS}
	}
	server := webhook.NewServer(serverOpts)

	scheme := NewScheme()
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                  scheme,
		Metrics:                 metricsserver.Options{BindAddress: o.MetricsAddress},
		HealthProbeBindAddress:  o.HealthProbeAddress,
		LeaderElection:          o.LeaderElection,
		LeaderElectionNamespace: o.LeaderElectionNamespace,
		LeaderElectionID:        o.LeaderElectionID,
		// The process exits right after the manager stops, so hand the lease over at once
		// instead of making the standby wait for it to expire.
		LeaderElectionReleaseOnCancel: true,
		WebhookServer:                 server,
	})
	if err != nil {
		return nil, fmt.Errorf("creating the manager: %w", err)
	}
	app.Manager = mgr

	// GetWebhookServer also adds the server to the manager's runnables.
	webhookOpts := mhpawebhook.Options{
		Scheme:              scheme,
		Default:             mhpav2.SetDefaults_HorizontalPodAutoscaler,
		AuthorizeSubdomains: o.AuthorizeSubdomains,
	}
	if o.AuthorizeSubdomains {
		kube, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			return nil, err
		}
		webhookOpts.SubjectAccessReviews = kube.AuthorizationV1().SubjectAccessReviews()
	}
	if err := mhpawebhook.Register(mgr.GetWebhookServer(), webhookOpts); err != nil {
		return nil, err
	}
	if o.RunController {
		if err := addController(mgr, cfg, o); err != nil {
			return nil, fmt.Errorf("setting up the HPA controller: %w", err)
		}
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return nil, err
	}
	if err := mgr.AddReadyzCheck("webhook-server", server.StartedChecker()); err != nil {
		return nil, err
	}
	if app.Rotator != nil {
		if err := mgr.Add(app.Rotator); err != nil {
			return nil, err
		}
		if err := mgr.AddReadyzCheck("webhook-certificates", app.Rotator.ReadyCheck); err != nil {
			return nil, err
		}
	}
	return app, nil
}

// newRotator builds the certificate rotator and its injector.
func newRotator(cfg *rest.Config, o Options) (*certs.Rotator, error) {
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	apiext, err := apiextensionsclient.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	svcNamespace, svcName, _ := splitName(o.WebhookService) // checked by Validate
	injector := &certs.Injector{
		Kube: kube, APIExtensions: apiext,
		ConversionPath: mhpawebhook.ConvertPath,
		URL:            o.WebhookURL,
		Service:        &certs.Service{Namespace: svcNamespace, Name: svcName, Port: 443},
	}
	if o.CRDName != "" {
		injector.CRDs = []string{o.CRDName}
	}
	if o.ValidatingWebhookConfiguration != "" {
		injector.ValidatingWebhookConfigurations = []string{o.ValidatingWebhookConfiguration}
	}
	if o.MutatingWebhookConfiguration != "" {
		injector.MutatingWebhookConfigurations = []string{o.MutatingWebhookConfiguration}
	}
	var store certs.Store = &certs.MemoryStore{}
	if o.CertSecret != "" {
		ns, name, _ := splitName(o.CertSecret)
		store = &certs.SecretStore{Client: kube, Namespace: ns, Name: name}
	}
	dnsNames, ips := o.servingNames()
	return certs.NewRotator(certs.RotatorOptions{
		Store:         store,
		DNSNames:      dnsNames,
		IPAddresses:   ips,
		CAValidity:    o.CAValidity,
		CertValidity:  o.CertValidity,
		CheckInterval: o.CertCheckInterval,
		Injector:      injector,
		Log:           ctrl.Log.WithName("certs"),
	})
}

// Start runs the app until ctx ends.
func (a *App) Start(ctx context.Context) error {
	return a.Manager.Start(ctx)
}

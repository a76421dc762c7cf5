package controllerapp

import (
	"github.com/mhpa-dev/mhpa/internal/controller"
	"github.com/mhpa-dev/mhpa/internal/metrics/aggregated"

	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/mhpa-dev/mhpa/internal/certs"
)

// Defaults of Options.
const (
	DefaultWebhookPort        = 9443
	DefaultWebhookService     = "mhpa-system/mhpa-webhook"
	DefaultCRDName            = "horizontalpodautoscalers.autoscaling.mhpa.dev"
	DefaultValidatingWebhook  = "mhpa-validating-webhook"
	DefaultMutatingWebhook    = "mhpa-mutating-webhook"
	DefaultLeaderElectionID   = "mhpa-controller.autoscaling.mhpa.dev"
	DefaultMetricsAddress     = ":8080"
	DefaultHealthProbeAddress = ":8081"
)

// Options are the settings of mhpa-controller, one per flag.
type Options struct {
	// Kubeconfig is the kubeconfig file; empty means $KUBECONFIG, ~/.kube/config or in-cluster.
	Kubeconfig string

	// MetricsAddress and HealthProbeAddress are where metrics and health probes are served;
	// "0" turns either off.
	MetricsAddress     string
	HealthProbeAddress string

	// LeaderElection makes only one replica run the controllers. Webhooks run on every replica.
	LeaderElection          bool
	LeaderElectionNamespace string
	LeaderElectionID        string

	// WebhookHost and WebhookPort are where the webhook server listens; an empty host means all
	// addresses.
	WebhookHost string
	WebhookPort int

	// SelfSignedCerts makes the server create and rotate its own CA and serving certificate and
	// inject the CA bundle. Without it the certificate is read from CertDir (tls.crt, tls.key),
	// e.g. one that cert-manager issues and mounts, and CA bundles are left to others.
	SelfSignedCerts bool
	// CertDir is where the serving certificate is read from without SelfSignedCerts.
	CertDir string
	// CertSecret (namespace/name) stores the self-signed certificates so that every replica
	// serves the same one; empty keeps them in memory, for a single replica.
	CertSecret string
	// CertDNSNames are further names for the serving certificate.
	CertDNSNames []string
	// CAValidity and CertValidity are the lifetimes of the self-signed CA and serving
	// certificate; each is renewed when a third of it is left.
	CAValidity, CertValidity time.Duration
	// CertCheckInterval is the longest time between two checks of the certificates and the
	// injected CA bundles.
	CertCheckInterval time.Duration

	// WebhookService (namespace/name) is the Service in front of the webhook server: the
	// serving certificate is issued for it and a CRD without a conversion webhook is pointed
	// to it.
	WebhookService string
	// WebhookURL, if set, is the base URL the API server reaches the webhook server at without
	// a Service, such as https://localhost:9443 when both run on one host. The CRD and webhook
	// configurations are then pointed to it and the certificate is issued for its host.
	WebhookURL string

	// CRDName, ValidatingWebhookConfiguration and MutatingWebhookConfiguration name the objects
	// whose CA bundle (and URL) is injected; an empty name is skipped.
	CRDName                        string
	ValidatingWebhookConfiguration string
	MutatingWebhookConfiguration   string

	// Controller holds the HPA controller's settings, kube-controller-manager's
	// --horizontal-pod-autoscaler-* flags among them.
	Controller controller.Options
	// RunController runs the HPA controller; without it the binary serves only the webhooks.
	RunController bool
	// MetricsFreshness is how long a metric value fetched for one autoscaler is reused by
	// others that ask the same query; 0 fetches every query anew.
	MetricsFreshness time.Duration
	// MetricsGroup holds the limits of the requests to each metrics API group.
	MetricsGroup aggregated.GroupOptions
	// AuthorizeSubdomains makes the validating webhook check, with a SubjectAccessReview, that
	// the user who creates or updates an autoscaler may use each metrics subdomain it adds
	// (verb use on metricsubdomains.autoscaling.mhpa.dev). Off only for single-tenant clusters.
	AuthorizeSubdomains bool
}

// DefaultOptions returns the options mhpa-controller runs with when no flag is given.
func DefaultOptions() Options {
	return Options{
		MetricsAddress:                 DefaultMetricsAddress,
		HealthProbeAddress:             DefaultHealthProbeAddress,
		LeaderElectionID:               DefaultLeaderElectionID,
		WebhookPort:                    DefaultWebhookPort,
		SelfSignedCerts:                true,
		CAValidity:                     certs.DefaultCAValidity,
		CertValidity:                   certs.DefaultCertValidity,
		CertCheckInterval:              certs.DefaultCheckInterval,
		WebhookService:                 DefaultWebhookService,
		CRDName:                        DefaultCRDName,
		ValidatingWebhookConfiguration: DefaultValidatingWebhook,
		MutatingWebhookConfiguration:   DefaultMutatingWebhook,
		Controller:                     controller.DefaultOptions(),
		RunController:                  true,
		MetricsFreshness:               DefaultMetricsFreshness,
		MetricsGroup:                   defaultMetricsGroup(),
		AuthorizeSubdomains:            true,
	}
}

// defaultMetricsGroup returns the metrics client's per-group defaults, with MaxInFlight left
// to follow the number of workers (see groupLimits).
func defaultMetricsGroup() aggregated.GroupOptions {
	g := aggregated.DefaultGroupOptions()
	g.MaxInFlight = 0
	return g
}

// groupLimits returns the per-group limits the metrics client runs with: a MaxInFlight of 0
// becomes half the workers, at least 1.
func (o *Options) groupLimits() aggregated.GroupOptions {
	g := o.MetricsGroup
	if g.MaxInFlight <= 0 {
		g.MaxInFlight = max(1, o.Controller.Workers/2)
	}
	return g
}

// DefaultMetricsFreshness is the default of --metrics-freshness: a few seconds below the
// default sync period, so each sync fetches every query once.
const DefaultMetricsFreshness = 12 * time.Second

// AddFlags registers a flag for every option, with o's values as defaults.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Kubeconfig, "kubeconfig", o.Kubeconfig, "Path to a kubeconfig file. Default: $KUBECONFIG, ~/.kube/config, or the in-cluster configuration.")
	fs.StringVar(&o.MetricsAddress, "metrics-bind-address", o.MetricsAddress, "Address the metrics endpoint binds to; \"0\" disables it.")
	fs.StringVar(&o.HealthProbeAddress, "health-probe-bind-address", o.HealthProbeAddress, "Address the /healthz and /readyz probes bind to; \"0\" disables them.")
	fs.BoolVar(&o.LeaderElection, "leader-elect", o.LeaderElection, "Elect a leader so that one replica runs the controllers; webhooks run on every replica.")
	fs.StringVar(&o.LeaderElectionNamespace, "leader-election-namespace", o.LeaderElectionNamespace, "Namespace of the leader election Lease. Default: the pod's namespace.")
	fs.StringVar(&o.LeaderElectionID, "leader-election-id", o.LeaderElectionID, "Name of the leader election Lease.")
	fs.StringVar(&o.WebhookHost, "webhook-host", o.WebhookHost, "Address the webhook server listens on; empty for all addresses.")
	fs.IntVar(&o.WebhookPort, "webhook-port", o.WebhookPort, "Port the webhook server listens on.")
	fs.BoolVar(&o.SelfSignedCerts, "self-signed-certs", o.SelfSignedCerts, "Create and rotate a CA and serving certificate and inject the CA bundle. Set to false to read tls.crt and tls.key from --cert-dir (e.g. from cert-manager).")
	fs.StringVar(&o.CertDir, "cert-dir", o.CertDir, "Directory with tls.crt and tls.key, used with --self-signed-certs=false. Default: <temp dir>/k8s-webhook-server/serving-certs.")
	fs.StringVar(&o.CertSecret, "cert-secret", o.CertSecret, "Secret (namespace/name) that stores the self-signed certificates, shared by all replicas. Empty keeps them in memory (one replica only).")
	fs.StringSliceVar(&o.CertDNSNames, "cert-dns-names", o.CertDNSNames, "Further DNS names for the self-signed serving certificate.")
	fs.DurationVar(&o.CAValidity, "ca-validity", o.CAValidity, "Lifetime of the self-signed CA; it is renewed when a third is left.")
	fs.DurationVar(&o.CertValidity, "cert-validity", o.CertValidity, "Lifetime of the self-signed serving certificate; it is renewed when a third is left.")
	fs.DurationVar(&o.CertCheckInterval, "cert-check-interval", o.CertCheckInterval, "Longest time between two checks of the certificates and the injected CA bundles.")
	fs.StringVar(&o.WebhookService, "webhook-service", o.WebhookService, "Service (namespace/name) in front of the webhook server.")
	fs.StringVar(&o.WebhookURL, "webhook-url", o.WebhookURL, "Base URL the API server calls the webhooks at, instead of the Service, e.g. https://localhost:9443 for a server on the API server's host (with --webhook-host=127.0.0.1).")
	fs.StringVar(&o.CRDName, "crd-name", o.CRDName, "CustomResourceDefinition whose conversion webhook this server is; empty to leave it alone.")
	fs.StringVar(&o.ValidatingWebhookConfiguration, "validating-webhook-configuration", o.ValidatingWebhookConfiguration, "ValidatingWebhookConfiguration whose webhooks this server serves; empty to leave it alone.")
	fs.StringVar(&o.MutatingWebhookConfiguration, "mutating-webhook-configuration", o.MutatingWebhookConfiguration, "MutatingWebhookConfiguration whose webhooks this server serves; empty to leave it alone.")
	fs.BoolVar(&o.AuthorizeSubdomains, "authorize-subdomains", o.AuthorizeSubdomains, "Refuse an autoscaler that adds a metrics subdomain S unless the requesting user may \"use\" metricsubdomains.autoscaling.mhpa.dev S in its namespace (a SubjectAccessReview). Set to false only on single-tenant clusters.")

	c := &o.Controller
	fs.BoolVar(&o.RunController, "controller", o.RunController, "Run the HPA controller; false serves only the webhooks.")
	fs.BoolVar(&c.BuiltinHPAs, "builtin-hpas", c.BuiltinHPAs, "Also reconcile built-in autoscaling/v2 HorizontalPodAutoscalers, in place of kube-controller-manager's HPA controller (run it with --controllers=*,-horizontalpodautoscaling). Their metrics APIs come from the annotation autoscaling.mhpa.dev/subdomains: a JSON array of subdomains aligned with spec.metrics, \"\" for the default group.")
	fs.DurationVar(&c.SyncPeriod, "horizontal-pod-autoscaler-sync-period", c.SyncPeriod, "The period for syncing the number of pods in horizontal pod autoscaler.")
	fs.IntVar(&c.Workers, "concurrent-horizontal-pod-autoscaler-syncs", c.Workers, "The number of horizontal pod autoscaler objects that are allowed to sync concurrently.")
	fs.DurationVar(&c.Decision.DownscaleStabilizationWindow, "horizontal-pod-autoscaler-downscale-stabilization", c.Decision.DownscaleStabilizationWindow, "The period for which autoscaler will look backwards and not scale down below any recommendation it made during that period (autoscalers without spec.behavior.scaleDown.stabilizationWindowSeconds).")
	fs.DurationVar(&c.Decision.Readiness.CPUInitializationPeriod, "horizontal-pod-autoscaler-cpu-initialization-period", c.Decision.Readiness.CPUInitializationPeriod, "The period after pod start when CPU samples might be skipped.")
	fs.DurationVar(&c.Decision.Readiness.InitialReadinessDelay, "horizontal-pod-autoscaler-initial-readiness-delay", c.Decision.Readiness.InitialReadinessDelay, "The period after pod start during which readiness changes will be treated as initial readiness.")
	fs.Float64Var(&c.Decision.Tolerance, "horizontal-pod-autoscaler-tolerance", c.Decision.Tolerance, "The minimum change (from 1.0) in the desired-to-actual metrics ratio for the horizontal pod autoscaler to consider scaling; a behavior's tolerance overrides it per direction.")
	fs.DurationVar(&o.MetricsFreshness, "metrics-freshness", o.MetricsFreshness, "How long a metric value fetched for one autoscaler is reused for identical queries of others (one PodMetrics list per namespace, one query per metric); 0 fetches every query anew. Keep it below the sync period.")
	g := &o.MetricsGroup
	fs.Float32Var(&g.QPS, "metrics-group-qps", g.QPS, "Requests per second allowed to each metrics API group (each subdomain has its own budget).")
	fs.IntVar(&g.Burst, "metrics-group-burst", g.Burst, "Requests allowed at once above --metrics-group-qps, per metrics API group.")
	fs.DurationVar(&g.RequestTimeout, "metrics-group-timeout", g.RequestTimeout, "Timeout of one request to a metrics API group.")
	fs.IntVar(&g.MaxInFlight, "metrics-group-max-in-flight", g.MaxInFlight, "Concurrent requests allowed to one metrics API group: a sick server can hold no more workers than this. 0 means half of --concurrent-horizontal-pod-autoscaler-syncs (at least 1), so one hung group never holds every worker.")
	fs.IntVar(&g.FailureThreshold, "metrics-group-failure-threshold", g.FailureThreshold, "Consecutive failures of a metrics API group that open its circuit (fail fast) for --metrics-group-cool-down.")
	fs.DurationVar(&g.CoolDown, "metrics-group-cool-down", g.CoolDown, "How long an open circuit of a metrics API group fails fast before a probe request.")
}

// Validate checks the options and says which flag is wrong.
func (o *Options) Validate() error {
	var errs []error
	if o.WebhookPort < 1 || o.WebhookPort > 65535 {
		errs = append(errs, fmt.Errorf("--webhook-port: %d is not a port: must be 1 to 65535", o.WebhookPort))
	}
	if _, _, err := splitName(o.WebhookService); err != nil {
		errs = append(errs, fmt.Errorf("--webhook-service: %w", err))
	}
	if o.CertSecret != "" {
		if _, _, err := splitName(o.CertSecret); err != nil {
			errs = append(errs, fmt.Errorf("--cert-secret: %w", err))
		}
	}
	if o.WebhookURL != "" {
		if _, err := webhookURLHost(o.WebhookURL); err != nil {
			errs = append(errs, fmt.Errorf("--webhook-url: %w", err))
		}
	}
	if o.SelfSignedCerts {
		for name, d := range map[string]time.Duration{"--ca-validity": o.CAValidity, "--cert-validity": o.CertValidity, "--cert-check-interval": o.CertCheckInterval} {
			if d <= 0 {
				errs = append(errs, fmt.Errorf("%s: %v must be positive", name, d))
			}
		}
		if o.CertValidity > o.CAValidity/3 {
			errs = append(errs, fmt.Errorf("--cert-validity: %v must be at most a third of --ca-validity (%v)", o.CertValidity, o.CAValidity))
		}
	}
	if o.RunController {
		c := o.Controller
		if c.SyncPeriod <= 0 {
			errs = append(errs, fmt.Errorf("--horizontal-pod-autoscaler-sync-period: %v must be positive", c.SyncPeriod))
		}
		if c.Workers < 1 {
			errs = append(errs, fmt.Errorf("--concurrent-horizontal-pod-autoscaler-syncs: %d must be at least 1", c.Workers))
		}
		if c.Decision.Tolerance < 0 {
			errs = append(errs, fmt.Errorf("--horizontal-pod-autoscaler-tolerance: %v must be at least 0", c.Decision.Tolerance))
		}
		for name, d := range map[string]time.Duration{
			"--horizontal-pod-autoscaler-downscale-stabilization":   c.Decision.DownscaleStabilizationWindow,
			"--horizontal-pod-autoscaler-cpu-initialization-period": c.Decision.Readiness.CPUInitializationPeriod,
			"--horizontal-pod-autoscaler-initial-readiness-delay":   c.Decision.Readiness.InitialReadinessDelay,
			"--metrics-freshness": o.MetricsFreshness,
		} {
			if d < 0 {
				errs = append(errs, fmt.Errorf("%s: %v must not be negative", name, d))
			}
		}
		if o.MetricsFreshness >= c.SyncPeriod && c.SyncPeriod > 0 {
			errs = append(errs, fmt.Errorf("--metrics-freshness: %v must be below --horizontal-pod-autoscaler-sync-period (%v), or each sync would reuse the previous sync's values", o.MetricsFreshness, c.SyncPeriod))
		}
	}
	return errors.Join(errs...)
}

// splitName splits namespace/name.
func splitName(s string) (namespace, name string, err error) {
	namespace, name, ok := strings.Cut(s, "/")
	if !ok || namespace == "" || name == "" || strings.Contains(name, "/") {
		return "", "", fmt.Errorf("%q must be namespace/name", s)
	}
	return namespace, name, nil
}

// webhookURLHost returns the host of a webhook base URL, which must be https with a host and no
// path, query or fragment.
func webhookURLHost(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	if u.Scheme != "https" || u.Hostname() == "" || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("%q must be https://host[:port], without a path", raw)
	}
	return u.Hostname(), nil
}

// servingNames returns the DNS names and IP addresses the self-signed certificate is issued for:
// the Service's names, the host of WebhookURL (with localhost also 127.0.0.1 and ::1, which it
// may resolve to) and CertDNSNames.
func (o *Options) servingNames() ([]string, []net.IP) {
	var dnsNames []string
	var ips []net.IP
	if ns, name, err := splitName(o.WebhookService); err == nil {
		dnsNames = append(dnsNames, name+"."+ns+".svc", name+"."+ns+".svc.cluster.local")
	}
	if host, err := webhookURLHost(o.WebhookURL); err == nil && o.WebhookURL != "" {
		if ip := net.ParseIP(host); ip != nil {
			ips = append(ips, ip)
		} else {
			dnsNames = append(dnsNames, host)
		}
		if host == "localhost" {
			ips = append(ips, net.IPv4(127, 0, 0, 1), net.IPv6loopback)
		}
	}
	dnsNames = append(dnsNames, o.CertDNSNames...)
	return dnsNames, ips
}

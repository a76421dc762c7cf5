package controllerapp

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"
)

func TestFlags(t *testing.T) {
	o := DefaultOptions()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	o.AddFlags(fs)
	err := fs.Parse([]string{
		"--kubeconfig=/tmp/kc", "--webhook-host=127.0.0.1", "--webhook-port=10443",
		"--webhook-url=https://localhost:10443", "--cert-secret=mhpa-system/certs",
		"--crd-name=", "--cert-validity=24h", "--cert-dns-names=a.example,b.example",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultOptions()
	want.Kubeconfig, want.WebhookHost, want.WebhookPort = "/tmp/kc", "127.0.0.1", 10443
	want.WebhookURL, want.CertSecret, want.CRDName = "https://localhost:10443", "mhpa-system/certs", ""
	want.CertValidity, want.CertDNSNames = 24*time.Hour, []string{"a.example", "b.example"}
	if diff := cmp.Diff(want, o); diff != "" {
		t.Errorf("options (-want +got):\n%s", diff)
	}
	if err := o.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Options)
		want   string // part of the error; "" for none
	}{
		{name: "defaults", change: func(*Options) {}},
		{name: "port", change: func(o *Options) { o.WebhookPort = 0 }, want: "--webhook-port: 0 is not a port"},
		{name: "service", change: func(o *Options) { o.WebhookService = "mhpa-webhook" }, want: `--webhook-service: "mhpa-webhook" must be namespace/name`},
		{name: "secret", change: func(o *Options) { o.CertSecret = "a/b/c" }, want: `--cert-secret: "a/b/c" must be namespace/name`},
		{name: "url scheme", change: func(o *Options) { o.WebhookURL = "http://localhost:9443" }, want: "--webhook-url"},
		{name: "url path", change: func(o *Options) { o.WebhookURL = "https://localhost:9443/hooks" }, want: "without a path"},
		{name: "validities", change: func(o *Options) { o.CertValidity = o.CAValidity }, want: "--cert-validity"},
		{name: "validities ignored with certificates from a directory", change: func(o *Options) {
			o.SelfSignedCerts, o.CertValidity = false, o.CAValidity
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := DefaultOptions()
			tc.change(&o)
			err := o.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("Validate: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("Validate = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestServingNames(t *testing.T) {
	o := DefaultOptions()
	o.WebhookURL = "https://localhost:9443"
	o.CertDNSNames = []string{"extra.example"}
	dns, ips := o.servingNames()
	wantDNS := []string{"mhpa-webhook.mhpa-system.svc", "mhpa-webhook.mhpa-system.svc.cluster.local", "localhost", "extra.example"}
	if diff := cmp.Diff(wantDNS, dns); diff != "" {
		t.Errorf("DNS names (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}, ips); diff != "" {
		t.Errorf("IP addresses (-want +got):\n%s", diff)
	}

	o.WebhookURL = "https://10.1.2.3:9443"
	_, ips = o.servingNames()
	if diff := cmp.Diff([]net.IP{net.ParseIP("10.1.2.3")}, ips); diff != "" {
		t.Errorf("IP addresses for an IP URL (-want +got):\n%s", diff)
	}
}

// TestControllerFlags pins the kube-controller-manager flag names and the flags mhpa adds.
func TestControllerFlags(t *testing.T) {
	o := DefaultOptions()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	o.AddFlags(fs)
	err := fs.Parse([]string{
		"--horizontal-pod-autoscaler-sync-period=30s", "--concurrent-horizontal-pod-autoscaler-syncs=8",
		"--horizontal-pod-autoscaler-downscale-stabilization=2m", "--horizontal-pod-autoscaler-cpu-initialization-period=1m",
		"--horizontal-pod-autoscaler-initial-readiness-delay=10s", "--horizontal-pod-autoscaler-tolerance=0.05",
		"--authorize-subdomains=false", "--builtin-hpas", "--metrics-freshness=20s",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultOptions()
	c := &want.Controller
	c.SyncPeriod, c.Workers = 30*time.Second, 8
	c.Decision.DownscaleStabilizationWindow = 2 * time.Minute
	c.Decision.Readiness.CPUInitializationPeriod, c.Decision.Readiness.InitialReadinessDelay = time.Minute, 10*time.Second
	c.Decision.Tolerance, c.BuiltinHPAs = 0.05, true
	want.AuthorizeSubdomains, want.MetricsFreshness = false, 20*time.Second
	if diff := cmp.Diff(want, o); diff != "" {
		t.Errorf("options (-want +got):\n%s", diff)
	}
	if err := o.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	// A hung metrics group may hold at most half the workers unless told otherwise.
	if got := o.groupLimits().MaxInFlight; got != 4 {
		t.Errorf("per-group requests in flight with 8 workers = %d, want 4", got)
	}
	o.MetricsGroup.MaxInFlight = 16
	if got := o.groupLimits().MaxInFlight; got != 16 {
		t.Errorf("per-group requests in flight set to 16 = %d", got)
	}
}

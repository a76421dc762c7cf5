package api

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/mhpa-dev/mhpa/internal/certs"
	"github.com/mhpa-dev/mhpa/internal/controllerapp"
)

// injected returns the CA bundles of the CRD's conversion webhook and of the webhook
// configurations, and the URLs they call.
func (e *env) injected(ctx context.Context) (bundles [][]byte, urls []string, err error) {
	crd, err := e.apiext.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, e.opts.CRDName, metav1.GetOptions{})
	if err != nil {
		return nil, nil, err
	}
	if c := crd.Spec.Conversion; c == nil || c.Webhook == nil || c.Webhook.ClientConfig == nil || c.Webhook.ClientConfig.URL == nil {
		return nil, nil, fmt.Errorf("the CRD has no conversion webhook URL: %+v", c)
	}
	bundles = append(bundles, crd.Spec.Conversion.Webhook.ClientConfig.CABundle)
	urls = append(urls, *crd.Spec.Conversion.Webhook.ClientConfig.URL)
	vwc, err := e.kube.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, e.opts.ValidatingWebhookConfiguration, metav1.GetOptions{})
	if err != nil {
		return nil, nil, err
	}
	for _, w := range vwc.Webhooks {
		bundles = append(bundles, w.ClientConfig.CABundle)
		if w.ClientConfig.URL != nil {
			urls = append(urls, *w.ClientConfig.URL)
		}
	}
	mwc, err := e.kube.AdmissionregistrationV1().MutatingWebhookConfigurations().Get(ctx, e.opts.MutatingWebhookConfiguration, metav1.GetOptions{})
	if err != nil {
		return nil, nil, err
	}
	for _, w := range mwc.Webhooks {
		bundles = append(bundles, w.ClientConfig.CABundle)
		if w.ClientConfig.URL != nil {
			urls = append(urls, *w.ClientConfig.URL)
		}
	}
	return bundles, urls, nil
}

// servedCertificate returns the serial number of the certificate the webhook server presents.
func (e *env) servedCertificate(t *testing.T) string {
	t.Helper()
	addr := net.JoinHostPort(e.opts.WebhookHost, strconv.Itoa(e.opts.WebhookPort))
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // only reads the certificate
	if err != nil {
		t.Fatalf("connecting to the webhook server: %v", err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber.String()
}

func TestInjection(t *testing.T) {
	e := startEnv(t)
	ctx := t.Context()
	base := e.opts.WebhookURL
	bundles, urls, err := e.injected(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := e.app.Rotator.CABundle()
	for i, b := range bundles {
		if !bytes.Equal(b, want) {
			t.Errorf("CA bundle %d is not the rotator's", i)
		}
	}
	wantURLs := []string{base + "/convert", base + "/validate", base + "/default"}
	if fmt.Sprint(urls) != fmt.Sprint(wantURLs) {
		t.Errorf("webhook URLs %v, want %v", urls, wantURLs)
	}

	// Someone re-applies the manifests, resetting the CA bundles: they are injected again at
	// once (the rotator watches the objects; its periodic check is 10 minutes away).
	vwc, err := e.kube.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, e.opts.ValidatingWebhookConfiguration, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	vwc.Webhooks[0].ClientConfig.CABundle = nil
	if _, err := e.kube.AdmissionregistrationV1().ValidatingWebhookConfigurations().Update(ctx, vwc, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	crd, err := e.apiext.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, e.opts.CRDName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	other, err := certs.NewCA(certs.CAOptions{CommonName: "someone else", Now: time.Now(), Validity: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	crd.Spec.Conversion.Webhook.ClientConfig.CABundle = other.CertPEM
	if _, err := e.apiext.ApiextensionsV1().CustomResourceDefinitions().Update(ctx, crd, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 15*time.Second, true, func(ctx context.Context) (bool, error) {
		bundles, _, err := e.injected(ctx)
		if err != nil {
			return false, err
		}
		for _, b := range bundles {
			if !bytes.Equal(b, want) {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("waiting for the reset CA bundles to be injected again: %v", err)
	}
	e.waitForWebhooks(ctx, t)
}

// TestCertificateRotation runs the webhook server with a CA of 60 s and serving certificates of
// 20 s, kept in a Secret, and checks that the API server keeps reaching it through several
// renewals of the serving certificate and a renewal of the CA.
func TestCertificateRotation(t *testing.T) {
	const secret = "mhpa-webhook-certs"
	e := startEnv(t, func(o *controllerapp.Options) {
		o.CertSecret = "mhpa-system/" + secret
		o.CAValidity = 60 * time.Second
		o.CertValidity = 20 * time.Second
		o.CertCheckInterval = 2 * time.Second
	})
	ctx := t.Context()

	cas, servings, served := map[string]bool{}, map[string]bool{}, map[string]bool{}
	requests, failures := 0, 0
	var lastFailure error
	sawTwoCAs := false
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) && !(len(cas) >= 2 && len(servings) >= 4 && len(served) >= 4) {
		s, err := e.kube.CoreV1().Secrets("mhpa-system").Get(ctx, secret, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := certs.BundleFromData(s.Data)
		if err != nil {
			t.Fatalf("Secret %s: %v", secret, err)
		}
		cas[b.CA.Cert.SerialNumber.String()] = true
		servings[b.Serving.Cert.SerialNumber.String()] = true
		sawTwoCAs = sawTwoCAs || len(b.Previous) > 0
		served[e.servedCertificate(t)] = true

		// Conversion (v1 is stored as v2), defaulting and validation, through the API server.
		requests++
		if err := e.dryRunV1(ctx, t); err != nil {
			failures++
			lastFailure = err
		}
		time.Sleep(250 * time.Millisecond) // the pace of the requests, not a wait for a condition
	}
	t.Logf("%d requests during %d CAs, %d serving certificates stored, %d served", requests, len(cas), len(servings), len(served))
	if len(cas) < 2 || len(servings) < 4 || len(served) < 4 {
		t.Errorf("in 2 minutes saw %d CAs, %d serving certificates stored and %d served; want at least 2, 4 and 4", len(cas), len(servings), len(served))
	}
	if !sawTwoCAs {
		t.Errorf("the Secret never held the previous CA next to the new one")
	}
	for s := range served {
		if !servings[s] {
			t.Errorf("the server presented a certificate (serial %s) that was never in the Secret", s)
		}
	}
	if failures > 0 {
		t.Errorf("%d of %d requests through the webhooks failed during the rotations; the last: %v", failures, requests, lastFailure)
	}
}

// dryRunV1 creates (dry run) a v1 object: converted to v2, defaulted and validated.
func (e *env) dryRunV1(ctx context.Context, t *testing.T) error {
	obj := unstructuredFromYAML(t, `
apiVersion: autoscaling.mhpa.dev/v1
kind: HorizontalPodAutoscaler
metadata: {name: probe}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 3
`)
	got, err := e.dynamic.Resource(hpaResource("v1")).Namespace("probe").Create(ctx, obj, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	if err != nil {
		return err
	}
	if got.Object["spec"].(map[string]any)["minReplicas"] == nil {
		return errors.New("not defaulted")
	}
	return nil
}

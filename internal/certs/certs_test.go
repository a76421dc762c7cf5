package certs_test

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsfake "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset/fake"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes/fake"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"github.com/mhpa-dev/mhpa/internal/certs"
)

var t0 = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// verify checks that serving is valid for name at now, given the PEM CA bundle.
func verify(t *testing.T, caBundle []byte, serving *x509.Certificate, name string, now time.Time) error {
	t.Helper()
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caBundle) {
		t.Fatalf("the CA bundle holds no certificate")
	}
	_, err := serving.Verify(x509.VerifyOptions{DNSName: name, Roots: roots, CurrentTime: now})
	return err
}

func TestIssueServing(t *testing.T) {
	ca, err := certs.NewCA(certs.CAOptions{CommonName: "test-ca", Now: t0, Validity: 48 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	serving, err := ca.IssueServing(certs.ServingOptions{
		DNSNames: []string{"svc.ns.svc", "localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		Now: t0, Validity: 100 * time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"svc.ns.svc", "localhost", "127.0.0.1"} {
		if err := verify(t, ca.CertPEM, serving.Cert, name, t0.Add(time.Hour)); err != nil {
			t.Errorf("verifying for %s: %v", name, err)
		}
	}
	if err := verify(t, ca.CertPEM, serving.Cert, "other.example", t0); err == nil {
		t.Errorf("the certificate is valid for a name it was not issued for")
	}
	if !serving.Cert.NotAfter.Equal(ca.Cert.NotAfter) {
		t.Errorf("serving certificate ends at %v, want it cut to the CA's end %v", serving.Cert.NotAfter, ca.Cert.NotAfter)
	}
	again, err := certs.ParseKeyPair(serving.CertPEM, serving.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Cert.Equal(serving.Cert) {
		t.Errorf("parsing the key pair changed the certificate")
	}
	if _, err := certs.ParseKeyPair(serving.CertPEM, ca.KeyPEM); err == nil {
		t.Errorf("a certificate with another certificate's key parsed without error")
	}
}

func TestBundleData(t *testing.T) {
	r := newRotator(t, clocktesting.NewFakeClock(t0), &certs.MemoryStore{})
	if _, err := r.Reconcile(context.Background()); err != nil {
		t.Fatal(err)
	}
	ca, _ := certs.NewCA(certs.CAOptions{CommonName: "old", Now: t0, Validity: time.Hour})
	serving, _ := ca.IssueServing(certs.ServingOptions{DNSNames: []string{"x"}, Now: t0, Validity: time.Hour})
	b := &certs.Bundle{CA: ca, Previous: []*x509.Certificate{serving.Cert}, Serving: serving}
	got, err := certs.BundleFromData(b.Data())
	if err != nil {
		t.Fatal(err)
	}
	if !got.CA.Cert.Equal(b.CA.Cert) || !got.Serving.Cert.Equal(b.Serving.Cert) || len(got.Previous) != 1 || !got.Previous[0].Equal(serving.Cert) {
		t.Errorf("bundle changed in a round trip through Secret data")
	}
	data := b.Data()
	delete(data, certs.KeyKey)
	if _, err := certs.BundleFromData(data); err == nil {
		t.Errorf("a bundle without %s decoded without error", certs.KeyKey)
	}
}

func newRotator(t *testing.T, clk *clocktesting.FakeClock, store certs.Store) *certs.Rotator {
	t.Helper()
	r, err := certs.NewRotator(certs.RotatorOptions{
		Store: store, Clock: clk, DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		CAValidity: 30 * time.Hour, CertValidity: 9 * time.Hour, CheckInterval: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// state is what the test follows of a rotator's bundle over time.
type state struct {
	CA, Serving string // serial numbers
	Previous    int
}

func TestRotation(t *testing.T) {
	clk := clocktesting.NewFakeClock(t0)
	store := &certs.MemoryStore{}
	r := newRotator(t, clk, store)
	ctx := context.Background()

	observe := func() state {
		t.Helper()
		if _, err := r.Reconcile(ctx); err != nil {
			t.Fatal(err)
		}
		b, _ := store.Load(ctx)
		served, err := r.GetCertificate(nil)
		if err != nil {
			t.Fatal(err)
		}
		if !served.Leaf.Equal(b.Serving.Cert) {
			t.Fatalf("the served certificate is not the stored one")
		}
		// Whatever happened, the served certificate is trusted by the injected bundle now.
		if err := verify(t, r.CABundle(), served.Leaf, "localhost", clk.Now()); err != nil {
			t.Fatalf("at %v the served certificate is not trusted by the CA bundle: %v", clk.Now(), err)
		}
		return state{CA: b.CA.Cert.SerialNumber.String(), Serving: b.Serving.Cert.SerialNumber.String(), Previous: len(b.Previous)}
	}

	first := observe()
	if got := observe(); got != first {
		t.Errorf("a second reconcile changed the bundle: %+v -> %+v", first, got)
	}

	// The serving certificate (9h) is renewed when 3h are left, at 6h; the CA stays.
	clk.SetTime(t0.Add(5 * time.Hour))
	if got := observe(); got != first {
		t.Errorf("renewed before a third of the lifetime was left: %+v -> %+v", first, got)
	}
	clk.SetTime(t0.Add(6*time.Hour + time.Minute))
	second := observe()
	if second.CA != first.CA || second.Serving == first.Serving {
		t.Errorf("at 6h want a new serving certificate from the same CA: %+v -> %+v", first, second)
	}

	// Every 6h the serving certificate is renewed: at 12h and 18h.
	clk.SetTime(t0.Add(12*time.Hour + time.Minute))
	observe()
	clk.SetTime(t0.Add(18 * time.Hour))
	third := observe()
	// The CA (30h) is renewed at 20h. The serving certificate of 18h is still trusted through
	// the previous CA, which stays in the bundle, so it is kept.
	clk.SetTime(t0.Add(20*time.Hour + time.Minute))
	fourth := observe()
	if fourth.CA == third.CA || fourth.Previous != 1 || fourth.Serving != third.Serving {
		t.Errorf("at 20h want a new CA, the old one kept, the serving certificate kept: %+v -> %+v", third, fourth)
	}
	// The next serving certificate, at 24h, comes from the new CA.
	clk.SetTime(t0.Add(24 * time.Hour))
	fifth := observe()
	if fifth.CA != fourth.CA || fifth.Serving == fourth.Serving {
		t.Errorf("want a new serving certificate from the new CA: %+v -> %+v", fourth, fifth)
	}
	// Once the old CA expires (30h) it leaves the bundle.
	clk.SetTime(t0.Add(30*time.Hour + time.Minute))
	if got := observe(); got.Previous != 0 {
		t.Errorf("the expired CA is still in the bundle: %+v", got)
	}
}

// TestRenewalWaitsForANewCA covers a serving certificate that falls due together with the CA:
// the certificate from the new CA is issued only once the new CA has had a minute to spread.
func TestRenewalWaitsForANewCA(t *testing.T) {
	clk := clocktesting.NewFakeClock(t0)
	store := &certs.MemoryStore{}
	r := newRotator(t, clk, store)
	ctx := context.Background()
	reconcile := func() (*certs.Bundle, time.Time) {
		t.Helper()
		next, err := r.Reconcile(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := store.Load(ctx)
		served, _ := r.GetCertificate(nil)
		if err := verify(t, r.CABundle(), served.Leaf, "localhost", clk.Now()); err != nil {
			t.Fatalf("at %v the served certificate is not trusted: %v", clk.Now(), err)
		}
		return b, next
	}
	// Serving certificates of 9h are renewed 6h after they are issued: at 6h and 12h. The one
	// of 12h falls due at 18h; nothing runs until 20h, when the CA (30h) falls due too.
	reconcile()
	clk.SetTime(t0.Add(6*time.Hour + time.Minute))
	reconcile()
	clk.SetTime(t0.Add(12*time.Hour + time.Minute))
	before, _ := reconcile()
	clk.SetTime(t0.Add(20 * time.Hour))
	renewed, next := reconcile()
	if renewed.CA.Cert.Equal(before.CA.Cert) {
		t.Fatalf("the CA was not renewed at 20h")
	}
	if !renewed.Serving.Cert.Equal(before.Serving.Cert) {
		t.Errorf("the serving certificate was renewed from a CA created the same moment")
	}
	if want := clk.Now().Add(time.Minute); next.Sub(want).Abs() > time.Second {
		t.Errorf("next reconcile at %v, want a minute after the CA's creation, %v", next, want)
	}
	clk.SetTime(next.Add(-time.Second))
	if b, _ := reconcile(); !b.Serving.Cert.Equal(before.Serving.Cert) {
		t.Errorf("the serving certificate was renewed before the new CA had a minute to spread")
	}
	clk.SetTime(next)
	after, _ := reconcile()
	if after.Serving.Cert.Equal(before.Serving.Cert) {
		t.Fatalf("the serving certificate was not renewed once the new CA had spread")
	}
	if err := after.Serving.Cert.CheckSignatureFrom(after.CA.Cert); err != nil {
		t.Errorf("the renewed serving certificate is not from the new CA: %v", err)
	}
}

func TestRotatorRenewsForNewNames(t *testing.T) {
	clk := clocktesting.NewFakeClock(t0)
	store := &certs.MemoryStore{}
	ctx := context.Background()
	if _, err := newRotator(t, clk, store).Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	other, err := certs.NewRotator(certs.RotatorOptions{Store: store, Clock: clk, DNSNames: []string{"mhpa-webhook.mhpa-system.svc"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	served, _ := other.GetCertificate(nil)
	if err := verify(t, other.CABundle(), served.Leaf, "mhpa-webhook.mhpa-system.svc", clk.Now()); err != nil {
		t.Errorf("the certificate was not reissued for the new name: %v", err)
	}
}

func TestSecretStoreSharedByReplicas(t *testing.T) {
	ctx := context.Background()
	client := fake.NewClientset()
	clk := clocktesting.NewFakeClock(t0)
	store := func() *certs.SecretStore {
		return &certs.SecretStore{Client: client, Namespace: "mhpa-system", Name: "mhpa-webhook-certs"}
	}
	a, b := newRotator(t, clk, store()), newRotator(t, clk, store())
	if _, err := a.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	ca, _ := a.GetCertificate(nil)
	cb, _ := b.GetCertificate(nil)
	if !ca.Leaf.Equal(cb.Leaf) {
		t.Errorf("two replicas sharing a Secret serve different certificates")
	}
	if diff := cmp.Diff(string(a.CABundle()), string(b.CABundle())); diff != "" {
		t.Errorf("two replicas sharing a Secret have different CA bundles:\n%s", diff)
	}

	// Two stores that both saw no Secret: the second one to save gets a conflict.
	client2 := fake.NewClientset()
	s1 := &certs.SecretStore{Client: client2, Namespace: "ns", Name: "certs"}
	s2 := &certs.SecretStore{Client: client2, Namespace: "ns", Name: "certs"}
	for _, s := range []*certs.SecretStore{s1, s2} {
		if got, err := s.Load(ctx); got != nil || err != nil {
			t.Fatalf("Load of a missing Secret = %v, %v; want nil, nil", got, err)
		}
	}
	r := newRotator(t, clk, s1)
	if _, err := r.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	bundle, _ := s1.Load(ctx)
	if err := s2.Save(ctx, bundle); !errors.Is(err, certs.ErrConflict) {
		t.Errorf("Save after another store created the Secret = %v, want ErrConflict", err)
	}
}

func TestInjector(t *testing.T) {
	ctx := context.Background()
	crd := &apiextensionsv1.CustomResourceDefinition{ObjectMeta: metav1.ObjectMeta{Name: "hpas.example.com"}}
	path := func(p string) *admissionregistrationv1.ServiceReference {
		return &admissionregistrationv1.ServiceReference{Namespace: "ns", Name: "svc", Path: ptr.To(p)}
	}
	vwc := &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "validating"},
		Webhooks:   []admissionregistrationv1.ValidatingWebhook{{Name: "v.example.com", ClientConfig: admissionregistrationv1.WebhookClientConfig{Service: path("/validate")}}},
	}
	mwc := &admissionregistrationv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "mutating"},
		Webhooks:   []admissionregistrationv1.MutatingWebhook{{Name: "m.example.com", ClientConfig: admissionregistrationv1.WebhookClientConfig{Service: path("/mutate")}}},
	}

	t.Run("service", func(t *testing.T) {
		kube, ext := fake.NewClientset(vwc.DeepCopy(), mwc.DeepCopy()), apiextensionsfake.NewSimpleClientset(crd.DeepCopy())
		inj := &certs.Injector{
			Kube: kube, APIExtensions: ext, CRDs: []string{crd.Name}, ConversionPath: "/convert",
			ValidatingWebhookConfigurations: []string{"validating"}, MutatingWebhookConfigurations: []string{"mutating"},
			Service: &certs.Service{Namespace: "ns", Name: "svc"},
		}
		if err := inj.Inject(ctx, []byte("CA")); err != nil {
			t.Fatal(err)
		}
		gotCRD, _ := ext.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, crd.Name, metav1.GetOptions{})
		want := &apiextensionsv1.CustomResourceConversion{
			Strategy: apiextensionsv1.WebhookConverter,
			Webhook: &apiextensionsv1.WebhookConversion{
				ClientConfig: &apiextensionsv1.WebhookClientConfig{
					Service:  &apiextensionsv1.ServiceReference{Namespace: "ns", Name: "svc", Path: ptr.To("/convert"), Port: ptr.To[int32](443)},
					CABundle: []byte("CA"),
				},
				ConversionReviewVersions: []string{"v1"},
			},
		}
		if diff := cmp.Diff(want, gotCRD.Spec.Conversion); diff != "" {
			t.Errorf("CRD conversion (-want +got):\n%s", diff)
		}
		gotV, _ := kube.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, "validating", metav1.GetOptions{})
		wantCC := admissionregistrationv1.WebhookClientConfig{Service: path("/validate"), CABundle: []byte("CA")}
		if diff := cmp.Diff(wantCC, gotV.Webhooks[0].ClientConfig); diff != "" {
			t.Errorf("validating webhook clientConfig (-want +got):\n%s", diff)
		}

		// Nothing is written when everything already holds the bundle.
		kube.ClearActions()
		ext.ClearActions()
		if err := inj.Inject(ctx, []byte("CA")); err != nil {
			t.Fatal(err)
		}
		for _, a := range append(kube.Actions(), ext.Actions()...) {
			if a.GetVerb() != "get" {
				t.Errorf("an injection of an unchanged bundle did %s %s", a.GetVerb(), a.GetResource().Resource)
			}
		}
	})

	t.Run("url", func(t *testing.T) {
		kube, ext := fake.NewClientset(vwc.DeepCopy(), mwc.DeepCopy()), apiextensionsfake.NewSimpleClientset(crd.DeepCopy())
		inj := &certs.Injector{
			Kube: kube, APIExtensions: ext, CRDs: []string{crd.Name}, ConversionPath: "/convert",
			ValidatingWebhookConfigurations: []string{"validating"}, MutatingWebhookConfigurations: []string{"mutating"},
			URL: "https://localhost:9443",
		}
		if err := inj.Inject(ctx, []byte("CA")); err != nil {
			t.Fatal(err)
		}
		gotCRD, _ := ext.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, crd.Name, metav1.GetOptions{})
		wantConv := &apiextensionsv1.WebhookClientConfig{URL: ptr.To("https://localhost:9443/convert"), CABundle: []byte("CA")}
		if diff := cmp.Diff(wantConv, gotCRD.Spec.Conversion.Webhook.ClientConfig); diff != "" {
			t.Errorf("CRD conversion clientConfig (-want +got):\n%s", diff)
		}
		gotM, _ := kube.AdmissionregistrationV1().MutatingWebhookConfigurations().Get(ctx, "mutating", metav1.GetOptions{})
		wantCC := admissionregistrationv1.WebhookClientConfig{URL: ptr.To("https://localhost:9443/mutate"), CABundle: []byte("CA")}
		if diff := cmp.Diff(wantCC, gotM.Webhooks[0].ClientConfig); diff != "" {
			t.Errorf("mutating webhook clientConfig (-want +got):\n%s", diff)
		}
		// A second server URL replaces the first and keeps the path.
		inj.URL = "https://127.0.0.1:10443/"
		if err := inj.Inject(ctx, []byte("CA2")); err != nil {
			t.Fatal(err)
		}
		gotM, _ = kube.AdmissionregistrationV1().MutatingWebhookConfigurations().Get(ctx, "mutating", metav1.GetOptions{})
		wantCC = admissionregistrationv1.WebhookClientConfig{URL: ptr.To("https://127.0.0.1:10443/mutate"), CABundle: []byte("CA2")}
		if diff := cmp.Diff(wantCC, gotM.Webhooks[0].ClientConfig); diff != "" {
			t.Errorf("mutating webhook clientConfig after a new URL (-want +got):\n%s", diff)
		}
	})

	t.Run("missing objects", func(t *testing.T) {
		inj := &certs.Injector{
			Kube: fake.NewClientset(), APIExtensions: apiextensionsfake.NewSimpleClientset(),
			CRDs: []string{"missing.example.com"}, ValidatingWebhookConfigurations: []string{"missing"},
			Service: &certs.Service{Namespace: "ns", Name: "svc"},
		}
		err := inj.Inject(ctx, []byte("CA"))
		if err == nil {
			t.Fatal("injecting into missing objects succeeded")
		}
		for _, name := range []string{"missing.example.com", "ValidatingWebhookConfiguration missing"} {
			if !strings.Contains(err.Error(), name) {
				t.Errorf("error %q does not name %q", err, name)
			}
		}
	})
}

func TestStartRenewsOnTime(t *testing.T) {
	clk := clocktesting.NewFakeClock(t0)
	r := newRotator(t, clk, &certs.MemoryStore{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- r.Start(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Start returned %v", err)
		}
	}()

	poll := func(what string, cond func() bool) {
		t.Helper()
		err := wait.PollUntilContextTimeout(context.Background(), 5*time.Millisecond, 10*time.Second, true,
			func(context.Context) (bool, error) { return cond(), nil })
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
	}
	poll("the rotator to be ready and waiting", func() bool { return r.ReadyCheck(nil) == nil && clk.HasWaiters() })
	first, _ := r.GetCertificate(nil)

	// The rotator waits for the renewal at 6h (before the 1h check interval would pass, it
	// wakes up every hour); stepping past 6h renews the certificate without any other call.
	for i := 0; i < 7; i++ {
		poll("the rotator to wait", clk.HasWaiters)
		clk.Step(time.Hour)
	}
	poll("a renewed certificate", func() bool {
		c, _ := r.GetCertificate(nil)
		return !c.Leaf.Equal(first.Leaf)
	})
}

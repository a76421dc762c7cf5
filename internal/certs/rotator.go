package certs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/utils/clock"
)

// Defaults of RotatorOptions.
const (
	DefaultCommonName    = "mhpa-webhook-ca"
	DefaultCAValidity    = 10 * 365 * 24 * time.Hour
	DefaultCertValidity  = 365 * 24 * time.Hour
	DefaultCheckInterval = 10 * time.Minute
)

// maxRetryDelay bounds the wait before retrying a failed reconcile.
const maxRetryDelay = 30 * time.Second

// RotatorOptions configure a Rotator.
type RotatorOptions struct {
	// Store keeps the bundle. Default: a MemoryStore.
	Store Store
	// Clock tells the time and waits. Default: the real clock.
	Clock clock.Clock
	// CommonName names the CA. Default DefaultCommonName.
	CommonName string
	// DNSNames and IPAddresses are the names the serving certificate must be valid for.
	DNSNames    []string
	IPAddresses []net.IP
	// CAValidity and CertValidity are the lifetimes of new CAs and serving certificates.
	// Each is renewed when a third of its lifetime is left. Defaults DefaultCAValidity and
	// DefaultCertValidity.
	CAValidity, CertValidity time.Duration
	// CheckInterval is the longest time between two checks of the bundle and the injected CA
	// bundles. Default DefaultCheckInterval.
	CheckInterval time.Duration
	// Injector, if set, receives the CA bundle after every check.
	Injector *Injector
	// Log receives what the rotator does. Default: discard.
	Log logr.Logger
}

// Rotator keeps a serving certificate and its CA valid, serves the certificate to TLS and
// injects the CA bundle. It is a controller-runtime Runnable that runs on every replica, leader
// or not, since every replica serves webhooks.
type Rotator struct {
	opts    RotatorOptions
	trigger chan struct{}

	mu        sync.RWMutex
	serving   *tls.Certificate
	caBundle  []byte
	injectErr error
	injected  bool
}

// NewRotator returns a Rotator; Start runs it.
func NewRotator(opts RotatorOptions) (*Rotator, error) {
	if len(opts.DNSNames) == 0 && len(opts.IPAddresses) == 0 {
		return nil, errors.New("certs: the serving certificate needs at least one DNS name or IP address")
	}
	if opts.Store == nil {
		opts.Store = &MemoryStore{}
	}
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	if opts.CommonName == "" {
		opts.CommonName = DefaultCommonName
	}
	if opts.CAValidity == 0 {
		opts.CAValidity = DefaultCAValidity
	}
	if opts.CertValidity == 0 {
		opts.CertValidity = DefaultCertValidity
	}
	if opts.CheckInterval == 0 {
		opts.CheckInterval = DefaultCheckInterval
	}
	if opts.CertValidity > opts.CAValidity/3 {
		return nil, fmt.Errorf("certs: the certificate validity %v must be at most a third of the CA validity %v, "+
			"so that serving certificates are not cut short by the end of the CA that signs them", opts.CertValidity, opts.CAValidity)
	}
	return &Rotator{opts: opts, trigger: make(chan struct{}, 1)}, nil
}

// renewAt is when a certificate is renewed: when a third of its lifetime is left.
func renewAt(c *x509.Certificate) time.Time {
	return c.NotAfter.Add(-c.NotAfter.Sub(c.NotBefore) / 3)
}

// createdAt is when a certificate of this package was created: NotBefore plus its backdating.
func createdAt(c *x509.Certificate) time.Time {
	lifetime := c.NotAfter.Sub(c.NotBefore) // validity + min(maxBackdate, validity/10)
	return c.NotBefore.Add(min(maxBackdate, lifetime/11))
}

// signsFrom is when a CA starts to sign serving certificates: a while after it was created
// (and its certificate injected), so that the API server trusts it by then. The while is a
// tenth of the serving certificate's validity, at most a minute.
func (r *Rotator) signsFrom(ca *x509.Certificate) time.Time {
	return createdAt(ca).Add(min(time.Minute, r.opts.CertValidity/10))
}

// Reconcile loads the bundle, renews what is due, saves it, serves it and injects its CA
// bundle. It returns when the next renewal is due.
func (r *Rotator) Reconcile(ctx context.Context) (time.Time, error) {
	b, err := r.ensureBundle(ctx)
	if err != nil {
		return time.Time{}, err
	}
	serving, err := b.Serving.TLSCertificate()
	if err != nil {
		return time.Time{}, err
	}
	caBundle := b.CABundle()
	r.mu.Lock()
	r.serving, r.caBundle = serving, caBundle
	r.mu.Unlock()

	var injectErr error
	if r.opts.Injector != nil {
		injectErr = r.opts.Injector.Inject(ctx, caBundle)
	}
	r.mu.Lock()
	r.injectErr, r.injected = injectErr, injectErr == nil
	r.mu.Unlock()

	next := renewAt(b.Serving.Cert)
	if now := r.opts.Clock.Now(); !now.Before(next) {
		next = r.signsFrom(b.CA.Cert) // a renewal deferred until the new CA has spread
	}
	if at := renewAt(b.CA.Cert); at.Before(next) {
		next = at
	}
	if injectErr != nil {
		return next, fmt.Errorf("certs: injecting the CA bundle: %w", injectErr)
	}
	return next, nil
}

// ensureBundle returns the stored bundle, renewed and saved if anything was due. It retries
// when another replica saved a bundle in between.
func (r *Rotator) ensureBundle(ctx context.Context) (*Bundle, error) {
	for attempt := 0; ; attempt++ {
		stored, err := r.opts.Store.Load(ctx)
		if err != nil {
			return nil, err
		}
		b, changed, err := r.renew(stored)
		if err != nil {
			return nil, err
		}
		if !changed {
			return b, nil
		}
		err = r.opts.Store.Save(ctx, b)
		if err == nil {
			return b, nil
		}
		if !errors.Is(err, ErrConflict) || attempt >= 3 {
			return nil, err
		}
	}
}

// renew returns stored with every part that is missing, invalid or due renewed, and whether
// anything changed.
func (r *Rotator) renew(stored *Bundle) (*Bundle, bool, error) {
	now := r.opts.Clock.Now()
	b := &Bundle{}
	changed := stored == nil
	if stored != nil {
		*b = *stored
	}
	if b.CA == nil || !now.Before(renewAt(b.CA.Cert)) {
		ca, err := NewCA(CAOptions{CommonName: r.opts.CommonName, Now: now, Validity: r.opts.CAValidity})
		if err != nil {
			return nil, false, err
		}
		if b.CA != nil {
			r.opts.Log.Info("renewing the webhook CA", "expires", b.CA.Cert.NotAfter)
			b.Previous = append([]*x509.Certificate{b.CA.Cert}, b.Previous...)
		}
		b.CA, changed = ca, true
	}
	// Keep trusting earlier CAs until they expire.
	previous := slices.DeleteFunc(slices.Clone(b.Previous), func(c *x509.Certificate) bool { return !now.Before(c.NotAfter) })
	if len(previous) != len(b.Previous) {
		b.Previous, changed = previous, true
	}
	// A serving certificate that is due is renewed from the current CA only once that CA has
	// had time to reach the API server's webhook clients in the injected bundle; until then the
	// current certificate, still valid and trusted, is kept. One that is unusable is replaced
	// at once.
	unusable := b.Serving == nil || !now.Before(b.Serving.Cert.NotAfter) || !r.covers(b.Serving.Cert) || !trusted(b, b.Serving.Cert, now)
	due := b.Serving != nil && !now.Before(renewAt(b.Serving.Cert)) && !now.Before(r.signsFrom(b.CA.Cert))
	if unusable || due {
		if b.Serving != nil {
			r.opts.Log.Info("renewing the webhook serving certificate", "expires", b.Serving.Cert.NotAfter)
		}
		serving, err := b.CA.IssueServing(ServingOptions{
			DNSNames: r.opts.DNSNames, IPAddresses: r.opts.IPAddresses, Now: now, Validity: r.opts.CertValidity,
		})
		if err != nil {
			return nil, false, err
		}
		b.Serving, changed = serving, true
	}
	return b, changed, nil
}

// covers reports whether c is valid for every name the serving certificate must have.
func (r *Rotator) covers(c *x509.Certificate) bool {
	for _, name := range r.opts.DNSNames {
		if !slices.Contains(c.DNSNames, name) {
			return false
		}
	}
	for _, ip := range r.opts.IPAddresses {
		if !slices.ContainsFunc(c.IPAddresses, ip.Equal) {
			return false
		}
	}
	return true
}

// trusted reports whether c chains to a CA of b's CA bundle at now.
func trusted(b *Bundle, c *x509.Certificate, now time.Time) bool {
	roots := x509.NewCertPool()
	roots.AddCert(b.CA.Cert)
	for _, p := range b.Previous {
		roots.AddCert(p)
	}
	_, err := c.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	return err == nil
}

// Start runs the rotator until ctx ends: it reconciles at once, then whenever a renewal is due,
// an injected object changes, or CheckInterval passed; after a failure it retries sooner.
func (r *Rotator) Start(ctx context.Context) error {
	if r.opts.Injector != nil {
		r.opts.Injector.Watch(ctx, r.Trigger)
	}
	retryDelay := time.Second
	for {
		next, err := r.Reconcile(ctx)
		wait := r.opts.CheckInterval
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			r.opts.Log.Error(err, "reconciling the webhook certificates", "retryIn", retryDelay)
			wait, retryDelay = retryDelay, min(2*retryDelay, maxRetryDelay)
		} else {
			retryDelay = time.Second
			if d := next.Sub(r.opts.Clock.Now()); d < wait {
				wait = max(d, 0)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-r.opts.Clock.After(wait):
		case <-r.trigger:
		}
	}
}

// Trigger asks a running rotator to reconcile now.
func (r *Rotator) Trigger() {
	select {
	case r.trigger <- struct{}{}:
	default:
	}
}

// NeedLeaderElection returns false: every replica serves webhooks and needs a certificate.
func (r *Rotator) NeedLeaderElection() bool { return false }

// GetCertificate returns the current serving certificate, for tls.Config.GetCertificate.
func (r *Rotator) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.serving == nil {
		return nil, errors.New("certs: no serving certificate yet")
	}
	return r.serving, nil
}

// ConfigureTLS makes a TLS server present the rotator's current certificate.
func (r *Rotator) ConfigureTLS(cfg *tls.Config) { cfg.GetCertificate = r.GetCertificate }

// CABundle returns the PEM CA bundle clients must trust, or nil before the first reconcile.
func (r *Rotator) CABundle() []byte {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return slices.Clone(r.caBundle)
}

// ReadyCheck is a healthz check: ready once a certificate is served and the CA bundle was
// injected into every named object.
func (r *Rotator) ReadyCheck(*http.Request) error {
	r.mu.RLock()
	defer r.mu.RUnlock()
	switch {
	case r.serving == nil:
		return errors.New("no serving certificate yet")
	case !r.injected && r.injectErr != nil:
		return fmt.Errorf("CA bundle not injected: %w", r.injectErr)
	case !r.injected:
		return errors.New("CA bundle not injected yet")
	}
	return nil
}

package certs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
)

// Service is the Service in front of the webhook server.
type Service struct {
	// Namespace and Name name the Service.
	Namespace, Name string
	// Port is the Service's port; 443 if 0.
	Port int32
}

// Injector writes a CA bundle into the clientConfig of the webhooks the webhook server serves.
type Injector struct {
	// Kube and APIExtensions are the clients to the API server.
	Kube          kubernetes.Interface
	APIExtensions apiextensionsclient.Interface

	// CRDs are the names of the CustomResourceDefinitions whose conversion webhook is served at
	// ConversionPath. A CRD without a conversion webhook gets one (pointing to URL or Service).
	CRDs []string
	// ConversionPath is the path of the conversion webhook.
	ConversionPath string
	// ValidatingWebhookConfigurations and MutatingWebhookConfigurations are the names of the
	// webhook configurations whose every webhook is served by this server.
	ValidatingWebhookConfigurations []string
	MutatingWebhookConfigurations   []string

	// URL, if set, is the base URL of the server (e.g. https://localhost:9443) for servers the
	// API server reaches without a Service, such as one on the API server's own host. Every
	// clientConfig is then set to URL plus its path: the service's path for webhooks,
	// ConversionPath for conversion. If empty, clientConfigs keep their Service and only the
	// CA bundle changes.
	URL string
	// Service is where a CRD without a conversion webhook is pointed to when URL is empty.
	Service *Service
}

// Inject writes caBundle into every named object, and the URL if set. Objects that already
// hold both are not written. It tries every object and returns all errors.
func (i *Injector) Inject(ctx context.Context, caBundle []byte) error {
	var errs []error
	for _, name := range i.CRDs {
		errs = append(errs, i.injectCRD(ctx, name, caBundle))
	}
	for _, name := range i.ValidatingWebhookConfigurations {
		errs = append(errs, retry.RetryOnConflict(retry.DefaultRetry, func() error {
			api := i.Kube.AdmissionregistrationV1().ValidatingWebhookConfigurations()
			cfg, err := api.Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return fmt.Errorf("ValidatingWebhookConfiguration %s: %w", name, err)
			}
			changed := false
			for j := range cfg.Webhooks {
				changed = i.setClientConfig(&cfg.Webhooks[j].ClientConfig, caBundle) || changed
			}
			if !changed {
				return nil
			}
			if _, err := api.Update(ctx, cfg, metav1.UpdateOptions{}); err != nil {
				return fmt.Errorf("ValidatingWebhookConfiguration %s: %w", name, err)
			}
			return nil
		}))
	}
	for _, name := range i.MutatingWebhookConfigurations {
		errs = append(errs, retry.RetryOnConflict(retry.DefaultRetry, func() error {
			api := i.Kube.AdmissionregistrationV1().MutatingWebhookConfigurations()
			cfg, err := api.Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return fmt.Errorf("MutatingWebhookConfiguration %s: %w", name, err)
			}
			changed := false
			for j := range cfg.Webhooks {
				changed = i.setClientConfig(&cfg.Webhooks[j].ClientConfig, caBundle) || changed
			}
			if !changed {
				return nil
			}
			if _, err := api.Update(ctx, cfg, metav1.UpdateOptions{}); err != nil {
				return fmt.Errorf("MutatingWebhookConfiguration %s: %w", name, err)
			}
			return nil
		}))
	}
	return errors.Join(errs...)
}

// setClientConfig sets the CA bundle, and the URL if the injector has one, of an admission
// webhook. It reports whether anything changed.
func (i *Injector) setClientConfig(cc *admissionregistrationv1.WebhookClientConfig, caBundle []byte) bool {
	changed := false
	if i.URL != "" {
		path := ""
		if cc.Service != nil && cc.Service.Path != nil {
			path = *cc.Service.Path
		} else if cc.URL != nil {
			path = urlPath(*cc.URL)
		}
		url := strings.TrimSuffix(i.URL, "/") + path
		if cc.URL == nil || *cc.URL != url || cc.Service != nil {
			cc.URL, cc.Service, changed = &url, nil, true
		}
	}
	if !bytes.Equal(cc.CABundle, caBundle) {
		cc.CABundle, changed = bytes.Clone(caBundle), true
	}
	return changed
}

// urlPath returns the path of a webhook URL (https://host:port/path).
func urlPath(url string) string {
	rest, ok := strings.CutPrefix(url, "https://")
	if !ok {
		return ""
	}
	if i := strings.Index(rest, "/"); i >= 0 {
		return rest[i:]
	}
	return ""
}

func (i *Injector) injectCRD(ctx context.Context, name string, caBundle []byte) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		api := i.APIExtensions.ApiextensionsV1().CustomResourceDefinitions()
		crd, err := api.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("CustomResourceDefinition %s: %w", name, err)
		}
		conv := crd.Spec.Conversion
		if conv == nil || conv.Strategy != apiextensionsv1.WebhookConverter || conv.Webhook == nil || conv.Webhook.ClientConfig == nil {
			cc, err := i.newConversionClientConfig()
			if err != nil {
				return fmt.Errorf("CustomResourceDefinition %s: %w", name, err)
			}
			conv = &apiextensionsv1.CustomResourceConversion{
				Strategy: apiextensionsv1.WebhookConverter,
				Webhook:  &apiextensionsv1.WebhookConversion{ClientConfig: cc, ConversionReviewVersions: []string{"v1"}},
			}
		}
		cc := conv.Webhook.ClientConfig
		changed := crd.Spec.Conversion != conv
		if i.URL != "" {
			url := strings.TrimSuffix(i.URL, "/") + i.ConversionPath
			if cc.URL == nil || *cc.URL != url || cc.Service != nil {
				cc.URL, cc.Service, changed = &url, nil, true
			}
		}
		if !bytes.Equal(cc.CABundle, caBundle) {
			cc.CABundle, changed = bytes.Clone(caBundle), true
		}
		if !changed {
			return nil
		}
		crd.Spec.Conversion = conv
		if _, err := api.Update(ctx, crd, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("CustomResourceDefinition %s: %w", name, err)
		}
		return nil
	})
}

func (i *Injector) newConversionClientConfig() (*apiextensionsv1.WebhookClientConfig, error) {
	if i.URL != "" {
		return &apiextensionsv1.WebhookClientConfig{}, nil // the URL is set by the caller
	}
	if i.Service == nil {
		return nil, errors.New("has no conversion webhook, and no Service is configured to point it to")
	}
	port := i.Service.Port
	if port == 0 {
		port = 443
	}
	return &apiextensionsv1.WebhookClientConfig{Service: &apiextensionsv1.ServiceReference{
		Namespace: i.Service.Namespace, Name: i.Service.Name, Path: ptr.To(i.ConversionPath), Port: ptr.To(port),
	}}, nil
}

// Watch calls notify whenever one of the named objects is created or changes, until ctx ends,
// so that a CA bundle someone reset is injected again at once.
func (i *Injector) Watch(ctx context.Context, notify func()) {
	handler := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { notify() },
		UpdateFunc: func(any, any) { notify() },
	}
	run := func(client rest.Interface, resource string, obj runtime.Object, name string) {
		lw := cache.NewFilteredListWatchFromClient(client, resource, metav1.NamespaceAll, func(o *metav1.ListOptions) {
			o.FieldSelector = "metadata.name=" + name
		})
		informer := cache.NewSharedIndexInformer(lw, obj, 0, cache.Indexers{})
		if _, err := informer.AddEventHandler(handler); err != nil {
			return
		}
		go informer.RunWithContext(ctx)
	}
	for _, name := range i.CRDs {
		run(i.APIExtensions.ApiextensionsV1().RESTClient(), "customresourcedefinitions", &apiextensionsv1.CustomResourceDefinition{}, name)
	}
	for _, name := range i.ValidatingWebhookConfigurations {
		run(i.Kube.AdmissionregistrationV1().RESTClient(), "validatingwebhookconfigurations", &admissionregistrationv1.ValidatingWebhookConfiguration{}, name)
	}
	for _, name := range i.MutatingWebhookConfigurations {
		run(i.Kube.AdmissionregistrationV1().RESTClient(), "mutatingwebhookconfigurations", &admissionregistrationv1.MutatingWebhookConfiguration{}, name)
	}
}

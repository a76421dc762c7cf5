package adapter

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/apis/apiserver"
	"k8s.io/apiserver/pkg/authentication/authenticatorfactory"
	"k8s.io/apiserver/pkg/authentication/request/headerrequest"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/authorization/authorizerfactory"
	"k8s.io/apiserver/pkg/authorization/path"
	"k8s.io/apiserver/pkg/authorization/union"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/apiserver/pkg/server/dynamiccertificates"
	genericoptions "k8s.io/apiserver/pkg/server/options"
	"k8s.io/client-go/kubernetes"
)

// The ConfigMap in which kube-apiserver publishes the CAs and header names
// of its client certificates and of the front proxy (the aggregator).
const (
	authenticationConfigMapNamespace = metav1.NamespaceSystem
	authenticationConfigMapName      = "extension-apiserver-authentication"
)

// delegatedAuthentication sets up authentication the way every aggregated
// API server does: requests proxied by the aggregator carry the user in
// request headers, trusted because the aggregator presents the front-proxy
// client certificate; clients that call the server directly present a
// client certificate or a bearer token checked with a TokenReview. The CAs
// and header names come from the extension-apiserver-authentication
// ConfigMap and are watched for changes.
func delegatedAuthentication(ctx context.Context, client kubernetes.Interface, cacheTTL time.Duration, info *genericapiserver.AuthenticationInfo, serving *genericapiserver.SecureServingInfo) error {
	cfg := authenticatorfactory.DelegatingAuthenticatorConfig{
		// Unauthenticated requests become system:anonymous; authorization
		// decides what that user may do.
		Anonymous:                &apiserver.AnonymousAuthConfig{Enabled: true},
		TokenAccessReviewClient:  client.AuthenticationV1(),
		TokenAccessReviewTimeout: 10 * time.Second,
		WebhookRetryBackoff:      genericoptions.DefaultAuthWebhookRetryBackoff(),
		CacheTTL:                 cacheTTL,
	}

	cm, err := client.CoreV1().ConfigMaps(authenticationConfigMapNamespace).Get(ctx, authenticationConfigMapName, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("reading configmap %s/%s for delegated authentication: %w", authenticationConfigMapNamespace, authenticationConfigMapName, err)
	}
	if cm.Data["requestheader-client-ca-file"] == "" {
		return fmt.Errorf("configmap %s/%s has no requestheader-client-ca-file: run kube-apiserver with --requestheader-client-ca-file and the other front-proxy flags",
			authenticationConfigMapNamespace, authenticationConfigMapName)
	}
	if cm.Data["client-ca-file"] != "" {
		clientCA, err := dynamiccertificates.NewDynamicCAFromConfigMapController("client-ca", authenticationConfigMapNamespace, authenticationConfigMapName, "client-ca-file", client)
		if err != nil {
			return fmt.Errorf("loading the client CA from configmap %s/%s: %w", authenticationConfigMapNamespace, authenticationConfigMapName, err)
		}
		cfg.ClientCertificateCAContentProvider = clientCA
		if err := info.ApplyClientCert(clientCA, serving); err != nil {
			return err
		}
	}

	requestHeaderCA, err := dynamiccertificates.NewDynamicCAFromConfigMapController("client-ca", authenticationConfigMapNamespace, authenticationConfigMapName, "requestheader-client-ca-file", client)
	if err != nil {
		return fmt.Errorf("loading the front-proxy CA from configmap %s/%s: %w", authenticationConfigMapNamespace, authenticationConfigMapName, err)
	}
	requestHeader := &genericoptions.DynamicRequestHeaderController{
		ConfigMapCAController: requestHeaderCA,
		RequestHeaderAuthRequestController: headerrequest.NewRequestHeaderAuthRequestController(
			authenticationConfigMapName,
			authenticationConfigMapNamespace,
			client,
			"requestheader-username-headers",
			"requestheader-uid-headers",
			"requestheader-group-headers",
			"requestheader-extra-headers-prefix",
			"requestheader-allowed-names",
		),
	}
	// Fail now, not on the first request, when kube-apiserver is unreachable
	// or not configured for the aggregation layer.
	if err := requestHeader.RunOnce(ctx); err != nil {
		return fmt.Errorf("reading the front-proxy configuration from configmap %s/%s (is kube-apiserver run with --requestheader-client-ca-file?): %w",
			authenticationConfigMapNamespace, authenticationConfigMapName, err)
	}
	rh := &authenticatorfactory.RequestHeaderConfig{
		CAContentProvider:   requestHeader,
		UsernameHeaders:     headerrequest.StringSliceProviderFunc(requestHeader.UsernameHeaders),
		UIDHeaders:          headerrequest.StringSliceProviderFunc(requestHeader.UIDHeaders),
		GroupHeaders:        headerrequest.StringSliceProviderFunc(requestHeader.GroupHeaders),
		ExtraHeaderPrefixes: headerrequest.StringSliceProviderFunc(requestHeader.ExtraHeaderPrefixes),
		AllowedClientNames:  headerrequest.StringSliceProviderFunc(requestHeader.AllowedClientNames),
	}
	cfg.RequestHeaderConfig = rh
	info.RequestHeaderConfig = rh
	// The serving TLS config asks for client certificates signed by these
	// CAs and runs the controllers that keep them current.
	if err := info.ApplyClientCert(requestHeader, serving); err != nil {
		return err
	}

	authn, _, err := cfg.New()
	if err != nil {
		return err
	}
	info.Authenticator = authn
	return nil
}

// delegatedAuthorization sets up authorization the way every aggregated API
// server does: system:masters may do anything, health checks are open, and
// everything else is asked of kube-apiserver with a SubjectAccessReview
// (so RBAC there decides), with answers cached for the given TTLs.
func delegatedAuthorization(client kubernetes.Interface, allowTTL, denyTTL time.Duration) (authorizer.Authorizer, error) {
	paths, err := path.NewAuthorizer([]string{"/healthz", "/readyz", "/livez"})
	if err != nil {
		return nil, err
	}
	sar, err := authorizerfactory.DelegatingAuthorizerConfig{
		SubjectAccessReviewClient: client.AuthorizationV1(),
		AllowCacheTTL:             allowTTL,
		DenyCacheTTL:              denyTTL,
		WebhookRetryBackoff:       genericoptions.DefaultAuthWebhookRetryBackoff(),
	}.New()
	if err != nil {
		return nil, err
	}
	return union.New(authorizerfactory.NewPrivilegedGroups("system:masters"), paths, sar), nil
}

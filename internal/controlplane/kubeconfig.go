package controlplane

import (
	"fmt"
	"path/filepath"
	"strings"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// AdminConfig returns a client configuration for AdminUser (group system:masters). QPS and
// Burst are left at client-go's defaults. Each call returns a new copy.
func (cp *ControlPlane) AdminConfig() *rest.Config {
	return cp.UserConfig(AdminUser)
}

// UserConfig returns a client configuration authenticating as the token-file user name
// (AdminUser or one of Options.Users) with its bearer token. It panics if there is no such
// user, which is a mistake in the calling code. Each call returns a new copy.
func (cp *ControlPlane) UserConfig(name string) *rest.Config {
	u, ok := cp.users[name]
	if !ok {
		panic(fmt.Sprintf("controlplane: UserConfig(%q): no such token-file user; users are %s",
			name, strings.Join(cp.userNames(), ", ")))
	}
	cfg := cp.baseConfig()
	cfg.BearerToken = u.Token
	return cfg
}

// User returns the token-file user name (with its token) and whether there is one.
func (cp *ControlPlane) User(name string) (User, bool) {
	u, ok := cp.users[name]
	u.Groups = append([]string(nil), u.Groups...)
	return u, ok
}

// CertUserConfig returns a client configuration authenticating as user name in groups with a
// client certificate that the client CA signs now.
func (cp *ControlPlane) CertUserConfig(name string, groups ...string) (*rest.Config, error) {
	kp, err := cp.clientCA.NewClientCert(name, groups...)
	if err != nil {
		return nil, fmt.Errorf("controlplane: client certificate for %q: %w", name, err)
	}
	cfg := cp.baseConfig()
	cfg.CertData, cfg.KeyData = kp.CertPEM, kp.KeyPEM
	return cfg, nil
}

func (cp *ControlPlane) baseConfig() *rest.Config {
	return &rest.Config{
		Host:            cp.host,
		TLSClientConfig: rest.TLSClientConfig{CAData: append([]byte(nil), cp.servingCA.CertPEM...)},
	}
}

// KubeconfigPath returns the path of the admin kubeconfig Start writes into Dir, for kubectl
// and other programs.
func (cp *ControlPlane) KubeconfigPath() string {
	return filepath.Join(cp.dir, "admin.kubeconfig")
}

// WriteKubeconfig writes a kubeconfig for the token-file user to path.
func (cp *ControlPlane) WriteKubeconfig(path, user string) error {
	u, ok := cp.users[user]
	if !ok {
		return fmt.Errorf("controlplane: user: invalid value %q: must be a token-file user (%s)",
			user, strings.Join(cp.userNames(), ", "))
	}
	return writeKubeconfig(path, cp.baseConfig(), user, &clientcmdapi.AuthInfo{Token: u.Token})
}

// writeCertKubeconfig writes a kubeconfig for a client certificate identity.
func (cp *ControlPlane) writeCertKubeconfig(path, user string, groups ...string) error {
	kp, err := cp.clientCA.NewClientCert(user, groups...)
	if err != nil {
		return err
	}
	return writeKubeconfig(path, cp.baseConfig(), user,
		&clientcmdapi.AuthInfo{ClientCertificateData: kp.CertPEM, ClientKeyData: kp.KeyPEM})
}

func writeKubeconfig(path string, cfg *rest.Config, user string, auth *clientcmdapi.AuthInfo) error {
	const cluster = "mhpa"
	kc := clientcmdapi.NewConfig()
	kc.Clusters[cluster] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos[user] = auth
	kc.Contexts[cluster] = &clientcmdapi.Context{Cluster: cluster, AuthInfo: user, Namespace: "default"}
	kc.CurrentContext = cluster
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		return fmt.Errorf("controlplane: writing kubeconfig %s: %w", path, err)
	}
	return nil
}

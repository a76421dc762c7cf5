package controlplane

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mhpa-dev/mhpa/internal/controlplane/kubelet"
)

const (
	// KubernetesVersion is the version of the control plane binaries this package runs.
	KubernetesVersion = "v1.36.3"
	// BinDirEnv names the environment variable that overrides the default BinDir.
	BinDirEnv = "MHPA_CONTROLPLANE_DIR"
	// AdminUser is the token-file user in group system:masters that AdminConfig uses.
	AdminUser = "admin"
	// DefaultStartTimeout is how long Start waits for each process to become ready.
	DefaultStartTimeout = 2 * time.Minute
)

// ErrBinariesMissing is returned (wrapped) by Start when a control plane binary is not in
// Options.BinDir.
var ErrBinariesMissing = errors.New("control plane binaries missing: run `make controlplane` (hack/controlplane/build.sh) to build them")

// User is a user of the API server's static token file.
type User struct {
	// Name is the user name; it must be unique and not AdminUser.
	Name string
	// Token is the bearer token; a random one is generated if empty.
	Token string
	// Groups are the groups the user is in, besides system:authenticated.
	Groups []string
}

// Options configure Start. The zero value starts etcd and kube-apiserver in a temporary
// directory, using the binaries in DefaultBinDir().
type Options struct {
	// BinDir holds the etcd, kube-apiserver and kube-controller-manager binaries.
	// Default DefaultBinDir().
	BinDir string
	// Dir is the working directory for certificates, keys, kubeconfigs, etcd data and logs.
	// If empty, a temporary directory is created, and removed by Stop. A given Dir is kept;
	// the etcd data of an earlier run in it is removed at Start.
	Dir string
	// Users are token-file users besides AdminUser. They are authenticated but, until RBAC
	// rules grant them something, may do next to nothing.
	Users []User
	// ControllerManager starts kube-controller-manager. Without it the ServiceAccount
	// admission plugin is disabled, since nothing would create the default service accounts.
	ControllerManager bool
	// Kubelet starts the kubelet stand-in (package kubelet), which registers a Node and runs
	// pods on it.
	Kubelet bool
	// KubeletOptions configure the kubelet stand-in; its Logger defaults to Dir()/logs/kubelet.log.
	KubeletOptions kubelet.Options
	// ExtraAPIServerArgs are appended to kube-apiserver's flags, e.g. "--v=4". A flag that
	// takes one value overrides the one Start sets; a list flag adds to it.
	ExtraAPIServerArgs []string
	// ExtraControllerManagerArgs are appended to kube-controller-manager's flags.
	ExtraControllerManagerArgs []string
	// StartTimeout bounds the wait for each process to become ready.
	// Default DefaultStartTimeout.
	StartTimeout time.Duration
	// Log receives progress lines. Process output goes to files under Dir()/logs instead.
	// Default: discard.
	Log io.Writer
}

// DefaultBinDir returns where the control plane binaries are looked for by default:
// $MHPA_CONTROLPLANE_DIR if set, else $XDG_CACHE_HOME/mhpa/controlplane/<version> (with
// ~/.cache if XDG_CACHE_HOME is unset), the directory hack/controlplane/build.sh builds into.
func DefaultBinDir() string {
	if dir := os.Getenv(BinDirEnv); dir != "" {
		return dir
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = os.TempDir()
		}
		cache = filepath.Join(home, ".cache")
	}
	return filepath.Join(cache, "mhpa", "controlplane", KubernetesVersion)
}

// withDefaults validates opts and fills in defaults, generating missing tokens. It does not
// change the caller's slices.
func (o Options) withDefaults() (Options, error) {
	if o.BinDir == "" {
		o.BinDir = DefaultBinDir()
	}
	if o.StartTimeout == 0 {
		o.StartTimeout = DefaultStartTimeout
	}
	if o.StartTimeout < 0 {
		return o, fmt.Errorf("StartTimeout: invalid value %v: must be positive", o.StartTimeout)
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	users := make([]User, 0, len(o.Users))
	names := map[string]bool{AdminUser: true}
	tokens := map[string]bool{}
	for i, u := range o.Users {
		u.Groups = append([]string(nil), u.Groups...)
		path := fmt.Sprintf("Users[%d]", i)
		switch {
		case u.Name == AdminUser:
			return o, fmt.Errorf("%s.Name: invalid value %q: reserved for the built-in admin user", path, u.Name)
		case names[u.Name]:
			return o, fmt.Errorf("%s.Name: duplicate value %q: user names must be unique", path, u.Name)
		}
		if err := checkTokenFileField(path+".Name", u.Name); err != nil {
			return o, err
		}
		names[u.Name] = true
		if u.Token == "" {
			u.Token = newToken()
		}
		if err := checkTokenFileField(path+".Token", u.Token); err != nil {
			return o, err
		}
		if tokens[u.Token] {
			return o, fmt.Errorf("%s.Token: duplicate value: tokens must be unique", path)
		}
		tokens[u.Token] = true
		for j, g := range u.Groups {
			if err := checkTokenFileField(fmt.Sprintf("%s.Groups[%d]", path, j), g); err != nil {
				return o, err
			}
		}
		users = append(users, u)
	}
	o.Users = users
	return o, nil
}

// checkTokenFileField rejects values the API server's token file cannot hold.
func checkTokenFileField(path, v string) error {
	if v == "" {
		return fmt.Errorf("%s: must not be empty", path)
	}
	if strings.ContainsAny(v, ",\" \t\r\n") {
		return fmt.Errorf("%s: invalid value %q: must not contain commas, quotes or white space", path, v)
	}
	return nil
}

func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

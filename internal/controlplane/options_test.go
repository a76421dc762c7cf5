package controlplane

import (
	"bytes"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestOptionsValidation(t *testing.T) {
	tests := map[string]struct {
		users   []User
		wantErr string
	}{
		"no users":      {},
		"users":         {users: []User{{Name: "alice", Groups: []string{"a", "b"}}, {Name: "bob", Token: "t0k3n"}}},
		"admin":         {users: []User{{Name: "admin"}}, wantErr: `Users[0].Name: invalid value "admin": reserved`},
		"duplicate":     {users: []User{{Name: "a"}, {Name: "a"}}, wantErr: `Users[1].Name: duplicate value "a"`},
		"empty name":    {users: []User{{Name: ""}}, wantErr: "Users[0].Name: must not be empty"},
		"comma in name": {users: []User{{Name: "a,b"}}, wantErr: `Users[0].Name: invalid value "a,b": must not contain commas`},
		"space in token": {
			users: []User{{Name: "a", Token: "x y"}}, wantErr: `Users[0].Token: invalid value "x y"`,
		},
		"same token": {
			users: []User{{Name: "a", Token: "t"}, {Name: "b", Token: "t"}}, wantErr: "Users[1].Token: duplicate value",
		},
		"comma in group": {
			users: []User{{Name: "a", Groups: []string{"ok", "x,y"}}}, wantErr: `Users[0].Groups[1]: invalid value "x,y"`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := Options{Users: tc.users}.withDefaults()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, u := range got.Users {
				if u.Token == "" || (tc.users[i].Token != "" && u.Token != tc.users[i].Token) {
					t.Errorf("Users[%d].Token = %q; want the given token or a generated one", i, u.Token)
				}
			}
			if got.BinDir == "" || got.StartTimeout <= 0 || got.Log == nil {
				t.Errorf("defaults not filled in: %+v", got)
			}
		})
	}
}

func TestDefaultBinDir(t *testing.T) {
	tests := map[string]struct {
		env, xdg, want string
	}{
		"override":  {env: "/opt/cp", xdg: "/x", want: "/opt/cp"},
		"xdg cache": {xdg: "/x", want: "/x/mhpa/controlplane/" + KubernetesVersion},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Setenv(BinDirEnv, tc.env)
			t.Setenv("XDG_CACHE_HOME", tc.xdg)
			if diff := cmp.Diff(tc.want, DefaultBinDir()); diff != "" {
				t.Errorf("DefaultBinDir (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTokenFile(t *testing.T) {
	cp := &ControlPlane{users: map[string]User{
		"admin": {Name: "admin", Token: "a1", Groups: []string{"system:masters"}},
		"alice": {Name: "alice", Token: "a2", Groups: []string{"devs", "ops"}},
		"bob":   {Name: "bob", Token: "b1"},
	}}
	path := filepath.Join(t.TempDir(), "tokens.csv")
	if err := cp.writeTokenFile(path); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "a1,admin,admin,system:masters\na2,alice,alice,\"devs,ops\"\nb1,bob,bob\n"
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("token file (-want +got):\n%s", diff)
	}
}

// TestStartRetriesWhenAPortIsTaken: when another program takes a chosen port before a
// process binds it, Start tries again on other ports. This needs the binaries.
func TestStartRetriesWhenAPortIsTaken(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	calls := 0
	t.Cleanup(func() { pickPorts = freePorts })
	pickPorts = func(n int) ([]int, error) {
		calls++
		ports, err := freePorts(n)
		if err == nil && calls == 1 {
			ports[0] = held.Addr().(*net.TCPAddr).Port // etcd's client port
		}
		return ports, err
	}
	var log bytes.Buffer
	cp, err := Start(t.Context(), Options{Log: &log})
	if errors.Is(err, ErrBinariesMissing) {
		t.Fatal(err)
	}
	if err != nil {
		t.Fatalf("Start: %v\nlog:\n%s", err, log.String())
	}
	if err := cp.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if calls != 2 || !strings.Contains(log.String(), "a port was taken meanwhile") {
		t.Errorf("picked ports %d times, want 2 (one retry); log:\n%s", calls, log.String())
	}
}

package certs

import (
	"crypto/x509"
	"encoding/pem"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func parse(t *testing.T, certPEM []byte) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode(certPEM)
	if block == nil {
		t.Fatalf("no PEM block in %q", certPEM)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func TestServingCert(t *testing.T) {
	ca, err := NewCA("test-ca")
	if err != nil {
		t.Fatal(err)
	}
	kp, err := ca.NewServingCert("localhost", "127.0.0.1", "::1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kp.TLSCertificate(); err != nil {
		t.Fatalf("TLSCertificate: %v", err)
	}
	cert := parse(t, kp.CertPEM)
	tests := map[string]struct {
		host    string
		wantErr bool
	}{
		"dns name":        {host: "localhost"},
		"ipv4 loopback":   {host: "127.0.0.1"},
		"ipv6 loopback":   {host: "::1"},
		"other name":      {host: "example.com", wantErr: true},
		"other ipv4 addr": {host: "10.0.0.1", wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := cert.Verify(x509.VerifyOptions{
				DNSName:   tc.host,
				Roots:     ca.Pool(),
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			})
			if gotErr := err != nil; gotErr != tc.wantErr {
				t.Fatalf("Verify(%q) error = %v, want error %v", tc.host, err, tc.wantErr)
			}
		})
	}
}

func TestClientCert(t *testing.T) {
	ca, err := NewCA("client-ca")
	if err != nil {
		t.Fatal(err)
	}
	other, err := NewCA("other-ca")
	if err != nil {
		t.Fatal(err)
	}
	kp, err := ca.NewClientCert("alice", "team-a", "team-b")
	if err != nil {
		t.Fatal(err)
	}
	cert := parse(t, kp.CertPEM)
	if diff := cmp.Diff([]string{"team-a", "team-b"}, cert.Subject.Organization); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
	if cert.Subject.CommonName != "alice" {
		t.Errorf("common name = %q, want alice", cert.Subject.CommonName)
	}
	opts := x509.VerifyOptions{KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	opts.Roots = ca.Pool()
	if _, err := cert.Verify(opts); err != nil {
		t.Errorf("verify with issuing CA: %v", err)
	}
	opts.Roots = other.Pool()
	if _, err := cert.Verify(opts); err == nil {
		t.Error("verify with another CA succeeded, want an error")
	}
}

func TestBadInput(t *testing.T) {
	ca, err := NewCA("ca")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewCA(""); err == nil {
		t.Error("NewCA(\"\") succeeded, want an error")
	}
	if _, err := ca.NewServingCert(); err == nil {
		t.Error("NewServingCert() succeeded, want an error")
	}
	if _, err := ca.NewClientCert(""); err == nil {
		t.Error("NewClientCert(\"\") succeeded, want an error")
	}
}

func TestNewKeyPEM(t *testing.T) {
	priv, pub, err := NewKeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"PRIVATE KEY": priv, "PUBLIC KEY": pub} {
		block, _ := pem.Decode(data)
		if block == nil || block.Type != name {
			t.Errorf("PEM block type = %v, want %s", block, name)
		}
	}
}

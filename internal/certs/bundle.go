package certs

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// Keys of the data of a Secret that holds a Bundle. They are the names cert-manager and
// kubernetes.io/tls Secrets use, so the Secret can be mounted as a certificate directory too.
const (
	// CACertKey holds the CA bundle: the current CA first, then the previous ones.
	CACertKey = "ca.crt"
	// CAKeyKey holds the current CA's private key.
	CAKeyKey = "ca.key"
	// CertKey holds the serving certificate.
	CertKey = "tls.crt"
	// KeyKey holds the serving certificate's private key.
	KeyKey = "tls.key"
)

// Bundle is what the rotator keeps: the current CA with its key, earlier CAs that clients still
// trust, and the serving certificate.
type Bundle struct {
	// CA signs serving certificates.
	CA *KeyPair
	// Previous are earlier CA certificates that have not expired yet. They stay in the CA bundle
	// so that serving certificates they signed stay trusted while a new CA spreads.
	Previous []*x509.Certificate
	// Serving is the certificate the webhook server presents.
	Serving *KeyPair
}

// CABundle returns the PEM certificates clients must trust: the current CA, then the previous
// ones.
func (b *Bundle) CABundle() []byte {
	var buf bytes.Buffer
	buf.Write(b.CA.CertPEM)
	for _, c := range b.Previous {
		buf.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
	}
	return buf.Bytes()
}

// Data encodes the bundle as the data of a Secret.
func (b *Bundle) Data() map[string][]byte {
	return map[string][]byte{
		CACertKey: b.CABundle(),
		CAKeyKey:  bytes.Clone(b.CA.KeyPEM),
		CertKey:   bytes.Clone(b.Serving.CertPEM),
		KeyKey:    bytes.Clone(b.Serving.KeyPEM),
	}
}

// BundleFromData decodes a bundle from the data of a Secret, as written by Data.
func BundleFromData(data map[string][]byte) (*Bundle, error) {
	for _, k := range []string{CACertKey, CAKeyKey, CertKey, KeyKey} {
		if len(data[k]) == 0 {
			return nil, fmt.Errorf("certs: %s is missing", k)
		}
	}
	ca, err := ParseKeyPair(data[CACertKey], data[CAKeyKey])
	if err != nil {
		return nil, fmt.Errorf("certs: %s and %s: %w", CACertKey, CAKeyKey, err)
	}
	all, err := ParseCertificates(data[CACertKey])
	if err != nil {
		return nil, err
	}
	serving, err := ParseKeyPair(data[CertKey], data[KeyKey])
	if err != nil {
		return nil, fmt.Errorf("certs: %s and %s: %w", CertKey, KeyKey, err)
	}
	if !ca.Cert.IsCA {
		return nil, errors.New("certs: the first certificate of " + CACertKey + " is not a CA")
	}
	return &Bundle{CA: ca, Previous: all[1:], Serving: serving}, nil
}

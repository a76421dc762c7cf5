package certs

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"slices"
	"time"
)

// maxBackdate is how far before "now" certificates start to be valid, so that a small clock
// skew between this process and its clients does not make a fresh certificate "not yet valid".
// Short-lived certificates are backdated by a tenth of their validity at most, so that the
// backdating does not count much in their lifetime, a third of which is left at renewal.
const maxBackdate = 5 * time.Minute

func backdate(validity time.Duration) time.Duration { return min(maxBackdate, validity/10) }

// KeyPair is a certificate with its private key.
type KeyPair struct {
	// Cert is the parsed certificate.
	Cert *x509.Certificate
	// CertPEM is Cert in PEM form.
	CertPEM []byte
	// KeyPEM is the private key in PEM form (PKCS #8).
	KeyPEM []byte

	key crypto.Signer
}

// CAOptions describe a certificate authority to create.
type CAOptions struct {
	// CommonName names the CA.
	CommonName string
	// Now is the time the CA is created at.
	Now time.Time
	// Validity is how long the CA is valid from Now.
	Validity time.Duration
}

// NewCA creates a self-signed certificate authority.
func NewCA(opts CAOptions) (*KeyPair, error) {
	if opts.CommonName == "" || opts.Validity <= 0 {
		return nil, fmt.Errorf("certs: a CA needs a common name and a positive validity, got %q and %v", opts.CommonName, opts.Validity)
	}
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: opts.CommonName},
		NotBefore:             opts.Now.Add(-backdate(opts.Validity)),
		NotAfter:              opts.Now.Add(opts.Validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	return create(tmpl, nil)
}

// ServingOptions describe a serving certificate to issue.
type ServingOptions struct {
	// DNSNames and IPAddresses are the names the certificate is valid for; the first DNS name
	// (or IP address) is also its common name.
	DNSNames    []string
	IPAddresses []net.IP
	// Now is the time the certificate is issued at.
	Now time.Time
	// Validity is how long the certificate is valid from Now; it ends with the CA at the latest.
	Validity time.Duration
}

// IssueServing issues a TLS serving certificate signed by the CA ca.
func (ca *KeyPair) IssueServing(opts ServingOptions) (*KeyPair, error) {
	if len(opts.DNSNames) == 0 && len(opts.IPAddresses) == 0 {
		return nil, errors.New("certs: a serving certificate needs at least one DNS name or IP address")
	}
	if opts.Validity <= 0 {
		return nil, fmt.Errorf("certs: a serving certificate needs a positive validity, got %v", opts.Validity)
	}
	cn := ""
	if len(opts.DNSNames) > 0 {
		cn = opts.DNSNames[0]
	} else {
		cn = opts.IPAddresses[0].String()
	}
	notAfter := opts.Now.Add(opts.Validity)
	if notAfter.After(ca.Cert.NotAfter) {
		notAfter = ca.Cert.NotAfter
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: cn},
		DNSNames:    slices.Clone(opts.DNSNames),
		IPAddresses: slices.Clone(opts.IPAddresses),
		NotBefore:   opts.Now.Add(-backdate(opts.Validity)),
		NotAfter:    notAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	return create(tmpl, ca)
}

// create makes a new key and a certificate from tmpl for it, signed by parent (self-signed if
// parent is nil).
func create(tmpl *x509.Certificate, parent *KeyPair) (*KeyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("certs: generating a key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("certs: generating a serial number: %w", err)
	}
	tmpl.SerialNumber = serial
	signerCert, signerKey := tmpl, crypto.Signer(key)
	if parent != nil {
		signerCert, signerKey = parent.Cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signerCert, key.Public(), signerKey)
	if err != nil {
		return nil, fmt.Errorf("certs: creating certificate %q: %w", tmpl.Subject.CommonName, err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("certs: encoding a key: %w", err)
	}
	return ParseKeyPair(
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	)
}

// ParseKeyPair parses a PEM certificate (the first one, if there are several) and the PEM
// private key that belongs to it.
func ParseKeyPair(certPEM, keyPEM []byte) (*KeyPair, error) {
	certs, err := ParseCertificates(certPEM)
	if err != nil {
		return nil, err
	}
	pair, err := tls.X509KeyPair(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certs[0].Raw}), keyPEM)
	if err != nil {
		return nil, fmt.Errorf("certs: the key does not belong to the certificate %q: %w", certs[0].Subject.CommonName, err)
	}
	signer, ok := pair.PrivateKey.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("certs: the key of %q cannot sign", certs[0].Subject.CommonName)
	}
	return &KeyPair{
		Cert:    certs[0],
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certs[0].Raw}),
		KeyPEM:  bytes.Clone(keyPEM),
		key:     signer,
	}, nil
}

// ParseCertificates parses every certificate in data, which must hold at least one.
func ParseCertificates(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certs: parsing a certificate: %w", err)
		}
		certs = append(certs, cert)
	}
	if len(certs) == 0 {
		return nil, errors.New("certs: no PEM certificate found")
	}
	return certs, nil
}

// TLSCertificate returns the key pair for a TLS server, with chain [leaf].
func (kp *KeyPair) TLSCertificate() (*tls.Certificate, error) {
	c, err := tls.X509KeyPair(kp.CertPEM, kp.KeyPEM)
	if err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}
	c.Leaf = kp.Cert
	return &c, nil
}

// Package certs mints the small public key infrastructure a local control plane and the
// servers tests run next to it need: certificate authorities, serving certificates for
// localhost and client certificates for users, all with ECDSA P-256 keys in PEM form.
//
// It is meant for test and demo clusters on loopback addresses: keys are not protected and
// certificates live for a year.
package certs

// Package certs gives the webhook server of mhpa-controller its TLS identity without any other
// component: it creates a CA and a serving certificate signed by it, renews both before they
// expire, serves the current certificate to the TLS stack, and injects the CA bundle into the
// clientConfig of the CRD's conversion webhook and of the validating and mutating webhook
// configurations, re-injecting whenever someone resets them.
//
// The certificates live in a Store: in memory for a single process, or in a Secret so that all
// replicas serve the same certificate. When the CA is renewed the old CA stays in the injected
// bundle until it expires, so certificates it signed stay trusted while the new bundle spreads.
//
// cert-manager can replace all of this: mhpa-controller then reads its certificate from a
// directory and leaves the CA bundles to cert-manager's CA injector.
package certs

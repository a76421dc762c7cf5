// Package controllerapp wires mhpa-controller together: its flags, the controller-runtime
// manager with health checks, metrics and leader election, the webhook server with the
// conversion, defaulting and validating webhooks, and the certificate rotator that gives the
// server its TLS identity. Controllers are added to App.Manager before App.Start; the main
// package does nothing but parse flags and call this package.
package controllerapp

// Command mhpa-demo runs mhpa on a local control plane and shows it following a load: `make
// demo`. It only parses flags and calls package internal/demo; see docs/demo.md.
package main

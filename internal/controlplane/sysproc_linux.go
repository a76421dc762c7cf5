package controlplane

import "syscall"

// sysProcAttr puts a child in its own process group, so that Stop can signal the group, and
// has the kernel kill it when the parent dies (for example when a test binary times out).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

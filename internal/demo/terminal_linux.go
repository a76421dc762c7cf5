package demo

import (
	"os"
	"syscall"
	"unsafe"
)

// TerminalWidth returns the number of columns of the terminal f is, or 0 if it is none.
func TerminalWidth(f *os.File) int {
	var ws struct{ Row, Col, X, Y uint16 }
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), uintptr(syscall.TIOCGWINSZ), uintptr(unsafe.Pointer(&ws)))
	if errno != 0 {
		return 0
	}
	return int(ws.Col)
}

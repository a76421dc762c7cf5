package fakemetrics

import (
	"errors"
	"fmt"
	"net"
	"sync"
)

// pausableListener is a TCP listener that can go away — close its socket,
// so connecting is refused, and drop its open connections — and come back
// on the same address. While it is away, Accept blocks instead of failing,
// so the HTTP server on top of it keeps running.
type pausableListener struct {
	addr net.Addr

	mu     sync.Mutex
	inner  net.Listener  // nil while away
	up     chan struct{} // closed while listening
	closed chan struct{} // closed by Close
	conns  map[*trackedConn]struct{}
}

func listen(address string) (*pausableListener, error) {
	inner, err := net.Listen("tcp", address)
	if err != nil {
		return nil, err
	}
	up := make(chan struct{})
	close(up)
	return &pausableListener{
		addr:   inner.Addr(),
		inner:  inner,
		up:     up,
		closed: make(chan struct{}),
		conns:  map[*trackedConn]struct{}{},
	}, nil
}

func (l *pausableListener) Accept() (net.Conn, error) {
	for {
		l.mu.Lock()
		inner, up := l.inner, l.up
		l.mu.Unlock()
		select {
		case <-l.closed:
			return nil, net.ErrClosed
		default:
		}
		if inner == nil {
			select {
			case <-up:
			case <-l.closed:
			}
			continue
		}
		conn, err := inner.Accept()
		l.mu.Lock()
		if l.inner != inner {
			// Went away (or closed) while accepting.
			l.mu.Unlock()
			if conn != nil {
				_ = conn.Close()
			}
			continue
		}
		if err != nil {
			l.mu.Unlock()
			return nil, err
		}
		tc := &trackedConn{Conn: conn, owner: l}
		l.conns[tc] = struct{}{}
		l.mu.Unlock()
		return tc, nil
	}
}

// goAway stops listening and closes every open connection.
func (l *pausableListener) goAway() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inner == nil {
		return nil
	}
	err := l.inner.Close()
	l.inner = nil
	l.up = make(chan struct{})
	for c := range l.conns {
		_ = c.Conn.Close()
	}
	clear(l.conns)
	return err
}

// comeBack listens again on the same address.
func (l *pausableListener) comeBack() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case <-l.closed:
		return errors.New("the listener is closed")
	default:
	}
	if l.inner != nil {
		return nil
	}
	inner, err := net.Listen("tcp", l.addr.String())
	if err != nil {
		return fmt.Errorf("listening again on %s: %w", l.addr, err)
	}
	l.inner = inner
	close(l.up)
	return nil
}

// away says whether the listener is away.
func (l *pausableListener) away() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.inner == nil
}

func (l *pausableListener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case <-l.closed:
		return nil
	default:
	}
	close(l.closed)
	if l.inner == nil {
		return nil
	}
	err := l.inner.Close()
	l.inner = nil
	return err
}

func (l *pausableListener) Addr() net.Addr { return l.addr }

// trackedConn removes itself from its listener's set when closed.
type trackedConn struct {
	net.Conn
	owner *pausableListener
}

func (c *trackedConn) Close() error {
	c.owner.mu.Lock()
	delete(c.owner.conns, c)
	c.owner.mu.Unlock()
	return c.Conn.Close()
}

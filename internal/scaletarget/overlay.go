package scaletarget

import (
	"strconv"
	"sync"
	"time"
)

// written is the answer of one write, kept until the cache shows it.
type written struct {
	// scale is what the API server answered to the write.
	scale Scale
	// before is the resourceVersion the cache held when the write was made ("" if none).
	before string
	// expires is when the overlay is dropped even if the cache has not caught up.
	expires time.Time
}

// overlay keeps the answers of recent writes so that reads see them before the cache does.
type overlay struct {
	mu sync.Mutex
	m  map[Target]written
	// nextSweep is when put next drops expired writes, which Get may never read again (e.g.
	// the HPA was deleted).
	nextSweep time.Time
}

func newOverlay() *overlay {
	return &overlay{m: map[Target]written{}}
}

// put remembers the answer of a write made at now, and drops writes that expired.
func (o *overlay) put(t Target, w written, now time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !now.Before(o.nextSweep) {
		for k, v := range o.m {
			if !now.Before(v.expires) {
				delete(o.m, k)
			}
		}
		o.nextSweep = w.expires
	}
	o.m[t] = w
}

// drop forgets the write to t, if any.
func (o *overlay) drop(t Target) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.m, t)
}

// apply returns the written scale of t if the cached entry e (nil if the cache has no
// object) is older than the write, and drops the write once the cache has caught up, holds
// another object, or the write expired.
func (o *overlay) apply(t Target, e *entry, now time.Time) (Scale, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.m) == 0 {
		return Scale{}, false
	}
	w, ok := o.m[t]
	if !ok {
		return Scale{}, false
	}
	if e == nil || !now.Before(w.expires) || (w.scale.UID != "" && e.uid != w.scale.UID) ||
		caughtUp(e.resourceVersion, w) {
		delete(o.m, t)
		return Scale{}, false
	}
	return w.scale, true
}

// size returns the number of writes kept.
func (o *overlay) size() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.m)
}

// caughtUp reports whether a cached object at resourceVersion cached already reflects the
// write w. resourceVersions are opaque in general; the API server with etcd makes them
// increasing integers, and they are compared as such when both parse. Otherwise the cache
// counts as caught up once it shows any version other than the one it held at the write.
func caughtUp(cached string, w written) bool {
	if cached == w.scale.ResourceVersion {
		return true
	}
	c, err1 := strconv.ParseUint(cached, 10, 64)
	wr, err2 := strconv.ParseUint(w.scale.ResourceVersion, 10, 64)
	if err1 == nil && err2 == nil {
		return c >= wr
	}
	return cached != w.before
}

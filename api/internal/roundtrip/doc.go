// Package roundtrip holds what the older versions of the autoscaling.mhpa.dev API (v1, v2beta1,
// v2beta2) share to convert to and from the hub version v2 without loss: reading and writing
// the autoscaling.mhpa.dev/* round-trip annotations, and converting lists whose items an older
// version can express only in part.
//
// The rule for a list item (a metric spec or a metric status) is the same in every version:
// the older version's own fields get the closest value they can hold, and when converting that
// value back would not give the v2 item exactly, the v2 item goes into the list's annotation at
// the same index. Converting back, the annotation's item is taken as long as the older
// version's fields still say what they said when the object was converted to it; if a client
// changed them, its change wins and the annotation's item is dropped.
package roundtrip

package sfuclient

import (
	"encoding/binary"
	"hash/fnv"
)

// Layer says which encoding a packet was sent on: a simulcast layer of the camera, the screen or
// the microphone. Receivers read it from the in-payload marker, so they can tell which layer and
// which participant the server put in a slot without trusting the server's word for it.
type Layer uint8

// Layers, lowest first; LayerLow..LayerHigh are the camera's simulcast RIDs l, m and h.
const (
	LayerLow Layer = iota
	LayerMid
	LayerHigh
	LayerScreen
	LayerAudio
	numLayers
)

var layerNames = [numLayers]string{"l", "m", "h", "screen", "audio"}

func (l Layer) String() string {
	if l < numLayers {
		return layerNames[l]
	}
	return "?"
}

// RID is the simulcast RTP stream id of a camera layer ("" for others).
func (l Layer) RID() string {
	if l <= LayerHigh {
		return layerNames[l]
	}
	return ""
}

// Quality is the protocol's word for a camera layer (high, mid, low).
func (l Layer) Quality() string {
	switch l {
	case LayerLow:
		return "low"
	case LayerMid:
		return "mid"
	case LayerHigh, LayerScreen:
		return "high"
	}
	return ""
}

// layerOfRID maps a RID back to its layer.
func layerOfRID(rid string) (Layer, bool) {
	for l := LayerLow; l <= LayerHigh; l++ {
		if layerNames[l] == rid {
			return l, true
		}
	}
	return 0, false
}

// Marker is what every synthetic packet carries inside its payload, after the codec's own
// header and never in the VP8 descriptor the server rewrites: who sent it, on which layer, a
// per-layer packet counter and the send time. The send time gives the forwarding delay (sender
// and receiver share the machine's clock); the counter shows packets the server dropped even
// when it renumbers the RTP sequence.
type Marker struct {
	Source  uint32 // SourceID of the publisher
	Layer   Layer
	Key     bool   // the packet starts a key frame
	Counter uint32 // packets sent on this layer before this one
	Sent    int64  // send time, Unix nanoseconds
}

// MarkerLen is the marker's size in bytes.
const MarkerLen = 24

var markerMagic = [4]byte{0xfa, 'p', 'h', 'm'}

// SourceID is the number a participant's packets carry for its identity (FNV-1a).
func SourceID(identity string) uint32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(identity))
	return h.Sum32()
}

// put writes the marker into b, which must hold MarkerLen bytes.
func (m Marker) put(b []byte) {
	copy(b, markerMagic[:])
	b[4] = byte(m.Layer)
	b[5] = 0
	if m.Key {
		b[5] = 1
	}
	b[6], b[7] = 0, 0
	binary.BigEndian.PutUint32(b[8:], m.Source)
	binary.BigEndian.PutUint32(b[12:], m.Counter)
	binary.BigEndian.PutUint64(b[16:], uint64(m.Sent))
}

// readMarkerAt reads a marker at b[0:]; ok is false if none is there.
func readMarkerAt(b []byte) (m Marker, ok bool) {
	if len(b) < MarkerLen || b[0] != markerMagic[0] || b[1] != markerMagic[1] || b[2] != markerMagic[2] || b[3] != markerMagic[3] {
		return m, false
	}
	m.Layer = Layer(b[4])
	m.Key = b[5]&1 != 0
	m.Source = binary.BigEndian.Uint32(b[8:])
	m.Counter = binary.BigEndian.Uint32(b[12:])
	m.Sent = int64(binary.BigEndian.Uint64(b[16:]))
	return m, true
}

// ReadMarker finds the marker in an RTP payload: after the VP8 descriptor and, on the first
// packet of a frame, the VP8 frame header; after the TOC byte for Opus.
func ReadMarker(payload []byte, video bool) (Marker, bool) {
	if !video {
		if len(payload) < 1 {
			return Marker{}, false
		}
		return readMarkerAt(payload[1:])
	}
	d, ok := parseVP8(payload)
	if !ok {
		return Marker{}, false
	}
	return readMarkerAt(payload[d.markerAt:])
}

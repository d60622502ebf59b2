package tokenize

import (
	"math/bits"
)

// shingle is the number of characters in a SimHash shingle: three catch
// Chinese word pairs and short English words alike.
const shingle = 3

// SimHash is a 64-bit locality-sensitive fingerprint of texts: texts that
// share most of their character shingles (after Normalize, without spaces)
// get fingerprints a few bits apart. Empty text gives 0.
func SimHash(texts ...string) uint64 {
	var runes []rune
	for _, t := range texts {
		for _, r := range Normalize(t) {
			if r != ' ' {
				runes = append(runes, r)
			}
		}
	}
	if len(runes) == 0 {
		return 0
	}
	var v votes
	for len(runes) < shingle { // a short text is one shingle
		runes = append(runes, 0)
	}
	for i := 0; i+shingle <= len(runes); i++ {
		// Three runes (21 bits each) fit one word exactly.
		v.add(mix(uint64(runes[i])<<42 | uint64(runes[i+1])<<21 | uint64(runes[i+2])))
	}
	return v.sum()
}

// votes counts, for each of 64 bits, how many shingle hashes have it set.
// The counts of a byte's 8 bits are kept as 8 one-byte lanes of a word, so
// a hash is counted with 8 additions instead of 64 (lanes are flushed
// before they can overflow).
type votes struct {
	lanes  [8]uint64
	counts [64]int32
	n, run int32
}

// spread[b] has bit j of b in byte j.
var spread = func() (t [256]uint64) {
	for b := range t {
		for j := 0; j < 8; j++ {
			t[b] |= uint64(b>>j&1) << (8 * j)
		}
	}
	return t
}()

func (v *votes) add(h uint64) {
	for k := 0; k < 8; k++ {
		v.lanes[k] += spread[byte(h>>(8*k))]
	}
	v.n++
	if v.run++; v.run == 255 {
		v.flush()
	}
}

func (v *votes) flush() {
	for k, l := range v.lanes {
		for j := 0; j < 8; j++ {
			v.counts[8*k+j] += int32(l >> (8 * j) & 0xff)
		}
		v.lanes[k] = 0
	}
	v.run = 0
}

func (v *votes) sum() uint64 {
	v.flush()
	var h uint64
	for b, c := range v.counts {
		if 2*c > v.n {
			h |= 1 << b
		}
	}
	return h
}

// mix is the splitmix64 finaliser: every input bit moves every output bit.
func mix(h uint64) uint64 {
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}

// Distance is the number of differing bits of two SimHashes.
func Distance(a, b uint64) int { return bits.OnesCount64(a ^ b) }

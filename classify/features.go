// Package classify learns to classify complaint text (Chinese and English)
// from labelled examples, and flags risk words. It is pure Go: a multinomial
// logistic regression over hashed features (CJK character 1-3-grams, Latin
// word 1-2-grams, number shapes) with log-count TF-IDF weighting, trained by
// SGD. Models are small, load fast and predict tens of thousands of texts per
// second on one core.
package classify

import (
	"math"
	"slices"
	"unicode"
	"unicode/utf8"
)

// fold maps a rune to the form features and risk words compare: full-width
// ASCII to half-width, the ideographic space to a space, letters lowercased.
func fold(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		r -= 0xFEE0
	case r == 0x3000:
		return ' '
	}
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}
	if r >= 0x2E80 && r <= 0xD7A3 {
		return r // CJK, kana and Hangul have no case
	}
	return unicode.ToLower(r)
}

func isCJK(r rune) bool {
	switch {
	case r >= 0x4E00 && r <= 0x9FFF, r >= 0x3040 && r <= 0x30FF, r >= 0xAC00 && r <= 0xD7A3:
		return true // the common blocks, without a table search
	case r < 0x2E80:
		return false
	}
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r)
}

// Hash seeds per feature kind, so that a Chinese bigram never shares a
// bucket with an English word by construction of the same runes.
const (
	seedCJK1  uint64 = 0x9E3779B97F4A7C15
	seedCJK2  uint64 = 0xC2B2AE3D27D4EB4F
	seedCJK3  uint64 = 0x165667B19E3779F9
	seedWord  uint64 = 0x27D4EB2F165667C5
	seedWord2 uint64 = 0x85EBCA77C2B2AE63
	seedNum   uint64 = 0xFF51AFD7ED558CCD
	prime     uint64 = 0x100000001B3
)

func mix(h uint64, r rune) uint64 { return (h ^ uint64(r)) * prime }

func finish(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xFF51AFD7ED558CCD
	h ^= h >> 33
	h *= 0xC4CEB9FE1A85EC53
	h ^= h >> 33
	return h
}

// maxFeatureRunes bounds the text a prediction looks at; complaints longer
// than this are decided by their beginning (and their cost stays bounded).
const maxFeatureRunes = 4000

// Features chooses which features a model extracts; it is saved with the
// model so that prediction extracts the same.
type Features struct {
	CJKMax      int  `json:"cjk_max"`      // longest CJK character n-gram (1 to 3)
	WordBigrams bool `json:"word_bigrams"` // pairs of adjacent Latin words
	Stem        int  `json:"stem"`         // also a prefix of this many letters of longer words (0: off)
}

// DefaultFeatures measured best on the validation splits.
// Word pairs and stems only added noise on the English data set (too few
// examples per pair).
var DefaultFeatures = Features{CJKMax: 3}

// hashes appends the feature hashes of text to dst.
func hashes(dst []uint64, text string, f Features) []uint64 {
	var c1, c2 rune     // previous CJK runes in the current run (0: none)
	var prevWord uint64 // hash of the previous Latin word (0: none)
	var word uint64     // hash of the Latin word being read
	var stem uint64     // hash of the first f.Stem letters
	wordLen, numLen := 0, 0
	n := 0
	flushWord := func() {
		if wordLen > 0 {
			h := finish(word)
			dst = append(dst, h)
			if f.Stem > 0 && wordLen > f.Stem {
				dst = append(dst, finish(stem^0x5bd1e995))
			}
			if f.WordBigrams && prevWord != 0 {
				dst = append(dst, finish((prevWord^seedWord2)*prime^h))
			}
			prevWord = h
			wordLen = 0
		}
		if numLen > 0 {
			// Numbers generalise by their length: amounts, dates, phone numbers.
			dst = append(dst, finish(mix(seedNum, rune(min(numLen, 12)))))
			numLen = 0
		}
	}
	for _, r := range text {
		if n++; n > maxFeatureRunes {
			break
		}
		r = fold(r)
		switch {
		case r < utf8.RuneSelf && ('a' <= r && r <= 'z'):
			if numLen > 0 {
				flushWord()
			}
			if wordLen == 0 {
				word = seedWord
			}
			word = mix(word, r)
			if wordLen++; wordLen == f.Stem {
				stem = word
			}
			c1, c2 = 0, 0
		case r < utf8.RuneSelf && ('0' <= r && r <= '9'):
			if wordLen > 0 {
				flushWord()
			}
			numLen++
			c1, c2 = 0, 0
		case r >= utf8.RuneSelf && isCJK(r):
			flushWord()
			prevWord = 0
			dst = append(dst, finish(mix(seedCJK1, r)))
			if c1 != 0 && f.CJKMax >= 2 {
				dst = append(dst, finish(mix(mix(seedCJK2, c1), r)))
				if c2 != 0 && f.CJKMax >= 3 {
					dst = append(dst, finish(mix(mix(mix(seedCJK3, c2), c1), r)))
				}
			}
			c2, c1 = c1, r
		case r >= utf8.RuneSelf && unicode.IsLetter(r):
			// Other scripts' letters (é, ß, Cyrillic) are word characters too.
			if numLen > 0 {
				flushWord()
			}
			if wordLen == 0 {
				word = seedWord
			}
			word = mix(word, r)
			wordLen++
			c1, c2 = 0, 0
		default:
			flushWord()
			c1, c2 = 0, 0
		}
	}
	flushWord()
	return dst
}

// sparse is a feature vector: sorted bucket indices and their values.
type sparse struct {
	idx []uint32
	val []float32
}

// vectorize turns text into log-count term frequencies per bucket (before
// IDF). scratch is reused between calls.
func vectorize(text string, bits uint8, f Features, scratch []uint64) (sparse, []uint64) {
	var v sparse
	return vectorizeInto(v, text, bits, f, scratch)
}

// vectorizeInto is vectorize reusing v's slices.
func vectorizeInto(v sparse, text string, bits uint8, f Features, scratch []uint64) (sparse, []uint64) {
	hs := hashes(scratch[:0], text, f)
	mask := uint64(1)<<bits - 1
	for i, h := range hs {
		hs[i] = h & mask
	}
	slices.Sort(hs)
	v.idx, v.val = v.idx[:0], v.val[:0]
	for i := 0; i < len(hs); {
		j := i + 1
		for j < len(hs) && hs[j] == hs[i] {
			j++
		}
		v.idx = append(v.idx, uint32(hs[i]))
		v.val = append(v.val, float32(1+math.Log(float64(j-i))))
		i = j
	}
	return v, hs
}

// weigh multiplies by IDF and normalises to unit length.
func (v sparse) weigh(idf func(uint32) float32) {
	var sum float64
	for i, b := range v.idx {
		v.val[i] *= idf(b)
		sum += float64(v.val[i]) * float64(v.val[i])
	}
	if sum == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(sum))
	for i := range v.val {
		v.val[i] *= inv
	}
}

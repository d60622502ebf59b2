package store

import (
	"context"
	"math/bits"
	"slices"
	"sync"
)

// Near-duplicate lookup. Every complaint's SimHash is a row of
// complaint_simhash, appended at intake at the right edge of its primary key
// (cheap for the single writer). Lookups run against an in-memory copy: a
// scan of every fingerprint by Hamming distance costs about a millisecond
// per million complaints and 16 bytes of memory each, and finds every
// neighbour within the distance, old or new. It replaced a table of eight
// 8-bit bands per complaint, whose eight inserts landed on random pages and
// made up a quarter of the intake writer's work (docs/decisions.md).

// Fingerprint is a stored SimHash.
type Fingerprint struct {
	ComplaintID int64
	Hash        uint64
}

// fingerprints is the in-memory copy of complaint_simhash, ascending by id.
type fingerprints struct {
	mu     sync.RWMutex
	loaded bool
	ids    []int64
	hashes []uint64
}

// fingerprintLag is how far below the newest id known the catch-up
// reads again: PostgreSQL commits concurrent intakes out of id order,
// so a smaller id can become visible after a larger one.
const fingerprintLag = 1024

// NearDuplicates returns the complaints whose fingerprint is within maxDist
// bits of h, newest first, at most limit, without exclude.
func (db *DB) NearDuplicates(ctx context.Context, h uint64, exclude int64, maxDist, limit int) ([]Fingerprint, error) {
	if err := db.catchUpFingerprints(ctx); err != nil {
		return nil, err
	}
	fp := &db.fingerprints
	fp.mu.RLock()
	defer fp.mu.RUnlock()
	out := []Fingerprint{}
	for i := len(fp.ids) - 1; i >= 0 && len(out) < limit; i-- {
		if bits.OnesCount64(fp.hashes[i]^h) <= maxDist && fp.ids[i] != exclude {
			out = append(out, Fingerprint{ComplaintID: fp.ids[i], Hash: fp.hashes[i]})
		}
	}
	return out, nil
}

// catchUpFingerprints loads the copy on first use and then reads the rows
// added since, which is one indexed range read per lookup.
func (db *DB) catchUpFingerprints(ctx context.Context) error {
	fp := &db.fingerprints
	fp.mu.RLock()
	loaded, from := fp.loaded, int64(0)
	if n := len(fp.ids); n > 0 {
		from = fp.ids[n-1]
	}
	fp.mu.RUnlock()
	if !loaded {
		return db.RefreshFingerprints(ctx)
	}
	if db.dialect == dialectPostgres {
		from = max(0, from-fingerprintLag)
	}
	rows, err := db.readFingerprints(ctx, from)
	if err != nil {
		return err
	}
	fp.mu.Lock()
	defer fp.mu.Unlock()
	for _, r := range rows {
		fp.set(r.ComplaintID, r.Hash)
	}
	return nil
}

// RefreshFingerprints reads the copy afresh: the server does it at start,
// so that no lookup waits for the first load (a second per million), and
// then now and again for older fingerprints another process changed (an
// edited title). An edit committed while it reads may be replaced by the
// value read before it, until the next refresh: a hint for agents, not a
// record, can afford that.
func (db *DB) RefreshFingerprints(ctx context.Context) error {
	rows, err := db.readFingerprints(ctx, 0)
	if err != nil {
		return err
	}
	ids := make([]int64, len(rows))
	hashes := make([]uint64, len(rows))
	for i, r := range rows {
		ids[i], hashes[i] = r.ComplaintID, r.Hash
	}
	fp := &db.fingerprints
	fp.mu.Lock()
	defer fp.mu.Unlock()
	// Rows another lookup read meanwhile, past the end of this read, stay.
	for i, id := range fp.ids {
		if len(ids) == 0 || id > ids[len(ids)-1] {
			ids = append(ids, fp.ids[i:]...)
			hashes = append(hashes, fp.hashes[i:]...)
			break
		}
	}
	fp.ids, fp.hashes, fp.loaded = ids, hashes, true
	return nil
}

func (db *DB) readFingerprints(ctx context.Context, after int64) ([]Fingerprint, error) {
	return list(ctx, db, func(s scanner) (Fingerprint, error) {
		var f Fingerprint
		var h int64
		err := s.Scan(&f.ComplaintID, &h)
		f.Hash = uint64(h)
		return f, err
	}, `SELECT complaint_id, hash FROM complaint_simhash WHERE complaint_id > ? ORDER BY complaint_id`, after)
}

// set records id's fingerprint; the caller holds the write lock.
func (fp *fingerprints) set(id int64, h uint64) {
	n := len(fp.ids)
	if n == 0 || id > fp.ids[n-1] {
		fp.ids = append(fp.ids, id)
		fp.hashes = append(fp.hashes, h)
		return
	}
	i, found := slices.BinarySearch(fp.ids, id)
	if found {
		fp.hashes[i] = h
		return
	}
	fp.ids = slices.Insert(fp.ids, i, id)
	fp.hashes = slices.Insert(fp.hashes, i, h)
}

// fingerprintChanged updates a loaded copy once an edit's transaction has
// committed (new fingerprints arrive through the catch-up).
func (tx *Tx) fingerprintChanged(id int64, h uint64) {
	fp := &tx.db.fingerprints
	tx.AfterCommit(func() {
		fp.mu.Lock()
		defer fp.mu.Unlock()
		if fp.loaded {
			fp.set(id, h)
		}
	})
}

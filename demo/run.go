package demo

import (
	"context"
	"fmt"
	"sync"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/store"
)

// written is what the registration of a plan gave.
type written struct {
	number      string
	status      kesu.Status
	duplicateOf string
	escalation  int
	replayed    bool
}

// write registers the planned complaints one after the other, oldest first,
// so that their numbers are the same for a seed, and plays their histories
// on a few workers: histories touch only their own complaint, and most of
// their time is the database's commit. A complaint whose external id is
// already there (an earlier run with this seed) is left as it is.
func (g *gen) write(ctx context.Context, db *store.DB, sum *Summary) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	done := make([]written, len(g.plans))
	jobs := make(chan int, g.opt.Workers)
	var mu sync.Mutex // guards sum and finished
	finished := 0
	report := func(status kesu.Status, ops int, created bool) {
		mu.Lock()
		defer mu.Unlock()
		sum.ByStatus[status]++
		sum.Operations += ops
		if created {
			sum.Created++
		} else {
			sum.Existing++
		}
		finished++
		if g.opt.Progress != nil {
			g.opt.Progress(finished, len(g.plans))
		}
	}
	var wg sync.WaitGroup
	for range g.opt.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				status, ops, err := g.play(ctx, db, i, done)
				g.plans[i].release()
				if err != nil {
					cancel(err)
					continue // drain, so the registering loop never blocks
				}
				report(status, ops, true)
			}
		}()
	}
	for i, p := range g.plans {
		if ctx.Err() != nil {
			break
		}
		if err := g.prepare(p); err != nil {
			cancel(err)
			break
		}
		p.vars = purchaseVars(p.vars) // the rest is in the texts now
		res, err := db.CreateComplaint(ctx, p.in, p.intake, p.reg, nil)
		if err != nil {
			cancel(fmt.Errorf("demo complaint %d: register: %w", i+1, err))
			break
		}
		c := res.Complaint
		// Written before the job is sent: the channel orders it before any
		// worker reads it, for this complaint and every later one.
		done[i] = written{number: c.Number, status: c.Status, duplicateOf: c.DuplicateOf, escalation: c.Escalation, replayed: res.Replayed}
		if res.Replayed {
			p.release()
			report(c.Status, 0, false)
			continue
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return context.Cause(ctx)
}

// play writes the history of plan i, whose complaint is registered.
func (g *gen) play(ctx context.Context, db *store.DB, i int, done []written) (kesu.Status, int, error) {
	p := g.plans[i]
	number, status := done[i].number, kesu.StatusRegistered
	escalation := done[i].escalation
	vars := map[string]string{"number": number}
	for n, o := range p.ops {
		if err := ctx.Err(); err != nil {
			return "", n, err
		}
		var c kesu.Complaint
		var err error
		switch o.kind {
		case opTransition:
			cmd := o.cmd
			if cmd.Action == kesu.ActionMerge {
				target := done[p.mergeInto]
				if target.replayed && target.status == kesu.StatusMerged { // from an earlier, different run
					target.number = target.duplicateOf
				}
				cmd.DuplicateOf = target.number
				vars["target"] = target.number
			}
			cmd.Note = fill(cmd.Note, vars)
			c, err = db.Transition(ctx, number, cmd, o.actor, o.at, kesu.DefaultRules)
		case opPost:
			post := o.post
			post.Body = fill(post.Body, vars)
			_, err = db.AddPost(ctx, number, post, o.actor, o.at)
		case opPatch:
			patch := o.patch
			if o.escalate {
				patch.Escalation = ptr(min(escalation+1, kesu.MaxEscalation))
			}
			c, err = db.UpdateComplaint(ctx, number, patch, o.actor, o.at)
		}
		if err != nil {
			return "", n, fmt.Errorf("demo complaint %d (%s): %s by %s at %s: %w", i+1, number,
				describeOp(o), o.actor.Role, o.at.Format("2006-01-02 15:04"), err)
		}
		if o.kind != opPost {
			status, escalation = c.Status, c.Escalation
		}
	}
	return status, len(p.ops), nil
}

// purchaseVars keeps what a later duplicate of the complaint repeats (see
// compose): the purchase, not the whole vocabulary.
func purchaseVars(vars map[string]string) map[string]string {
	keep := make(map[string]string, len(purchaseKeys))
	for _, k := range purchaseKeys {
		if v, ok := vars[k]; ok {
			keep[k] = v
		}
	}
	return keep
}

// release drops what is no longer needed once p is written. What later
// plans read of it (purchase vars, price, customer, scenario) stays.
func (p *plan) release() {
	p.ops, p.in = nil, kesu.NewComplaint{}
}

func describeOp(o op) string {
	switch o.kind {
	case opTransition:
		return string(o.cmd.Action)
	case opPost:
		return string(o.post.Visibility) + " post"
	}
	return "update"
}

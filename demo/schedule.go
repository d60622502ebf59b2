package demo

import "time"

// schedule gives every operation of p its instant: after the previous one
// by its delay, moved into its actor's working hours. When that would run
// past the end of the period (a recent complaint planned to be far along),
// the delays are shortened step by step until it fits; as a last resort
// they are compressed ignoring working hours, so the complaint still
// reaches its planned status before Now.
func (g *gen) schedule(p *plan) {
	if len(p.ops) == 0 {
		return
	}
	for f := 1.0; f > 0.02; f *= 0.6 {
		if g.place(p, f, true) {
			return
		}
	}
	var total time.Duration
	for _, o := range p.ops {
		total += o.delay
	}
	avail := g.limit.Sub(p.reg) - time.Duration(len(p.ops))*time.Second
	g.place(p, float64(avail)/float64(total), false)
}

// place times the operations with delays scaled by f, in working hours if
// asked, and reports whether the last one is within the period.
func (g *gen) place(p *plan, f float64, hours bool) bool {
	t := p.reg
	for i := range p.ops {
		o := &p.ops[i]
		next := t.Add(time.Duration(float64(o.delay) * f))
		if hours {
			if shifted := g.shift(next, o.sched); !shifted.Equal(next) {
				next = shifted.Add(time.Duration(float64(o.jitter) * f))
			}
		}
		o.at = later(next, t)
		t = o.at
	}
	return !t.After(g.limit)
}

// later returns t, or one second after prev if t is not after it: the
// events of a complaint are strictly ordered in time.
func later(t, prev time.Time) time.Time {
	if t.After(prev) {
		return t
	}
	return prev.Add(time.Second)
}

// shift moves t to the next instant at which an actor of sched works.
func (g *gen) shift(t time.Time, sched schedule) time.Time {
	lt := t.In(g.loc)
	at := func(d time.Time, h, m int) time.Time {
		return time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, g.loc)
	}
	mins := lt.Hour()*60 + lt.Minute()
	switch sched {
	case agentHours:
		switch {
		case mins < 8*60:
			return at(lt, 8, 0)
		case mins >= 22*60:
			return at(lt.AddDate(0, 0, 1), 8, 0)
		}
	case customerHours:
		switch {
		case mins < 7*60:
			return at(lt, 7, 0)
		case mins >= 23*60+30:
			return at(lt.AddDate(0, 0, 1), 7, 0)
		}
	case officeHours:
		d := lt
		if mins >= 18*60 {
			d = at(lt.AddDate(0, 0, 1), 9, 0)
		} else if mins < 9*60 {
			d = at(lt, 9, 0)
		}
		for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			d = at(d.AddDate(0, 0, 1), 9, 0)
		}
		return d
	}
	return t
}

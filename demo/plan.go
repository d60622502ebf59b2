package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kesu/kesu"
)

// The generator first plans every complaint (when, who, what, and where it
// stands now) without touching the database, so that a seed always gives
// the same data; then run.go prepares each plan's texts and timed history
// and writes them through the store's public methods.

// schedule is when an operation's actor works.
type schedule int

const (
	anytime       schedule = iota // systems
	agentHours                    // hotline: 08:00-22:00 every day
	officeHours                   // departments: 09:00-18:00 Monday to Friday
	customerHours                 // customers: 07:00-23:30
)

type opKind int

const (
	opTransition opKind = iota
	opPost
	opPatch
)

// op is one store call on a complaint after its registration.
type op struct {
	delay  time.Duration // after the previous operation, before working hours apply
	sched  schedule
	jitter time.Duration // added when working hours moved the operation
	actor  kesu.Actor
	kind   opKind
	cmd    kesu.Command
	post   kesu.NewPost
	patch  kesu.ComplaintPatch
	// escalate (with opPatch) raises the escalation by one level.
	escalate bool
	at       time.Time
}

// customer is a complainant of the demo; repeat customers are shared by
// several plans.
type customer struct {
	kesu.Customer
	en         bool
	complaints int // planned so far, for the repeat-customer tag
}

// plan is one complaint to write.
type plan struct {
	index     int
	reg       time.Time
	spike     string // "battery", "logistics" or ""
	kind      kesu.Kind
	channel   kesu.Channel
	cust      *customer
	scen      *scenario
	prob      problem
	prod      *product
	level     kesu.Level
	target    kesu.Status
	mergeInto int // index of the complaint this one is merged into; -1 if none
	repeat    bool
	remedy    kesu.Remedy
	price     int    // yuan
	claim     int    // yuan the customer asks for, when compensation
	want      string // what the customer wants, in their words
	vars      map[string]string
	in        kesu.NewComplaint
	intake    kesu.Actor
	ops       []op
}

// gen holds the generator's state. All randomness comes from rng, in a
// fixed order, so a seed always gives the same plans.
type gen struct {
	rng       *rand.Rand
	opt       Options
	loc       *time.Location
	st        staff
	start     time.Time
	limit     time.Time // nothing is planned after this instant
	repeaters []*customer
	plans     []*plan
	phones    map[string]bool
}

func newGen(opt Options, st staff) *gen {
	return &gen{
		rng:    rand.New(rand.NewPCG(opt.Seed, 0x6b657375)), // "kesu"
		opt:    opt,
		loc:    opt.Location,
		st:     st,
		start:  opt.Now.AddDate(0, -opt.Months, 0),
		limit:  opt.Now.Add(-5 * time.Minute),
		phones: map[string]bool{},
	}
}

// Random helpers.

func (g *gen) chance(p float64) bool  { return g.rng.Float64() < p }
func (g *gen) intn(lo, hi int) int    { return lo + g.rng.IntN(hi-lo+1) }
func pick[T any](g *gen, items []T) T { return items[g.rng.IntN(len(items))] }

// weighted returns an index with probability proportional to its weight.
func (g *gen) weighted(weights []float64) int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	r := g.rng.Float64() * total
	for i, w := range weights {
		if r < w {
			return i
		}
		r -= w
	}
	return len(weights) - 1
}

// between draws a duration log-uniformly from [lo, hi]: most waits are
// short, a few are long, as in real queues.
func (g *gen) between(lo, hi time.Duration) time.Duration {
	a, b := math.Log(float64(lo)), math.Log(float64(hi))
	return time.Duration(math.Exp(a + g.rng.Float64()*(b-a)))
}

// makePlans plans count complaints, oldest first.
func (g *gen) makePlans() error {
	n := g.opt.Count
	g.plans = make([]*plan, n)
	span := g.limit.Sub(g.start)
	// Spikes that early warning should notice: a car-battery cluster (one
	// faulty production batch) and a logistics backlog after a sales event.
	batteries, parcels := 0, 0
	if span >= 60*day {
		batteries = n * 4 / 100
	}
	if span >= 130*day {
		parcels = n * 3 / 100
	}
	for i := range g.plans {
		p := &plan{mergeInto: -1}
		switch {
		case i < batteries:
			p.spike = "battery"
			p.reg = g.regTime(g.opt.Now.Add(-48*day), g.opt.Now.Add(-36*day))
		case i < batteries+parcels:
			p.spike = "logistics"
			p.reg = g.regTime(g.opt.Now.Add(-118*day), g.opt.Now.Add(-111*day))
		default:
			p.reg = g.regTime(g.start, g.limit)
		}
		g.plans[i] = p
	}
	slices.SortStableFunc(g.plans, func(a, b *plan) int { return a.reg.Compare(b.reg) })
	g.repeaters = make([]*customer, max(5, n/15))
	for i := range g.repeaters {
		g.repeaters[i] = g.newCustomer(true)
	}
	for i, p := range g.plans {
		p.index = i
		g.basics(p)
		p.target = g.targetFor(p)
	}
	g.ensureEveryStatus()
	g.assignMerges()
	return nil
}

// prepare composes p's intake request and plans its history. Plans are
// prepared one by one, in order, just before they are written, so that a
// large data set never holds every history in memory; the random draws
// happen in the same order either way.
func (g *gen) prepare(p *plan) error {
	g.compose(p)
	if err := g.buildOps(p); err != nil {
		return err
	}
	g.schedule(p)
	return nil
}

// Registration times: weekdays busier than weekends, office hours busier
// than nights, a little growth over the period.
var hourWeights = []float64{1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.8, 2, 5, 9, 10, 9, 6, 7, 9, 9, 8, 7, 5, 5, 5, 4, 2, 1.5}

func (g *gen) regTime(from, to time.Time) time.Time {
	if from.Before(g.start) {
		from = g.start
	}
	if to.After(g.limit) {
		to = g.limit
	}
	span := to.Sub(from)
	for try := 0; try < 50; try++ {
		t := from.Add(time.Duration(g.rng.Int64N(int64(span)))).In(g.loc)
		w := 1.0
		switch t.Weekday() {
		case time.Saturday:
			w = 0.6
		case time.Sunday:
			w = 0.5
		}
		w *= 0.8 + 0.4*float64(t.Sub(g.start))/float64(g.limit.Sub(g.start)) // growth
		w *= hourWeights[t.Hour()] / 10
		if g.rng.Float64() < w {
			return t
		}
	}
	return from.Add(time.Duration(g.rng.Int64N(int64(span)))).In(g.loc)
}

var channelWeights = map[kesu.Channel]float64{
	kesu.ChannelPhone: 34, kesu.ChannelWeb: 18, kesu.ChannelWeChat: 15, kesu.ChannelEmail: 7,
	kesu.ChannelStore: 8, kesu.ChannelSocial: 6, kesu.ChannelLetter: 2, kesu.ChannelRegulator: 6, kesu.ChannelAPI: 4,
}

// pickChannel draws a channel; at night only the self-service ones are open.
func (g *gen) pickChannel(t time.Time, kind kesu.Kind) kesu.Channel {
	h := t.In(g.loc).Hour()
	night := h < 8 || h >= 21
	w := make([]float64, len(kesu.Channels))
	for i, c := range kesu.Channels {
		w[i] = channelWeights[c]
		if night && (c == kesu.ChannelPhone || c == kesu.ChannelStore || c == kesu.ChannelLetter || c == kesu.ChannelRegulator) {
			w[i] = 0
		}
		if kind != kesu.KindComplaint && c == kesu.ChannelRegulator {
			w[i] = 0
		}
	}
	return kesu.Channels[g.weighted(w)]
}

func (g *gen) newCustomer(repeater bool) *customer {
	c := &customer{en: g.chance(0.1)}
	if c.en {
		c.Name = pick(g, englishFirst) + " " + pick(g, englishLast)
	} else {
		c.Name = pick(g, surnames) + pick(g, givenNames)
		if g.chance(0.12) { // agents often write down only the surname
			c.Name = string([]rune(c.Name)[:1]) + pick(g, []string{"先生", "女士"})
		}
	}
	if repeater || g.chance(0.9) {
		c.Phone = g.mobile()
	}
	if g.chance(0.25) || c.Phone == "" {
		if c.en {
			c.Email = strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(c.Name, " ", "."), "ü", "ue")) + strconv.Itoa(g.intn(1, 99)) + "@" + pick(g, []string{"gmail.com", "outlook.com", "proton.me"})
		} else if g.chance(0.5) {
			c.Email = strconv.Itoa(g.intn(10000000, 2999999999)) + "@qq.com"
		} else {
			c.Email = fmt.Sprintf("%s%d@%s", pick(g, []string{"happy", "sunny", "tiger", "cloud", "lucky", "xiaoyu", "mingming", "dragon"}), g.intn(1, 9999), pick(g, mailDomains))
		}
	}
	if g.chance(0.2) {
		c.WeChatID = "wx_" + strconv.FormatInt(g.rng.Int64N(1<<40), 36)
	}
	c.VIP = g.chance(0.05) || repeater && g.chance(0.15)
	return c
}

// mobile returns a mainland mobile number, 1[3-9]xxxxxxxxx, unique in the run.
func (g *gen) mobile() string {
	for {
		m := pick(g, mobilePrefixes) + fmt.Sprintf("%08d", g.rng.IntN(100000000))
		if !g.phones[m] {
			g.phones[m] = true
			return m
		}
	}
}

// basics decides kind, channel, customer, scenario, product and level.
func (g *gen) basics(p *plan) {
	p.kind = kesu.KindComplaint
	if p.spike == "" {
		switch r := g.rng.Float64(); {
		case r < 0.06:
			p.kind = kesu.KindFeedback
		case r < 0.10:
			p.kind = kesu.KindSuggestion
		}
	}
	p.channel = g.pickChannel(p.reg, p.kind)
	if g.chance(0.22) {
		p.cust = pick(g, g.repeaters)
	} else {
		p.cust = g.newCustomer(false)
	}
	p.repeat = p.cust.complaints > 0
	p.cust.complaints++
	switch {
	case p.kind != kesu.KindComplaint:
		p.prob = pick(g, suggestions)
		p.remedy = kesu.RemedyExplanation
		if g.chance(0.3) && p.channel != kesu.ChannelPhone && p.channel != kesu.ChannelStore {
			p.cust = &customer{} // anonymous feedback
		}
	case p.spike == "battery":
		p.scen = scenarioFor("product_quality.performance")
		if g.chance(0.3) {
			p.scen = scenarioFor("product_quality.safety")
		}
	case p.spike == "logistics":
		p.scen = scenarioFor("logistics.delay")
	default:
		w := make([]float64, len(scenarios))
		for i, s := range scenarios {
			w[i] = float64(s.weight)
		}
		p.scen = &scenarios[g.weighted(w)]
	}
	if p.scen != nil {
		g.pickProblem(p)
		p.remedy = p.scen.remedies[min(g.weighted([]float64{5, 3, 2, 1, 1}[:len(p.scen.remedies)]), len(p.scen.remedies)-1)]
	}
	// Level: 85% general, 12% major, 3% critical, more serious for safety.
	severe := 0.0
	if p.scen != nil {
		severe = p.scen.severe
	}
	p.level = kesu.LevelGeneral
	switch r := g.rng.Float64(); {
	case p.kind != kesu.KindComplaint:
	case r < 0.02+severe*0.25:
		p.level = kesu.LevelCritical
	case r < 0.13+severe*0.4:
		p.level = kesu.LevelMajor
	}
}

func scenarioFor(category string) *scenario {
	for i := range scenarios {
		if scenarios[i].category == category {
			return &scenarios[i]
		}
	}
	panic("demo: no scenario " + category)
}

// pickProblem chooses the problem and a product it makes sense for.
func (g *gen) pickProblem(p *plan) {
	s := p.scen
	if p.spike == "battery" {
		p.prod = &products[productIndex("汽车蓄电池")]
		if s.fromFaults {
			p.prob = pick(g, p.prod.faults)
		} else {
			p.prob = s.problems[2] // 鼓包变形
		}
		return
	}
	if p.spike == "logistics" {
		p.prod = &products[productIndex("快递包裹")]
		p.prob = s.problems[0]
		return
	}
	if s.fromFaults {
		var fit []int
		for i, pr := range products {
			if len(pr.faults) > 0 && slices.Contains(s.kinds, pr.kind) {
				fit = append(fit, i)
			}
		}
		p.prod = &products[pick(g, fit)]
		p.prob = pick(g, p.prod.faults)
		return
	}
	p.prob = pick(g, s.problems)
	var fit []int
	for i, pr := range products {
		if (len(s.kinds) == 0 || slices.Contains(s.kinds, pr.kind)) &&
			(problemKinds[p.prob.title] == nil || slices.Contains(problemKinds[p.prob.title], pr.kind) ||
				slices.Contains(problemKinds[p.prob.title], pr.name)) {
			fit = append(fit, i)
		}
	}
	p.prod = &products[pick(g, fit)]
}

func productIndex(name string) int {
	for i, p := range products {
		if p.name == name {
			return i
		}
	}
	panic("demo: no product " + name)
}

// targetFor decides where the complaint stands now, by its age: the old
// ones mostly closed, the recent ones in every open state.
func (g *gen) targetFor(p *plan) kesu.Status {
	age := g.opt.Now.Sub(p.reg)
	day := 24 * time.Hour
	type w = map[kesu.Status]float64
	var weights w
	switch {
	case age < day:
		weights = w{kesu.StatusRegistered: 35, kesu.StatusAccepted: 20, kesu.StatusDispatched: 20, kesu.StatusInProgress: 12,
			kesu.StatusAwaitingCustomer: 3, kesu.StatusRejected: 4, kesu.StatusWithdrawn: 1, kesu.StatusMerged: 3, kesu.StatusResolved: 2}
	case age < 3*day:
		weights = w{kesu.StatusRegistered: 8, kesu.StatusAccepted: 8, kesu.StatusDispatched: 12, kesu.StatusInProgress: 25,
			kesu.StatusAwaitingCustomer: 10, kesu.StatusSolutionProposed: 10, kesu.StatusExecuting: 5, kesu.StatusResolved: 6,
			kesu.StatusClosed: 8, kesu.StatusRejected: 4, kesu.StatusWithdrawn: 2, kesu.StatusMerged: 2}
	case age < 14*day:
		weights = w{kesu.StatusRegistered: 1, kesu.StatusAccepted: 1, kesu.StatusDispatched: 3, kesu.StatusInProgress: 12,
			kesu.StatusAwaitingCustomer: 7, kesu.StatusSolutionProposed: 7, kesu.StatusExecuting: 6, kesu.StatusResolved: 10,
			kesu.StatusClosed: 40, kesu.StatusAppealed: 3, kesu.StatusRejected: 4, kesu.StatusWithdrawn: 3, kesu.StatusMerged: 3}
	case age < 45*day:
		weights = w{kesu.StatusInProgress: 3, kesu.StatusAwaitingCustomer: 2, kesu.StatusSolutionProposed: 1, kesu.StatusExecuting: 2,
			kesu.StatusResolved: 2, kesu.StatusClosed: 75, kesu.StatusAppealed: 2, kesu.StatusRejected: 5, kesu.StatusWithdrawn: 3,
			kesu.StatusMerged: 3}
	default:
		weights = w{kesu.StatusInProgress: 1, kesu.StatusAwaitingCustomer: 0.5, kesu.StatusExecuting: 0.5, kesu.StatusClosed: 84,
			kesu.StatusAppealed: 0.3, kesu.StatusRejected: 5, kesu.StatusWithdrawn: 4, kesu.StatusMerged: 4}
	}
	if p.kind != kesu.KindComplaint { // feedback is acknowledged, passed on and closed
		for s := range weights {
			switch s {
			case kesu.StatusAwaitingCustomer, kesu.StatusSolutionProposed, kesu.StatusExecuting, kesu.StatusAppealed,
				kesu.StatusWithdrawn, kesu.StatusMerged:
				delete(weights, s)
			}
		}
	}
	ws := make([]float64, len(kesu.Statuses)) // in the fixed order of kesu.Statuses
	for i, s := range kesu.Statuses {
		ws[i] = weights[s]
	}
	return kesu.Statuses[g.weighted(ws)]
}

// ensureEveryStatus makes sure a newcomer sees every status at least once,
// even in a small data set: missing ones are given to complaints of a
// plausible age whose own status is common.
func (g *gen) ensureEveryStatus() {
	count := map[kesu.Status]int{}
	for _, p := range g.plans {
		count[p.target]++
	}
	for _, s := range kesu.Statuses {
		if count[s] > 0 {
			continue
		}
		var candidates, fallback []*plan
		for _, p := range g.plans {
			if p.kind != kesu.KindComplaint || count[p.target] < 2 || p.index == 0 {
				continue
			}
			fallback = append(fallback, p)
			age := g.opt.Now.Sub(p.reg)
			if age > 2*24*time.Hour && age < 20*24*time.Hour {
				candidates = append(candidates, p)
			}
		}
		if len(candidates) == 0 {
			candidates = fallback
		}
		if len(candidates) == 0 {
			continue // too few complaints to show everything
		}
		p := pick(g, candidates)
		count[p.target]--
		p.target = s
		count[s]++
	}
}

// assignMerges links each complaint to be merged to an earlier one of the
// last weeks: the same customer complaining again through another channel.
func (g *gen) assignMerges() {
	for _, p := range g.plans {
		if p.target != kesu.StatusMerged {
			continue
		}
		var fit []*plan
		for j := p.index - 1; j >= 0; j-- {
			q := g.plans[j]
			if p.reg.Sub(q.reg) > 21*24*time.Hour {
				break
			}
			if q.kind == kesu.KindComplaint && q.target != kesu.StatusMerged && !q.target.Terminal() {
				fit = append(fit, q)
			}
		}
		if len(fit) == 0 {
			p.target = kesu.StatusRejected // nothing to merge into: rejected as a duplicate instead
			continue
		}
		q := pick(g, fit[:min(len(fit), 20)])
		p.mergeInto = q.index
		p.cust, p.scen, p.prob, p.prod, p.remedy, p.level = q.cust, q.scen, q.prob, q.prod, q.remedy, q.level
		p.repeat = true
		for p.channel == q.channel {
			p.channel = g.pickChannel(p.reg, p.kind)
		}
	}
}

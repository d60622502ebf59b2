package demo

import (
	"strconv"
	"strings"
	"time"

	"github.com/kesu/kesu"
)

// builder plans the operations of one complaint, following the lifecycle
// table as it goes so that a planning mistake shows up here, not as a
// half-written complaint.
type builder struct {
	g       *gen
	p       *plan
	status  kesu.Status
	agent   kesu.Actor
	dept    string
	handler kesu.Actor
	// proposed is set once a remedy was proposed (not a direct answer).
	proposed bool
	err      error
}

const (
	minute = time.Minute
	hour   = time.Hour
	day    = 24 * time.Hour
)

func (b *builder) add(o op, lo, hi time.Duration, sched schedule) {
	o.delay = b.g.between(lo, hi)
	o.sched = sched
	o.jitter = time.Duration(b.g.rng.Int64N(int64(50 * minute)))
	b.p.ops = append(b.p.ops, o)
}

// transition plans a lifecycle action; note is filled with the plan's vars.
func (b *builder) transition(actor kesu.Actor, cmd kesu.Command, lo, hi time.Duration, sched schedule) {
	t, ok := kesu.Lookup(b.status, cmd.Action)
	if !ok {
		if b.err == nil {
			b.err = kesu.Errorf(kesu.EInternal, "demo plan %d: %s is not allowed in %s", b.p.index, cmd.Action, b.status)
		}
		return
	}
	cmd.Note = fill(cmd.Note, b.p.vars)
	b.add(op{kind: opTransition, actor: actor, cmd: cmd}, lo, hi, sched)
	b.status = t.To
}

func (b *builder) post(actor kesu.Actor, body string, vis kesu.Visibility, lo, hi time.Duration, sched schedule) {
	if body = fill(body, b.p.vars); body == "" {
		return
	}
	b.add(op{kind: opPost, actor: actor, post: kesu.NewPost{Body: body, Visibility: vis}}, lo, hi, sched)
}

func (b *builder) patch(actor kesu.Actor, p kesu.ComplaintPatch, lo, hi time.Duration, sched schedule) {
	b.add(op{kind: opPatch, actor: actor, patch: p}, lo, hi, sched)
}

func (b *builder) customer() kesu.Actor {
	name := b.p.cust.Name
	if name == "" {
		name = "匿名用户"
	}
	return kesu.Actor{Role: kesu.RoleCustomer, Name: name}
}

// onBehalf is the customer acting in the portal, or an agent recording
// what the customer said on the phone.
func (b *builder) onBehalf() (kesu.Actor, schedule) {
	if b.g.chance(0.5) {
		return b.customer(), customerHours
	}
	return b.agent, agentHours
}

func ptr[T any](v T) *T { return &v }

// buildOps plans everything that happens to p after registration, ending
// in p.target.
func (g *gen) buildOps(p *plan) error {
	b := &builder{g: g, p: p, status: kesu.StatusRegistered, agent: pick(g, g.st.agents)}
	if p.intake.Role == kesu.RoleAgent && g.chance(0.8) { // the agent who took the call carries on
		b.agent = p.intake
	}
	feedback := p.kind != kesu.KindComplaint
	b.dept = "customer_service"
	if p.scen != nil {
		b.dept = categoryDepartment(p.scen.category)
	}
	b.handler = pick(g, g.st.handlers[b.dept])

	// Acknowledge at once (ISO 10002): the channel's robot, or the agent.
	ack := p.lang(pick(g, ackMessages))
	if feedback {
		ack = p.lang(ackMessages[1]) // speaks of feedback, not of a complaint
	}
	switch {
	case p.intake.Role == kesu.RoleSystem && g.chance(0.8):
		b.post(p.intake, ack, kesu.VisibilityCustomer, 2*time.Second, 40*time.Second, anytime)
	case g.chance(0.4):
		b.post(b.agent, ack, kesu.VisibilityCustomer, minute, 20*minute, agentHours)
	}
	if g.chance(0.15) {
		b.post(b.agent, pick(g, intakeNotes), kesu.VisibilityInternal, minute, 30*minute, agentHours)
	}

	// Where to stop, and what ends the story there.
	stop, final := p.target, kesu.Action("")
	switch p.target {
	case kesu.StatusRejected:
		stop, final = kesu.StatusRegistered, kesu.ActionReject
	case kesu.StatusWithdrawn:
		stop = kesu.Statuses[g.weighted([]float64{15, 0, 10, 15, 30, 15, 15})] // registered .. solution_proposed
		final = kesu.ActionWithdraw
	case kesu.StatusMerged:
		stop = kesu.Statuses[g.weighted([]float64{45, 0, 30, 10, 15})] // registered .. in_progress
		final = kesu.ActionMerge
	case kesu.StatusAppealed:
		stop = kesu.StatusClosed
	}
	finish := func() error {
		b.finish(final)
		return b.err
	}
	if stop == kesu.StatusRegistered {
		return finish()
	}

	// 受理: accept and classify.
	accept := p.lang(pick(g, acceptNotes))
	if feedback {
		accept = p.lang(feedbackAccepted)
	}
	b.transition(b.agent, kesu.Command{Action: kesu.ActionAccept, Note: accept}, 5*minute, 8*hour, agentHours)
	b.patch(b.agent, g.classification(p), minute, 15*minute, agentHours)
	if stop == kesu.StatusAccepted {
		return finish()
	}

	// 派单: dispatch, sometimes to the wrong department first (退单).
	if g.chance(0.06) {
		wrong := pick(g, departments).Code
		for wrong == b.dept {
			wrong = pick(g, departments).Code
		}
		b.transition(b.agent, kesu.Command{Action: kesu.ActionDispatch, Department: wrong}, 5*minute, 3*hour, agentHours)
		b.p.vars["dept"] = departmentName(b.dept)
		b.transition(pick(g, g.st.handlers[wrong]), kesu.Command{Action: kesu.ActionReturn, Note: pick(g, returnNotes)}, 30*minute, 8*hour, officeHours)
	}
	b.p.vars["dept"] = departmentName(b.dept)
	dispatch := kesu.Command{Action: kesu.ActionDispatch, Department: b.dept, Note: pick(g, dispatchNotes)}
	if p.level != kesu.LevelGeneral && g.chance(0.4) || g.chance(0.05) {
		co := pick(g, departments).Code
		if co != b.dept {
			dispatch.CoDepartments = []string{co}
		}
	}
	b.transition(b.agent, dispatch, 5*minute, 3*hour, agentHours)
	if stop == kesu.StatusDispatched {
		return finish()
	}

	// 签收 and handling.
	b.transition(b.handler, kesu.Command{Action: kesu.ActionSign, Note: p.lang(pick(g, signNotes))}, 20*minute, 20*hour, officeHours)
	if g.chance(0.5) && !feedback {
		b.post(b.handler, p.lang(pick(g, handlerMessages)), kesu.VisibilityCustomer, 10*minute, 4*hour, officeHours)
	}
	if g.chance(0.6) && !feedback {
		b.post(b.handler, b.handlerNote(), kesu.VisibilityInternal, 30*minute, 2*day, officeHours)
	}
	if g.chance(0.06) || p.level == kesu.LevelCritical && g.chance(0.3) {
		// The escalation is raised one level above what it is when the patch
		// is written (see run.go), so the demo never lowers it.
		sup := pick(g, g.st.supervisors)
		b.add(op{kind: opPatch, actor: sup, escalate: true}, 4*hour, 3*day, officeHours)
		b.post(sup, pick(g, escalateNotes), kesu.VisibilityInternal, minute, 10*minute, officeHours)
	}
	if g.chance(0.25) && p.kind == kesu.KindComplaint || stop == kesu.StatusAwaitingCustomer {
		ar := askReplies[b.dept]
		if ar == nil {
			ar = askReplies[""]
		}
		pair := pick(g, ar)
		b.transition(b.handler, kesu.Command{Action: kesu.ActionRequestInfo, Note: p.lang(pair.ask)}, 2*hour, 2*day, officeHours)
		if stop == kesu.StatusAwaitingCustomer {
			return finish()
		}
		who, sched := b.onBehalf()
		b.transition(who, kesu.Command{Action: kesu.ActionCustomerReply, Note: p.lang(pair.reply)}, 2*hour, 4*day, sched)
	}
	if p.kind == kesu.KindComplaint && (stop != kesu.StatusInProgress || g.chance(0.4)) {
		b.patch(b.handler, g.causePatch(p), 2*hour, 3*day, officeHours)
	}
	if stop == kesu.StatusInProgress {
		return finish()
	}
	if g.chance(0.1) && !feedback && p.cust.Name != "" {
		b.post(b.customer(), p.lang(pick(g, customerMessages)), kesu.VisibilityCustomer, 6*hour, 3*day, customerHours)
	}

	b.remedy(stop)
	if b.status != kesu.StatusResolved {
		return finish()
	}
	if stop == kesu.StatusResolved {
		return finish()
	}
	// 重办 after a follow-up finds the problem is still there.
	if g.chance(0.05) && !feedback {
		b.transition(b.agent, kesu.Command{Action: kesu.ActionReopen, Note: pick(g, reopenNotes)}, day, 3*day, agentHours)
		b.post(b.handler, b.handlerNote(), kesu.VisibilityInternal, 2*hour, 2*day, officeHours)
		done := answeredNotes
		if b.proposed {
			done = executedNotes
		}
		b.transition(b.handler, kesu.Command{Action: kesu.ActionComplete, Note: p.lang(pick(g, done))}, day, 4*day, officeHours)
	}
	sat := b.close()
	if p.target == kesu.StatusAppealed {
		b.appeal()
		return b.err
	}
	// Some closed complaints were appealed and decided on the way.
	appealChance := 0.02
	switch {
	case sat == 0:
		appealChance = 0.03
	case sat <= 2:
		appealChance = 0.3
	case sat == 3:
		appealChance = 0.08
	}
	if p.kind == kesu.KindComplaint && g.chance(appealChance) {
		b.appeal()
		senior := b.senior()
		if g.chance(0.45) { // upheld: redo by someone else
			b.transition(senior, kesu.Command{Action: kesu.ActionReopen, Note: pick(g, upheldNotes)}, 2*day, 6*day, officeHours)
			b.handler = b.otherHandler()
			b.post(b.handler, b.handlerNote(), kesu.VisibilityInternal, 2*hour, 2*day, officeHours)
			b.remedy(kesu.StatusClosed)
			b.close()
		} else { // dismissed, naming the external recourse
			recourse := pick(g, kesu.Recourses)
			b.transition(senior, kesu.Command{Action: kesu.ActionClose, Reason: string(recourse),
				Note: pick(g, dismissNotes) + recourseNotes[recourse], Upheld: "no"}, 2*day, 6*day, officeHours)
		}
	}
	// 复盘: the analyst reviews some closed complaints.
	review := 0.08
	if p.level != kesu.LevelGeneral || p.spike != "" {
		review = 0.35
	}
	if g.chance(review) {
		b.transition(pick(g, g.st.analysts), kesu.Command{Action: kesu.ActionReview, Note: pick(g, reviewNotes)}, day, 10*day, officeHours)
	}
	return b.err
}

// remedy plans from in_progress to resolved (or to stop on the way): a
// direct answer, or a proposal the customer accepts or objects to.
func (b *builder) remedy(stop kesu.Status) {
	g, p := b.g, b.p
	direct := p.kind != kesu.KindComplaint ||
		(p.remedy == kesu.RemedyApology || p.remedy == kesu.RemedyExplanation) && g.chance(0.7)
	if stop == kesu.StatusSolutionProposed || stop == kesu.StatusExecuting {
		direct = false
	}
	if direct {
		note := p.lang(pick(g, answeredNotes))
		if p.kind != kesu.KindComplaint {
			note = p.lang(feedbackAnswered)
		}
		b.transition(b.handler, kesu.Command{Action: kesu.ActionComplete, Note: note}, 4*hour, 3*day, officeHours)
		return
	}
	b.proposed = true
	b.propose(1)
	if g.chance(0.12) { // 异议: the customer wants something else, or more
		who, sched := b.onBehalf()
		objection, ok := objections[p.remedy]
		if !ok {
			objection = objectTooLittle
		}
		b.transition(who, kesu.Command{Action: kesu.ActionCustomerObject, Note: fill(p.lang(objection), p.vars)}, 2*hour, 2*day, sched)
		b.propose(1.5)
	}
	if stop == kesu.StatusSolutionProposed {
		return
	}
	who, sched := b.onBehalf()
	b.transition(who, kesu.Command{Action: kesu.ActionCustomerAccept, Note: p.lang(pick(g, customerAccepts))}, hour, 2*day, sched)
	if stop == kesu.StatusExecuting {
		return
	}
	slow := 3 * day
	if p.remedy == kesu.RemedyRefund || p.remedy == kesu.RemedyExchange || p.remedy == kesu.RemedyRepair {
		slow = 7 * day
	}
	b.transition(b.handler, kesu.Command{Action: kesu.ActionComplete, Note: p.lang(pick(g, executedNotes))}, 12*hour, slow, officeHours)
}

// handlerNote is an internal note of handling, often specific to the
// department's kind of work.
func (b *builder) handlerNote() string {
	if notes := departmentNotes[b.dept]; len(notes) > 0 && b.g.chance(0.6) {
		return pick(b.g, notes)
	}
	return pick(b.g, handlerNotes)
}

// propose offers the remedy; factor raises the amount after an objection.
func (b *builder) propose(factor float64) {
	g, p := b.g, b.p
	remedy := p.remedy
	if factor > 1 && remedy != kesu.RemedyRefund {
		remedy = kesu.RemedyCompensation
	}
	var amount int
	switch remedy {
	case kesu.RemedyRefund:
		amount = p.price
		if amount == 0 {
			amount, _ = strconv.Atoi(p.vars["amount"])
		}
	case kesu.RemedyCompensation:
		amount = int(float64(p.claim) * (0.3 + 0.4*g.rng.Float64()) * factor)
		amount -= amount % 10
	}
	vars := map[string]string{"amount": strconv.Itoa(amount)}
	desc := fill(p.lang(proposals[remedy]), vars)
	b.transition(b.handler, kesu.Command{Action: kesu.ActionPropose, Note: desc,
		Proposal: &kesu.Proposal{Remedy: remedy, Amount: kesu.Money(amount * 100), Description: desc}}, 4*hour, 4*day, officeHours)
}

// close plans the follow-up call (回访) with a rating, or the automatic
// close when the customer cannot be reached; it returns the rating.
func (b *builder) close() int {
	g, p := b.g, b.p
	if g.chance(0.25) || p.cust.Name == "" {
		b.transition(kesu.SystemActor, kesu.Command{Action: kesu.ActionClose, Note: pick(g, systemCloses)}, 7*day, 8*day, anytime)
		return 0
	}
	sat := 1 + g.weighted([]float64{7, 8, 15, 30, 40})
	upheld := []string{"full", "partial", "no"}[g.weighted([]float64{55, 30, 15})]
	if p.kind != kesu.KindComplaint {
		upheld = ""
	}
	note := followUps[0]
	switch {
	case sat <= 2:
		note = followUps[2]
	case sat == 3:
		note = followUps[1]
	}
	b.transition(b.agent, kesu.Command{Action: kesu.ActionClose, Note: note, Satisfaction: sat,
		SatisfactionComment: pick(g, satisfactionComments[sat]), Upheld: upheld}, 20*hour, 3*day, agentHours)
	return sat
}

func (b *builder) appeal() {
	who, sched := b.onBehalf()
	note := appeals[0] // in the customer's words
	if who.Role != kesu.RoleCustomer {
		note = appeals[1]
	}
	b.transition(who, kesu.Command{Action: kesu.ActionAppeal, Note: b.p.lang(note)}, day, 15*day, sched)
}

// senior decides appeals: the department head or a supervisor.
func (b *builder) senior() kesu.Actor {
	if b.g.chance(0.5) {
		return b.g.st.heads[b.dept]
	}
	return pick(b.g, b.g.st.supervisors)
}

func (b *builder) otherHandler() kesu.Actor {
	for _, h := range b.g.st.handlers[b.dept] {
		if h.UserID != b.handler.UserID {
			return h
		}
	}
	return b.g.st.heads[b.dept]
}

// finish plans the terminal action that ends a rejected, withdrawn or
// merged complaint.
func (b *builder) finish(final kesu.Action) {
	g := b.g
	switch final {
	case kesu.ActionReject:
		reason := kesu.RejectReasons[g.weighted([]float64{35, 15, 8, 20, 12, 10})]
		if reason == kesu.RejectOutOfScope || reason == kesu.RejectOther {
			b.patch(b.agent, kesu.ComplaintPatch{Validity: ptr(kesu.ValidityInvalid)}, 10*minute, 20*hour, agentHours)
		}
		b.transition(b.agent, kesu.Command{Action: kesu.ActionReject, Reason: string(reason), Note: pick(g, rejectNotes[reason])}, 10*minute, 20*hour, agentHours)
	case kesu.ActionWithdraw:
		who, sched := b.onBehalf()
		note := pick(g, withdrawNotes)
		if who.Role == kesu.RoleCustomer {
			note = b.p.lang(text{"问题已经和商家协商解决了，撤回投诉。", "The matter is settled; I withdraw my complaint."})
		}
		b.transition(who, kesu.Command{Action: kesu.ActionWithdraw, Note: note}, 2*hour, 5*day, sched)
	case kesu.ActionMerge:
		who, sched := b.agent, agentHours
		if b.status == kesu.StatusInProgress || b.status == kesu.StatusAwaitingCustomer {
			who, sched = b.handler, officeHours
		}
		// DuplicateOf is set when the target's number is known.
		b.transition(who, kesu.Command{Action: kesu.ActionMerge, Note: pick(g, mergeNotes)}, 10*minute, day, sched)
	}
}

// classification is the agent's assessment at acceptance.
func (g *gen) classification(p *plan) kesu.ComplaintPatch {
	var patch kesu.ComplaintPatch
	nature, timing := kesu.NatureService, kesu.TimingDelayed
	if p.scen != nil {
		nature = p.scen.nature
		if p.scen.immediate {
			timing = kesu.TimingImmediate
		}
	} else {
		nature = kesu.NatureOther
	}
	patch.Nature, patch.Timing = &nature, &timing
	if p.kind == kesu.KindComplaint {
		patch.Validity = ptr(kesu.ValidityValid)
		if g.chance(0.06) {
			patch.Validity = ptr(kesu.ValidityPending)
		}
	}
	if p.in.Category == "" {
		cat := "suggestions"
		if p.scen != nil {
			cat = p.scen.category
		}
		patch.Category = &cat
	}
	if p.level == kesu.LevelGeneral && p.kind == kesu.KindComplaint && containsRisk(p.in.Description) && g.chance(0.3) {
		p.level = kesu.LevelMajor // the agent raises it on risk words
		patch.Level, patch.Priority = ptr(kesu.LevelMajor), ptr(kesu.PriorityHigh)
	}
	return patch
}

// causePatch records the root cause found during handling.
func (g *gen) causePatch(p *plan) kesu.ComplaintPatch {
	i := g.rng.IntN(len(p.scen.causes))
	cause := p.scen.causes[i]
	note := p.scen.causeNotes[min(i, len(p.scen.causeNotes)-1)].zh
	if p.spike == "battery" {
		cause, note = "product.quality", "同一批次（2025年10月生产）LB-60Ah蓄电池集中反馈，疑似极板工艺缺陷，已启动批次召回评估。"
	}
	return kesu.ComplaintPatch{Cause: &cause, CauseNote: &note}
}

func containsRisk(s string) bool {
	for _, w := range riskWords {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

func departmentName(code string) string {
	for _, d := range departments {
		if d.Code == code {
			return d.Name
		}
	}
	return code
}

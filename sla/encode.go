package sla

import (
	"encoding/json"
	"time"

	"github.com/kesu/kesu"
)

// The stored form of a Clock is compact (short keys, instants as Unix
// microseconds): one is written with every complaint, so its size is intake
// cost (WAL bytes) on every create.

type storedMilestone struct {
	Name      MilestoneName `json:"n"`
	State     State         `json:"s"`
	Target    int64         `json:"t"` // seconds
	Business  bool          `json:"b,omitempty"`
	Start     int64         `json:"st,omitempty"`
	Due       int64         `json:"d,omitempty"`
	WarnAt    int64         `json:"w,omitempty"`
	Left      int64         `json:"l,omitempty"` // microseconds
	Warned    bool          `json:"wd,omitempty"`
	Breached  bool          `json:"bd,omitempty"`
	MetAt     int64         `json:"m,omitempty"`
	NextEsc   int64         `json:"ne,omitempty"`
	NextRem   int64         `json:"nr,omitempty"`
	Reminders int           `json:"r,omitempty"`
	Extended  int64         `json:"x,omitempty"` // microseconds
}

type storedClock struct {
	PolicyID       int64             `json:"p,omitempty"`
	Policy         string            `json:"pn,omitempty"`
	Calendar       string            `json:"c"`
	WarnShare      float64           `json:"ws"`
	PauseStates    []kesu.Status     `json:"ps,omitempty"`
	EscalateEvery  int64             `json:"ee"` // seconds
	RemindEvery    int64             `json:"re"`
	ExtensionLimit int64             `json:"el"`
	PausedAt       int64             `json:"pa,omitempty"`
	Milestones     []storedMilestone `json:"ms"`
}

func us(t *time.Time) int64 {
	if t == nil {
		return 0
	}
	return t.UnixMicro()
}

func fromUs(v int64) *time.Time {
	if v == 0 {
		return nil
	}
	t := time.UnixMicro(v).UTC()
	return &t
}

// Encode is the clock's stored form.
func (k *Clock) Encode() ([]byte, error) {
	s := storedClock{PolicyID: k.PolicyID, Policy: k.Policy, Calendar: k.Calendar, WarnShare: k.WarnShare,
		PauseStates: k.PauseStates, EscalateEvery: int64(k.EscalateEvery / time.Second),
		RemindEvery: int64(k.RemindEvery / time.Second), ExtensionLimit: int64(k.ExtensionLimit / time.Second),
		PausedAt: us(k.PausedAt), Milestones: make([]storedMilestone, len(k.Milestones))}
	for i, m := range k.Milestones {
		s.Milestones[i] = storedMilestone{Name: m.Name, State: m.State, Target: int64(m.Target / time.Second),
			Business: m.Business, Start: us(m.Start), Due: us(m.Due), WarnAt: us(m.WarnAt), Left: m.Left.Microseconds(),
			Warned: m.Warned, Breached: m.Breached, MetAt: us(m.MetAt), NextEsc: us(m.NextEscalation),
			NextRem: us(m.NextReminder), Reminders: m.Reminders, Extended: m.Extended.Microseconds()}
	}
	return json.Marshal(&s)
}

// DecodeClock reads a stored clock.
func DecodeClock(b []byte) (Clock, error) {
	var s storedClock
	if err := json.Unmarshal(b, &s); err != nil {
		return Clock{}, err
	}
	k := Clock{PolicyID: s.PolicyID, Policy: s.Policy, Calendar: s.Calendar, WarnShare: s.WarnShare,
		PauseStates: s.PauseStates, EscalateEvery: time.Duration(s.EscalateEvery) * time.Second,
		RemindEvery: time.Duration(s.RemindEvery) * time.Second, ExtensionLimit: time.Duration(s.ExtensionLimit) * time.Second,
		PausedAt: fromUs(s.PausedAt), Milestones: make([]Milestone, len(s.Milestones))}
	for i, m := range s.Milestones {
		k.Milestones[i] = Milestone{Name: m.Name, State: m.State, Target: time.Duration(m.Target) * time.Second,
			Business: m.Business, Start: fromUs(m.Start), Due: fromUs(m.Due), WarnAt: fromUs(m.WarnAt),
			Left: time.Duration(m.Left) * time.Microsecond, Warned: m.Warned, Breached: m.Breached, MetAt: fromUs(m.MetAt),
			NextEscalation: fromUs(m.NextEsc), NextReminder: fromUs(m.NextRem), Reminders: m.Reminders,
			Extended: time.Duration(m.Extended) * time.Microsecond}
	}
	return k, nil
}

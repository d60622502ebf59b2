package sla

import (
	"testing"
	"time"

	"github.com/kesu/kesu"
)

// BenchmarkPlan is the per-complaint cost the create effect adds to intake.
func BenchmarkPlan(b *testing.B) {
	cal, _ := Compile(DefaultSpec("default"))
	pols := DefaultPolicies()
	for i := range pols {
		pols[i].ID = int64(i + 1)
	}
	c := &kesu.Complaint{Level: kesu.LevelGeneral, Status: kesu.StatusRegistered,
		RegisteredAt: time.Date(2026, 9, 30, 17, 0, 0, 0, time.UTC)}
	b.ReportAllocs()
	for b.Loop() {
		k := NewClock(c, Match(pols, SubjectOf(c)), cal, c.RegisteredAt)
		if _, err := k.Encode(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPlanOnly(b *testing.B) {
	cal, _ := Compile(DefaultSpec("default"))
	pols := DefaultPolicies()
	c := &kesu.Complaint{Level: kesu.LevelGeneral, Status: kesu.StatusRegistered,
		RegisteredAt: time.Date(2026, 9, 30, 17, 0, 0, 0, time.UTC)}
	for b.Loop() {
		NewClock(c, Match(pols, SubjectOf(c)), cal, c.RegisteredAt)
	}
}

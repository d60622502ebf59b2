package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/kesu/kesu"
	"github.com/kesu/kesu/auth"
	"github.com/kesu/kesu/demo"
)

// runDemo loads the demo data set: departments, categories, staff of every
// role and a few thousand complaints in every status, with their history.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	var opt demo.Options
	fs := newFlags("demo", stderr)
	cfg.dbFlags(fs)
	fs.IntVar(&opt.Count, "count", 3000, fmt.Sprintf("number of complaints, 1 to %d", demo.MaxCount))
	fs.IntVar(&opt.Months, "months", 6, fmt.Sprintf("spread the complaints over the last N months, 1 to %d", demo.MaxMonths))
	fs.Uint64Var(&opt.Seed, "seed", 1, "random seed: the same seed gives the same data; loading a seed twice adds nothing")
	if err := parse(fs, args); err != nil {
		return err
	}
	if opt.Count < 1 || opt.Count > demo.MaxCount {
		return usageError{fmt.Sprintf("--count must be 1 to %d", demo.MaxCount)}
	}
	if opt.Months < 1 || opt.Months > demo.MaxMonths {
		return usageError{fmt.Sprintf("--months must be 1 to %d", demo.MaxMonths)}
	}
	app, err := OpenApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer app.Close()
	opt.Now = app.Clock.Now()
	fmt.Fprintf(stdout, "Loading %d demo complaints over %d months (seed %d) into %s %s ...\n",
		opt.Count, opt.Months, opt.Seed, app.DB.Dialect(), redact(cfg.DB))
	step := max(opt.Count/10, 100)
	opt.Progress = func(done, total int) {
		if done%step == 0 && done < total {
			fmt.Fprintf(stdout, "  %d/%d\n", done, total)
		}
	}
	started := time.Now()
	sum, err := demo.Load(ctx, app.DB, opt)
	if err != nil {
		return err
	}
	elapsed := time.Since(started)

	fmt.Fprintf(stdout, "\nDone in %s: %d complaints created", elapsed.Round(100*time.Millisecond), sum.Created)
	if sum.Existing > 0 {
		fmt.Fprintf(stdout, ", %d already there from an earlier run with seed %d", sum.Existing, opt.Seed)
	}
	fmt.Fprintf(stdout, ", %d history operations.\n\nComplaints by status:\n", sum.Operations)
	for _, s := range kesu.Statuses {
		fmt.Fprintf(stdout, "  %-18s %6d\n", s, sum.ByStatus[s])
	}
	names := make([]string, len(sum.Departments))
	for i, d := range sum.Departments {
		names[i] = d.Name + " " + d.Code
	}
	fmt.Fprintf(stdout, "\nDepartments (%d): %s\nCategories: %d\n", len(names), strings.Join(names, ", "), sum.Categories)

	fmt.Fprintf(stdout, "\nStaff accounts (%d), all with the demo password %q (demo only):\n", len(sum.Users), sum.Password)
	users := append([]kesu.User(nil), sum.Users...)
	rank := map[kesu.Role]int{}
	for i, r := range kesu.StaffRoles {
		rank[r] = i
	}
	sort.SliceStable(users, func(i, j int) bool { return rank[users[i].Role] < rank[users[j].Role] })
	deptCode := map[int64]string{}
	for _, d := range sum.Departments {
		deptCode[d.ID] = d.Code
	}
	for _, u := range users {
		dept := deptCode[u.DepartmentID]
		if dept != "" {
			dept = "  (" + dept + ")"
		}
		fmt.Fprintf(stdout, "  %-11s %-34s %s%s\n", u.Role, u.Email, u.Name, dept)
	}

	// There is no login page yet: give the demo administrator a token so
	// that the API can be tried at once.
	for _, u := range sum.Users {
		if u.Role != kesu.RoleAdmin {
			continue
		}
		token, hash := auth.NewToken()
		if _, err := app.DB.CreateToken(ctx, u.ID, "kesu demo", hash, app.Clock.Now()); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nAPI token of %s (shown once): %s\n", u.Email, token)
		fmt.Fprintf(stdout, "Start the server with: kesu serve --db %s\n", redact(cfg.DB))
		break
	}
	return nil
}

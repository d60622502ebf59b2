package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // for --fresh-schema

	"github.com/kesu/kesu/benchload"
	"github.com/kesu/kesu/store"
)

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprintln(stderr, "Usage: kesu bench intake [flags]   (kesu bench intake -h for the flags)")
		return flag.ErrHelp
	}
	if len(args) > 0 && args[0] == "search" {
		return runBenchSearch(ctx, args[1:], stdout, stderr) // bench_search.go
	}
	if len(args) > 0 && args[0] == "sla" { // SLA timers (issue 3): bench_sla.go
		return runBenchSLA(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "intake" {
		return usageError{"which benchmark? kesu bench intake [--db D] [--clients 32] [--duration 10s] [--warmup 2s], or kesu bench search [--db D] [--count 1000000]"}
	}
	return runBenchIntake(ctx, args[1:], stdout, stderr)
}

// intakeBench is the configuration of `kesu bench intake`.
type intakeBench struct {
	DB          string
	FreshSchema bool
	Token       string
	Clients     int
	Duration    time.Duration
	Warmup      time.Duration
	CPUProfile  string
}

func runBenchIntake(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var b intakeBench
	fs := newFlags("bench intake", stderr)
	// Deliberately not KESU_DB: a benchmark writes tens of thousands of
	// complaints and must never land in a real database by accident.
	fs.StringVar(&b.DB, "db", "", "SQLite file or postgres:// URL to load (default: a fresh SQLite file in a temp dir); give a fresh database")
	fs.BoolVar(&b.FreshSchema, "fresh-schema", false, "PostgreSQL: create a new schema in --db for the run and drop it afterwards")
	fs.StringVar(&b.Token, "token", "", "API token of an admin, for a database that is not fresh (a fresh one prints its token on first start)")
	fs.IntVar(&b.Clients, "clients", 32, "concurrent clients, each with a keep-alive connection")
	fs.DurationVar(&b.Duration, "duration", 10*time.Second, "measured duration")
	fs.DurationVar(&b.Warmup, "warmup", 2*time.Second, "load before measuring (stored, not measured)")
	fs.StringVar(&b.CPUProfile, "cpuprofile", "", "have the server write a Go CPU profile of its whole run to this file")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case b.Clients < 1 || b.Clients > 10000:
		return usageError{"--clients must be from 1 to 10000"}
	case b.Duration <= 0:
		return usageError{"--duration must be positive"}
	case b.Warmup < 0:
		return usageError{"--warmup must not be negative"}
	case b.FreshSchema && !store.IsPostgresURL(b.DB):
		return usageError{"--fresh-schema needs a postgres:// --db"}
	}
	return b.run(ctx, stdout, stderr)
}

func (b intakeBench) run(ctx context.Context, stdout, stderr io.Writer) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("cannot find the kesu binary to start the server: %w", err)
	}
	dir, err := os.MkdirTemp("", "kesu-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	dsn, shown := b.DB, redact(b.DB)
	switch {
	case dsn == "":
		dsn = filepath.Join(dir, "bench.db")
		shown = "fresh SQLite file in a temp dir"
	case !store.IsPostgresURL(dsn):
		// The server runs in the temp dir: a relative path must not move there.
		if dsn, err = filepath.Abs(dsn); err != nil {
			return err
		}
	}
	if b.FreshSchema {
		var drop func()
		dsn, drop, err = freshSchema(ctx, dsn)
		if err != nil {
			return err
		}
		defer drop()
		shown = redact(b.DB) + " (fresh schema)"
	}
	serveArgs := []string{"--db", dsn, "--files", filepath.Join(dir, "files"), "--log-level", "warn"}
	if b.CPUProfile != "" {
		abs, err := filepath.Abs(b.CPUProfile) // the server runs in the temp dir
		if err != nil {
			return err
		}
		serveArgs = append(serveArgs, "--cpuprofile", abs)
	}
	srv, err := startServer(exe, serveArgs, dir, b.Token == "")
	if err != nil {
		return err
	}
	defer srv.Stop()
	token := b.Token
	if token == "" {
		token = srv.Token
	}
	fmt.Fprintf(stderr, "server pid %d at %s (%s); %s warm-up, then %s with %d clients...\n",
		srv.PID(), srv.URL, srv.Dialect, b.Warmup, b.Duration, b.Clients)

	target := benchload.Target{BaseURL: srv.URL, Token: token, Client: benchload.NewClient(b.Clients)}
	runID := randomHex(4)
	gen := &benchload.Generator{Seed: 1, Now: time.Now(), RunID: runID}
	if gen.Categories, err = target.EnsureCategories(ctx); err != nil {
		fmt.Fprintf(stderr, "no categories (%v); complaints will carry none\n", err)
	}
	before, err := target.List(ctx)
	if err != nil {
		return err
	}
	idle, _ := readMemory(srv.PID())

	sampler := startMemorySampler(srv.PID(), 100*time.Millisecond)
	serverCPU0, cpuErr := processCPU(srv.PID())
	selfCPU0 := selfCPU()
	res, err := benchload.Run(ctx, target, benchload.Options{
		Clients: b.Clients, Warmup: b.Warmup, Duration: b.Duration,
		Body: gen.Body, KeyPrefix: "bench-" + runID + "-",
	})
	peakRSS := sampler.stop()
	if err != nil {
		return err
	}
	serverCPU1, cpuErr1 := processCPU(srv.PID())
	cpu := cpuUse{Server: serverCPU1 - serverCPU0, Client: selfCPU() - selfCPU0, Known: cpuErr == nil && cpuErr1 == nil}
	mem, memErr := readMemory(srv.PID())

	after, err := target.List(ctx)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	stored := len(after) - len(before)

	r := intakeReport{Backend: srv.Dialect, DB: shown, Clients: b.Clients, Duration: b.Duration, Warmup: b.Warmup,
		Result: res, CPU: cpu, IdleRSS: idle.RSS, SampledRSS: peakRSS, HWM: mem.HWM, MemoryKnown: memErr == nil, Stored: stored}
	r.write(stdout)
	if stored != res.TotalOK() || res.Replayed != 0 {
		return fmt.Errorf("verification failed: %d complaints stored, %d acknowledged with 2xx (%d replayed)",
			stored, res.TotalOK(), res.Replayed)
	}
	return srv.Stop()
}

// intakeReport renders a run for a terminal and for BENCHMARKS.md.
type intakeReport struct {
	Backend, DB              string
	Clients                  int
	Duration, Warmup         time.Duration
	Result                   *benchload.Result
	CPU                      cpuUse
	IdleRSS, SampledRSS, HWM int64
	MemoryKnown              bool
	Stored                   int
}

func (r intakeReport) write(w io.Writer) {
	res := r.Result
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
	mem := "n/a"
	if r.MemoryKnown {
		// The kernel updates VmHWM lazily; a sample may read a little higher.
		mem = mib(max(r.HWM, r.SampledRSS))
	}
	fmt.Fprintf(w, "\nkesu bench intake --clients %d --duration %s --warmup %s  (%s)\n", r.Clients, r.Duration, r.Warmup, r.DB)
	fmt.Fprintf(w, "%s/%s, %d CPUs, Go %s; server is a separate `kesu serve` process on loopback\n\n",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), strings.TrimPrefix(runtime.Version(), "go"))
	fmt.Fprintln(w, "| backend | clients | duration | complaints/s | p50 | p95 | p99 | max | errors | server peak RSS |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	fmt.Fprintf(w, "| %s | %d | %s | %.0f | %s | %s | %s | %s | %d | %s |\n\n", r.Backend, r.Clients, r.Duration,
		res.Rate(), ms(res.Percentile(50)), ms(res.Percentile(95)), ms(res.Percentile(99)), ms(res.Percentile(100)),
		res.ErrorCount(), mem)
	fmt.Fprintf(w, "measured:  %d requests, %d 2xx in %.2f s (latency over all measured requests)\n",
		res.Sent, res.OK, res.Elapsed.Seconds())
	fmt.Fprintf(w, "warm-up:   %d requests, %d 2xx\n", res.WarmupSent, res.WarmupOK)
	fmt.Fprintf(w, "errors:    %s\n", errorSummary(res.Errors))
	for _, s := range res.ErrorSamples {
		fmt.Fprintf(w, "           e.g. %s\n", s)
	}
	if r.MemoryKnown {
		fmt.Fprintf(w, "memory:    server RSS idle %s, sampled peak %s (every 100 ms), VmHWM %s\n",
			mib(r.IdleRSS), mib(r.SampledRSS), mib(r.HWM))
	} else {
		fmt.Fprintln(w, "memory:    not measured (needs /proc)")
	}
	if r.CPU.Known && res.TotalOK() > 0 {
		// Warm-up and measured phases together: the counters cover both.
		wall := (r.Warmup + res.Elapsed).Seconds()
		fmt.Fprintf(w, "cpu:       server %.1f s (%.2f cores, %.0f µs a complaint), load generator %.1f s (%.2f cores)\n",
			r.CPU.Server.Seconds(), r.CPU.Server.Seconds()/wall, float64(r.CPU.Server.Microseconds())/float64(res.TotalOK()),
			r.CPU.Client.Seconds(), r.CPU.Client.Seconds()/wall)
	}
	verdict := "OK"
	if r.Stored != res.TotalOK() || res.Replayed != 0 {
		verdict = "MISMATCH"
	}
	fmt.Fprintf(w, "verify:    %d new complaints listed through the API, %d acknowledged with 2xx, %d replayed: %s\n",
		r.Stored, res.TotalOK(), res.Replayed, verdict)
}

func errorSummary(errs map[string]int) string {
	if len(errs) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(errs))
	for k := range errs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s x%d", k, errs[k])
	}
	return strings.Join(parts, ", ")
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// freshSchema creates an empty schema in the PostgreSQL database at dsn and
// returns a URL whose search_path points at it, and a function dropping it.
func freshSchema(ctx context.Context, dsn string) (string, func(), error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", nil, usageError{fmt.Sprintf("--db: %v", err)}
	}
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		return "", nil, err
	}
	defer admin.Close()
	schema := "kesu_bench_" + randomHex(6)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, fmt.Errorf("create schema in %s: %w", redact(dsn), err)
	}
	drop := func() {
		a, err := sql.Open("pgx", dsn)
		if err != nil {
			return
		}
		defer a.Close()
		a.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

// serverProcess is `kesu serve` running as a child process, so that its
// memory is its own and a test can kill it.
type serverProcess struct {
	cmd     *exec.Cmd
	URL     string // http://127.0.0.1:PORT
	Addr    string // 127.0.0.1:PORT
	Dialect string // as the server announced it
	Token   string // the API token printed on first start, if it was
	stderr  *tailBuffer
	done    chan struct{} // closed when the process has exited
	waitErr error
}

// startServer runs `exe serve --addr 127.0.0.1:0 serveArgs...` in dir and
// waits until it listens. With wantToken it also waits for the first-start
// API token, and fails if the database was not fresh.
func startServer(exe string, serveArgs []string, dir string, wantToken bool) (*serverProcess, error) {
	cmd := exec.Command(exe, append([]string{"serve", "--addr", "127.0.0.1:0"}, serveArgs...)...)
	cmd.Dir = dir
	p := &serverProcess{cmd: cmd, stderr: &tailBuffer{max: 64 << 10}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s serve: %w", exe, err)
	}
	lines := make(chan string, 256)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default: // nobody listens after start-up
			}
		}
		io.Copy(io.Discard, out)
		p.waitErr = cmd.Wait() // after the last read, as os/exec requires
		close(lines)
		close(p.done)
	}()
	fail := func(format string, args ...any) (*serverProcess, error) {
		p.Kill()
		msg := fmt.Sprintf(format, args...)
		if tail := strings.TrimSpace(p.Stderr()); tail != "" {
			msg += "\nserver stderr:\n" + tail
		}
		return nil, errors.New(msg)
	}
	timeout := time.NewTimer(2 * time.Minute) // migrations on a remote PostgreSQL may take a while
	defer timeout.Stop()
	next := func() (string, bool) {
		select {
		case l, ok := <-lines:
			return l, ok
		case <-timeout.C:
			return "", false
		}
	}
	for p.URL == "" {
		l, ok := next()
		if !ok {
			return fail("kesu serve did not start")
		}
		// "kesu is serving at http://localhost:PORT (database: DIALECT DSN)"
		rest, found := strings.CutPrefix(l, "kesu is serving at ")
		if !found {
			continue
		}
		addr, info, _ := strings.Cut(rest, " ")
		u, err := url.Parse(addr)
		if err != nil || u.Port() == "" {
			return fail("cannot read the server address from %q", l)
		}
		p.Addr = net.JoinHostPort("127.0.0.1", u.Port())
		p.URL = "http://" + p.Addr
		p.Dialect, _, _ = strings.Cut(strings.TrimPrefix(info, "(database: "), " ")
	}
	// On first start the login lines follow the address at once, written
	// one after another; a few seconds of silence means they are not coming.
	timeout.Reset(5 * time.Second)
	for wantToken && p.Token == "" {
		l, ok := next()
		if !ok {
			return fail("kesu serve printed no API token: the database is not fresh; give a fresh one or an admin's --token")
		}
		if tok, found := strings.CutPrefix(strings.TrimSpace(l), "API token:"); found {
			p.Token = strings.TrimSpace(tok)
		}
	}
	return p, nil
}

// PID is the server's process id.
func (p *serverProcess) PID() int { return p.cmd.Process.Pid }

// Stderr is the end of what the server wrote to stderr.
func (p *serverProcess) Stderr() string { return p.stderr.String() }

// Signal sends sig to the server.
func (p *serverProcess) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Wait waits up to timeout for the server to exit and returns its exit
// error (nil for status 0).
func (p *serverProcess) Wait(timeout time.Duration) error {
	select {
	case <-p.done:
		return p.waitErr
	case <-time.After(timeout):
		return fmt.Errorf("kesu serve (pid %d) did not exit within %s", p.PID(), timeout)
	}
}

// Kill ends the server with SIGKILL, as a crash would, and reaps it.
func (p *serverProcess) Kill() {
	p.cmd.Process.Kill()
	<-p.done
}

// Stop asks the server to shut down gracefully (SIGTERM), killing it if it
// takes longer than a minute. Stopping a stopped server does nothing.
func (p *serverProcess) Stop() error {
	select {
	case <-p.done:
		return nil
	default:
	}
	p.Signal(syscall.SIGTERM)
	if err := p.Wait(time.Minute); err != nil {
		p.Kill()
		return fmt.Errorf("kesu serve: %w", err)
	}
	return nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(b), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// cpuUse is CPU time (user + system) spent during a run.
type cpuUse struct {
	Server, Client time.Duration
	Known          bool
}

// processCPU reads a process's user + system CPU time from /proc/PID/stat.
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; fields after it are plain.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: bad utime/stime", pid)
	}
	const clockTick = 10 * time.Millisecond // USER_HZ is 100 on Linux
	return time.Duration(utime+stime) * clockTick, nil
}

// selfCPU is this process's user + system CPU time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// memory is a process's resident set size now and at its peak, in bytes.
type memory struct{ RSS, HWM int64 }

// readMemory reads VmRSS and VmHWM from /proc/PID/status (Linux only).
func readMemory(pid int) (memory, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}, err
	}
	var m memory
	for _, line := range strings.Split(string(b), "\n") {
		name, val, ok := strings.Cut(line, ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			return memory{}, fmt.Errorf("/proc/%d/status: %s: %q", pid, name, val)
		}
		if name == "VmRSS" {
			m.RSS = kb << 10
		} else {
			m.HWM = kb << 10
		}
	}
	return m, nil
}

// memorySampler records the largest VmRSS seen while it runs.
type memorySampler struct {
	quit chan struct{}
	peak chan int64
}

func startMemorySampler(pid int, every time.Duration) *memorySampler {
	s := &memorySampler{quit: make(chan struct{}), peak: make(chan int64, 1)}
	go func() {
		var peak int64
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			if m, err := readMemory(pid); err == nil && m.RSS > peak {
				peak = m.RSS
			}
			select {
			case <-tick.C:
			case <-s.quit:
				s.peak <- peak
				return
			}
		}
	}()
	return s
}

// stop ends sampling and returns the peak.
func (s *memorySampler) stop() int64 {
	close(s.quit)
	return <-s.peak
}

// Package benchload drives realistic complaint intake against a kesu server
// over HTTP. `kesu bench intake` points it at a `kesu serve` child process,
// BenchmarkIntake at an in-process server, and the crash test uses its client.
package benchload

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Target is a kesu server and the credentials to use it.
type Target struct {
	BaseURL string // e.g. http://127.0.0.1:8080, no trailing slash
	Token   string // API bearer token
	Client  *http.Client
}

// NewClient returns an HTTP client that keeps one connection alive per
// concurrent client, so a run measures requests, not TCP handshakes.
func NewClient(conns int) *http.Client {
	tr := &http.Transport{
		Proxy:               nil, // loopback: ignore HTTP_PROXY from the environment
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        2 * conns,
		MaxIdleConnsPerHost: 2 * conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &http.Client{Transport: tr, Timeout: time.Minute}
}

// Response is a whole HTTP response.
type Response struct {
	Status   int
	Replayed bool // Idempotent-Replayed: true
	Body     []byte
}

// OK reports a 2xx status.
func (r Response) OK() bool { return r.Status >= 200 && r.Status < 300 }

// Do sends one request with the bearer token and reads the whole response.
func (t Target) Do(ctx context.Context, method, path string, body []byte, header http.Header) (Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, t.BaseURL+path, rd)
	if err != nil {
		return Response{}, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", "Bearer "+t.Token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := t.Client.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return Response{}, err
	}
	return Response{Status: resp.StatusCode, Replayed: resp.Header.Get("Idempotent-Replayed") == "true", Body: b}, nil
}

// Create posts one complaint with an Idempotency-Key.
func (t Target) Create(ctx context.Context, body []byte, key string) (Response, error) {
	return t.Do(ctx, http.MethodPost, "/api/v1/complaints", body, http.Header{"Idempotency-Key": {key}})
}

// categoryTree is a small, realistic classification for the load to use.
var categoryTree = []struct{ code, name, parent string }{
	{"logistics", "物流配送", ""}, {"logistics.delay", "配送延误", "logistics"}, {"logistics.lost", "丢件破损", "logistics"},
	{"quality", "产品质量", ""}, {"quality.fault", "功能故障", "quality"}, {"quality.look", "外观瑕疵", "quality"},
	{"service", "服务态度", ""}, {"billing", "价格与支付", ""}, {"billing.refund", "退款", "billing"}, {"food", "餐饮食品", ""},
}

// EnsureCategories creates the load's categories (admin token; existing ones
// are kept) and returns their codes.
func (t Target) EnsureCategories(ctx context.Context) ([]string, error) {
	var codes []string
	for _, c := range categoryTree {
		body, _ := json.Marshal(map[string]string{"code": c.code, "name": c.name, "parent": c.parent})
		resp, err := t.Do(ctx, http.MethodPost, "/api/v1/categories", body, nil)
		if err != nil {
			return nil, err
		}
		if !resp.OK() && resp.Status != http.StatusConflict {
			return nil, fmt.Errorf("create category %s: HTTP %d: %s", c.code, resp.Status, bytes.TrimSpace(resp.Body))
		}
		codes = append(codes, c.code)
	}
	return codes, nil
}

// Listed is what a count of stored complaints needs of each.
type Listed struct {
	Number     string `json:"number"`
	ExternalID string `json:"external_id"`
	OrderNo    string `json:"order_no"`
}

// List pages through GET /api/v1/complaints (200 a page) and returns every
// complaint the token may see.
func (t Target) List(ctx context.Context) ([]Listed, error) {
	var all []Listed
	cursor := ""
	for {
		path := "/api/v1/complaints?limit=200"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		resp, err := t.Do(ctx, http.MethodGet, path, nil, nil)
		if err != nil {
			return nil, err
		}
		if resp.Status != http.StatusOK {
			return nil, fmt.Errorf("list complaints: HTTP %d: %s", resp.Status, bytes.TrimSpace(resp.Body))
		}
		var page struct {
			Items      []Listed `json:"items"`
			NextCursor string   `json:"next_cursor"`
		}
		if err := json.Unmarshal(resp.Body, &page); err != nil {
			return nil, fmt.Errorf("list complaints: %w", err)
		}
		all = append(all, page.Items...)
		if page.NextCursor == "" {
			return all, nil
		}
		cursor = page.NextCursor
	}
}

// Options shape a run.
type Options struct {
	Clients int // concurrent clients, each with its own keep-alive connection
	// Warmup runs before the measured Duration; its requests are sent and
	// stored but not measured.
	Warmup, Duration time.Duration
	// Requests, when > 0, sends exactly that many measured requests instead
	// (no warm-up, Duration ignored): for Go benchmarks.
	Requests int
	// Body returns request seq's JSON (seq counts from 1).
	Body func(seq int64) []byte
	// KeyPrefix makes Idempotency-Keys unique across runs: KeyPrefix + seq.
	KeyPrefix string
}

// Result is what a run measured.
type Result struct {
	Clients    int
	Elapsed    time.Duration // the measured phase, until its last request returned
	Sent, OK   int           // measured requests and their 2xx responses
	WarmupSent int
	WarmupOK   int
	// Replayed counts 2xx responses marked Idempotent-Replayed: every key
	// is new, so anything but 0 means a request was answered from another.
	Replayed     int
	Errors       map[string]int // by HTTP status ("409") or "transport", all phases
	ErrorSamples []string       // the first few error responses, for diagnosis
	Latencies    []time.Duration
}

// TotalOK is the number of 2xx responses of both phases: complaints stored.
func (r *Result) TotalOK() int { return r.OK + r.WarmupOK }

// ErrorCount is the number of failed requests of both phases.
func (r *Result) ErrorCount() int {
	n := 0
	for _, c := range r.Errors {
		n += c
	}
	return n
}

// Rate is measured 2xx responses a second.
func (r *Result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.OK) / r.Elapsed.Seconds()
}

// Percentile is the nearest-rank p-th percentile (0 < p <= 100) of the
// measured requests' latencies.
func (r *Result) Percentile(p float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(r.Latencies)))) - 1
	return r.Latencies[min(max(i, 0), len(r.Latencies)-1)]
}

// Run sends intake requests from opt.Clients goroutines until the time (or
// request count) is up, and measures them. It returns ctx's error if ctx
// ends first.
func Run(ctx context.Context, t Target, opt Options) (*Result, error) {
	if opt.Clients < 1 {
		return nil, errors.New("benchload: at least one client is needed")
	}
	if opt.Body == nil {
		return nil, errors.New("benchload: no request body generator")
	}
	var (
		seq       atomic.Int64
		measuring atomic.Bool
		stop      atomic.Bool
		mu        sync.Mutex
		wg        sync.WaitGroup
	)
	res := &Result{Clients: opt.Clients, Errors: map[string]int{}}
	worker := func() {
		defer wg.Done()
		var lat []time.Duration
		var sent, ok, wsent, wok, replayed int
		errs := map[string]int{}
		var samples []string
		for !stop.Load() && ctx.Err() == nil {
			n := seq.Add(1)
			if opt.Requests > 0 && n > int64(opt.Requests) {
				break
			}
			body := opt.Body(n)
			measured := measuring.Load()
			start := time.Now()
			resp, err := t.Create(ctx, body, opt.KeyPrefix+strconv.FormatInt(n, 10))
			took := time.Since(start)
			if err != nil && ctx.Err() != nil {
				break // the run was cancelled: this request tells nothing
			}
			if measured {
				sent++
				lat = append(lat, took)
			} else {
				wsent++
			}
			switch {
			case err != nil:
				errs["transport"]++
				if len(samples) < 3 {
					samples = append(samples, err.Error())
				}
			case resp.OK():
				if measured {
					ok++
				} else {
					wok++
				}
				if resp.Replayed {
					replayed++
				}
			default:
				errs[strconv.Itoa(resp.Status)]++
				if len(samples) < 3 {
					samples = append(samples, fmt.Sprintf("HTTP %d: %.300s", resp.Status, bytes.TrimSpace(resp.Body)))
				}
			}
		}
		mu.Lock()
		defer mu.Unlock()
		res.Latencies = append(res.Latencies, lat...)
		res.Sent += sent
		res.OK += ok
		res.WarmupSent += wsent
		res.WarmupOK += wok
		res.Replayed += replayed
		for k, v := range errs {
			res.Errors[k] += v
		}
		for _, s := range samples {
			if len(res.ErrorSamples) < 5 {
				res.ErrorSamples = append(res.ErrorSamples, s)
			}
		}
	}
	wait := func(d time.Duration) {
		tm := time.NewTimer(d)
		defer tm.Stop()
		select {
		case <-tm.C:
		case <-ctx.Done():
		}
	}
	if opt.Requests > 0 || opt.Warmup <= 0 {
		measuring.Store(true)
	}
	begin := time.Now()
	wg.Add(opt.Clients)
	for range opt.Clients {
		go worker()
	}
	if opt.Requests == 0 {
		if opt.Warmup > 0 {
			wait(opt.Warmup)
			begin = time.Now()
			measuring.Store(true)
		}
		wait(opt.Duration)
		stop.Store(true)
	}
	wg.Wait()
	res.Elapsed = time.Since(begin)
	slices.Sort(res.Latencies)
	return res, ctx.Err()
}
